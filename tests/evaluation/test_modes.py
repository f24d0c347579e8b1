"""`keras_wgan.evaluation.modes`: the VEEGAN protocol on hand-built samples."""

import math

import numpy as np
import pytest

from keras_wgan import evaluation

# The grid25 toy: means {-4, -2, 0, 2, 4}^2, std 0.05.
GRID = np.array([(x, y) for x in range(-4, 5, 2) for y in range(-4, 5, 2)], dtype=float)
GRID_STD = 0.05



def test_mode_metrics_all_modes_hit_evenly():
    offsets = np.array([[0.1, 0.0], [0.0, -0.1], [-0.05, 0.05], [0.0, 0.0]])  # all within 3 std
    samples = (GRID[:, None, :] + offsets).reshape(-1, 2)
    result = evaluation.mode_metrics(samples, GRID, GRID_STD)
    assert result["modes_captured"] == 25
    assert result["num_modes"] == 25
    assert result["high_quality_fraction"] == 1.0
    assert result["reverse_kl"] == pytest.approx(0.0, abs=1e-12)
    assert result["mode_histogram"] == [4] * 25


@pytest.mark.parametrize("num_hit", [1, 5, 20, 24])
def test_mode_metrics_dropped_modes(num_hit):
    samples = np.repeat(GRID[:num_hit], 3, axis=0)
    result = evaluation.mode_metrics(samples, GRID, GRID_STD)
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
    result = evaluation.mode_metrics(samples, GRID, GRID_STD)
    assert result["high_quality_fraction"] == 0.25
    assert result["modes_captured"] == 1
    assert result["mode_histogram"] == [1] + [0] * 24
    assert result["reverse_kl"] == pytest.approx(math.log(25))


def test_mode_metrics_unbalanced_histogram():
    result = evaluation.mode_metrics([[0.0, 0.0]] * 3 + [[1.0, 0.0]], [[0.0, 0.0], [1.0, 0.0]], 0.1)
    # p = (3/4, 1/4) against uniform (1/2, 1/2).
    expected = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    assert result["reverse_kl"] == pytest.approx(expected, rel=1e-12)
    assert result["mode_histogram"] == [3, 1]


def test_mode_metrics_no_high_quality_sample():
    result = evaluation.mode_metrics([[50.0, 50.0], [1.0, 1.0]], GRID, GRID_STD)
    assert result["high_quality_fraction"] == 0.0
    assert result["modes_captured"] == 0
    assert result["reverse_kl"] == math.inf
    assert result["mode_histogram"] == [0] * 25


def test_mode_metrics_perfect_sampler():
    generator = np.random.default_rng(0)
    num_samples = 20_000
    samples = GRID[generator.integers(25, size=num_samples)]
    samples += GRID_STD * generator.standard_normal((num_samples, 2))
    result = evaluation.mode_metrics(samples, GRID, GRID_STD)
    # In 2-D, P(||noise|| <= 3 std) = 1 - exp(-9 / 2); standard error 0.0007 at n = 20000.
    assert result["high_quality_fraction"] == pytest.approx(1 - math.exp(-4.5), abs=0.004)
    assert result["modes_captured"] == 25
    assert result["reverse_kl"] < 0.005  # multinomial noise: about 24 / (2 n) = 0.0006


@pytest.mark.parametrize("std", [0, -1.0, math.nan, math.inf, True, "0.05", None])
def test_mode_metrics_rejects_bad_std(std):
    with pytest.raises(ValueError, match=r"`std`.*Received: std="):
        evaluation.mode_metrics(GRID, GRID, std)


def test_mode_metrics_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"same number of features.*modes.shape=\(25, 2\)"):
        evaluation.mode_metrics(np.zeros((4, 3)), GRID, GRID_STD)
    with pytest.raises(ValueError, match=r"2-D array.*Received: samples.shape=\(4,\)"):
        evaluation.mode_metrics(np.zeros(4), GRID, GRID_STD)
    with pytest.raises(ValueError, match=r"at least 1 samples.*samples.shape=\(0, 2\)"):
        evaluation.mode_metrics(np.zeros((0, 2)), GRID, GRID_STD)
    with pytest.raises(ValueError, match=r"`modes` to hold real numbers.*dtype=<U1"):
        evaluation.mode_metrics(GRID, [["a", "b"]], GRID_STD)
