"""Scores of k-nearest-neighbour manifolds: precision/recall and density/coverage (NumPy only)."""

import numpy as np

from keras_wgan.evaluation._arrays import check_int
from keras_wgan.evaluation._arrays import check_pair
from keras_wgan.evaluation._arrays import reduce_rows

PRECISION_RECALL_K = 3
DENSITY_COVERAGE_K = 5


def precision_recall(real_features, fake_features, k=PRECISION_RECALL_K):
    """Improved precision and recall (Kynkaanniemi et al. 2019).

    A set's manifold: balls around its samples reaching their k-th nearest neighbours.
    Precision: fakes inside the real manifold; recall: reals inside the fake one.

    Args:
        real_features: array-like of shape `(num_real, num_features)`, `num_real > k`.
        fake_features: array-like of shape `(num_fake, num_features)`, `num_fake > k`.
        k: int. Neighbour defining the ball radii.

    Returns:
        A dict with `precision` and `recall`, floats in [0, 1].
    """
    real, fake = check_pair("real_features", real_features, "fake_features", fake_features)
    k = _check_neighbours(k, real, "real_features")
    _check_neighbours(k, fake, "fake_features")
    real_radii = _knn_radii(real, k)
    fake_radii = _knn_radii(fake, k)
    in_real = reduce_rows(fake, real, lambda block: np.any(block <= real_radii, axis=1))
    in_fake = reduce_rows(real, fake, lambda block: np.any(block <= fake_radii, axis=1))
    return {"precision": float(in_real.mean()), "recall": float(in_fake.mean())}


def density_coverage(real_features, fake_features, k=DENSITY_COVERAGE_K):
    """Density and coverage (Naeem et al. 2020).

    With the real balls of `precision_recall`: density is the mean number of real balls holding
    a fake, over k (about 1 for one distribution, can exceed 1); coverage is the fraction of
    real balls holding one. Fake outliers do not inflate them.

    Args:
        real_features: array-like of shape `(num_real, num_features)`, `num_real > k`.
        fake_features: array-like of shape `(num_fake, num_features)`.
        k: int. Neighbour defining the ball radii.

    Returns:
        A dict with `density` (float, >= 0) and `coverage` (float in [0, 1]).
    """
    real, fake = check_pair("real_features", real_features, "fake_features", fake_features)
    k = _check_neighbours(k, real, "real_features")
    real_radii = _knn_radii(real, k)
    counts = reduce_rows(fake, real, lambda block: np.count_nonzero(block <= real_radii, axis=1))
    nearest_fake = reduce_rows(real, fake, lambda block: block.min(axis=1))
    coverage = np.mean(nearest_fake <= real_radii)
    return {"density": float(counts.mean() / k), "coverage": float(coverage)}


def _check_neighbours(k, features, name):
    k = check_int("k", k)
    if k >= len(features):
        raise ValueError(
            f"Expected `k` to be smaller than the number of samples in `{name}` "
            f"({len(features)}). Received: k={k}"
        )
    return k


def _knn_radii(features, k):
    """Distance from each sample to its k-th nearest neighbour in `features`, itself excluded."""
    # Position k skips sample i's distance 0 to itself; the copy lets each block be freed.
    return reduce_rows(
        features, features, lambda block: np.partition(block, k, axis=1)[:, k].copy()
    )
