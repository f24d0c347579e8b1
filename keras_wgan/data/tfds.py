"""`load_tfds`: image datasets prepared with TensorFlow Datasets, read offline, in [-1, 1]."""

import os

import tensorflow as tf

from keras_wgan.data.images import check_image_size
from keras_wgan.data.images import scale_pixels

TFDS_DATASETS = {"mnist": True, "fashion_mnist": True, "cifar10": True, "celeb_a": False}


class DatasetNotPreparedError(ValueError):
    """A TFDS dataset is not prepared in the data directory (`load_tfds` never downloads)."""


def _center_crop_resize(image, size):
    height = tf.cast(tf.shape(image)[0], tf.float32)
    width = tf.cast(tf.shape(image)[1], tf.float32)
    target = size[0] / size[1]
    crop_height = tf.minimum(height, width * target)
    crop_width = tf.minimum(width, height / target)
    top = tf.cast((height - crop_height) / 2, tf.int32)
    left = tf.cast((width - crop_width) / 2, tf.int32)
    image = tf.image.crop_to_bounding_box(
        image, top, left, tf.cast(crop_height, tf.int32), tf.cast(crop_width, tf.int32)
    )
    return tf.image.resize(image, size, method="area")


def load_tfds(name, split="train", data_dir=None, image_size=None):
    """An image dataset prepared with TensorFlow Datasets, scaled to [-1, 1]; never downloads.

    Training machines are often offline, and a hanging download is worse than an error. With
    `image_size`, images are centre-cropped to the target's aspect ratio and resized (area).

    Args:
        name: str. `"mnist"`, `"fashion_mnist"`, `"cifar10"` or `"celeb_a"`.
        split: str. A TFDS split, e.g. `"train"`, `"test"` or `"train[:10%]"`.
        data_dir: str or `None`. The TFDS data directory holding the prepared dataset.
        image_size: int, `(height, width)` or `None` (keep the dataset's size).

    Returns:
        An unbatched `tf.data.Dataset` of `(image, label int32)`, or of images for `celeb_a`.

    Raises:
        DatasetNotPreparedError: the dataset is not prepared; the message gives the command.

    Example:

    >>> train = keras_wgan.data.load_tfds("mnist", data_dir="/data/tfds")
    >>> batches = keras_wgan.data.make_dataset(train, batch_size=64, critic_steps=5)
    """
    if name not in TFDS_DATASETS:
        raise ValueError(
            f"`name` must be one of {sorted(TFDS_DATASETS)}. Received: name={name!r}"
        )
    size = check_image_size(image_size)
    import tensorflow_datasets as tfds  # optional dependency, loaded only here

    builder = tfds.builder(name, data_dir=None if data_dir is None else os.fspath(data_dir))
    if not builder.is_prepared():
        # `as_dataset` never downloads, and works under `tfds.testing.mock_data`.
        try:
            dataset = builder.as_dataset(split=split)
        except (AssertionError, KeyError, FileNotFoundError, tf.errors.NotFoundError):
            raise _not_prepared(name, builder, data_dir) from None
    else:
        dataset = builder.as_dataset(split=split)

    with_label = TFDS_DATASETS[name]

    def convert(example):
        image = example["image"]
        if size is not None:
            image = _center_crop_resize(tf.cast(image, tf.float32), size)
        image = scale_pixels(image)
        if with_label:
            return image, tf.cast(example["label"], tf.int32)
        return image

    return dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE)


def _not_prepared(name, builder, data_dir):
    root = os.fspath(data_dir) if data_dir is not None else os.environ.get(
        "TFDS_DATA_DIR", os.path.expanduser("~/tensorflow_datasets")
    )
    return DatasetNotPreparedError(
        f"The TFDS dataset {name!r} (version {builder.version}) is not prepared in {root!r} "
        f"(looked for {builder.data_dir!r}), and keras_wgan does not download. On a machine "
        "with internet access run `python -c \"import tensorflow_datasets as tfds; "
        f"tfds.builder('{name}', data_dir='{root}').download_and_prepare()\"`, then copy that "
        "directory here, or pass the directory that holds it as `data_dir` (--data-dir)."
    )

