"""The models' data contract: the checks of samples and labels, and a dataset's batching.

Shared by `keras_wgan.data.make_dataset` and the models' `fit`; a leaf module.
"""

import collections
import weakref

import numpy as np

Batching = collections.namedtuple("Batching", ["batch_size", "critic_steps"])

# Datasets made by `make_dataset`, by identity: a tf.data transformation (`take`, `repeat`,
# `skip`, ...) returns a new dataset, which is not recorded, so it trains unchecked.
_BATCHINGS = weakref.WeakKeyDictionary()


def record_batching(dataset, batch_size, critic_steps):
    """Records that each element of `dataset` holds `batch_size * critic_steps` samples."""
    _BATCHINGS[dataset] = Batching(batch_size, critic_steps)
    return dataset


def recorded_batching(dataset):
    """The `Batching(batch_size, critic_steps)` `dataset` was made with, or `None` when unknown
    (not a dataset of `make_dataset`, or transformed since)."""
    try:
        return _BATCHINGS.get(dataset)
    except TypeError:  # not weakly referable (e.g. a NumPy array)
        return None


def check_samples(samples, value_range="auto"):
    """Samples must be a non-empty array of finite numbers, vectors or images, and images in
    `value_range` (`"auto"`: `(-1, 1)` for images, nothing for vectors; `None`: no check)."""
    samples = np.asarray(samples)
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


def check_labels(labels, num_classes):
    """Labels must be integer class indices, one per sample, in `[0, num_classes)`."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        hint = (
            " One-hot rows? Pass class indices: labels.argmax(axis=1)."
            if labels.ndim == 2 else ""
        )
        raise ValueError(
            f"Labels must hold one class index per sample.{hint} "
            f"Received: labels of shape {labels.shape}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            "Labels must be integer class indices (a fraction would be truncated). "
            f"Received: labels of dtype {labels.dtype}, e.g. {labels[:3].tolist()}"
        )
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or (num_classes is not None and high >= num_classes):
        wanted = f"[0, {num_classes})" if num_classes is not None else ">= 0"
        bad = labels[(labels < 0) | ((labels >= num_classes) if num_classes else False)]
        raise ValueError(
            f"Labels must be class indices in {wanted}. Received: labels from {low} to {high} "
            f"({len(bad)} outside, e.g. {bad[:3].tolist()})"
        )
