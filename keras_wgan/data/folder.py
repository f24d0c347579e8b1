"""`load_image_folder`: images from a folder (subfolders as classes), resized, in [-1, 1]."""

import os

import tensorflow as tf

from keras_wgan.data.images import check_image_size
from keras_wgan.data.images import scale_pixels

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
# The first bytes of each format TensorFlow decodes (it reads the content, not the extension).
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


def load_image_folder(directory, image_size, channels=3):
    """Images from a folder, resized and scaled to [-1, 1].

    Subfolders, if any, are the classes (labels 0, 1, ... in alphabetical order); otherwise the
    images are read without labels. Images are centre-cropped to the aspect ratio of
    `image_size`, then resized.

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

    size = check_image_size(image_size)
    if size is None:
        raise ValueError("`image_size` is required. Received: image_size=None")
    modes = {1: "grayscale", 3: "rgb", 4: "rgba"}
    if channels not in modes:
        raise ValueError(f"`channels` must be 1, 3 or 4. Received: channels={channels!r}")
    directory = os.fspath(directory)
    subfolders = check_image_folder(directory)
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
        image = scale_pixels(image)
        return image if label is None else (image, tf.cast(label, tf.int32))

    return dataset.map(scale, num_parallel_calls=tf.data.AUTOTUNE)


def check_image_folder(directory):
    """Checks a folder for `load_image_folder` before anything is decoded.

    TensorFlow's error for a file that is not an image does not name the file: this check reads
    the first bytes of every image file and names the bad ones.

    Returns:
        The class subfolders' names, sorted (empty when the images sit in `directory` itself).

    Raises:
        ValueError: the folder is missing, holds no images, or holds files that are not images.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(
            f"The image folder does not exist or is not a folder. Received: directory={directory!r}"
        )
    subfolders = sorted(
        entry for entry in os.listdir(directory) if os.path.isdir(os.path.join(directory, entry))
    )
    paths = [
        os.path.join(root, name)
        for top in ([os.path.join(directory, s) for s in subfolders] or [directory])
        for root, _, names in sorted(os.walk(top))
        for name in sorted(names)
        if name.lower().endswith(IMAGE_EXTENSIONS)
    ]
    if not paths:
        where = f"its subfolders {subfolders}" if subfolders else "it"
        raise ValueError(
            f"The image folder holds no images ({', '.join(IMAGE_EXTENSIONS)}) in {where}. "
            f"Received: directory={directory!r}"
        )
    bad = [path for path in paths if not _starts_like_an_image(path)]
    if bad:
        raise ValueError(
            f"{len(bad)} of the {len(paths)} image files in {directory!r} are not images that "
            f"TensorFlow can decode (empty, cut short, or another format): "
            f"{', '.join(repr(path) for path in bad[:3])}{', ...' if len(bad) > 3 else ''}. "
            "Remove or replace them."
        )
    return subfolders


def _starts_like_an_image(path):
    with open(path, "rb") as file:
        head = file.read(8)
    return head.startswith(IMAGE_SIGNATURES)
