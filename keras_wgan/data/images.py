"""Images in the models' form, float32 in [-1, 1]: rescaling, the image-size argument, digits."""

import numpy as np
import tensorflow as tf


def rescale_images(images, input_range=(0, 255)):
    """Maps images from `input_range` linearly to float32 [-1, 1].

    Args:
        images: array or tensor.
        input_range: tuple `(low, high)` of the input's values, e.g. `(0, 255)` for uint8.
    """
    low, high = input_range
    if not high > low:
        raise ValueError(
            f"`input_range` must be (low, high) with high > low. Received: {input_range}"
        )
    images = tf.cast(images, tf.float32) if tf.is_tensor(images) else np.asarray(images, "float32")
    return (images - low) * (2.0 / (high - low)) - 1.0


def scale_pixels(images):
    """Pixels in 0..255 to float32 [-1, 1], clipped (resizing can overshoot the range)."""
    return tf.clip_by_value(rescale_images(images, (0, 255)), -1.0, 1.0)


def load_digits(split="train", seed=0, test_size=500):
    """scikit-learn's bundled 8x8 digits, scaled to [-1, 1], with a stratified split.

    Args:
        split: str. `"train"`, `"test"` (the held-out part) or `"all"`.
        seed: int. Seed of the split.
        test_size: int. Size of the held-out part.

    Returns:
        A tuple `(images, labels)`: float32 `[n, 8, 8, 1]` and int32 `[n]`.
    """
    from sklearn.datasets import load_digits as sklearn_digits

    check_split(split)
    digits = sklearn_digits()
    images = (digits.images.astype("float32") / 8.0 - 1.0)[..., None]
    labels = digits.target.astype("int32")
    return split_stratified(images, labels, split, seed, test_size)


def check_split(split):
    """Raises `ValueError` unless `split` is `"train"`, `"test"` or `"all"`."""
    if split not in ("train", "test", "all"):
        raise ValueError(f"`split` must be 'train', 'test' or 'all'. Received: split={split!r}")


def split_stratified(images, labels, split, seed, test_size):
    """The `split` (`"train"`, `"test"` or `"all"`) of `(images, labels)`, stratified by class."""
    from sklearn.model_selection import train_test_split

    check_split(split)
    if split == "all":
        return images, labels
    train_x, test_x, train_y, test_y = train_test_split(
        images, labels, test_size=test_size, stratify=labels, random_state=seed
    )
    return (train_x, train_y) if split == "train" else (test_x, test_y)


def check_image_size(image_size):
    """`None`, an int or `(height, width)` as `None` or a tuple of two positive ints."""
    if image_size is None:
        return None
    size = (image_size, image_size) if isinstance(image_size, int) else image_size
    if (
        not isinstance(size, (tuple, list))
        or len(size) != 2
        or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in size)
    ):
        raise ValueError(
            "`image_size` must be a positive int or (height, width) of positive ints. "
            f"Received: image_size={image_size!r}"
        )
    return tuple(size)

