"""`keras_wgan.evaluation.classifier`: the classifiers (digits, mnist5k) are accurate, shipped with
the package under their cache file names, and trained and cached when not shipped."""

import os
import re

import keras
import numpy as np
import pytest

from keras_wgan import data
from keras_wgan import evaluation
from keras_wgan.evaluation import classifier as classifier_module

# The session's classifier cache (tests/conftest.py): every module that trains it uses it.
pytestmark = pytest.mark.usefixtures("classifier_cache")


def no_training(*args, **kwargs):
    raise AssertionError(f"fit_classifier{args} was called: the classifier was trained")


def assert_recorded_accuracy(classifier, dataset):
    """The held-out accuracy recorded when the shipped file was trained, up to one image (an
    argmax at a near-tie may flip with another CPU's rounding)."""
    recorded = classifier_module.packaged_accuracy(dataset)
    num_heldout = len(evaluation.load_split(dataset, "test")[1])
    assert recorded is not None and recorded > 0.9
    assert abs(evaluation.heldout_accuracy(classifier) - recorded) <= 1 / num_heldout + 1e-9


def test_classifier_is_accurate_and_shipped(classifier, classifier_cache, monkeypatch):
    assert_recorded_accuracy(classifier, "digits")
    path = classifier_module.classifier_path()
    assert os.path.dirname(path) == str(classifier_cache)
    assert evaluation.CLASSIFIERS["digits"]["version"] in path and "seed0" in path
    # Loaded from the package, not trained into the cache.
    assert not os.path.exists(path)
    shipped = evaluation.packaged_classifier_path()
    assert os.path.basename(shipped) == os.path.basename(path) and os.path.exists(shipped)
    monkeypatch.setattr(classifier_module, "fit_classifier", no_training)
    images = data.load_digits("test")[0][:20]
    again = evaluation.train_classifier("digits")  # loaded again, not trained
    np.testing.assert_allclose(
        evaluation.probabilities(again, images), evaluation.probabilities(classifier, images),
        atol=1e-6,
    )
    assert evaluation.features(classifier, images).shape == (20, classifier_module.FEATURE_DIM)
    assert not os.path.exists(path)


def test_every_default_classifier_is_shipped_and_loads_without_training(tmp_path, monkeypatch):
    monkeypatch.setattr(classifier_module, "fit_classifier", no_training)
    for dataset, spec in evaluation.CLASSIFIERS.items():
        shipped = evaluation.packaged_classifier_path(dataset)
        assert os.path.basename(shipped) == (
            f"{spec['version']}_split0_seed0_epochs{spec['epochs']}.keras"
        )
        classifier = evaluation.train_classifier(dataset, directory=str(tmp_path))
        assert classifier_module.classifier_dataset(classifier) == dataset
        assert {weight.dtype for weight in classifier.weights} == {"float32"}
    assert os.listdir(tmp_path) == []  # nothing trained, nothing cached
    # Another seed or number of epochs is not shipped: it must train.
    with pytest.raises(AssertionError, match="was trained"):
        evaluation.train_classifier("digits", seed=1, directory=str(tmp_path))
    with pytest.raises(AssertionError, match="was trained"):
        evaluation.train_classifier("mnist5k", epochs=3, directory=str(tmp_path))


def test_other_classifiers_are_trained_and_cached_and_the_package_comes_first(tmp_path):
    trained = evaluation.train_classifier("digits", seed=1, epochs=1, directory=str(tmp_path))
    path = classifier_module.classifier_path(seed=1, epochs=1, directory=str(tmp_path))
    assert os.listdir(tmp_path) == [os.path.basename(path)]
    images = data.load_digits("test")[0][:20]
    cached = evaluation.train_classifier("digits", seed=1, epochs=1, directory=str(tmp_path))
    np.testing.assert_allclose(
        evaluation.probabilities(cached, images), evaluation.probabilities(trained, images),
        atol=1e-6,
    )
    # The package comes before the cache: a file under the default's name there (an older
    # cache, trained on another CPU) is not used, so every machine scores with the same weights.
    os.replace(path, classifier_module.classifier_path(directory=str(tmp_path)))
    again = evaluation.train_classifier("digits", directory=str(tmp_path))
    shipped = keras.models.load_model(evaluation.packaged_classifier_path())
    np.testing.assert_allclose(
        evaluation.probabilities(again, images), evaluation.probabilities(shipped, images),
        atol=1e-6,
    )
    assert np.abs(
        evaluation.probabilities(shipped, images) - evaluation.probabilities(trained, images)
    ).max() > 0.01


@pytest.mark.slow
def test_mnist5k_classifier_is_accurate_float32_and_shipped_under_its_own_name(
    mnist5k_classifier, mnist5k
):
    assert_recorded_accuracy(mnist5k_classifier, "mnist5k")
    path = classifier_module.classifier_path(dataset="mnist5k")
    assert os.path.basename(path) == "mnist5k-classifier-v1_split0_seed0_epochs8.keras"
    assert path != classifier_module.classifier_path()
    assert os.path.basename(evaluation.packaged_classifier_path("mnist5k")) == (
        os.path.basename(path)
    )
    assert classifier_module.classifier_dataset(mnist5k_classifier) == "mnist5k"
    assert {weight.dtype for weight in mnist5k_classifier.weights} == {"float32"}
    images = mnist5k[1][0][:20]
    features = evaluation.features(mnist5k_classifier, images)
    assert features.shape == (20, classifier_module.FEATURE_DIM)
    assert "mnist5k-classifier-v1" in classifier_module.describe_features(mnist5k_classifier)
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
        classifier_module.classifier_dataset(keras.Model(inputs, keras.layers.Flatten()(inputs)))
