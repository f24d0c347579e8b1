"""Distances between sample sets: Frechet (FID), kernel (KID) and Wasserstein-1 (NumPy/SciPy)."""

import numpy as np
from scipy import optimize

from keras_wgan.evaluation._arrays import check_int
from keras_wgan.evaluation._arrays import check_pair
from keras_wgan.evaluation._arrays import pairwise_distances
from keras_wgan.evaluation._arrays import reduce_rows
from keras_wgan.evaluation._arrays import subsample


def wasserstein1(x, y, max_samples=1000, seed=0):
    """Exact Wasserstein-1 distance between two point clouds, by optimal matching.

    `W1 = min over matchings of mean_i ||x_i - y_match(i)||`, O(n^3), on seeded subsets of
    `n = min(len(x), len(y), max_samples)` points: biased upwards at small n.

    Args:
        x: array-like of shape `(num_x, dim)`.
        y: array-like of shape `(num_y, dim)`.
        max_samples: int. Largest number of points matched from each set.
        seed: int. Seed of the subsets.

    Example:

    >>> keras_wgan.evaluation.wasserstein1([[0.0, 0.0], [1.0, 0.0]], [[4.0, 4.0], [3.0, 4.0]])
    5.0
    """
    x, y = check_pair("x", x, "y", y)
    max_samples = check_int("max_samples", max_samples)
    size = min(len(x), len(y), max_samples)
    generator = np.random.default_rng(seed)
    costs = pairwise_distances(subsample(x, size, generator), subsample(y, size, generator))
    rows, columns = optimize.linear_sum_assignment(costs)
    return float(costs[rows, columns].mean())


def sliced_wasserstein1(x, y, num_projections=128, seed=0):
    """Sliced Wasserstein-1 distance: mean exact 1-D W1 over seeded random directions.

    Args:
        x: array-like of shape `(num_x, dim)`.
        y: array-like of shape `(num_y, dim)`; sizes may differ.
        num_projections: int. Number of random directions.
        seed: int. Seed of the directions.
    """
    x, y = check_pair("x", x, "y", y)
    num_projections = check_int("num_projections", num_projections)
    directions = np.random.default_rng(seed).standard_normal((x.shape[1], num_projections))
    directions /= np.linalg.norm(directions, axis=0)
    levels = np.union1d(np.arange(len(x) + 1) / len(x), np.arange(len(y) + 1) / len(y))
    widths = np.diff(levels)
    midpoints = levels[:-1] + widths / 2
    x_quantiles = np.sort(x @ directions, axis=0)[(midpoints * len(x)).astype(int)]
    y_quantiles = np.sort(y @ directions, axis=0)[(midpoints * len(y)).astype(int)]
    return float(np.mean(widths @ np.abs(x_quantiles - y_quantiles)))


def frechet_distance(features_a, features_b):
    """Frechet distance between Gaussians fitted to two feature sets (FID, Heusel et al. 2017).

    `||mean_a - mean_b||^2 + trace(cov_a + cov_b - 2 * sqrtm(cov_a @ cov_b))`, the trace of the
    root taken in a symmetric form that stays real when a covariance is singular. Biased upwards
    at small n: compare scores at the same n.

    Args:
        features_a: array-like of shape `(num_a, num_features)`, `num_a >= 2`.
        features_b: array-like of shape `(num_b, num_features)`, `num_b >= 2`.

    Example:

    >>> keras_wgan.evaluation.frechet_distance([[-1.0], [1.0]], [[2.0], [4.0]])
    9.0
    """
    a, b = check_pair("features_a", features_a, "features_b", features_b, min_samples=2)
    mean_difference = a.mean(axis=0) - b.mean(axis=0)
    cov_a = np.atleast_2d(np.cov(a, rowvar=False))
    cov_b = np.atleast_2d(np.cov(b, rowvar=False))
    trace = np.trace(cov_a) + np.trace(cov_b) - 2.0 * _trace_sqrt_product(cov_a, cov_b)
    return float(mean_difference @ mean_difference + trace)


def kernel_distance(features_a, features_b, num_subsets=None, subset_size=None, seed=0):
    """Kernel distance (KID, Binkowski et al. 2018): unbiased MMD^2, kernel `(x.y / d + 1)^3`.

    Unbiased, so usable at small n (and at times slightly negative). With `num_subsets` and
    `subset_size`, the mean over that many seeded subset pairs, to bound the cost.

    Args:
        features_a: array-like of shape `(num_a, num_features)`, `num_a >= 2`.
        features_b: array-like of shape `(num_b, num_features)`, `num_b >= 2`.
        num_subsets: int or `None`. Number of subset pairs; `None` for the full sets.
        subset_size: int or `None`. Samples per subset, in `[2, min(num_a, num_b)]`.
        seed: int. Seed of the subsets.

    Raises:
        ValueError: if only one of `num_subsets` and `subset_size` is given.

    Example:

    >>> keras_wgan.evaluation.kernel_distance([[0.0], [1.0]], [[0.0], [-1.0]])
    0.5
    """
    a, b = check_pair("features_a", features_a, "features_b", features_b, min_samples=2)
    if (num_subsets is None) != (subset_size is None):
        raise ValueError(
            "Pass both `num_subsets` and `subset_size`, or neither. "
            f"Received: num_subsets={num_subsets!r}, subset_size={subset_size!r}"
        )
    if num_subsets is None:
        return _unbiased_mmd2(a, b)
    num_subsets = check_int("num_subsets", num_subsets)
    subset_size = check_int("subset_size", subset_size, minimum=2)
    if subset_size > min(len(a), len(b)):
        raise ValueError(
            "Expected `subset_size` to be at most the size of the smaller feature set "
            f"({min(len(a), len(b))}). Received: subset_size={subset_size}"
        )
    generator = np.random.default_rng(seed)
    estimates = [
        _unbiased_mmd2(subsample(a, subset_size, generator), subsample(b, subset_size, generator))
        for _ in range(num_subsets)
    ]
    return float(np.mean(estimates))


def _polynomial_kernel(a, b):
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def _unbiased_mmd2(a, b):
    def kernel_sum(x, y):
        return reduce_rows(x, y, lambda block: block.sum(axis=1), _polynomial_kernel).sum()

    def within(x):
        diagonal = np.sum((np.einsum("ij,ij->i", x, x) / x.shape[1] + 1.0) ** 3)
        return (kernel_sum(x, x) - diagonal) / (len(x) * (len(x) - 1))

    return float(within(a) + within(b) - 2.0 * kernel_sum(a, b) / (len(a) * len(b)))


def _psd_sqrt(matrix):
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def _trace_sqrt_product(cov_a, cov_b):
    """`trace(sqrtm(cov_a @ cov_b))`, from the eigenvalues of a similar symmetric matrix."""
    root_a = _psd_sqrt(cov_a)
    middle = root_a @ cov_b @ root_a
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2.0)  # symmetric up to round-off
    return float(np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None))))
