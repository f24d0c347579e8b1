"""`load_image_folder`: images from a folder (subfolders as classes), resized, in [-1, 1]."""

import os

import tensorflow as tf

from keras_wgan.data.images import check_image_size
from keras_wgan.data.images import scale_pixels

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
# The first bytes of each format TensorFlow decodes (it reads the content, not the extension).
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")
# The last bytes of a whole PNG (its IEND chunk), JPEG (end of image) and GIF (trailer).
IMAGE_ENDINGS = ((b"\x89PNG", b"IEND\xaeB`\x82"), (b"\xff\xd8\xff", b"\xff\xd9"), (b"GIF8", b";"))


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


def check_image_folder(directory, min_images=1):
    """Checks a folder for `load_image_folder` before anything is decoded.

    TensorFlow's error for a file it cannot decode names no file and comes mid-training: this
    check names each bad file up front. It reads a few bytes at each file's start and end, and
    decodes only the files whose end does not look whole.

    Args:
        directory: str or path-like. The folder of images.
        min_images: int. The fewest images it must hold: the `batch_size * critic_steps`
            images one generator step takes (`make_dataset`) to train on it.

    Returns:
        The class subfolders' names, sorted (empty when the images sit in `directory` itself).

    Raises:
        ValueError: the folder is missing or unreadable, holds fewer than `min_images` images,
            or holds files that are not images TensorFlow decodes (empty, cut short, of another
            format, unreadable, or broken symbolic links).
    """
    if isinstance(min_images, bool) or not isinstance(min_images, int) or min_images < 1:
        raise ValueError(
            f"`min_images` must be a positive int. Received: min_images={min_images!r}"
        )
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(
            f"The image folder does not exist or is not a folder. Received: directory={directory!r}"
        )
    try:
        entries = os.listdir(directory)
    except OSError as error:
        raise ValueError(
            f"The image folder cannot be read ({error.strerror}). Received: "
            f"directory={directory!r}"
        ) from None
    subfolders = sorted(entry for entry in entries if os.path.isdir(os.path.join(directory, entry)))
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
    bad = [(path, problem) for path in paths if (problem := _file_problem(path))]
    if bad:
        named = ", ".join(f"{path!r} ({problem})" for path, problem in bad[:3])
        raise ValueError(
            f"{len(bad)} of the {len(paths)} image files in {directory!r} are not images that "
            f"TensorFlow can decode: {named}{', ...' if len(bad) > 3 else ''}. "
            "Remove or replace them."
        )
    if len(paths) < min_images:
        named = ", ".join(repr(path) for path in paths[:3]) + (", ..." if len(paths) > 3 else "")
        raise ValueError(
            f"The image folder holds {len(paths)} image{'s' * (len(paths) > 1)} ({named}), "
            f"fewer than the {min_images} one generator step takes (batch_size x critic_steps). "
            f"Received: directory={directory!r}, min_images={min_images}"
        )
    return subfolders


def _file_problem(path):
    """Why TensorFlow cannot decode the image file at `path`, or `None` when it can."""
    if not os.path.exists(path):
        if os.path.islink(path):
            return f"a broken symbolic link to {os.readlink(path)!r}"
        return "missing"
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as file:
            head = file.read(8)
            file.seek(max(0, size - 8))
            tail = file.read()
    except OSError as error:
        return f"unreadable: {error.strerror}"
    if not head.startswith(IMAGE_SIGNATURES):
        return "empty" if not head else "not a BMP, GIF, JPEG or PNG image"
    if _looks_whole(head, tail, size):
        return None
    # Bytes after the end are legal in most formats: the decoder decides.
    try:
        tf.io.decode_image(tf.io.read_file(path), expand_animations=False)
    except tf.errors.OpError:
        return "cut short or damaged"
    return None


def _looks_whole(head, tail, size):
    if head.startswith(b"BM"):  # a BMP records its size in its header
        return int.from_bytes(head[2:6], "little") == size
    return any(
        head.startswith(signature) and tail.endswith(end) for signature, end in IMAGE_ENDINGS
    )
