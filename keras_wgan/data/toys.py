"""The 2-D toy distributions of the WGAN-GP, VEEGAN and PacGAN papers' code: ring8, grid25, roll."""

import numpy as np

from keras_wgan._checks import check_positive_int

RING8_RADIUS = 1.0
RING8_STD = 0.01
GRID25_SPACING = 2.0
GRID25_STD = 0.05
SWISS_ROLL_NOISE = 0.25
SWISS_ROLL_SCALE = 7.5


def ring8_modes():
    """The 8 means of the ring: radius 1, angles 2*pi*k/8 for k = 0..7."""
    angles = 2 * np.pi * np.arange(8) / 8  # not linspace(0, 2*pi, 8): that repeats a mode
    return RING8_RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1).astype("float32")


def grid25_modes():
    """The 25 means of the grid: {-4, -2, 0, 2, 4}^2."""
    axis = GRID25_SPACING * np.arange(-2, 3)
    return np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2).astype(
        "float32"
    )


def _mixture(modes, std, num_samples, seed):
    check_positive_int("num_samples", num_samples)
    rng = np.random.default_rng(seed)
    centers = modes[rng.integers(len(modes), size=num_samples)]
    return (centers + std * rng.standard_normal((num_samples, 2))).astype("float32")


def ring8(num_samples, seed=None):
    """float32 `[num_samples, 2]` from a ring of 8 Gaussians (radius 1, std 0.01), seeded."""
    return _mixture(ring8_modes(), RING8_STD, num_samples, seed)


def grid25(num_samples, seed=None):
    """float32 `[num_samples, 2]` from a 5x5 grid of Gaussians (spacing 2, std 0.05), seeded."""
    return _mixture(grid25_modes(), GRID25_STD, num_samples, seed)


def swiss_roll(num_samples, seed=None):
    """float32 `[num_samples, 2]` from the WGAN-GP code's swiss roll, seeded.

    `t = 1.5 * pi * (1 + 2u)`, `u ~ U[0, 1]`; the point `(t cos t, t sin t) + N(0, 0.25^2)`,
    divided by 7.5.
    """
    check_positive_int("num_samples", num_samples)
    rng = np.random.default_rng(seed)
    t = 1.5 * np.pi * (1 + 2 * rng.uniform(size=num_samples))
    points = np.stack([t * np.cos(t), t * np.sin(t)], axis=1)
    points += SWISS_ROLL_NOISE * rng.standard_normal((num_samples, 2))
    return (points / SWISS_ROLL_SCALE).astype("float32")


TOY_DATASETS = {"ring8": ring8, "grid25": grid25, "swissroll": swiss_roll}


def toy_modes(name):
    """`(means [num_modes, 2], std)` of the toy mixture `"ring8"` or `"grid25"`."""
    if name == "ring8":
        return ring8_modes(), RING8_STD
    if name == "grid25":
        return grid25_modes(), GRID25_STD
    raise ValueError(f"`name` must be 'ring8' or 'grid25'. Received: name={name!r}")
