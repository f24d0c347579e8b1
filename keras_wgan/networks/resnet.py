"""The WGAN-GP paper's ResNet generator and critic (Gulrajani et al., 2017), as Functional models.

32x32 as in the authors' `gan_cifar_resnet.py`, 64x64 as `GoodGenerator`/`GoodDiscriminator` in
their `gan_64x64.py`: layer shapes, biases, initializers and normalizations follow their code.
"""

import keras
from keras import layers
from keras import ops

from keras_wgan._checks import check_positive_int
from keras_wgan.networks import conditioning
from keras_wgan.networks._layers import centred_margins
from keras_wgan.networks._layers import check_image_shape

SIZES = (32, 64)
PAPER_FILTERS = {32: 128, 64: 64}
# The authors' critic normalization: none at 32x32, layer normalization at 64x64 (WGAN-GP mode).
PAPER_CRITIC_NORMALIZATION = {32: None, 64: "layer"}
RESNET_NORMALIZATIONS = (None, "batch", "layer", "paper")
EPSILON = 1e-5


@keras.saving.register_keras_serializable(package="keras_wgan")
class ChannelLayerNormalization(layers.Layer):
    """Layer normalization over all of an example's features, with a scale and offset per channel.

    The WGAN-GP authors' `Layernorm`: statistics as `keras.layers.LayerNormalization(axis=(1, 2,
    3))` takes them, but one scale and offset per channel, not per feature. Computed in float32.

    Args:
        epsilon: float. Added to the variance.
        **kwargs: `keras.layers.Layer` arguments.
    """

    def __init__(self, epsilon=EPSILON, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        channels = (input_shape[-1],)
        self.gamma = self.add_weight(channels, initializer="ones", name="gamma", autocast=False)
        self.beta = self.add_weight(channels, initializer="zeros", name="beta", autocast=False)

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        mean, variance = ops.moments(x, axes=tuple(range(1, len(x.shape))), keepdims=True)
        x = (x - mean) * ops.rsqrt(variance + self.epsilon) * self.gamma + self.beta
        return ops.cast(x, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


def _working_size(image_shape, padded_size):
    height, width, channels = check_image_shape("image_shape", image_shape)
    size = height if padded_size is None and height == width else padded_size
    if size not in SIZES or max(height, width) > size:
        raise ValueError(
            f"The ResNet networks work at 32x32 or 64x64: `image_shape` must be square of one of "
            f"these sides, or fit in `padded_size` (one of {SIZES}). Received: "
            f"image_shape={tuple(image_shape)!r}, padded_size={padded_size!r}"
        )
    return size, (height, width, channels)


def _check_options(normalization, base_filters, size):
    if normalization not in RESNET_NORMALIZATIONS:
        raise ValueError(
            f"`normalization` must be one of {RESNET_NORMALIZATIONS}. "
            f"Received: normalization={normalization!r}"
        )
    if base_filters is None:
        return PAPER_FILTERS[size]
    return check_positive_int("base_filters", base_filters)


def _he_init():
    """The authors' `he_init`: uniform with variance 4 / (fan_in + fan_out)."""
    return keras.initializers.VarianceScaling(2.0, mode="fan_avg", distribution="uniform")


def _conv(filters, kernel_size, name, he_init=True, use_bias=True, **kwargs):
    return layers.Conv2D(
        filters,
        kernel_size,
        padding="same",
        use_bias=use_bias,
        kernel_initializer=_he_init() if he_init else "glorot_uniform",
        name=name,
        **kwargs,
    )


def _normalize(x, normalization, name):
    if normalization == "batch":
        return layers.BatchNormalization(epsilon=EPSILON, name=name)(x)
    if normalization == "layer":
        return ChannelLayerNormalization(name=name)(x)
    return x


def _residual_block(x, filters, resample, normalization, name, conv1_bias=True):
    """The authors' `ResidualBlock`; `resample`: `"up"` (nearest), `"down"` (2x2 mean) or None."""
    in_filters = x.shape[-1]
    shortcut = x
    if resample is not None or filters != in_filters:
        # A 1x1 convolution commutes with nearest upsampling and mean pooling: on the smaller
        # map, it is the authors' function at a quarter of the cost.
        if resample == "down":
            shortcut = layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")(shortcut)
        shortcut = _conv(filters, 1, f"{name}_shortcut", he_init=False)(shortcut)
        if resample == "up":
            shortcut = layers.UpSampling2D(2, name=f"{name}_shortcut_upsample")(shortcut)
    x = layers.ReLU()(_normalize(x, normalization, f"{name}_norm1"))
    if resample == "up":
        x = layers.UpSampling2D(2, name=f"{name}_upsample")(x)
    conv1_filters = in_filters if resample == "down" else filters
    x = _conv(conv1_filters, 3, f"{name}_conv1", use_bias=conv1_bias)(x)
    x = layers.ReLU()(_normalize(x, normalization, f"{name}_norm2"))
    x = _conv(filters, 3, f"{name}_conv2")(x)
    if resample == "down":
        x = layers.AveragePooling2D(2, name=f"{name}_pool")(x)
    return layers.Add(name=f"{name}_add")([shortcut, x])


def _optimized_block(x, filters, name):
    # The authors' first critic block at 32x32: no normalization, and no ReLU on the images.
    shortcut = layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")(x)
    shortcut = _conv(filters, 1, f"{name}_shortcut", he_init=False)(shortcut)
    x = layers.ReLU()(_conv(filters, 3, f"{name}_conv1")(x))
    x = layers.AveragePooling2D(2, name=f"{name}_pool")(_conv(filters, 3, f"{name}_conv2")(x))
    return layers.Add(name=f"{name}_add")([shortcut, x])


def build_resnet_generator(
    image_shape,
    latent_dim=128,
    base_filters=None,
    normalization="batch",
    num_classes=None,
    padded_size=None,
    name="generator",
):
    """The WGAN-GP paper's ResNet generator: latent vectors to images in [-1, 1].

    A dense layer to a 4x4 map, residual blocks that double it (three `base_filters` wide at
    32x32; four from `8 * base_filters` to `base_filters` at 64x64), then normalization, ReLU,
    a 3x3 convolution to the channels and tanh.

    Args:
        image_shape: tuple `(height, width, channels)`, 32x32 or 64x64 (or within `padded_size`).
        latent_dim: int. Size of the latent vector (128 in the paper).
        base_filters: int or `None`. The authors' `dim`; `None`: theirs (128 at 32x32, 64 at 64x64).
        normalization: `"batch"` (or `"paper"`), `"layer"` (`ChannelLayerNormalization`) or `None`.
        num_classes: int or `None`. Class-conditional: inputs `[latent, labels]` (int32 `[batch]`).
        padded_size: int or `None`. Work at this side (32 or 64), then crop the centre.
        name: str. The model's name.

    Returns:
        A Functional `keras.Model` from `[batch, latent_dim]` (and labels) to
        `[batch, *image_shape]` (tanh, float32).

    Raises:
        ValueError: an image shape the networks cannot work at, or a bad argument.

    Example:

    >>> generator = keras_wgan.networks.build_resnet_generator((32, 32, 3))
    """
    size, (height, width, channels) = _working_size(image_shape, padded_size)
    if normalization == "paper":
        normalization = "batch"
    dim = _check_options(normalization, base_filters, size)
    check_positive_int("latent_dim", latent_dim)
    conditioning.check_num_classes(num_classes)
    widths = [dim] * 4 if size == 32 else [8 * dim, 8 * dim, 4 * dim, 2 * dim, dim]

    inputs, x = conditioning.generator_inputs(latent_dim, num_classes)
    x = layers.Dense(4 * 4 * widths[0], name="dense")(x)
    x = layers.Reshape((4, 4, widths[0]))(x)
    for block, filters in enumerate(widths[1:], start=1):
        # The 64x64 code's first convolutions have no bias (batch normalization follows).
        x = _residual_block(x, filters, "up", normalization, f"block{block}", size == 32)
    x = layers.ReLU()(_normalize(x, normalization, "output_norm"))
    options = {"activation": "tanh", "dtype": "float32", "he_init": size == 64}
    if (height, width) == (size, size):
        return keras.Model(inputs, _conv(channels, 3, "images", **options)(x), name=name)
    x = _conv(channels, 3, "padded_images", **options)(x)
    crop = (centred_margins(size, height), centred_margins(size, width))
    images = layers.Cropping2D(crop, dtype="float32", name="images")(x)
    return keras.Model(inputs, images, name=name)


def build_resnet_critic(
    image_shape,
    base_filters=None,
    normalization="paper",
    num_classes=None,
    padded_size=None,
    name="critic",
):
    """The WGAN-GP paper's ResNet critic: images to one linear score each (no sigmoid).

    32x32: the "optimized" first block, a halving block and two plain ones, `base_filters` wide,
    then ReLU, global mean pooling and a dense score. 64x64: a 3x3 convolution, four halving
    blocks from `2 * base_filters` to `8 * base_filters`, a dense score on the flattened map.

    Args:
        image_shape: tuple `(height, width, channels)`, 32x32 or 64x64 (or within `padded_size`).
        base_filters: int or `None`. The authors' `dim`; `None`: theirs (128 at 32x32, 64 at 64x64).
        normalization: `"paper"` (none at 32x32, `"layer"` at 64x64), `None`, `"layer"`
            (`ChannelLayerNormalization`) or `"batch"` (refused by `WGANGP`).
        num_classes: int or `None`. Class-conditional: inputs `[images, labels]`, projection head.
        padded_size: int or `None`. Zero-pad the images (centred) to this side (32 or 64).
        name: str. The model's name.

    Returns:
        A Functional `keras.Model` from `[batch, *image_shape]` to `[batch, 1]` (float32).

    Raises:
        ValueError: an image shape the networks cannot work at, or a bad argument.

    Example:

    >>> critic = keras_wgan.networks.build_resnet_critic((32, 32, 3))
    """
    size, (height, width, _) = _working_size(image_shape, padded_size)
    dim = _check_options(normalization, base_filters, size)
    if normalization == "paper":
        normalization = PAPER_CRITIC_NORMALIZATION[size]
    conditioning.check_num_classes(num_classes)

    images = keras.Input(tuple(image_shape), name="images")
    x = images
    if (height, width) != (size, size):
        x = layers.ZeroPadding2D((centred_margins(size, height), centred_margins(size, width)))(x)
    if size == 32:
        x = _optimized_block(x, dim, "block1")
        x = _residual_block(x, dim, "down", normalization, "block2")
        x = _residual_block(x, dim, None, normalization, "block3")
        x = _residual_block(x, dim, None, normalization, "block4")
        features = layers.GlobalAveragePooling2D()(layers.ReLU()(x))
    else:
        x = _conv(dim, 3, "input_conv", he_init=False)(x)
        for block, filters in enumerate((2 * dim, 4 * dim, 8 * dim, 8 * dim), start=1):
            x = _residual_block(x, filters, "down", normalization, f"block{block}", False)
        features = layers.Flatten()(x)
    return conditioning.critic_from_features(images, features, num_classes, name)
