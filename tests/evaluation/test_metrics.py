"""`keras_wgan.evaluation.metrics`: hand-computed values, closed forms and input validation."""

import ast
import doctest
import math
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.stats

import keras_wgan
from keras_wgan.evaluation import metrics

# The 25-mode grid of EVALUATION.md: means {-4, -2, 0, 2, 4}^2, std 0.05.
GRID = np.array([(x, y) for x in range(-4, 5, 2) for y in range(-4, 5, 2)], dtype=float)
GRID_STD = 0.05


def _with_moments(mean, variances, num_samples=200, seed=0):
    """Samples whose empirical mean and covariance (ddof=1) are exactly `mean`, diag(variances)."""
    samples = np.random.default_rng(seed).standard_normal((num_samples, len(mean)))
    samples -= samples.mean(axis=0)
    whitening = np.linalg.inv(np.linalg.cholesky(np.cov(samples, rowvar=False)))
    return samples @ whitening.T * np.sqrt(variances) + np.asarray(mean)


def test_module_is_a_leaf():
    imported = set()
    for node in ast.walk(ast.parse(open(metrics.__file__).read())):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported == {"math", "numbers", "numpy", "scipy"}


def test_docstring_examples():
    result = doctest.testmod(metrics, extraglobs={"keras_wgan": keras_wgan})
    assert result.attempted > 0
    assert result.failed == 0


# mode_metrics


def test_mode_metrics_all_modes_hit_evenly():
    offsets = np.array([[0.1, 0.0], [0.0, -0.1], [-0.05, 0.05], [0.0, 0.0]])  # all within 3 std
    samples = (GRID[:, None, :] + offsets).reshape(-1, 2)
    result = metrics.mode_metrics(samples, GRID, GRID_STD)
    assert result["modes_captured"] == 25
    assert result["num_modes"] == 25
    assert result["high_quality_fraction"] == 1.0
    assert result["reverse_kl"] == pytest.approx(0.0, abs=1e-12)
    assert result["mode_histogram"] == [4] * 25


@pytest.mark.parametrize("num_hit", [1, 5, 20, 24])
def test_mode_metrics_dropped_modes(num_hit):
    samples = np.repeat(GRID[:num_hit], 3, axis=0)
    result = metrics.mode_metrics(samples, GRID, GRID_STD)
    assert result["modes_captured"] == num_hit
    assert result["high_quality_fraction"] == 1.0
    assert result["reverse_kl"] == pytest.approx(math.log(25 / num_hit), rel=1e-12)
    assert result["mode_histogram"] == [3] * num_hit + [0] * (25 - num_hit)


def test_mode_metrics_far_samples_are_not_high_quality():
    samples = [
        [-4.0 + 0.14, -4.0],  # 2.8 std from mode 0: high quality
        [-4.0, -2.0 + 0.16],  # 3.2 std from mode 1: not
        [100.0, 100.0],  # far from everything
        [1.0, 1.0],  # halfway between four modes
    ]
    result = metrics.mode_metrics(samples, GRID, GRID_STD)
    assert result["high_quality_fraction"] == 0.25
    assert result["modes_captured"] == 1
    assert result["mode_histogram"] == [1] + [0] * 24
    assert result["reverse_kl"] == pytest.approx(math.log(25))


def test_mode_metrics_unbalanced_histogram():
    result = metrics.mode_metrics([[0.0, 0.0]] * 3 + [[1.0, 0.0]], [[0.0, 0.0], [1.0, 0.0]], 0.1)
    # p = (3/4, 1/4) against uniform (1/2, 1/2).
    expected = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    assert result["reverse_kl"] == pytest.approx(expected, rel=1e-12)
    assert result["mode_histogram"] == [3, 1]


def test_mode_metrics_no_high_quality_sample():
    result = metrics.mode_metrics([[50.0, 50.0], [1.0, 1.0]], GRID, GRID_STD)
    assert result["high_quality_fraction"] == 0.0
    assert result["modes_captured"] == 0
    assert result["reverse_kl"] == math.inf
    assert result["mode_histogram"] == [0] * 25


def test_mode_metrics_perfect_sampler():
    generator = np.random.default_rng(0)
    num_samples = 20_000
    samples = GRID[generator.integers(25, size=num_samples)]
    samples += GRID_STD * generator.standard_normal((num_samples, 2))
    result = metrics.mode_metrics(samples, GRID, GRID_STD)
    # In 2-D, P(||noise|| <= 3 std) = 1 - exp(-9 / 2); standard error 0.0007 at n = 20000.
    assert result["high_quality_fraction"] == pytest.approx(1 - math.exp(-4.5), abs=0.004)
    assert result["modes_captured"] == 25
    assert result["reverse_kl"] < 0.005  # multinomial noise: about 24 / (2 n) = 0.0006


@pytest.mark.parametrize("std", [0, -1.0, math.nan, math.inf, True, "0.05", None])
def test_mode_metrics_rejects_bad_std(std):
    with pytest.raises(ValueError, match=r"`std`.*Received: std="):
        metrics.mode_metrics(GRID, GRID, std)


def test_mode_metrics_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"same number of features.*modes.shape=\(25, 2\)"):
        metrics.mode_metrics(np.zeros((4, 3)), GRID, GRID_STD)
    with pytest.raises(ValueError, match=r"2-D array.*Received: samples.shape=\(4,\)"):
        metrics.mode_metrics(np.zeros(4), GRID, GRID_STD)
    with pytest.raises(ValueError, match=r"at least 1 samples.*samples.shape=\(0, 2\)"):
        metrics.mode_metrics(np.zeros((0, 2)), GRID, GRID_STD)
    with pytest.raises(ValueError, match=r"`modes` to hold real numbers.*dtype=<U1"):
        metrics.mode_metrics(GRID, [["a", "b"]], GRID_STD)


# Validation shared by all feature-based metrics (through _check_features / _check_pair).


def test_rejects_non_finite_features():
    features = np.ones((5, 2))
    features[1, 0] = np.nan
    features[2, 1] = np.inf
    with pytest.raises(ValueError, match=r"`fake_features` to hold finite.*2 NaN or infinite"):
        metrics.precision_recall(np.ones((5, 2)), features)


def test_rejects_empty_feature_dimension():
    with pytest.raises(ValueError, match=r"Received: x.shape=\(3, 0\)"):
        metrics.sliced_wasserstein1(np.zeros((3, 0)), np.zeros((3, 0)))


def test_accepts_integer_and_float32_features():
    x = np.array([[0, 0], [1, 0]], dtype=np.int32)
    y = np.array([[4, 4], [3, 4]], dtype=np.float32)
    assert metrics.wasserstein1(x, y) == 5.0


# wasserstein1


def test_wasserstein1_of_a_shift_is_the_shift_norm():
    # For any coupling E||X - Y|| >= ||E[X - Y]|| = ||v||, and translating every point attains it.
    generator = np.random.default_rng(1)
    x = generator.standard_normal((300, 3))
    shift = np.array([0.3, -1.2, 2.0])
    y = generator.permutation(x + shift)
    assert metrics.wasserstein1(x, y) == pytest.approx(np.linalg.norm(shift), rel=1e-9)


def test_wasserstein1_finds_the_optimal_matching():
    # Pairing by index costs sqrt(2) per point; crossing costs 1.
    assert metrics.wasserstein1([[0, 0], [1, 0]], [[1, 1], [0, 1]]) == pytest.approx(1.0)
    # In 1-D the sorted matching is optimal: (0.5 + 0.5 + 3) / 3.
    x = [[0.0], [1.0], [2.0]]
    y = [[5.0], [0.5], [1.5]]
    assert metrics.wasserstein1(x, y) == pytest.approx(4 / 3)


def test_wasserstein1_unequal_sizes_and_subsampling():
    x = np.zeros((50, 2))
    y = np.tile([3.0, 4.0], (30, 1))
    assert metrics.wasserstein1(x, y) == pytest.approx(5.0)
    assert metrics.wasserstein1(x, y, max_samples=7) == pytest.approx(5.0)


def test_wasserstein1_subsampling_is_seeded():
    generator = np.random.default_rng(2)
    x = generator.standard_normal((80, 2))
    y = generator.standard_normal((60, 2)) + 1.0
    first = metrics.wasserstein1(x, y, max_samples=20, seed=3)
    assert metrics.wasserstein1(x, y, max_samples=20, seed=3) == first
    assert metrics.wasserstein1(x, y, max_samples=20, seed=4) != first


@pytest.mark.parametrize("max_samples", [0, 2.5, True])
def test_wasserstein1_rejects_bad_max_samples(max_samples):
    with pytest.raises(ValueError, match=r"Received: max_samples="):
        metrics.wasserstein1(np.zeros((3, 2)), np.zeros((3, 2)), max_samples=max_samples)


def test_wasserstein1_rejects_mismatched_dims():
    with pytest.raises(ValueError, match=r"x.shape=\(3, 2\), y.shape=\(3, 1\)"):
        metrics.wasserstein1(np.zeros((3, 2)), np.zeros((3, 1)))


# sliced_wasserstein1


def test_sliced_wasserstein1_of_a_1d_shift():
    x = np.random.default_rng(3).standard_normal((100, 1))
    y = np.random.default_rng(4).permutation(x + 2.5)
    assert metrics.sliced_wasserstein1(x, y) == pytest.approx(2.5, rel=1e-12)


def test_sliced_wasserstein1_unequal_sizes():
    # Quantile functions: x is 0 on (0, 1/2), 1 on (1/2, 1); y is 0, 0.5, 1 on thirds.
    # They differ by 0.5 on (1/3, 2/3): W1 = 0.5 * 1/3.
    result = metrics.sliced_wasserstein1([[0.0], [1.0]], [[0.0], [0.5], [1.0]])
    assert result == pytest.approx(1 / 6)
    generator = np.random.default_rng(5)
    x, y = generator.standard_normal(7), generator.standard_normal(11) + 0.3
    expected = scipy.stats.wasserstein_distance(x, y)
    assert metrics.sliced_wasserstein1(x[:, None], y[:, None]) == pytest.approx(expected)


def test_sliced_wasserstein1_of_a_2d_shift():
    # Each projection of a shift by v is a 1-D shift by |v . theta|; E|cos| = 2 / pi in 2-D.
    x = np.random.default_rng(6).standard_normal((50, 2))
    shift = np.array([3.0, 4.0])
    result = metrics.sliced_wasserstein1(x, x + shift, num_projections=20_000)
    assert result == pytest.approx(5.0 * 2 / math.pi, rel=0.02)


def test_sliced_wasserstein1_is_at_most_wasserstein1():
    # Projections onto unit vectors are 1-Lipschitz.
    generator = np.random.default_rng(7)
    x = generator.standard_normal((40, 3))
    y = generator.standard_normal((40, 3)) * 2.0
    assert metrics.sliced_wasserstein1(x, y) <= metrics.wasserstein1(x, y)


def test_sliced_wasserstein1_rejects_bad_num_projections():
    with pytest.raises(ValueError, match=r"Received: num_projections=0"):
        metrics.sliced_wasserstein1(np.zeros((3, 2)), np.zeros((3, 2)), num_projections=0)


# frechet_distance


def test_frechet_distance_of_identical_sets_is_zero():
    features = np.random.default_rng(8).standard_normal((500, 16))
    assert metrics.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_identity_covariances():
    mean_a, mean_b = np.array([0.0, 1.0, -1.0, 2.0]), np.array([1.0, -1.0, 0.5, 2.0])
    a = _with_moments(mean_a, np.ones(4), seed=1)
    b = _with_moments(mean_b, np.ones(4), seed=2)
    expected = np.sum((mean_a - mean_b) ** 2)  # 1 + 4 + 2.25 + 0 = 7.25
    assert metrics.frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_diagonal_covariances():
    variances_a, variances_b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    a = _with_moments([0.0, 0.0, 0.0], variances_a, seed=3)
    b = _with_moments([1.0, 0.0, 2.0], variances_b, seed=4)
    # 5 + sum(1 + 9 - 6, 4 + 1 - 4, 0.25 + 0.25 - 0.5) = 5 + 4 + 1 + 0.
    assert metrics.frechet_distance(a, b) == pytest.approx(10.0, rel=1e-9)


def test_frechet_distance_with_fewer_samples_than_dimensions():
    features = np.random.default_rng(9).standard_normal((3, 50))
    assert metrics.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-4)


def _old_frechet_distance(a, b):
    """FD as the TTUR and pytorch-fid code compute it: scipy's sqrtm of cov_a @ cov_b."""
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    difference = a.mean(axis=0) - b.mean(axis=0)
    covmean = scipy.linalg.sqrtm(cov_a @ cov_b).real
    return difference @ difference + np.trace(cov_a + cov_b - 2.0 * covmean)


def test_frechet_distance_equals_sqrtm_of_the_product_on_well_conditioned_inputs():
    rng = np.random.default_rng(10)
    mixing = rng.standard_normal((16, 16))
    a = rng.standard_normal((800, 16)) @ mixing
    b = rng.standard_normal((800, 16)) @ (mixing + 0.3 * rng.standard_normal((16, 16))) + 0.5
    assert metrics.frechet_distance(a, b) == pytest.approx(_old_frechet_distance(a, b), rel=1e-9)


def _dead_relu_features(num_samples, dead, shift, seed):
    """ReLU-like features [n, 64] whose first `dead` units are always 0: singular covariances."""
    rng = np.random.default_rng(seed)
    features = np.maximum(rng.standard_normal((num_samples, 64)) + shift, 0.0)
    features[:, :dead] = 0.0
    return features


def test_frechet_distance_is_warning_free_and_sound_on_singular_covariances():
    a = _dead_relu_features(1000, 20, 0.0, seed=0)
    b = _dead_relu_features(1000, 25, 0.3, seed=1)
    with pytest.warns(scipy.linalg.LinAlgWarning):  # what the old computation did here
        _old_frechet_distance(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        distance = metrics.frechet_distance(a, b)
        same = metrics.frechet_distance(a, a)
        few = metrics.frechet_distance(a[:30], b[:30])  # fewer samples than dimensions
    # trace(sqrtm(cov_a @ cov_b)) is also the sum of the square roots of its eigenvalues.
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    eigenvalues = np.clip(np.linalg.eigvals(cov_a @ cov_b).real, 0.0, None)
    difference = a.mean(axis=0) - b.mean(axis=0)
    expected = difference @ difference + np.trace(cov_a + cov_b) - 2 * np.sqrt(eigenvalues).sum()
    assert distance == pytest.approx(expected, rel=1e-6)  # sqrt of round-off eigenvalues
    assert same == pytest.approx(0.0, abs=1e-9) and np.isfinite(few) and few > 0


def test_frechet_distance_rejects_bad_inputs():
    with pytest.raises(ValueError, match=r"at least 2 samples.*features_b.shape=\(1, 3\)"):
        metrics.frechet_distance(np.zeros((5, 3)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"features_a.shape=\(5, 3\), features_b.shape=\(5, 4\)"):
        metrics.frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))


# kernel_distance


def test_kernel_distance_hand_computed():
    # d = 1, k(x, y) = (x y + 1)^3. Off-diagonal means: k(0, 1) = 1 and k(0, -1) = 1.
    # Cross terms: k(0, 0) = k(0, -1) = k(1, 0) = 1 and k(1, -1) = 0, mean 3/4.
    assert metrics.kernel_distance([[0.0], [1.0]], [[0.0], [-1.0]]) == pytest.approx(0.5)
    # d = 2, identical sets {0, (1, 1)}: within terms 1 each; cross mean (1 + 1 + 1 + 2^3) / 4.
    # Unbiased, so identical tiny sets can score far below 0.
    same = [[0.0, 0.0], [1.0, 1.0]]
    assert metrics.kernel_distance(same, same) == pytest.approx(2.0 - 2 * 11 / 4)


def test_kernel_distance_same_distribution_is_near_zero():
    generator = np.random.default_rng(10)
    a = generator.standard_normal((1000, 8))
    b = generator.standard_normal((1000, 8))
    # Measured over seeds: |KID| < 0.005 at this size; a 0.5 shift in each dimension gives ~1.1.
    assert abs(metrics.kernel_distance(a, b)) < 0.01
    assert metrics.kernel_distance(a, b + 0.5) > 0.5


def test_kernel_distance_subsets():
    generator = np.random.default_rng(11)
    a = generator.standard_normal((200, 4))
    b = generator.standard_normal((150, 4)) + 1.0
    full = metrics.kernel_distance(a, b)
    assert metrics.kernel_distance(a, b, num_subsets=1, subset_size=150, seed=0) != full
    # Subsets of the full size of both sets are the sets themselves.
    assert metrics.kernel_distance(a, a[::-1], num_subsets=3, subset_size=200) == pytest.approx(
        metrics.kernel_distance(a, a)
    )
    subsets = metrics.kernel_distance(a, b, num_subsets=50, subset_size=100, seed=1)
    assert subsets == metrics.kernel_distance(a, b, num_subsets=50, subset_size=100, seed=1)
    assert subsets == pytest.approx(full, rel=0.1)


@pytest.mark.parametrize(
    "num_subsets, subset_size, message",
    [
        (10, None, r"Pass both.*num_subsets=10, subset_size=None"),
        (None, 5, r"Pass both.*num_subsets=None, subset_size=5"),
        (0, 5, r"Received: num_subsets=0"),
        (10, 1, r"integer >= 2.*subset_size=1"),
        (10, 31, r"at most the size of the smaller feature set \(30\).*subset_size=31"),
    ],
)
def test_kernel_distance_rejects_bad_subsets(num_subsets, subset_size, message):
    with pytest.raises(ValueError, match=message):
        metrics.kernel_distance(np.zeros((40, 2)), np.zeros((30, 2)), num_subsets, subset_size)


def test_kernel_distance_rejects_single_samples():
    with pytest.raises(ValueError, match=r"at least 2 samples.*features_a.shape=\(1, 2\)"):
        metrics.kernel_distance(np.zeros((1, 2)), np.zeros((5, 2)))


def test_chunked_results_match_unchunked(monkeypatch):
    generator = np.random.default_rng(12)
    real = generator.standard_normal((60, 3))
    fake = generator.standard_normal((50, 3)) + 0.3
    functions = [
        lambda: metrics.kernel_distance(real, fake),
        lambda: metrics.precision_recall(real, fake),
        lambda: metrics.density_coverage(real, fake),
        lambda: metrics.mode_metrics(fake, real[:7], 0.5),
    ]
    expected = [function() for function in functions]
    monkeypatch.setattr(metrics, "_CHUNK_ELEMENTS", 70)  # blocks of one or two rows
    for function, value in zip(functions, expected):
        assert function() == pytest.approx(value, rel=1e-12)


# classifier_score


def test_classifier_score_confident_uniform_predictions():
    probabilities = np.eye(10)[np.arange(200) % 10]
    assert metrics.classifier_score(probabilities) == pytest.approx(10.0)
    assert metrics.classifier_score(probabilities, num_splits=4) == pytest.approx(10.0)


def test_classifier_score_identical_predictions():
    probabilities = np.tile([0.2, 0.3, 0.5], (50, 1))
    assert metrics.classifier_score(probabilities) == pytest.approx(1.0)


def test_classifier_score_hand_computed():
    # p(y) = (3/4, 1/4). KL((1, 0) || p) = log(4/3); KL((1/2, 1/2) || p) = log(4/3) / 2.
    probabilities = [[1.0, 0.0], [1.0, 0.0], [0.5, 0.5], [0.5, 0.5]]
    assert metrics.classifier_score(probabilities) == pytest.approx((4 / 3) ** 0.75)


def test_classifier_score_splits():
    probabilities = np.eye(2)[[0, 0, 0, 1, 1, 1]]
    assert metrics.classifier_score(probabilities) == pytest.approx(2.0)
    # Each contiguous half holds one class only.
    assert metrics.classifier_score(probabilities, num_splits=2) == pytest.approx(1.0)


def test_classifier_score_rejects_bad_inputs():
    with pytest.raises(ValueError, match=r"non-negative and sum to 1.*minimum -0.1"):
        metrics.classifier_score([[1.1, -0.1], [0.5, 0.5]])
    with pytest.raises(ValueError, match=r"row sums in \[0.5, 1\]"):
        metrics.classifier_score([[0.25, 0.25], [0.5, 0.5]])
    with pytest.raises(ValueError, match=r"at most the number of samples \(2\).*num_splits=3"):
        metrics.classifier_score([[1.0, 0.0], [0.0, 1.0]], num_splits=3)
    with pytest.raises(ValueError, match=r"Received: num_splits=0"):
        metrics.classifier_score([[1.0, 0.0], [0.0, 1.0]], num_splits=0)
    with pytest.raises(ValueError, match=r"probabilities.shape=\(2,\)"):
        metrics.classifier_score([0.5, 0.5])


# class_coverage


def test_class_coverage_counts():
    result = metrics.class_coverage(np.array([0, 0, 1, 1]), num_classes=4)
    assert result["classes_covered"] == 2
    assert result["class_kl"] == pytest.approx(math.log(2))
    assert result["class_histogram"] == [2, 2, 0, 0]


def test_class_coverage_balanced():
    result = metrics.class_coverage(np.arange(30) % 10, num_classes=10)
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
        metrics.class_coverage(labels, num_classes=4)


def test_class_coverage_rejects_bad_num_classes():
    with pytest.raises(ValueError, match=r"Received: num_classes=0"):
        metrics.class_coverage([0], num_classes=0)


# precision_recall and density_coverage

LINE_REAL = [[0.0], [1.0], [2.0], [3.0]]  # k = 1 radii: all 1
LINE_FAKE = [[0.5], [0.6], [10.0]]  # k = 1 radii: 0.1, 0.1, 9.4


def test_precision_recall_hand_computed():
    result = metrics.precision_recall(LINE_REAL, LINE_FAKE, k=1)
    # 0.5 and 0.6 lie in real balls, 10 does not.
    assert result["precision"] == pytest.approx(2 / 3)
    # 1, 2 and 3 lie within 9.4 of the fake outlier 10; 0 is in no fake ball.
    assert result["recall"] == pytest.approx(3 / 4)


def test_precision_recall_identical_and_far_sets():
    features = np.random.default_rng(13).standard_normal((300, 8))
    assert metrics.precision_recall(features, features) == {"precision": 1.0, "recall": 1.0}
    far = metrics.precision_recall(features, features + 100.0)
    assert far == {"precision": 0.0, "recall": 0.0}


@pytest.mark.parametrize(
    "k, message",
    [
        (0, r"integer >= 1.*Received: k=0"),
        (True, r"Received: k=True"),
        (4, r"smaller than the number of samples in `real_features` \(4\).*k=4"),
        (3, r"smaller than the number of samples in `fake_features` \(3\).*k=3"),
    ],
)
def test_precision_recall_rejects_bad_k(k, message):
    with pytest.raises(ValueError, match=message):
        metrics.precision_recall(LINE_REAL, LINE_FAKE, k=k)


def test_precision_recall_rejects_mismatched_dims():
    with pytest.raises(ValueError, match=r"fake_features.shape=\(3, 2\)"):
        metrics.precision_recall(np.zeros((5, 1)), np.zeros((3, 2)))


def test_density_coverage_hand_computed():
    result = metrics.density_coverage(LINE_REAL, LINE_FAKE, k=1)
    # 0.5 and 0.6 each lie in the balls of 0 and 1; 10 in none: (2 + 2 + 0) / (k * 3).
    assert result["density"] == pytest.approx(4 / 3)
    # The nearest fakes of 0 and 1 are within 1; those of 2 (1.4) and 3 (2.4) are not.
    assert result["coverage"] == pytest.approx(0.5)


def test_density_coverage_identical_sets():
    features = np.random.default_rng(14).standard_normal((500, 4))
    result = metrics.density_coverage(features, features, k=5)
    # Each point lies in its own ball and, summed over points, in k others: (k + 1) / k. The k-th
    # neighbour sits exactly on the ball's boundary, so round-off (which depends on the BLAS
    # blocking) can drop some of those: measured 1.18 to 1.2.
    assert 1.0 <= result["density"] <= 1.2 + 1e-12
    assert result["density"] == pytest.approx(1.2, abs=0.03)
    assert result["coverage"] == 1.0


def test_density_coverage_same_distribution():
    generator = np.random.default_rng(15)
    real = generator.standard_normal((1000, 8))
    fake = generator.standard_normal((1000, 8))
    result = metrics.density_coverage(real, fake, k=5)
    # Naeem et al.: E[density] = 1 and E[coverage] -> 1 - 2^-k. Measured over 5 seeds at this
    # size: density 0.98 to 1.04, coverage 0.96 to 0.97.
    assert result["density"] == pytest.approx(1.0, abs=0.1)
    assert result["coverage"] == pytest.approx(1 - 2**-5, abs=0.03)
    far = metrics.density_coverage(real, fake + 100.0, k=5)
    assert far == {"density": 0.0, "coverage": 0.0}


def test_density_coverage_rejects_bad_k():
    with pytest.raises(ValueError, match=r"`real_features` \(4\).*Received: k=5"):
        metrics.density_coverage(LINE_REAL, LINE_FAKE)
    # Only the real balls are used, so k may exceed the number of fake samples.
    assert metrics.density_coverage(LINE_REAL, [[0.5]], k=3)["coverage"] == 1.0
