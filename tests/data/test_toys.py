"""The 2-D toy mixtures: their modes, spread, weights and seeding."""

import numpy as np
import pytest

from keras_wgan import data


def test_ring8_has_eight_distinct_modes_on_the_unit_circle():
    modes = data.ring8_modes()
    assert modes.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(modes, axis=1), 1.0, rtol=1e-6)
    distances = np.linalg.norm(modes[:, None] - modes[None], axis=-1)
    assert np.min(distances + 10 * np.eye(8)) > 0.7  # 2 sin(pi / 8) = 0.765 apart


def test_grid25_modes_are_the_grid_with_spacing_two():
    modes = data.grid25_modes()
    assert sorted(set(modes[:, 0].tolist())) == [-4, -2, 0, 2, 4]
    assert len({tuple(m) for m in modes.tolist()}) == 25


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_toy_mixtures_have_the_defined_std_and_equal_weights(name):
    means, std = data.toy_modes(name)
    samples = data.TOY_DATASETS[name](20_000, seed=0)
    nearest = np.argmin(np.linalg.norm(samples[:, None] - means[None], axis=-1), axis=1)
    offsets = samples - means[nearest]
    np.testing.assert_allclose(offsets.std(axis=0), std, rtol=0.05)
    counts = np.bincount(nearest, minlength=len(means))
    assert counts.min() > 0.8 * len(samples) / len(means)


def test_swiss_roll_matches_the_wgan_gp_toy_scaling():
    samples = data.swiss_roll(20_000, seed=0)
    radius = np.linalg.norm(samples, axis=1)
    # t in [1.5 pi, 4.5 pi], divided by 7.5: radii from 0.63 to 1.88, plus noise 0.25 / 7.5.
    assert 0.5 < radius.min() < 0.7 and 1.8 < radius.max() < 2.0


def test_toy_data_is_seeded():
    np.testing.assert_array_equal(data.grid25(10, seed=3), data.grid25(10, seed=3))
