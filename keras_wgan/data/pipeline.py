"""`make_dataset`: the `tf.data` pipeline that checks samples and batches them for the models."""

import numpy as np
import tensorflow as tf

from keras_wgan._checks import check_positive_int
from keras_wgan._data_contract import check_labels
from keras_wgan._data_contract import check_samples as check_sample_values
from keras_wgan._data_contract import record_batching


def make_dataset(
    data,
    batch_size,
    critic_steps=1,
    shuffle=True,
    seed=None,
    value_range="auto",
    repeat=False,
    check_samples=1024,
    num_classes=None,
):
    """Turns an array or a `tf.data.Dataset` of samples into the batches the models take.

    Each batch holds `batch_size * critic_steps` samples, one fresh real batch per critic update;
    partial batches are dropped. The input is checked before training (the first
    `check_samples` examples of a `tf.data.Dataset`).

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
        num_classes: int or `None`. With labels: refuse labels outside `[0, num_classes)`.
            Labels must be integer class indices, one per sample; they reach the model as int32.

    Returns:
        A batched, prefetched `tf.data.Dataset`.

    Raises:
        ValueError: empty data, a batch larger than the data, non-finite values, images outside
            `value_range`, or malformed labels.

    Example:

    >>> images, _ = keras_wgan.data.load_digits()
    >>> dataset = keras_wgan.data.make_dataset(images, batch_size=64, critic_steps=5)
    """
    check_positive_int("batch_size", batch_size)
    check_positive_int("critic_steps", critic_steps)
    if num_classes is not None:
        check_positive_int("num_classes", num_classes)
    rows = batch_size * critic_steps

    if isinstance(data, tf.data.Dataset):
        dataset = data.map(_as_example, num_parallel_calls=tf.data.AUTOTUNE)
        checked = list(dataset.take(check_samples).batch(check_samples).as_numpy_iterator())
        if not checked:
            raise ValueError("The dataset is empty. Received: a tf.data.Dataset with no elements.")
        samples, labels = checked[0] if isinstance(checked[0], tuple) else (checked[0], None)
        check_sample_values(samples, value_range)
        if labels is not None:
            check_labels(labels, num_classes)
        count = dataset.cardinality().numpy()
        known = count if count >= 0 else None
        length = len(samples) if len(samples) < check_samples else known
    else:
        samples, labels = data if isinstance(data, tuple) else (data, None)
        samples = np.asarray(samples)
        if labels is not None:
            labels = np.asarray(labels)
        if labels is not None and len(labels) != len(samples):
            raise ValueError(
                f"`data` holds {len(samples)} samples but {len(labels)} labels. "
                "Received: data=(samples, labels) of different lengths"
            )
        length = len(samples)
        check_sample_values(samples, value_range)
        if labels is not None:
            check_labels(labels, num_classes)
        dataset = tf.data.Dataset.from_tensor_slices(
            samples.astype("float32")
            if labels is None else (samples.astype("float32"), labels.astype("int32"))
        )

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
    batches = dataset.batch(rows, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
    return record_batching(batches, batch_size, critic_steps)


def _as_example(*element):
    element = element[0] if len(element) == 1 else element
    if isinstance(element, dict):
        if "image" not in element:
            raise ValueError(
                "A dict element needs an 'image' key (and optionally 'label'). "
                f"Received keys: {sorted(element)}"
            )
        element = (element["image"], element["label"]) if "label" in element else element["image"]
    if isinstance(element, tuple):
        label = element[1]
        if label.dtype.is_integer:
            label = tf.cast(label, tf.int32)
        return tf.cast(element[0], tf.float32), label
    return tf.cast(element, tf.float32)
