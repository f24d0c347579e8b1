"""`keras_wgan.evaluation.classes`: classifier score and class coverage."""

import math

import numpy as np
import pytest

from keras_wgan import evaluation

# classifier_score


def test_classifier_score_confident_uniform_predictions():
    probabilities = np.eye(10)[np.arange(200) % 10]
    assert evaluation.classifier_score(probabilities) == pytest.approx(10.0)
    assert evaluation.classifier_score(probabilities, num_splits=4) == pytest.approx(10.0)


def test_classifier_score_identical_predictions():
    probabilities = np.tile([0.2, 0.3, 0.5], (50, 1))
    assert evaluation.classifier_score(probabilities) == pytest.approx(1.0)


def test_classifier_score_hand_computed():
    # p(y) = (3/4, 1/4). KL((1, 0) || p) = log(4/3); KL((1/2, 1/2) || p) = log(4/3) / 2.
    probabilities = [[1.0, 0.0], [1.0, 0.0], [0.5, 0.5], [0.5, 0.5]]
    assert evaluation.classifier_score(probabilities) == pytest.approx((4 / 3) ** 0.75)


def test_classifier_score_splits():
    probabilities = np.eye(2)[[0, 0, 0, 1, 1, 1]]
    assert evaluation.classifier_score(probabilities) == pytest.approx(2.0)
    # Each contiguous half holds one class only.
    assert evaluation.classifier_score(probabilities, num_splits=2) == pytest.approx(1.0)


def test_classifier_score_rejects_bad_inputs():
    with pytest.raises(ValueError, match=r"non-negative and sum to 1.*minimum -0.1"):
        evaluation.classifier_score([[1.1, -0.1], [0.5, 0.5]])
    with pytest.raises(ValueError, match=r"row sums in \[0.5, 1\]"):
        evaluation.classifier_score([[0.25, 0.25], [0.5, 0.5]])
    with pytest.raises(ValueError, match=r"at most the number of samples \(2\).*num_splits=3"):
        evaluation.classifier_score([[1.0, 0.0], [0.0, 1.0]], num_splits=3)
    with pytest.raises(ValueError, match=r"Received: num_splits=0"):
        evaluation.classifier_score([[1.0, 0.0], [0.0, 1.0]], num_splits=0)
    with pytest.raises(ValueError, match=r"probabilities.shape=\(2,\)"):
        evaluation.classifier_score([0.5, 0.5])


# class_coverage


def test_class_coverage_counts():
    result = evaluation.class_coverage(np.array([0, 0, 1, 1]), num_classes=4)
    assert result["classes_covered"] == 2
    assert result["class_kl"] == pytest.approx(math.log(2))
    assert result["class_histogram"] == [2, 2, 0, 0]


def test_class_coverage_balanced():
    result = evaluation.class_coverage(np.arange(30) % 10, num_classes=10)
    assert result["classes_covered"] == 10
    assert result["class_kl"] == pytest.approx(0.0, abs=1e-12)
    assert result["class_histogram"] == [3] * 10


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.array([0.0, 1.0]), r"hold integers.*dtype=float64"),
        (np.array([0, 4]), r"in \[0, num_classes=4\).*values in \[0, 4\]"),
        (np.array([-1, 2]), r"values in \[-1, 2\]"),
        (np.zeros((2, 2), dtype=int), r"1-D array.*shape=\(2, 2\)"),
        (np.array([], dtype=int), r"non-empty.*shape=\(0,\)"),
    ],
)
def test_class_coverage_rejects_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        evaluation.class_coverage(labels, num_classes=4)


def test_class_coverage_rejects_bad_num_classes():
    with pytest.raises(ValueError, match=r"Received: num_classes=0"):
        evaluation.class_coverage([0], num_classes=0)
