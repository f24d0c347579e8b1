"""DCGAN-style convolutional generator and critic (Radford et al., 2016), as Functional models.

The number of stride-2 stages is read from the image shape (`halvings_to_start`); the options
(`kernel_size`, `padded_size`, `upsampling="nearest"` after Odena et al., 2016, `dropout`)
reproduce other common variants, such as the keras.io WGAN-GP example's networks.
"""

import keras
from keras import layers

from keras_wgan._checks import check_positive_int
from keras_wgan.networks import conditioning
from keras_wgan.networks._layers import centred_margins
from keras_wgan.networks._layers import check_image_shape
from keras_wgan.networks._layers import check_normalization
from keras_wgan.networks._layers import initializer
from keras_wgan.networks._layers import normalize
from keras_wgan.networks.spectral_norm import spectrally_normalized
from keras_wgan.networks.unrolled import UnrolledConv2D
from keras_wgan.networks.unrolled import pays_to_unroll

UPSAMPLINGS = ("transpose", "nearest")


def _check_padded_size(padded_size, height, width):
    """The (height, width) the network works at: the image's, or `padded_size` if given."""
    if padded_size is None:
        return height, width
    size = (padded_size, padded_size) if isinstance(padded_size, int) else padded_size
    size = tuple(size) if isinstance(size, (tuple, list)) else None
    if (
        size is None
        or len(size) != 2
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in size)
        or size[0] < height
        or size[1] < width
    ):
        raise ValueError(
            "`padded_size` must be an int or (height, width), at least the image's "
            f"({height}, {width}). Received: padded_size={padded_size!r}"
        )
    return size


def halvings_to_start(height, width):
    """How many times (height, width) halves while both sides are even and above 4.

    The stride-2 stages from a network's starting map: 3 for 32x32 (from 4x4), 2 for 28x28.
    """
    count = 0
    while height % 2 == 0 and width % 2 == 0 and height > 4 and width > 4:
        height, width, count = height // 2, width // 2, count + 1
    return count


def _doublings(height, width):
    """`halvings_to_start(height, width)`, which must be at least 1 for the DCGAN networks."""
    count = halvings_to_start(height, width)
    if count == 0:
        raise ValueError(
            "The image's height and width must be even and at least 8 (e.g. 8, 28, 32, 64). "
            f"Received: image_shape with height={height}, width={width}"
        )
    return count


def build_generator(
    image_shape,
    latent_dim=128,
    base_filters=64,
    normalization="batch",
    num_classes=None,
    kernel_size=4,
    upsampling="transpose",
    padded_size=None,
    name="generator",
):
    """DCGAN generator: latent vectors to images in [-1, 1].

    Args:
        image_shape: tuple `(height, width, channels)`; height and width even and at least 8.
        latent_dim: int. Size of the latent vector.
        base_filters: int. Filters of the last hidden stage; each earlier stage has twice as many.
        normalization: `"batch"` (DCGAN), `"layer"` or `None`, after each hidden stage.
        num_classes: int or `None`. Makes a class-conditional generator with inputs
            `[latent, labels]` (labels int32 `[batch]`).
        kernel_size: int. Kernel size of every convolution (4 in DCGAN).
        upsampling: `"transpose"` (stride-2 transposed convolutions) or `"nearest"`
            (`UpSampling2D` then a stride-1 convolution: no checkerboard artifacts).
        padded_size: int, `(height, width)` or `None`. Generate at this larger size and crop the
            centre to `image_shape`; the number of doublings is read from this size.
        name: str. The model's name.

    Returns:
        A Functional `keras.Model` from `[batch, latent_dim]` (and labels) to
        `[batch, *image_shape]` (tanh).
    """
    height, width, channels = check_image_shape("image_shape", image_shape)
    check_normalization(normalization)
    conditioning.check_num_classes(num_classes)
    check_positive_int("kernel_size", kernel_size)
    if upsampling not in UPSAMPLINGS:
        raise ValueError(
            f"`upsampling` must be one of {UPSAMPLINGS}. Received: upsampling={upsampling!r}"
        )
    padded = _check_padded_size(padded_size, height, width)
    stages = _doublings(*padded)
    start = (padded[0] // 2**stages, padded[1] // 2**stages)

    def upsample(filters, **kwargs):
        """A stage that doubles the feature map's height and width."""
        options = dict(padding="same", kernel_initializer=initializer(), **kwargs)
        if upsampling == "transpose":
            return layers.Conv2DTranspose(filters, kernel_size, strides=2, **options)
        conv = layers.Conv2D(filters, kernel_size, **options)
        return lambda x: conv(layers.UpSampling2D(2, interpolation="nearest")(x))

    inputs, x = conditioning.generator_inputs(latent_dim, num_classes)
    filters = base_filters * 2 ** (stages - 1)
    x = layers.Dense(start[0] * start[1] * filters, kernel_initializer=initializer())(x)
    x = layers.Reshape((*start, filters))(x)
    x = layers.ReLU()(normalize(x, normalization, "norm_0"))
    for stage in range(1, stages):
        filters //= 2
        x = upsample(filters)(x)
        x = layers.ReLU()(normalize(x, normalization, f"norm_{stage}"))
    if padded == (height, width):
        images = upsample(channels, activation="tanh", dtype="float32", name="images")(x)
        return keras.Model(inputs, images, name=name)
    x = upsample(channels, activation="tanh", dtype="float32", name="padded_images")(x)
    crop = (centred_margins(padded[0], height), centred_margins(padded[1], width))
    images = layers.Cropping2D(crop, dtype="float32", name="images")(x)
    return keras.Model(inputs, images, name=name)


def build_critic(
    image_shape,
    base_filters=64,
    normalization="layer",
    num_classes=None,
    kernel_size=4,
    stages=None,
    padded_size=None,
    dropout=0.0,
    unroll_small_maps=True,
    spectral_norm=False,
    name="critic",
):
    """DCGAN critic: images to one linear score each (no sigmoid).

    Args:
        image_shape: tuple `(height, width, channels)`.
        base_filters: int. Filters of the first convolution; each later stage has twice as many.
        normalization: `"layer"`, `None`, or `"batch"` (refused by `WGANGP`), after every
            stage but the first.
        num_classes: int or `None`. Makes a class-conditional critic with inputs
            `[images, labels]` and a projection head.
        kernel_size: int. Kernel size of every convolution (4 in DCGAN).
        stages: int or `None`. Number of stride-2 convolutions; by default read from the size
            as for the generator (down to 4x4). At most log2 of the smaller side.
        padded_size: int, `(height, width)` or `None`. Zero-pad the images (centred) to this
            larger size before the first convolution (e.g. 32 for 28x28 images).
        dropout: float in [0, 1). Rate of a `Dropout` after every stage but the first and the
            last, and before the score layer.
        unroll_small_maps: bool. Compute the convolutions whose input map has no more pixels
            than the kernel has taps as `UnrolledConv2D` (same weights and outputs as `Conv2D`).
        spectral_norm: bool. Spectral normalization of every convolution and dense layer
            (`spectrally_normalized`); SNGAN's critic has no other normalization.
        name: str. The model's name.

    Returns:
        A Functional `keras.Model` from `[batch, *image_shape]` to `[batch, 1]` (float32).
    """
    height, width, _ = check_image_shape("image_shape", image_shape)
    check_normalization(normalization)
    conditioning.check_num_classes(num_classes)
    check_positive_int("kernel_size", kernel_size)
    padded = _check_padded_size(padded_size, height, width)
    if stages is None:
        stages = _doublings(*padded)
    elif check_positive_int("stages", stages) > min(padded).bit_length() - 1:
        raise ValueError(
            f"`stages` must be at most log2 of the smaller side of the (padded) image, "
            f"{min(padded)}. Received: stages={stages}"
        )
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"`dropout` must be a float in [0, 1). Received: dropout={dropout!r}")
    for argument, value in (("unroll_small_maps", unroll_small_maps),
                            ("spectral_norm", spectral_norm)):
        if not isinstance(value, bool):
            raise ValueError(f"`{argument}` must be a bool. Received: {argument}={value!r}")

    def dropped(x):
        return layers.Dropout(dropout)(x) if dropout else x

    images = keras.Input(tuple(image_shape), name="images")
    x = images
    if padded != (height, width):
        margins = (centred_margins(padded[0], height), centred_margins(padded[1], width))
        x = layers.ZeroPadding2D(margins)(x)
    size = padded
    for stage in range(stages):
        unrolled = unroll_small_maps and pays_to_unroll(size, (kernel_size, kernel_size))
        x = (UnrolledConv2D if unrolled else layers.Conv2D)(
            base_filters * 2**stage,
            kernel_size,
            strides=2,
            padding="same",
            kernel_initializer=initializer(),
        )(x)
        size = (-(-size[0] // 2), -(-size[1] // 2))
        if stage > 0:
            x = normalize(x, normalization, f"norm_{stage}")
        x = layers.LeakyReLU(0.2)(x)
        if 0 < stage < stages - 1:
            x = dropped(x)
    x = dropped(layers.Flatten()(x))
    critic = conditioning.critic_from_features(images, x, num_classes, name)
    return spectrally_normalized(critic) if spectral_norm else critic
