"""Fixtures of the evaluation tests: the cached classifiers (digits, mnist5k) and their splits."""

import pytest

from keras_wgan import data
from keras_wgan import evaluation


@pytest.fixture(scope="module")
def classifier(classifier_cache):
    return evaluation.train_classifier("digits")


@pytest.fixture(scope="module")
def digits():
    train = data.load_digits("train", seed=evaluation.SPLIT_SEED)
    test = data.load_digits("test", seed=evaluation.SPLIT_SEED)
    return train, test


@pytest.fixture(scope="module")
def mnist5k_classifier(classifier_cache):
    return evaluation.train_classifier("mnist5k")


@pytest.fixture(scope="module")
def mnist5k():
    return evaluation.load_split("mnist5k", "train"), evaluation.load_split("mnist5k", "test")
