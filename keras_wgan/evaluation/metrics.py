"""Offline evaluation metrics for generative models.

Vectorized NumPy/SciPy versions of the scores of our offline evaluation protocol: mode coverage
on toy mixtures (VEEGAN protocol), exact and sliced Wasserstein-1 distances between point clouds,
and scores on features of a classifier of the caller's choice (Frechet distance, kernel distance,
classifier score, class coverage, precision/recall, density/coverage). Nothing here needs
Inception weights or the internet.

Every function takes array-likes and returns Python numbers, so this leaf module imports nothing
from TensorFlow, Keras or the rest of the package. Samples and features are arrays of shape
`(num_samples, num_features)`; they are validated, then computed on in float64. Pairwise distances
and kernels are built in row blocks of at most `_CHUNK_ELEMENTS` entries (32 MiB), so comparing
two sets of 5000 samples never holds the full 5000 x 5000 matrix.

The public functions are also reachable as `keras_wgan.metrics`, their first home.
"""

import math
import numbers

import numpy as np
from scipy import optimize
from scipy import special

# Entries of a distance or kernel matrix held at once: 2**22 float64 values = 32 MiB.
_CHUNK_ELEMENTS = 2**22


def mode_metrics(samples, modes, std):
    """Mode coverage of samples from a mixture of isotropic Gaussians (VEEGAN protocol).

    Each sample is assigned to its nearest mode mean. It is *high quality* if that distance is at
    most `3 * std`; a mode is *captured* if it is the nearest mode of at least one high-quality
    sample. A perfect sampler in 2-D scores `1 - exp(-4.5)` (98.9%) high quality, never 100%.

    ```
    histogram[j] = number of high-quality samples whose nearest mode is j
    p = histogram / sum(histogram)
    reverse_kl = KL(p || uniform) = sum_j p[j] * log(p[j] * num_modes)    # 0 * log(0) = 0
    ```

    `reverse_kl` is 0 for a perfectly balanced histogram, `log(num_modes / k)` when k modes are
    hit equally, and at most `log(num_modes)` (all high-quality samples on one mode). When no
    sample is high quality the histogram is not a distribution and the KL is undefined; returning
    `log(num_modes)` would rank such a sampler with one that reproduces a mode perfectly, and 0
    with a perfect one. It is `inf` instead: worse than any attainable value, so comparisons and
    minimum-selection rank it last, and impossible to mistake for a real score.

    Args:
        samples: array-like of shape `(num_samples, dim)`. Generated samples.
        modes: array-like of shape `(num_modes, dim)`. Means of the mixture components.
        std: float. Standard deviation of each (isotropic) component.

    Returns:
        A dict with `modes_captured` (int), `num_modes` (int), `high_quality_fraction` (float,
        over all samples), `reverse_kl` (float, `inf` when no sample is high quality) and
        `mode_histogram` (list of `num_modes` ints: high-quality samples per mode).

    Example:

    >>> modes = [[0.0, 0.0], [2.0, 0.0]]
    >>> samples = [[0.01, 0.0], [0.0, 0.02], [5.0, 5.0]]
    >>> result = keras_wgan.metrics.mode_metrics(samples, modes, std=0.05)
    >>> result["modes_captured"], result["mode_histogram"]
    (1, [2, 0])
    """
    samples, modes = _check_pair("samples", samples, "modes", modes)
    if isinstance(std, bool) or not isinstance(std, numbers.Real) or not 0 < std < math.inf:
        raise ValueError(f"Expected `std` to be a positive finite number. Received: std={std!r}")
    nearest = _reduce_rows(samples, modes, lambda block: np.argmin(block, axis=1))
    high_quality = np.linalg.norm(samples - modes[nearest], axis=1) <= 3.0 * std
    histogram = np.bincount(nearest[high_quality], minlength=len(modes))
    return {
        "modes_captured": int(np.count_nonzero(histogram)),
        "num_modes": len(modes),
        "high_quality_fraction": float(high_quality.mean()),
        "reverse_kl": _kl_to_uniform(histogram) if high_quality.any() else math.inf,
        "mode_histogram": histogram.tolist(),
    }


def wasserstein1(x, y, max_samples=1000, seed=0):
    """Exact Wasserstein-1 distance between two point clouds, by optimal matching.

    Between two sets of n equally weighted points an optimal transport plan is a permutation, so
    `W1 = min over matchings of mean_i ||x_i - y_match(i)||`, solved exactly by
    `scipy.optimize.linear_sum_assignment` on the Euclidean distance matrix. That costs O(n^3)
    time (slowest on collapsed samples, where many matchings tie), so both sets are first
    subsampled without replacement to `n = min(len(x), len(y), max_samples)` points with a seeded
    generator. With subsampling the result is an estimate of W1, biased upwards at small n.

    Args:
        x: array-like of shape `(num_x, dim)`. First point cloud.
        y: array-like of shape `(num_y, dim)`. Second point cloud.
        max_samples: int. Largest number of points matched from each set.
        seed: int. Seed of the subsampling generator.

    Returns:
        The W1 distance, a float.

    Example:

    >>> x = [[0.0, 0.0], [1.0, 0.0]]
    >>> keras_wgan.metrics.wasserstein1(x, [[4.0, 4.0], [3.0, 4.0]])
    5.0
    """
    x, y = _check_pair("x", x, "y", y)
    max_samples = _check_int("max_samples", max_samples)
    size = min(len(x), len(y), max_samples)
    generator = np.random.default_rng(seed)
    costs = _pairwise_distances(_subsample(x, size, generator), _subsample(y, size, generator))
    rows, columns = optimize.linear_sum_assignment(costs)
    return float(costs[rows, columns].mean())


def sliced_wasserstein1(x, y, num_projections=128, seed=0):
    """Sliced Wasserstein-1 distance: mean 1-D W1 over random projections.

    Both sets are projected on `num_projections` seeded random unit directions. In 1-D, W1 is the
    L1 distance between quantile functions, `integral over t in (0, 1) of |F_x^-1(t) - F_y^-1(t)|`.
    Both empirical quantile functions are constant between consecutive levels of the common grid
    `{i / num_x} U {j / num_y}`, so the integral is an exact weighted sum over that grid; for
    equal sizes it reduces to the mean absolute difference of the sorted projections.

    Args:
        x: array-like of shape `(num_x, dim)`. First point cloud.
        y: array-like of shape `(num_y, dim)`. Second point cloud; sizes may differ.
        num_projections: int. Number of random directions.
        seed: int. Seed of the direction generator.

    Returns:
        The sliced W1 distance, a float. For `dim == 1` it is the exact W1.
    """
    x, y = _check_pair("x", x, "y", y)
    num_projections = _check_int("num_projections", num_projections)
    directions = np.random.default_rng(seed).standard_normal((x.shape[1], num_projections))
    directions /= np.linalg.norm(directions, axis=0)
    levels = np.union1d(np.arange(len(x) + 1) / len(x), np.arange(len(y) + 1) / len(y))
    widths = np.diff(levels)
    midpoints = levels[:-1] + widths / 2
    x_quantiles = np.sort(x @ directions, axis=0)[(midpoints * len(x)).astype(int)]
    y_quantiles = np.sort(y @ directions, axis=0)[(midpoints * len(y)).astype(int)]
    return float(np.mean(widths @ np.abs(x_quantiles - y_quantiles)))


def frechet_distance(features_a, features_b):
    """Frechet distance between Gaussians fitted to two feature sets (FID on any features).

    ```
    FD = ||mean_a - mean_b||^2 + trace(cov_a + cov_b - 2 * sqrtm(cov_a @ cov_b))
    ```

    Means and covariances (`ddof=1`) are estimated from the features. The trace of the matrix
    square root is computed in the symmetric form, from eigendecompositions of symmetric
    positive semi-definite matrices:

    ```
    trace(sqrtm(cov_a @ cov_b)) = trace(sqrtm(S)),  S = sqrtm(cov_a) @ cov_b @ sqrtm(cov_a)
                                = sum(sqrt(eigenvalues of S))
    ```

    (`cov_a @ cov_b` is similar to `S`, so both have the same eigenvalues.) Unlike
    `scipy.linalg.sqrtm` of the non-symmetric product (TTUR, pytorch-fid), it stays real, warns
    of nothing and needs no diagonal offset when a covariance is singular (dead ReLU features,
    fewer samples than feature dimensions); eigenvalues below zero from round-off count as zero.
    FD is biased upwards at small n: compare scores at the same n.

    Args:
        features_a: array-like of shape `(num_a, num_features)`, `num_a >= 2`.
        features_b: array-like of shape `(num_b, num_features)`, `num_b >= 2`.

    Returns:
        The Frechet distance, a float (0 up to round-off for identical sets).

    Example:

    >>> a = [[-1.0], [1.0]]
    >>> b = [[2.0], [4.0]]
    >>> keras_wgan.metrics.frechet_distance(a, b)
    9.0
    """
    a, b = _check_pair("features_a", features_a, "features_b", features_b, min_samples=2)
    mean_difference = a.mean(axis=0) - b.mean(axis=0)
    cov_a = np.atleast_2d(np.cov(a, rowvar=False))
    cov_b = np.atleast_2d(np.cov(b, rowvar=False))
    trace = np.trace(cov_a) + np.trace(cov_b) - 2.0 * _trace_sqrt_product(cov_a, cov_b)
    return float(mean_difference @ mean_difference + trace)


def kernel_distance(features_a, features_b, num_subsets=None, subset_size=None, seed=0):
    """Kernel distance (KID): unbiased MMD^2 with a cubic polynomial kernel.

    ```
    k(x, y) = (x . y / num_features + 1)^3
    KID = mean_{i != i'} k(a_i, a_i') + mean_{j != j'} k(b_j, b_j') - 2 * mean_{i, j} k(a_i, b_j)
    ```

    The estimator is unbiased (Binkowski et al. 2018), so it is reliable at small n and can be
    slightly negative when both sets come from one distribution. By default it is computed once
    on the full sets. With `num_subsets` and `subset_size` (pass both, e.g. 100 and 1000 as in
    the paper) it is the mean of the estimates on `num_subsets` pairs of subsets drawn without
    replacement with a seeded generator, which bounds the cost for large sets. Only the mean is
    returned, to keep one float-valued API like `frechet_distance`; the spread over subsets is not
    a standard error (the subsets overlap); call it with several seeds when a spread is needed.

    Args:
        features_a: array-like of shape `(num_a, num_features)`, `num_a >= 2`.
        features_b: array-like of shape `(num_b, num_features)`, `num_b >= 2`.
        num_subsets: int or `None`. Number of subset pairs; `None` for the full sets.
        subset_size: int or `None`. Samples per subset, at least 2 and at most
            `min(num_a, num_b)`; `None` for the full sets.
        seed: int. Seed of the subset generator.

    Returns:
        The KID estimate, a float.

    Example:

    >>> keras_wgan.metrics.kernel_distance([[0.0], [1.0]], [[0.0], [-1.0]])
    0.5
    """
    a, b = _check_pair("features_a", features_a, "features_b", features_b, min_samples=2)
    if (num_subsets is None) != (subset_size is None):
        raise ValueError(
            "Pass both `num_subsets` and `subset_size`, or neither. "
            f"Received: num_subsets={num_subsets!r}, subset_size={subset_size!r}"
        )
    if num_subsets is None:
        return _unbiased_mmd2(a, b)
    num_subsets = _check_int("num_subsets", num_subsets)
    subset_size = _check_int("subset_size", subset_size, minimum=2)
    if subset_size > min(len(a), len(b)):
        raise ValueError(
            "Expected `subset_size` to be at most the size of the smaller feature set "
            f"({min(len(a), len(b))}). Received: subset_size={subset_size}"
        )
    generator = np.random.default_rng(seed)
    estimates = [
        _unbiased_mmd2(_subsample(a, subset_size, generator), _subsample(b, subset_size, generator))
        for _ in range(num_subsets)
    ]
    return float(np.mean(estimates))


def classifier_score(probabilities, num_splits=1):
    """Classifier score, the Inception-score analogue for any classifier.

    ```
    score = exp(mean_x KL(p(y | x) || p(y))),   p(y) = mean_x p(y | x)
    ```

    It ranges from 1 (every sample gets the same prediction) to `num_classes` (confident
    predictions spread evenly over the classes). With `num_splits > 1` the samples are cut into
    that many contiguous splits, as in the original Inception-score code, and the mean of the
    per-split scores is returned.

    Args:
        probabilities: array-like of shape `(num_samples, num_classes)`. Predicted class
            probabilities: non-negative rows summing to 1 (within 1e-3).
        num_splits: int. Number of splits, at most `num_samples`.

    Returns:
        The score, a float.

    Example:

    >>> keras_wgan.metrics.classifier_score([[1.0, 0.0], [0.0, 1.0]])
    2.0
    """
    probabilities = _check_features("probabilities", probabilities)
    num_splits = _check_int("num_splits", num_splits)
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

    For Stacked digits, encode each triple of digit labels as one of 1000 classes
    (`100 * first + 10 * second + third`).

    Args:
        predicted_labels: array-like of ints of shape `(num_samples,)`, in `[0, num_classes)`.
        num_classes: int. Number of classes.

    Returns:
        A dict with `classes_covered` (int, classes predicted at least once), `class_kl` (float,
        `KL(class histogram / num_samples || uniform)`, 0 when balanced, `log(num_classes / k)`
        when k classes are hit equally) and `class_histogram` (list of `num_classes` ints).

    Example:

    >>> keras_wgan.metrics.class_coverage([0, 0, 1], num_classes=3)["class_histogram"]
    [2, 1, 0]
    """
    num_classes = _check_int("num_classes", num_classes)
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
        "class_kl": _kl_to_uniform(histogram),
        "class_histogram": histogram.tolist(),
    }


def precision_recall(real_features, fake_features, k=3):
    """Improved precision and recall (Kynkaanniemi et al. 2019).

    Each set's manifold is the union of closed balls centred on its samples, each with the radius
    of the distance to the sample's k-th nearest neighbour in the same set (itself excluded).
    Precision is the fraction of fake samples inside the real manifold (quality); recall is the
    fraction of real samples inside the fake manifold (diversity). Distances are computed, as in
    the reference code, from `||a||^2 + ||b||^2 - 2 a.b`, so a sample exactly on a ball's
    boundary (only possible with duplicated samples, e.g. fakes that copy real samples) falls on
    either side depending on round-off.

    Args:
        real_features: array-like of shape `(num_real, num_features)`, `num_real > k`.
        fake_features: array-like of shape `(num_fake, num_features)`, `num_fake > k`.
        k: int. Neighbour defining the ball radii.

    Returns:
        A dict with `precision` and `recall`, floats in [0, 1].
    """
    real, fake = _check_pair("real_features", real_features, "fake_features", fake_features)
    k = _check_neighbours(k, real, "real_features")
    _check_neighbours(k, fake, "fake_features")
    real_radii = _knn_radii(real, k)
    fake_radii = _knn_radii(fake, k)
    in_real = _reduce_rows(fake, real, lambda block: np.any(block <= real_radii, axis=1))
    in_fake = _reduce_rows(real, fake, lambda block: np.any(block <= fake_radii, axis=1))
    return {"precision": float(in_real.mean()), "recall": float(in_fake.mean())}


def density_coverage(real_features, fake_features, k=5):
    """Density and coverage (Naeem et al. 2020).

    With balls around the real samples as in `precision_recall` (radius: distance to the k-th
    nearest real neighbour), density is the mean number of real balls containing a fake sample,
    divided by k; coverage is the fraction of real balls containing at least one fake sample.
    Unlike precision and recall they use only the real manifold, so fake outliers do not inflate
    them. For two samples of one distribution density is about 1 and coverage about
    `1 - 2^-k`; density can exceed 1 (for two identical sets it is `(k + 1) / k`, up to the
    round-off at ball boundaries described in `precision_recall`).

    Args:
        real_features: array-like of shape `(num_real, num_features)`, `num_real > k`.
        fake_features: array-like of shape `(num_fake, num_features)`.
        k: int. Neighbour defining the ball radii.

    Returns:
        A dict with `density` (float, >= 0) and `coverage` (float in [0, 1]).
    """
    real, fake = _check_pair("real_features", real_features, "fake_features", fake_features)
    k = _check_neighbours(k, real, "real_features")
    real_radii = _knn_radii(real, k)
    counts = _reduce_rows(fake, real, lambda block: np.count_nonzero(block <= real_radii, axis=1))
    nearest_fake = _reduce_rows(real, fake, lambda block: block.min(axis=1))
    coverage = np.mean(nearest_fake <= real_radii)
    return {"density": float(counts.mean() / k), "coverage": float(coverage)}


def _check_features(name, features, min_samples=1):
    """Return `features` as a finite float64 array of shape (num_samples, num_features)."""
    array = np.asarray(features)
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(
            f"Expected `{name}` to be a 2-D array of shape (num_samples, num_features). "
            f"Received: {name}.shape={array.shape}"
        )
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(
            f"Expected `{name}` to hold real numbers. Received: {name}.dtype={array.dtype}"
        )
    if len(array) < min_samples:
        raise ValueError(
            f"Expected `{name}` to have at least {min_samples} samples. "
            f"Received: {name}.shape={array.shape}"
        )
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"Expected `{name}` to hold finite values. Received: {name} with "
            f"{np.count_nonzero(~np.isfinite(array))} NaN or infinite entries"
        )
    return array


def _check_pair(name_a, a, name_b, b, min_samples=1):
    """Check two feature arrays and that they have the same number of features."""
    a = _check_features(name_a, a, min_samples)
    b = _check_features(name_b, b, min_samples)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"Expected `{name_a}` and `{name_b}` to have the same number of features. "
            f"Received: {name_a}.shape={a.shape}, {name_b}.shape={b.shape}"
        )
    return a, b


def _check_int(name, value, minimum=1):
    """Return `value` as an int if it is an integer (not a bool) >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(
            f"Expected `{name}` to be an integer >= {minimum}. Received: {name}={value!r}"
        )
    return int(value)


def _check_neighbours(k, features, name):
    """Check that `k` is a valid neighbour index among the samples of `features`."""
    k = _check_int("k", k)
    if k >= len(features):
        raise ValueError(
            f"Expected `k` to be smaller than the number of samples in `{name}` "
            f"({len(features)}). Received: k={k}"
        )
    return k


def _pairwise_distances(a, b):
    """Euclidean distances between the rows of `a` and `b`, shape (len(a), len(b))."""
    # ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b, in place in one (len(a), len(b)) buffer.
    squared = np.add.outer(np.einsum("ij,ij->i", a, a), np.einsum("ij,ij->i", b, b))
    squared -= (2.0 * a) @ b.T
    np.maximum(squared, 0.0, out=squared)  # round-off can make near-zero entries negative
    return np.sqrt(squared, out=squared)


def _polynomial_kernel(a, b):
    """The KID kernel `(a . b / num_features + 1)^3` between the rows of `a` and `b`."""
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def _reduce_rows(a, b, reduce, pairwise=_pairwise_distances):
    """Concatenate `reduce(pairwise(rows of a, b))` over blocks of rows of `a`.

    Only one block of at most `_CHUNK_ELEMENTS` entries exists at a time. `reduce` maps a block
    of shape (rows, len(b)) to an array of length `rows`.
    """
    rows = max(1, _CHUNK_ELEMENTS // len(b))
    return np.concatenate([reduce(pairwise(a[i : i + rows], b)) for i in range(0, len(a), rows)])


def _knn_radii(features, k):
    """Distance from each sample to its k-th nearest neighbour in `features`, itself excluded."""
    # Sorted, row i starts with the distance 0 from sample i to itself, so position k holds the
    # k-th nearest other sample (duplicates of sample i count as neighbours at distance 0). The
    # copy lets each partitioned block be freed instead of living on as the base of a view.
    return _reduce_rows(
        features, features, lambda block: np.partition(block, k, axis=1)[:, k].copy()
    )


def _unbiased_mmd2(a, b):
    """Unbiased MMD^2 between the rows of `a` and `b` with the cubic polynomial kernel."""

    def kernel_sum(x, y):
        return _reduce_rows(x, y, lambda block: block.sum(axis=1), _polynomial_kernel).sum()

    def within(x):
        diagonal = np.sum((np.einsum("ij,ij->i", x, x) / x.shape[1] + 1.0) ** 3)
        return (kernel_sum(x, x) - diagonal) / (len(x) * (len(x) - 1))

    return float(within(a) + within(b) - 2.0 * kernel_sum(a, b) / (len(a) * len(b)))


def _psd_sqrt(matrix):
    """The symmetric square root of a symmetric positive semi-definite matrix (eigh)."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def _trace_sqrt_product(cov_a, cov_b):
    """`trace(sqrtm(cov_a @ cov_b))` of two covariances, as the sum of the square roots of the
    eigenvalues of the symmetric `sqrtm(cov_a) @ cov_b @ sqrtm(cov_a)`."""
    root_a = _psd_sqrt(cov_a)
    middle = root_a @ cov_b @ root_a
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2.0)  # symmetric up to round-off
    return float(np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None))))


def _kl_to_uniform(counts):
    """KL(counts / sum(counts) || uniform), with 0 * log(0) = 0."""
    probabilities = counts / counts.sum()
    return float(special.rel_entr(probabilities, 1.0 / len(counts)).sum())


def _subsample(array, size, generator):
    """`size` rows of `array` drawn without replacement (all rows, in order, if it has `size`)."""
    if len(array) == size:
        return array
    return array[generator.choice(len(array), size, replace=False)]
