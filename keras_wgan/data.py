"""Datasets and `tf.data` pipelines in the form the models take.

Toy distributions follow the definitions of the WGAN-GP, VEEGAN and PacGAN papers' code (see
`shared/EVALUATION.md` in the repository): a ring of 8 Gaussians, a grid of 25, a swiss roll.
Images are float32 in [-1, 1] with a channel axis, `[num_samples, height, width, channels]`.
"""

import os

import numpy as np
import tensorflow as tf

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
    check_positive_int("num_samples", num_samples)
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
        raise ValueError(
            f"`input_range` must be (low, high) with high > low. Received: {input_range}"
        )
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
    check_positive_int("batch_size", batch_size)
    check_positive_int("critic_steps", critic_steps)
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


# --------------------------------------------------------------------------------------------
# Image datasets from TFDS and from folders
# --------------------------------------------------------------------------------------------

# TFDS datasets `load_tfds` knows, with whether their examples carry a class label.
TFDS_DATASETS = {"mnist": True, "fashion_mnist": True, "cifar10": True, "celeb_a": False}


class DatasetNotPreparedError(ValueError):
    """A TFDS dataset is not downloaded and prepared in the data directory.

    `load_tfds` never downloads (training machines are often offline, and a download that hangs
    is worse than an error), so the dataset must be prepared beforehand, e.g. on a machine with
    internet access, and its data directory copied or passed with `data_dir`.
    """


def _image_size(image_size):
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


def _center_crop_resize(image, size):
    """Crops the central part of `image` with the aspect ratio of `size`, then resizes to it."""
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

    Works offline: the dataset must already be prepared in `data_dir` (TFDS's default,
    `~/tensorflow_datasets` or `$TFDS_DATA_DIR`, when `None`). When it is not, a
    `DatasetNotPreparedError` (a `ValueError`) is raised at once, with the command that prepares
    it; no download is attempted. The result feeds `make_dataset` directly.

    Examples are `(image, label)` for datasets with class labels (`mnist`, `fashion_mnist`,
    `cifar10`): image float32 `[height, width, channels]` in [-1, 1], label int32. `celeb_a` has
    no class label (only attributes), so its examples are the image alone. With `image_size`,
    each image is centre-cropped to the target's aspect ratio and resized (area averaging), e.g.
    CelebA's 218x178 images to a 178x178 centre crop, then 64x64 for `image_size=64`.

    Args:
        name: str. `"mnist"`, `"fashion_mnist"`, `"cifar10"` or `"celeb_a"`.
        split: str. A TFDS split, e.g. `"train"`, `"test"` or `"train[:10%]"`.
        data_dir: str or `None`. The TFDS data directory holding the prepared dataset.
        image_size: int, `(height, width)` or `None` (keep the dataset's size).

    Returns:
        An unbatched `tf.data.Dataset` of `(image, label)`, or of images for `celeb_a`.

    Example:

    >>> train = keras_wgan.data.load_tfds("mnist", data_dir="/data/tfds")
    >>> batches = keras_wgan.data.make_dataset(train, batch_size=64, critic_steps=5)
    """
    if name not in TFDS_DATASETS:
        raise ValueError(
            f"`name` must be one of {sorted(TFDS_DATASETS)}. Received: name={name!r}"
        )
    size = _image_size(image_size)
    import tensorflow_datasets as tfds  # optional dependency, loaded only here

    builder = tfds.builder(name, data_dir=None if data_dir is None else os.fspath(data_dir))
    if not builder.is_prepared():
        # `as_dataset` only reads (it checks the files and never downloads); it still works when
        # `tfds.testing.mock_data` replaces the reading.
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
        image = tf.clip_by_value(rescale_images(image, (0, 255)), -1.0, 1.0)
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
        "with internet access run\n"
        f"    python -c \"import tensorflow_datasets as tfds; tfds.builder('{name}', "
        f"data_dir='{root}').download_and_prepare()\"\n"
        "then copy that directory here, or pass the directory that holds it as `data_dir` "
        "(--data-dir)."
    )


IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def load_image_folder(directory, image_size, channels=3):
    """Images from a folder, resized and scaled to [-1, 1].

    Reads with `keras.utils.image_dataset_from_directory`. When `directory` has subfolders,
    each subfolder is a class (labels 0, 1, ... in alphabetical order) and only the images inside
    them are read; otherwise the images of `directory` are read without labels. Images are
    centre-cropped to the aspect ratio of `image_size`, then resized.

    Args:
        directory: str or path-like. The folder of images (.bmp, .gif, .jpeg, .jpg, .png).
        image_size: int or `(height, width)`.
        channels: int. 1 (grayscale), 3 (RGB) or 4 (RGBA).

    Returns:
        An unbatched `tf.data.Dataset` of `(image, label)` with subfolders, else of images;
        images float32 `[height, width, channels]` in [-1, 1], labels int32.

    Example:

    >>> faces = keras_wgan.data.load_image_folder("faces/", image_size=64)
    >>> batches = keras_wgan.data.make_dataset(faces, batch_size=64, critic_steps=5)
    """
    import keras

    size = _image_size(image_size)
    if size is None:
        raise ValueError("`image_size` is required. Received: image_size=None")
    modes = {1: "grayscale", 3: "rgb", 4: "rgba"}
    if channels not in modes:
        raise ValueError(f"`channels` must be 1, 3 or 4. Received: channels={channels!r}")
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(
            f"The image folder does not exist or is not a folder. Received: directory={directory!r}"
        )
    subfolders = sorted(
        entry for entry in os.listdir(directory) if os.path.isdir(os.path.join(directory, entry))
    )
    count = sum(
        name.lower().endswith(IMAGE_EXTENSIONS)
        for root in ([os.path.join(directory, s) for s in subfolders] or [directory])
        for _, _, names in os.walk(root)
        for name in names
    )
    if count == 0:
        where = f"its subfolders {subfolders}" if subfolders else "it"
        raise ValueError(
            f"The image folder holds no images ({', '.join(IMAGE_EXTENSIONS)}) in {where}. "
            f"Received: directory={directory!r}"
        )
    dataset = keras.utils.image_dataset_from_directory(
        directory,
        labels="inferred" if subfolders else None,
        label_mode="int" if subfolders else None,
        color_mode=modes[channels],
        batch_size=None,
        image_size=size,
        shuffle=False,
        crop_to_aspect_ratio=True,
        verbose=False,
    )

    def scale(image, label=None):
        image = tf.clip_by_value(rescale_images(image, (0, 255)), -1.0, 1.0)
        return image if label is None else (image, tf.cast(label, tf.int32))

    return dataset.map(scale, num_parallel_calls=tf.data.AUTOTUNE)
