"""Datasets and `tf.data` pipelines in the form the models take.

Toy distributions follow the definitions of the WGAN-GP, VEEGAN and PacGAN papers' code (see
`shared/EVALUATION.md` in the repository): a ring of 8 Gaussians, a grid of 25, a swiss roll.
Images are float32 in [-1, 1] with a channel axis, `[num_samples, height, width, channels]`.
"""

import math

import numpy as np
import tensorflow as tf

RING8_RADIUS = 1.0
RING8_STD = 0.01
GRID25_SPACING = 2.0
GRID25_STD = 0.05
SWISS_ROLL_NOISE = 0.25
SWISS_ROLL_SCALE = 7.5


def _check_count(num_samples):
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(
            f"`num_samples` must be a positive int. Received: num_samples={num_samples!r}"
        )


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
    _check_count(num_samples)
    rng = np.random.default_rng(seed)
    centers = modes[rng.integers(len(modes), size=num_samples)]
    return (centers + std * rng.standard_normal((num_samples, 2))).astype("float32")


def ring8(num_samples, seed=None):
    """Samples of a ring of 8 Gaussians (radius 1, std 0.01), equal weights.

    Args:
        num_samples: int.
        seed: int or `None`. Seed of NumPy's generator.

    Returns:
        float32 array `[num_samples, 2]`.
    """
    return _mixture(ring8_modes(), RING8_STD, num_samples, seed)


def grid25(num_samples, seed=None):
    """Samples of a 5x5 grid of Gaussians (means {-4, ..., 4}^2, spacing 2, std 0.05).

    Args:
        num_samples: int.
        seed: int or `None`.

    Returns:
        float32 array `[num_samples, 2]`.
    """
    return _mixture(grid25_modes(), GRID25_STD, num_samples, seed)


def swiss_roll(num_samples, seed=None):
    """Samples of the swiss roll as in the WGAN-GP toy code.

    `t = 1.5 * pi * (1 + 2u)`, `u ~ U[0, 1]`; the point `(t cos t, t sin t) + N(0, 0.25^2)`,
    divided by 7.5.

    Args:
        num_samples: int.
        seed: int or `None`.

    Returns:
        float32 array `[num_samples, 2]`.
    """
    _check_count(num_samples)
    rng = np.random.default_rng(seed)
    t = 1.5 * np.pi * (1 + 2 * rng.uniform(size=num_samples))
    points = np.stack([t * np.cos(t), t * np.sin(t)], axis=1)
    points += SWISS_ROLL_NOISE * rng.standard_normal((num_samples, 2))
    return (points / SWISS_ROLL_SCALE).astype("float32")


TOY_DATASETS = {"ring8": ring8, "grid25": grid25, "swissroll": swiss_roll}


def toy_modes(name):
    """The mode means and standard deviation of a toy mixture, for the mode metrics.

    Args:
        name: str. `"ring8"` or `"grid25"`.

    Returns:
        A tuple `(means [num_modes, 2], std)`.
    """
    if name == "ring8":
        return ring8_modes(), RING8_STD
    if name == "grid25":
        return grid25_modes(), GRID25_STD
    raise ValueError(f"`name` must be 'ring8' or 'grid25'. Received: name={name!r}")


def rescale_images(images, input_range=(0, 255)):
    """Maps images from `input_range` linearly to float32 [-1, 1].

    Args:
        images: array or tensor.
        input_range: tuple `(low, high)` of the input's values, e.g. `(0, 255)` for uint8.

    Returns:
        float32 images in [-1, 1].
    """
    low, high = input_range
    if not high > low:
        raise ValueError(f"`input_range` must be (low, high) with high > low. Received: {input_range}")
    images = tf.cast(images, tf.float32) if tf.is_tensor(images) else np.asarray(images, "float32")
    return (images - low) * (2.0 / (high - low)) - 1.0


def load_digits(split="train", seed=0, test_size=500):
    """scikit-learn's bundled 8x8 digits, scaled to [-1, 1], with a stratified split.

    1797 images with values 0..16 (mapped by `x / 8 - 1`). The split is stratified by class and
    seeded: 1297 train / 500 held out by default.

    Args:
        split: str. `"train"`, `"test"` (the held-out part) or `"all"`.
        seed: int. Seed of the split.
        test_size: int. Size of the held-out part.

    Returns:
        A tuple `(images, labels)`: float32 `[n, 8, 8, 1]` and int32 `[n]`.
    """
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    if split not in ("train", "test", "all"):
        raise ValueError(f"`split` must be 'train', 'test' or 'all'. Received: split={split!r}")
    digits = sklearn_digits()
    images = (digits.images.astype("float32") / 8.0 - 1.0)[..., None]
    labels = digits.target.astype("int32")
    if split == "all":
        return images, labels
    train_x, test_x, train_y, test_y = train_test_split(
        images, labels, test_size=test_size, stratify=labels, random_state=seed
    )
    return (train_x, train_y) if split == "train" else (test_x, test_y)


def make_dataset(
    data,
    batch_size,
    critic_steps=1,
    shuffle=True,
    seed=None,
    value_range="auto",
    repeat=False,
    check_samples=1024,
):
    """Turns an array or a `tf.data.Dataset` of samples into the batches the models take.

    Each batch holds `batch_size * critic_steps` samples: one fresh real batch per critic update
    of a WGAN step (see `keras_wgan.WGAN`). Partial batches are dropped, so every batch splits
    evenly. Labels, when given, stay beside the samples as `(samples, labels)`.

    The input is checked before training: no samples, a batch larger than the data, non-finite
    values and, for images, values outside `value_range` are `ValueError`s that say what was
    found. For a `tf.data.Dataset` the first `check_samples` examples are checked.

    Args:
        data: a NumPy array `[num_samples, ...]`; a tuple `(samples, labels)` of arrays; or a
            `tf.data.Dataset` of single examples (not batched), each a tensor, a tuple
            `(sample, label)` or a dict with `"image"` (and optionally `"label"`), as TFDS gives.
        batch_size: int. Samples per critic update.
        critic_steps: int. Critic updates per generator update.
        shuffle: bool. Reshuffle every epoch.
        seed: int or `None`. Shuffle seed.
        value_range: `(low, high)`, `None` (no check) or `"auto"`: `(-1, 1)` for images
            (examples with 3 axes: height, width, channels) and no check for vectors.
        repeat: bool. Repeat forever (then pass `steps_per_epoch` to `fit`).
        check_samples: int. How many examples of a `tf.data.Dataset` to check.

    Returns:
        A batched, prefetched `tf.data.Dataset`.

    Example:

    >>> images, _ = keras_wgan.data.load_digits()
    >>> dataset = keras_wgan.data.make_dataset(images, batch_size=64, critic_steps=5)
    """
    for argument, value in (("batch_size", batch_size), ("critic_steps", critic_steps)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{argument}` must be a positive int. Received: {argument}={value!r}")
    rows = batch_size * critic_steps

    if isinstance(data, tf.data.Dataset):
        dataset = data.map(_as_example, num_parallel_calls=tf.data.AUTOTUNE)
        checked = list(dataset.take(check_samples).batch(check_samples).as_numpy_iterator())
        if not checked:
            raise ValueError("The dataset is empty. Received: a tf.data.Dataset with no elements.")
        samples = checked[0][0] if isinstance(checked[0], tuple) else checked[0]
        count = dataset.cardinality().numpy()
        known = count if count >= 0 else None
        length = len(samples) if len(samples) < check_samples else known
    else:
        samples, labels = data if isinstance(data, tuple) else (data, None)
        samples = np.asarray(samples)
        if labels is not None and len(labels) != len(samples):
            raise ValueError(
                f"`data` holds {len(samples)} samples but {len(labels)} labels. "
                "Received: data=(samples, labels) of different lengths"
            )
        length = len(samples)
        dataset = tf.data.Dataset.from_tensor_slices(
            samples.astype("float32") if labels is None else (samples.astype("float32"), labels)
        )

    _check_samples(samples, value_range)
    if length is not None and rows > length:
        raise ValueError(
            f"A batch of {rows} samples (batch_size={batch_size} x critic_steps={critic_steps}) "
            f"is larger than the data ({length} samples). Use a smaller batch_size."
        )
    if shuffle:
        buffer = min(length, 10_000) if length is not None else 10_000
        dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    return dataset.batch(rows, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def _as_example(*element):
    """One dataset element as a float32 sample, or `(sample, label)`."""
    element = element[0] if len(element) == 1 else element
    if isinstance(element, dict):
        if "image" not in element:
            raise ValueError(
                "A dict element needs an 'image' key (and optionally 'label'). "
                f"Received keys: {sorted(element)}"
            )
        element = (element["image"], element["label"]) if "label" in element else element["image"]
    if isinstance(element, tuple):
        return tf.cast(element[0], tf.float32), element[1]
    return tf.cast(element, tf.float32)


def _check_samples(samples, value_range):
    if samples.shape[0] == 0:
        raise ValueError(f"The data is empty. Received: samples of shape {samples.shape}")
    if samples.ndim not in (2, 4):
        hint = " Images need a channel axis: use x[..., None]." if samples.ndim == 3 else ""
        raise ValueError(
            "Samples must be vectors [num_samples, features] or images [num_samples, height, "
            f"width, channels].{hint} Received: samples of shape {samples.shape}"
        )
    if not np.issubdtype(samples.dtype, np.number):
        raise ValueError(f"Samples must be numbers. Received: dtype {samples.dtype}")
    values = samples.astype("float64")
    if not np.all(np.isfinite(values)):
        bad = int(np.size(values) - np.count_nonzero(np.isfinite(values)))
        raise ValueError(f"The data holds {bad} non-finite values (NaN or Inf).")
    if value_range == "auto":
        value_range = (-1.0, 1.0) if samples.ndim == 4 else None
    if value_range is not None:
        low, high = value_range
        found = (float(values.min()), float(values.max()))
        tolerance = 1e-6 * max(1.0, high - low)
        if found[0] < low - tolerance or found[1] > high + tolerance:
            raise ValueError(
                f"Image values must lie in [{low:g}, {high:g}] (the generator's tanh range). "
                f"Found values in [{found[0]:g}, {found[1]:g}]. Scale them first, e.g. "
                "keras_wgan.data.rescale_images(x, input_range=(0, 255))."
            )


def steps_per_epoch(num_samples, batch_size, critic_steps):
    """Generator updates in one pass over `num_samples` (partial batches dropped)."""
    return math.floor(num_samples / (batch_size * critic_steps))
