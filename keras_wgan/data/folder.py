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
# Files decoded to read a folder's channels (`image_folder_channels`), spread over the folder.
CHANNEL_SAMPLES = 16
COLOR_MODES = {1: "grayscale", 3: "rgb", 4: "rgba"}


def load_image_folder(directory, image_size, channels=None):
    """Images from a folder, resized and scaled to [-1, 1].

    Subfolders, if any, are the classes (labels 0, 1, ... in alphabetical order); otherwise the
    images are read without labels. Images are centre-cropped to the aspect ratio of
    `image_size`, then resized.

    Args:
        directory: str or path-like. The folder of images (.bmp, .gif, .jpeg, .jpg, .png).
        image_size: int or `(height, width)`.
        channels: int or `None`. 1 (grayscale), 3 (RGB) or 4 (RGBA), images of other channels
            converted; `None`: the images' own (`image_folder_channels`).

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
    if channels not in (None, *COLOR_MODES) or isinstance(channels, bool):
        raise ValueError(f"`channels` must be 1, 3 or 4. Received: channels={channels!r}")
    directory = os.fspath(directory)
    subfolders = check_image_folder(directory, channels=channels)
    if channels is None:
        channels = image_folder_channels(directory)
    dataset = keras.utils.image_dataset_from_directory(
        directory,
        labels="inferred" if subfolders else None,
        label_mode="int" if subfolders else None,
        color_mode=COLOR_MODES[channels],
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


def check_image_folder(directory, min_images=1, channels=None):
    """Checks a folder for `load_image_folder` before anything is decoded.

    TensorFlow's error for a file it cannot decode names no file and comes mid-training: this
    check names each bad file up front. It reads a few bytes at each file's start and end, and
    decodes only the files whose end does not look whole.

    Args:
        directory: str or path-like. The folder of images.
        min_images: int. The fewest images it must hold: the `batch_size * critic_steps`
            images one generator step takes (`make_dataset`) to train on it.
        channels: int or `None`. The channels the images will be read with.

    Returns:
        The class subfolders' names, sorted (empty when the images sit in `directory` itself).

    Raises:
        ValueError: the folder is missing or unreadable, holds fewer than `min_images` images,
            or holds files that are not images TensorFlow decodes (empty, cut short, of another
            format, unreadable, or broken symbolic links), or a GIF to read with other than 3
            `channels` (TensorFlow decodes GIFs as RGB only).
    """
    if isinstance(min_images, bool) or not isinstance(min_images, int) or min_images < 1:
        raise ValueError(
            f"`min_images` must be a positive int. Received: min_images={min_images!r}"
        )
    directory = os.fspath(directory)
    subfolders = image_folder_classes(directory)
    paths = _image_paths(directory, subfolders)
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
    gif = _first_gif(paths) if channels not in (None, 3) else None
    if gif is not None:
        raise ValueError(
            f"TensorFlow decodes GIF images as RGB only, such as {gif!r}: `channels` must be 3 "
            f"or None for this folder. Received: channels={channels!r}"
        )
    if len(paths) < min_images:
        named = ", ".join(repr(path) for path in paths[:3]) + (", ..." if len(paths) > 3 else "")
        raise ValueError(
            f"The image folder holds {len(paths)} image{'s' * (len(paths) > 1)} ({named}), "
            f"fewer than the {min_images} one generator step takes (batch_size x critic_steps). "
            f"Received: directory={directory!r}, min_images={min_images}"
        )
    return subfolders


def image_folder_classes(directory):
    """The class subfolders of an image folder, sorted (label `i` is the `i`-th; `[]`: flat).

    Raises:
        ValueError: the folder is missing or unreadable.
    """
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
    return sorted(entry for entry in entries if os.path.isdir(os.path.join(directory, entry)))


def image_folder_channels(directory):
    """The channels `load_image_folder` reads a folder's images with by default: 1, 3 or 4.

    The most channels among `CHANNEL_SAMPLES` files spread evenly over the folder, grey with
    alpha counted as RGBA; images with fewer are converted when read (grey repeated). A folder
    holding a GIF is RGB: TensorFlow decodes GIFs as RGB only.
    """
    directory = os.fspath(directory)
    paths = _image_paths(directory, image_folder_classes(directory))
    count = min(CHANNEL_SAMPLES, len(paths))
    picked = {round(i * (len(paths) - 1) / max(1, count - 1)) for i in range(count)}
    found = [
        tf.io.decode_image(tf.io.read_file(paths[i]), expand_animations=False).shape[-1]
        for i in sorted(picked)
    ]
    channels = max({1: 1, 2: 4, 3: 3, 4: 4}[count] for count in found)
    return 3 if channels != 3 and _first_gif(paths) else channels


def _image_paths(directory, subfolders):
    """The image files `load_image_folder` reads, in its order."""
    return [
        os.path.join(root, name)
        for top in ([os.path.join(directory, s) for s in subfolders] or [directory])
        for root, _, names in sorted(os.walk(top))
        for name in sorted(names)
        if name.lower().endswith(IMAGE_EXTENSIONS)
    ]


def _first_gif(paths):
    for path in paths:
        with open(path, "rb") as file:
            if file.read(6) in (b"GIF87a", b"GIF89a"):
                return path
    return None


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
