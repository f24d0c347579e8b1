"""Networks of the stacked (two-stage) GAN, StackGAN (Zhang et al., 2017) on class labels.

Stage I draws a low-resolution image from noise and an augmented class condition; stage II
refines it to the full resolution; each stage has its own class-conditional critic.
"""

import keras
from keras import layers
from keras import ops

from keras_wgan._checks import check_positive_int
from keras_wgan.networks import conditioning
from keras_wgan.networks._layers import check_image_shape
from keras_wgan.networks._layers import check_normalization
from keras_wgan.networks._layers import initializer
from keras_wgan.networks._layers import normalize
from keras_wgan.networks.dcgan import halvings_to_start


def _check_num_classes(num_classes):
    conditioning.check_num_classes(num_classes)
    if num_classes is None:
        raise ValueError(
            "The stacked GAN is class-conditional: `num_classes` must be an int >= 2. "
            "Received: num_classes=None"
        )


@keras.saving.register_keras_serializable(package="keras_wgan")
class ConditioningAugmentation(layers.Layer):
    """Conditioning augmentation: an augmented class condition `c = mean + sigma * eps`.

    Section 3.1 of the paper, with class labels: `mean(y)` and `log_sigma(y)` are two
    `Embedding(num_classes, condition_dim)` tables. The noise `eps ~ N(0, I)` is an input, so
    the network stays deterministic (as an export needs) and the model draws it with its seed
    generator. `moments(labels)` gives `(mean, log_sigma)` for the loss's KL term.

    Args:
        num_classes: int >= 2. Number of classes.
        condition_dim: int >= 1. Size of the condition `c`.
        **kwargs: passed to `keras.layers.Layer` (e.g. `name`).

    Call arguments:
        inputs: list `[labels, noise]`: int labels `[batch]` and float noise
            `[batch, condition_dim]`.

    Returns:
        The condition `c`, `[batch, condition_dim]`.
    """

    def __init__(self, num_classes, condition_dim, **kwargs):
        super().__init__(**kwargs)
        _check_num_classes(num_classes)
        check_positive_int("condition_dim", condition_dim)
        self.num_classes = num_classes
        self.condition_dim = condition_dim
        # Means start apart (N(0, I)), so classes differ from the first step; sigmas start at 1.
        self.means = layers.Embedding(
            num_classes,
            condition_dim,
            embeddings_initializer=keras.initializers.RandomNormal(stddev=1.0),
            name="means",
        )
        self.log_sigmas = layers.Embedding(
            num_classes, condition_dim, embeddings_initializer="zeros", name="log_sigmas"
        )

    def build(self, input_shape):
        self.means.build(input_shape[0])
        self.log_sigmas.build(input_shape[0])

    def moments(self, labels):
        """The condition's `(mean, log_sigma)` for each label, each `[batch, condition_dim]`."""
        labels = ops.cast(labels, "int32")
        return self.means(labels), self.log_sigmas(labels)

    def call(self, inputs):
        labels, noise = inputs
        mean, log_sigma = self.moments(labels)
        return mean + ops.exp(log_sigma) * ops.cast(noise, mean.dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], self.condition_dim)

    def get_config(self):
        config = super().get_config()
        config.update({"num_classes": self.num_classes, "condition_dim": self.condition_dim})
        return config


def upscale_factor(low_resolution_shape, image_shape):
    """The integer factor, 2 or 4, from the stage-I to the stage-II resolution."""
    low = check_image_shape("low_resolution_shape", low_resolution_shape)
    full = check_image_shape("image_shape", image_shape)
    factor = full[0] // low[0]
    if (
        factor not in (2, 4)
        or full[0] != factor * low[0]
        or full[1] != factor * low[1]
        or full[2] != low[2]
    ):
        raise ValueError(
            "The full resolution must be 2 or 4 times the stage-I resolution on both sides, with "
            f"the same channels. Received: low_resolution_shape={low}, image_shape={full}"
        )
    return factor


def _conv(filters, kernel_size, name, strides=1, **kwargs):
    return layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding="same",
        kernel_initializer=initializer(),
        name=name,
        **kwargs,
    )


def _condition_inputs(num_classes, condition_dim, noise_name="condition_noise"):
    labels = conditioning.labels_input()
    noise = keras.Input((condition_dim,), name=noise_name)
    condition = ConditioningAugmentation(
        num_classes, condition_dim, name="conditioning_augmentation"
    )([labels, noise])
    return labels, noise, condition


def build_stage1_generator(
    image_shape,
    num_classes,
    noise_dim=64,
    condition_dim=16,
    base_filters=64,
    normalization="batch",
    name="stage1_generator",
):
    """Stage-I generator: noise and an augmented class condition to a low-resolution image.

    Args:
        image_shape: tuple `(height, width, channels)`, the stage-I resolution.
        num_classes: int >= 2. Number of classes.
        noise_dim: int. Size of the noise `z`.
        condition_dim: int. Size of the augmented condition `c` (and of its noise).
        base_filters: int. Filters of the last hidden stage; earlier stages have twice as many.
        normalization: `"batch"`, `"layer"` or `None`, after hidden layers.
        name: str. The model's name.

    Returns:
        A Functional `keras.Model` from `[noise, labels, condition_noise]` to
        `[batch, *image_shape]` (tanh, float32).
    """
    height, width, channels = check_image_shape("image_shape", image_shape)
    _check_num_classes(num_classes)
    for argument, value in (
        ("noise_dim", noise_dim),
        ("condition_dim", condition_dim),
        ("base_filters", base_filters),
    ):
        check_positive_int(argument, value)
    check_normalization(normalization)
    doublings = halvings_to_start(height, width)
    start = (height // 2**doublings, width // 2**doublings)

    noise = keras.Input((noise_dim,), name="noise")
    labels, condition_noise, condition = _condition_inputs(num_classes, condition_dim)
    x = layers.Concatenate(name="noise_and_condition")([noise, condition])
    filters = base_filters * 2**doublings
    x = layers.Dense(start[0] * start[1] * filters, kernel_initializer=initializer())(x)
    x = layers.Reshape((*start, filters))(x)
    x = layers.ReLU()(normalize(x, normalization, "norm_0"))
    for stage in range(1, doublings + 1):
        filters //= 2
        x = layers.Conv2DTranspose(
            filters, 4, strides=2, padding="same", kernel_initializer=initializer()
        )(x)
        x = layers.ReLU()(normalize(x, normalization, f"norm_{stage}"))
    images = _conv(channels, 3, "images", activation="tanh", dtype="float32")(x)
    return keras.Model([noise, labels, condition_noise], images, name=name)


def build_stage2_generator(
    image_shape,
    low_resolution_shape,
    num_classes,
    condition_dim=16,
    base_filters=64,
    residual_blocks=2,
    normalization="batch",
    name="stage2_generator",
):
    """Stage-II generator: refines a stage-I image to the full resolution, given the class.

    As in StackGAN's stage II (encoder, condition, residual blocks, upsampling); the last
    convolution also sees the bilinearly upsampled stage-I image, so it can correct it.

    Args:
        image_shape: tuple `(height, width, channels)`, the full resolution.
        low_resolution_shape: tuple, the stage-I resolution; `image_shape` must be 2 or 4 times
            it on both sides.
        num_classes: int >= 2. Number of classes.
        condition_dim: int. Size of this stage's augmented condition.
        base_filters: int. Filters at the full resolution; the low-resolution blocks have
            `base_filters * factor`.
        residual_blocks: int >= 0. Residual blocks at the low resolution.
        normalization: `"batch"`, `"layer"` or `None`, after hidden layers.
        name: str. The model's name.

    Returns:
        A Functional `keras.Model` from `[low_resolution_images, labels, condition_noise]` to
        `[batch, *image_shape]` (tanh, float32).
    """
    factor = upscale_factor(low_resolution_shape, image_shape)
    low_height, low_width, channels = tuple(low_resolution_shape)
    _check_num_classes(num_classes)
    check_positive_int("condition_dim", condition_dim)
    check_positive_int("base_filters", base_filters)
    if (
        isinstance(residual_blocks, bool)
        or not isinstance(residual_blocks, int)
        or residual_blocks < 0
    ):
        raise ValueError(
            f"`residual_blocks` must be an int >= 0. Received: residual_blocks={residual_blocks!r}"
        )
    check_normalization(normalization)
    doublings = factor.bit_length() - 1

    low_images = keras.Input(tuple(low_resolution_shape), name="low_resolution_images")
    labels, condition_noise, condition = _condition_inputs(num_classes, condition_dim)
    filters = base_filters * factor
    x = layers.ReLU()(_conv(filters, 3, "encode")(low_images))
    tiled = layers.Reshape((1, 1, condition_dim))(condition)
    tiled = layers.UpSampling2D((low_height, low_width), name="tile_condition")(tiled)
    x = layers.Concatenate(name="image_and_condition")([x, tiled])
    x = layers.ReLU()(normalize(_conv(filters, 3, "joint")(x), normalization, "norm_joint"))
    for block in range(residual_blocks):
        y = _conv(filters, 3, f"residual_{block}_a")(x)
        y = layers.ReLU()(normalize(y, normalization, f"norm_residual_{block}_a"))
        y = normalize(_conv(filters, 3, f"residual_{block}_b")(y), normalization,
                       f"norm_residual_{block}_b")
        x = layers.ReLU()(layers.Add(name=f"residual_{block}")([x, y]))
    for stage in range(doublings):
        filters //= 2
        x = layers.UpSampling2D(2, name=f"upsample_{stage}")(x)
        x = _conv(filters, 3, f"upsample_{stage}_conv")(x)
        x = layers.ReLU()(normalize(x, normalization, f"norm_upsample_{stage}"))
    upsampled = layers.UpSampling2D(factor, interpolation="bilinear", name="upsampled_input")(
        low_images
    )
    x = layers.Concatenate(name="features_and_input")([x, upsampled])
    images = _conv(channels, 3, "images", activation="tanh", dtype="float32")(x)
    return keras.Model([low_images, labels, condition_noise], images, name=name)


def build_stage_critic(
    image_shape, num_classes, base_filters=64, normalization="layer", name="critic"
):
    """A class-conditional critic for one stage: images to one linear score (projection head).

    Stride-2 convolutions down to 4x4, then the projection head; unlike `build_critic`, it takes
    4x4 images too. No BatchNormalization: the critics are trained with a gradient penalty.

    Args:
        image_shape: tuple `(height, width, channels)`.
        num_classes: int >= 2. Number of classes.
        base_filters: int. Filters of the first convolution.
        normalization: `"layer"` or `None`, after each stride-2 convolution.
        name: str. The model's name.

    Returns:
        A Functional `keras.Model` from `[images, labels]` to `[batch, 1]` (float32).
    """
    height, width, _ = check_image_shape("image_shape", image_shape)
    _check_num_classes(num_classes)
    check_positive_int("base_filters", base_filters)
    if normalization not in (None, "layer"):
        raise ValueError(
            "A stage critic is trained with a gradient penalty: `normalization` must be 'layer' "
            f"or None (no BatchNormalization). Received: normalization={normalization!r}"
        )
    images = keras.Input(tuple(image_shape), name="images")
    x = layers.LeakyReLU(0.2)(_conv(base_filters, 3, "conv_0")(images))
    filters = base_filters
    for stage in range(1, halvings_to_start(height, width) + 1):
        filters *= 2
        x = _conv(filters, 4, f"conv_{stage}", strides=2)(x)
        x = layers.LeakyReLU(0.2)(normalize(x, normalization, f"norm_{stage}"))
    x = layers.Flatten()(x)
    return conditioning.critic_from_features(images, x, num_classes, name)


def build_stacked_networks(
    image_shape,
    num_classes,
    low_resolution_shape=None,
    noise_dim=64,
    condition_dim=16,
    generator_filters=64,
    critic_filters=64,
    residual_blocks=2,
):
    """The four networks of a `keras_wgan.StackedGAN`, keyed by its argument names.

    Args:
        image_shape: tuple `(height, width, channels)`, the full (stage-II) resolution.
        num_classes: int >= 2. Number of classes.
        low_resolution_shape: tuple or `None`. The stage-I resolution; `None` for half of
            `image_shape` on each side.
        noise_dim: int. Size of stage I's noise `z`.
        condition_dim: int. Size of each stage's augmented condition.
        generator_filters: int. `base_filters` of both generators.
        critic_filters: int. `base_filters` of both critics.
        residual_blocks: int. Residual blocks of the stage-II generator.

    Returns:
        A dict with `stage1_generator`, `stage2_generator`, `stage1_critic`, `stage2_critic`.

    Example:

    >>> networks = keras_wgan.networks.build_stacked_networks((16, 16, 1), num_classes=10)
    >>> model = keras_wgan.StackedGAN(**networks)
    """
    full = check_image_shape("image_shape", image_shape)
    if low_resolution_shape is None:
        if full[0] % 2 or full[1] % 2:
            raise ValueError(
                "`image_shape` must have even sides for the default stage-I resolution (half). "
                f"Received: image_shape={image_shape!r}"
            )
        low_resolution_shape = (full[0] // 2, full[1] // 2, full[2])
    upscale_factor(low_resolution_shape, full)
    return {
        "stage1_generator": build_stage1_generator(
            low_resolution_shape,
            num_classes,
            noise_dim=noise_dim,
            condition_dim=condition_dim,
            base_filters=generator_filters,
        ),
        "stage2_generator": build_stage2_generator(
            full,
            low_resolution_shape,
            num_classes,
            condition_dim=condition_dim,
            base_filters=generator_filters,
            residual_blocks=residual_blocks,
        ),
        "stage1_critic": build_stage_critic(
            low_resolution_shape, num_classes, critic_filters, name="stage1_critic"
        ),
        "stage2_critic": build_stage_critic(
            full, num_classes, critic_filters, name="stage2_critic"
        ),
    }
