"""Scores on a classifier's outputs: classifier score and class coverage (NumPy/SciPy only)."""

import numpy as np
from scipy import special

from keras_wgan.evaluation._arrays import check_features
from keras_wgan.evaluation._arrays import check_int
from keras_wgan.evaluation._arrays import kl_to_uniform


def classifier_score(probabilities, num_splits=1):
    """The Inception score (Salimans et al. 2016) of any classifier's probabilities.

    `exp(mean_x KL(p(y | x) || p(y)))`, from 1 to `num_classes`; with `num_splits > 1`, the mean
    over that many contiguous splits.

    Args:
        probabilities: array-like of shape `(num_samples, num_classes)`, rows summing to 1.
        num_splits: int. Number of splits, at most `num_samples`.

    Example:

    >>> keras_wgan.evaluation.classifier_score([[1.0, 0.0], [0.0, 1.0]])
    2.0
    """
    probabilities = check_features("probabilities", probabilities)
    num_splits = check_int("num_splits", num_splits)
    if num_splits > len(probabilities):
        raise ValueError(
            "Expected `num_splits` to be at most the number of samples "
            f"({len(probabilities)}). Received: num_splits={num_splits}"
        )
    row_sums = probabilities.sum(axis=1)
    if np.any(probabilities < 0) or not np.allclose(row_sums, 1.0, rtol=0.0, atol=1e-3):
        raise ValueError(
            "Expected each row of `probabilities` to be non-negative and sum to 1. Received: "
            f"probabilities with minimum {probabilities.min():.4g} and row sums in "
            f"[{row_sums.min():.4g}, {row_sums.max():.4g}]"
        )
    scores = []
    for split in np.array_split(probabilities, num_splits):
        divergences = special.rel_entr(split, split.mean(axis=0)).sum(axis=1)
        scores.append(np.exp(divergences.mean()))
    return float(np.mean(scores))


def class_coverage(predicted_labels, num_classes):
    """Class coverage of generated samples, from a classifier's predicted labels.

    Args:
        predicted_labels: array-like of ints of shape `(num_samples,)`, in `[0, num_classes)`.
        num_classes: int. Number of classes.

    Returns:
        A dict with `classes_covered` (predicted at least once), `class_kl` (KL of the class
        histogram to uniform) and `class_histogram`.
    """
    num_classes = check_int("num_classes", num_classes)
    labels = np.asarray(predicted_labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(
            "Expected `predicted_labels` to be a non-empty 1-D array. "
            f"Received: predicted_labels.shape={labels.shape}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            "Expected `predicted_labels` to hold integers. "
            f"Received: predicted_labels.dtype={labels.dtype}"
        )
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(
            f"Expected `predicted_labels` in [0, num_classes={num_classes}). Received: "
            f"predicted_labels with values in [{labels.min()}, {labels.max()}]"
        )
    histogram = np.bincount(labels, minlength=num_classes)
    return {
        "classes_covered": int(np.count_nonzero(histogram)),
        "class_kl": kl_to_uniform(histogram),
        "class_histogram": histogram.tolist(),
    }
