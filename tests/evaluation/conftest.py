"""Fixtures of the evaluation tests: the cached digits classifier and the digits' split."""

import pytest

from keras_wgan import data
from keras_wgan import evaluation


@pytest.fixture(scope="module")
def classifier(classifier_cache):
    return evaluation.train_digits_classifier()


@pytest.fixture(scope="module")
def digits():
    train = data.load_digits("train", seed=evaluation.SPLIT_SEED)
    test = data.load_digits("test", seed=evaluation.SPLIT_SEED)
    return train, test
