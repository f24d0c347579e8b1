"""Layer helpers shared by the network builders: the image-shape and normalization checks,
DCGAN's initializer, the normalization layers and the margins of a centred padding."""

import keras
from keras import layers

NORMALIZATIONS = (None, "batch", "layer")


def check_image_shape(argument, image_shape):
    """Checks that `image_shape`, the value of `argument`, is `(height, width, channels)` of
    positive ints, and returns it as a tuple."""
    shape = tuple(image_shape) if isinstance(image_shape, (tuple, list)) else None
    if (
        shape is None
        or len(shape) != 3
        or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape)
    ):
        raise ValueError(
            f"`{argument}` must be (height, width, channels) with positive ints. "
            f"Received: {argument}={image_shape!r}"
        )
    return shape


def check_normalization(normalization):
    """Checks that `normalization` is one of `NORMALIZATIONS`."""
    if normalization not in NORMALIZATIONS:
        raise ValueError(
            f"`normalization` must be one of {NORMALIZATIONS}. "
            f"Received: normalization={normalization!r}"
        )


def normalize(x, normalization, name):
    """A feature map `x` after `normalization` ("batch", "layer" or `None`)."""
    if normalization == "batch":
        return layers.BatchNormalization(name=name)(x)
    if normalization == "layer":
        # Over all of an example's features, as in the WGAN-GP code's critic.
        return layers.LayerNormalization(axis=(1, 2, 3), name=name)(x)
    return x


def initializer():
    """DCGAN's weight initializer, N(0, 0.02)."""
    return keras.initializers.RandomNormal(stddev=0.02)


def centred_margins(padded, size):
    """Rows (or columns) to add before and after `size` to reach `padded`; the extra one after."""
    return (padded - size) // 2, (padded - size + 1) // 2
