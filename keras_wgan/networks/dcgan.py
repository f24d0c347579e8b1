"""DCGAN-style convolutional generator and critic (Radford et al., 2016), as Functional models.

The generator projects the latent vector to a small feature map and doubles its size with
stride-2 transposed convolutions; the critic mirrors it with stride-2 convolutions. The number of
doublings is read from the image shape: each side is halved while it stays even and larger than
4, so 8x8 starts from 4x4, 28x28 from 7x7, 32x32 from 4x4 and 64x64 from 4x4.
"""

import keras
from keras import layers

from keras_wgan.networks import conditioning

NORMALIZATIONS = (None, "batch", "layer")


def _check_image_shape(image_shape):
    shape = tuple(image_shape) if isinstance(image_shape, (tuple, list)) else None
    if shape is None or len(shape) != 3 or not all(isinstance(d, int) and d > 0 for d in shape):
        raise ValueError(
            "`image_shape` must be (height, width, channels) with positive ints. "
            f"Received: image_shape={image_shape!r}"
        )
    return shape


def _check_normalization(normalization):
    if normalization not in NORMALIZATIONS:
        raise ValueError(
            f"`normalization` must be one of {NORMALIZATIONS}. "
            f"Received: normalization={normalization!r}"
        )


def _doublings(height, width):
    """How many stride-2 stages lead from the starting feature map to (height, width)."""
    count = 0
    while height % 2 == 0 and width % 2 == 0 and height > 4 and width > 4:
        height, width, count = height // 2, width // 2, count + 1
    if count == 0:
        raise ValueError(
            "The image's height and width must be even and at least 8 (e.g. 8, 28, 32, 64). "
            f"Received: image_shape with height={height}, width={width}"
        )
    return count


def _normalize(x, normalization, name):
    if normalization == "batch":
        return layers.BatchNormalization(name=name)(x)
    if normalization == "layer":
        # Over all of an example's features, as in the WGAN-GP code's critic.
        return layers.LayerNormalization(axis=(1, 2, 3), name=name)(x)
    return x


def _initializer():
    # DCGAN's N(0, 0.02) weights.
    return keras.initializers.RandomNormal(stddev=0.02)


def build_generator(
    image_shape,
    latent_dim=128,
    base_filters=64,
    normalization="batch",
    num_classes=None,
    name="generator",
):
    """DCGAN generator: latent vectors to images in [-1, 1].

    Args:
        image_shape: tuple `(height, width, channels)`, e.g. `(28, 28, 1)` or `(64, 64, 3)`.
            Height and width must be even and at least 8.
        latent_dim: int. Size of the latent vector.
        base_filters: int. Filters of the last hidden stage; each earlier stage has twice as many.
        normalization: `"batch"` (DCGAN), `"layer"` or `None`, after each hidden stage.
        num_classes: int or `None`. Makes a class-conditional generator with inputs
            `[latent, labels]` (labels int32 `[batch]`), the label embedded and concatenated to
            the latent (see `keras_wgan.networks.conditioning`).
        name: str. The model's name.

    Returns:
        A Functional `keras.Model` from `[batch, latent_dim]` (and labels) to
        `[batch, *image_shape]` (tanh).
    """
    height, width, channels = _check_image_shape(image_shape)
    _check_normalization(normalization)
    conditioning.check_num_classes(num_classes)
    stages = _doublings(height, width)
    start = (height // 2**stages, width // 2**stages)

    latent = keras.Input((latent_dim,), name="latent")
    inputs, x = latent, latent
    if num_classes:
        labels = conditioning.labels_input()
        inputs, x = [latent, labels], conditioning.with_label_embedding(latent, labels, num_classes)
    filters = base_filters * 2 ** (stages - 1)
    x = layers.Dense(start[0] * start[1] * filters, kernel_initializer=_initializer())(x)
    x = layers.Reshape((*start, filters))(x)
    x = layers.ReLU()(_normalize(x, normalization, "norm_0"))
    for stage in range(1, stages):
        filters //= 2
        x = layers.Conv2DTranspose(
            filters, 4, strides=2, padding="same", kernel_initializer=_initializer()
        )(x)
        x = layers.ReLU()(_normalize(x, normalization, f"norm_{stage}"))
    images = layers.Conv2DTranspose(
        channels,
        4,
        strides=2,
        padding="same",
        activation="tanh",
        dtype="float32",  # float32 output under mixed precision
        kernel_initializer=_initializer(),
        name="images",
    )(x)
    return keras.Model(inputs, images, name=name)


def build_critic(
    image_shape, base_filters=64, normalization="layer", num_classes=None, name="critic"
):
    """DCGAN critic: images to one linear score each (no sigmoid).

    Args:
        image_shape: tuple `(height, width, channels)`.
        base_filters: int. Filters of the first convolution; each later stage has twice as many.
        normalization: `"layer"` (for WGAN-GP: the paper's choice), `None`, or `"batch"` (DCGAN;
            allowed for WGAN and GAN critics, refused by `WGANGP`). The first stage is never
            normalized, as in DCGAN.
        num_classes: int or `None`. Makes a class-conditional critic with inputs
            `[images, labels]` and a projection head (see `keras_wgan.networks.conditioning`).
        name: str. The model's name.

    Returns:
        A Functional `keras.Model` from `[batch, *image_shape]` to `[batch, 1]` (float32).
    """
    height, width, _ = _check_image_shape(image_shape)
    _check_normalization(normalization)
    conditioning.check_num_classes(num_classes)
    stages = _doublings(height, width)

    images = keras.Input(tuple(image_shape), name="images")
    x = images
    for stage in range(stages):
        x = layers.Conv2D(
            base_filters * 2**stage,
            4,
            strides=2,
            padding="same",
            kernel_initializer=_initializer(),
        )(x)
        if stage > 0:
            x = _normalize(x, normalization, f"norm_{stage}")
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    if num_classes:
        labels = conditioning.labels_input()
        scores = conditioning.projection_scores(x, labels, num_classes)
        return keras.Model([images, labels], scores, name=name)
    scores = layers.Dense(1, dtype="float32", name="scores")(x)
    return keras.Model(images, scores, name=name)
