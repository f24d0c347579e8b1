"""`keras_wgan.evaluation.distances`: closed forms, hand-computed values and validation."""

import math
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.stats

from keras_wgan import evaluation


def _with_moments(mean, variances, num_samples=200, seed=0):
    """Samples whose empirical mean and covariance (ddof=1) are exactly `mean`, diag(variances)."""
    samples = np.random.default_rng(seed).standard_normal((num_samples, len(mean)))
    samples -= samples.mean(axis=0)
    whitening = np.linalg.inv(np.linalg.cholesky(np.cov(samples, rowvar=False)))
    return samples @ whitening.T * np.sqrt(variances) + np.asarray(mean)



# Validation shared by all scores on arrays (`_arrays.check_pair`).


def test_rejects_non_finite_features():
    features = np.ones((5, 2))
    features[1, 0] = np.nan
    features[2, 1] = np.inf
    with pytest.raises(ValueError, match=r"`fake_features` to hold finite.*2 NaN or infinite"):
        evaluation.precision_recall(np.ones((5, 2)), features)


def test_rejects_empty_feature_dimension():
    with pytest.raises(ValueError, match=r"Received: x.shape=\(3, 0\)"):
        evaluation.sliced_wasserstein1(np.zeros((3, 0)), np.zeros((3, 0)))


def test_accepts_integer_and_float32_features():
    x = np.array([[0, 0], [1, 0]], dtype=np.int32)
    y = np.array([[4, 4], [3, 4]], dtype=np.float32)
    assert evaluation.wasserstein1(x, y) == 5.0


# wasserstein1


def test_wasserstein1_of_a_shift_is_the_shift_norm():
    # For any coupling E||X - Y|| >= ||E[X - Y]|| = ||v||, and translating every point attains it.
    generator = np.random.default_rng(1)
    x = generator.standard_normal((300, 3))
    shift = np.array([0.3, -1.2, 2.0])
    y = generator.permutation(x + shift)
    assert evaluation.wasserstein1(x, y) == pytest.approx(np.linalg.norm(shift), rel=1e-9)


def test_wasserstein1_finds_the_optimal_matching():
    # Pairing by index costs sqrt(2) per point; crossing costs 1.
    assert evaluation.wasserstein1([[0, 0], [1, 0]], [[1, 1], [0, 1]]) == pytest.approx(1.0)
    # In 1-D the sorted matching is optimal: (0.5 + 0.5 + 3) / 3.
    x = [[0.0], [1.0], [2.0]]
    y = [[5.0], [0.5], [1.5]]
    assert evaluation.wasserstein1(x, y) == pytest.approx(4 / 3)


def test_wasserstein1_unequal_sizes_and_subsampling():
    x = np.zeros((50, 2))
    y = np.tile([3.0, 4.0], (30, 1))
    assert evaluation.wasserstein1(x, y) == pytest.approx(5.0)
    assert evaluation.wasserstein1(x, y, max_samples=7) == pytest.approx(5.0)


def test_wasserstein1_subsampling_is_seeded():
    generator = np.random.default_rng(2)
    x = generator.standard_normal((80, 2))
    y = generator.standard_normal((60, 2)) + 1.0
    first = evaluation.wasserstein1(x, y, max_samples=20, seed=3)
    assert evaluation.wasserstein1(x, y, max_samples=20, seed=3) == first
    assert evaluation.wasserstein1(x, y, max_samples=20, seed=4) != first


@pytest.mark.parametrize("max_samples", [0, 2.5, True])
def test_wasserstein1_rejects_bad_max_samples(max_samples):
    with pytest.raises(ValueError, match=r"Received: max_samples="):
        evaluation.wasserstein1(np.zeros((3, 2)), np.zeros((3, 2)), max_samples=max_samples)


def test_wasserstein1_rejects_mismatched_dims():
    with pytest.raises(ValueError, match=r"x.shape=\(3, 2\), y.shape=\(3, 1\)"):
        evaluation.wasserstein1(np.zeros((3, 2)), np.zeros((3, 1)))


# sliced_wasserstein1


def test_sliced_wasserstein1_of_a_1d_shift():
    x = np.random.default_rng(3).standard_normal((100, 1))
    y = np.random.default_rng(4).permutation(x + 2.5)
    assert evaluation.sliced_wasserstein1(x, y) == pytest.approx(2.5, rel=1e-12)


def test_sliced_wasserstein1_unequal_sizes():
    # Quantile functions: x is 0 on (0, 1/2), 1 on (1/2, 1); y is 0, 0.5, 1 on thirds.
    # They differ by 0.5 on (1/3, 2/3): W1 = 0.5 * 1/3.
    result = evaluation.sliced_wasserstein1([[0.0], [1.0]], [[0.0], [0.5], [1.0]])
    assert result == pytest.approx(1 / 6)
    generator = np.random.default_rng(5)
    x, y = generator.standard_normal(7), generator.standard_normal(11) + 0.3
    expected = scipy.stats.wasserstein_distance(x, y)
    assert evaluation.sliced_wasserstein1(x[:, None], y[:, None]) == pytest.approx(expected)


def test_sliced_wasserstein1_of_a_2d_shift():
    # Each projection of a shift by v is a 1-D shift by |v . theta|; E|cos| = 2 / pi in 2-D.
    x = np.random.default_rng(6).standard_normal((50, 2))
    shift = np.array([3.0, 4.0])
    result = evaluation.sliced_wasserstein1(x, x + shift, num_projections=20_000)
    assert result == pytest.approx(5.0 * 2 / math.pi, rel=0.02)


def test_sliced_wasserstein1_is_at_most_wasserstein1():
    # Projections onto unit vectors are 1-Lipschitz.
    generator = np.random.default_rng(7)
    x = generator.standard_normal((40, 3))
    y = generator.standard_normal((40, 3)) * 2.0
    assert evaluation.sliced_wasserstein1(x, y) <= evaluation.wasserstein1(x, y)


def test_sliced_wasserstein1_rejects_bad_num_projections():
    with pytest.raises(ValueError, match=r"Received: num_projections=0"):
        evaluation.sliced_wasserstein1(np.zeros((3, 2)), np.zeros((3, 2)), num_projections=0)


# frechet_distance


def test_frechet_distance_of_identical_sets_is_zero():
    features = np.random.default_rng(8).standard_normal((500, 16))
    assert evaluation.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_identity_covariances():
    mean_a, mean_b = np.array([0.0, 1.0, -1.0, 2.0]), np.array([1.0, -1.0, 0.5, 2.0])
    a = _with_moments(mean_a, np.ones(4), seed=1)
    b = _with_moments(mean_b, np.ones(4), seed=2)
    expected = np.sum((mean_a - mean_b) ** 2)  # 1 + 4 + 2.25 + 0 = 7.25
    assert evaluation.frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_diagonal_covariances():
    variances_a, variances_b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    a = _with_moments([0.0, 0.0, 0.0], variances_a, seed=3)
    b = _with_moments([1.0, 0.0, 2.0], variances_b, seed=4)
    # 5 + sum(1 + 9 - 6, 4 + 1 - 4, 0.25 + 0.25 - 0.5) = 5 + 4 + 1 + 0.
    assert evaluation.frechet_distance(a, b) == pytest.approx(10.0, rel=1e-9)


def test_frechet_distance_with_fewer_samples_than_dimensions():
    features = np.random.default_rng(9).standard_normal((3, 50))
    assert evaluation.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-4)


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
    assert evaluation.frechet_distance(a, b) == pytest.approx(_old_frechet_distance(a, b), rel=1e-9)


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
        distance = evaluation.frechet_distance(a, b)
        same = evaluation.frechet_distance(a, a)
        few = evaluation.frechet_distance(a[:30], b[:30])  # fewer samples than dimensions
    # trace(sqrtm(cov_a @ cov_b)) is also the sum of the square roots of its eigenvalues.
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    eigenvalues = np.clip(np.linalg.eigvals(cov_a @ cov_b).real, 0.0, None)
    difference = a.mean(axis=0) - b.mean(axis=0)
    expected = difference @ difference + np.trace(cov_a + cov_b) - 2 * np.sqrt(eigenvalues).sum()
    assert distance == pytest.approx(expected, rel=1e-6)  # sqrt of round-off eigenvalues
    assert same == pytest.approx(0.0, abs=1e-9) and np.isfinite(few) and few > 0


def test_frechet_distance_rejects_bad_inputs():
    with pytest.raises(ValueError, match=r"at least 2 samples.*features_b.shape=\(1, 3\)"):
        evaluation.frechet_distance(np.zeros((5, 3)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"features_a.shape=\(5, 3\), features_b.shape=\(5, 4\)"):
        evaluation.frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))


# kernel_distance


def test_kernel_distance_hand_computed():
    # d = 1, k(x, y) = (x y + 1)^3. Off-diagonal means: k(0, 1) = 1 and k(0, -1) = 1.
    # Cross terms: k(0, 0) = k(0, -1) = k(1, 0) = 1 and k(1, -1) = 0, mean 3/4.
    assert evaluation.kernel_distance([[0.0], [1.0]], [[0.0], [-1.0]]) == pytest.approx(0.5)
    # d = 2, identical sets {0, (1, 1)}: within terms 1 each; cross mean (1 + 1 + 1 + 2^3) / 4.
    # Unbiased, so identical tiny sets can score far below 0.
    same = [[0.0, 0.0], [1.0, 1.0]]
    assert evaluation.kernel_distance(same, same) == pytest.approx(2.0 - 2 * 11 / 4)


def test_kernel_distance_same_distribution_is_near_zero():
    generator = np.random.default_rng(10)
    a = generator.standard_normal((1000, 8))
    b = generator.standard_normal((1000, 8))
    # Measured over seeds: |KID| < 0.005 at this size; a 0.5 shift in each dimension gives ~1.1.
    assert abs(evaluation.kernel_distance(a, b)) < 0.01
    assert evaluation.kernel_distance(a, b + 0.5) > 0.5


def test_kernel_distance_subsets():
    generator = np.random.default_rng(11)
    a = generator.standard_normal((200, 4))
    b = generator.standard_normal((150, 4)) + 1.0
    full = evaluation.kernel_distance(a, b)
    assert evaluation.kernel_distance(a, b, num_subsets=1, subset_size=150, seed=0) != full
    # Subsets of the full size of both sets are the sets themselves.
    assert evaluation.kernel_distance(a, a[::-1], num_subsets=3, subset_size=200) == pytest.approx(
        evaluation.kernel_distance(a, a)
    )
    subsets = evaluation.kernel_distance(a, b, num_subsets=50, subset_size=100, seed=1)
    assert subsets == evaluation.kernel_distance(a, b, num_subsets=50, subset_size=100, seed=1)
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
        evaluation.kernel_distance(np.zeros((40, 2)), np.zeros((30, 2)), num_subsets, subset_size)


def test_kernel_distance_rejects_single_samples():
    with pytest.raises(ValueError, match=r"at least 2 samples.*features_a.shape=\(1, 2\)"):
        evaluation.kernel_distance(np.zeros((1, 2)), np.zeros((5, 2)))
