"""`keras_wgan.evaluation.classifier`: the classifiers (digits, mnist5k) are accurate and cached."""

import os
import re

import keras
import numpy as np
import pytest

from keras_wgan import data
from keras_wgan import evaluation

# The session's classifier cache (tests/conftest.py): every module that trains it uses it.
pytestmark = pytest.mark.usefixtures("classifier_cache")


def test_classifier_is_accurate_and_cached(classifier, classifier_cache):
    accuracy = evaluation.heldout_accuracy(classifier)
    assert accuracy > 0.9
    path = evaluation.classifier_path()
    assert os.path.dirname(path) == str(classifier_cache)
    assert evaluation.CLASSIFIER_VERSION in path and "seed0" in path and os.path.exists(path)
    images = data.load_digits("test")[0][:20]
    again = evaluation.train_digits_classifier()  # loaded, not retrained
    np.testing.assert_allclose(
        evaluation.probabilities(again, images), evaluation.probabilities(classifier, images),
        atol=1e-6,
    )
    assert evaluation.features(classifier, images).shape == (20, evaluation.FEATURE_DIM)


@pytest.mark.slow
def test_mnist5k_classifier_is_accurate_float32_and_cached_under_its_own_name(
    mnist5k_classifier, mnist5k
):
    from tests.conftest import MNIST5K_CLASSIFIER_EPOCHS

    assert evaluation.heldout_accuracy(mnist5k_classifier) > 0.9
    path = evaluation.classifier_path(dataset="mnist5k")
    assert os.path.basename(path) == (
        f"mnist5k-classifier-v1_split0_seed0_epochs{MNIST5K_CLASSIFIER_EPOCHS}.keras"
    )
    assert os.path.exists(path) and path != evaluation.classifier_path()
    assert evaluation.classifier_dataset(mnist5k_classifier) == "mnist5k"
    assert {weight.dtype for weight in mnist5k_classifier.weights} == {"float32"}
    images = mnist5k[1][0][:20]
    assert evaluation.features(mnist5k_classifier, images).shape == (20, evaluation.FEATURE_DIM)
    assert "mnist5k-classifier-v1" in evaluation.describe_features(mnist5k_classifier)
    with pytest.raises(ValueError, match=re.escape("images.shape=(20, 8, 8, 1)")):
        evaluation.features(mnist5k_classifier, data.load_digits("test")[0][:20])


def test_classifiers_are_float32_under_a_mixed_policy_and_known_by_dataset():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        classifier = evaluation.build_classifier("mnist5k")
    finally:
        keras.config.set_dtype_policy(previous)
    assert {layer.compute_dtype for layer in classifier.layers} == {"float32"}
    assert tuple(classifier.inputs[0].shape[1:]) == (28, 28, 1)
    with pytest.raises(ValueError, match=re.escape("dataset='cifar10'")):
        evaluation.train_classifier("cifar10")
    with pytest.raises(ValueError, match=re.escape("input shape (32, 32, 3)")):
        inputs = keras.Input((32, 32, 3))
        evaluation.classifier_dataset(keras.Model(inputs, keras.layers.Flatten()(inputs)))
