"""`keras_wgan.evaluation.classifier`: the digits classifier is accurate and cached."""

import os

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
