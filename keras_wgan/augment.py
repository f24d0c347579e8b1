"""Differentiable augmentation of the critic's inputs: DiffAugment and ADA.

DiffAugment (Zhao et al., 2020) transforms every image the critic sees in training, real and
generated, with the same random differentiable transformations: the critic cannot memorise a
small training set, and the generator's gradient flows back through the transformations, so the
generator learns the un-augmented distribution. ADA (Karras et al., 2020) applies each
transformation to each image only with a probability `p`, which it moves up or down so that an
overfitting heuristic of the critic stays at a target.

The transformations are pure functions of the images and of their random parameters
(`translate`, `cutout`, `adjust_brightness`, `adjust_saturation`, `adjust_contrast`).
`augment(images, uniforms, policy, probability)` maps uniform random numbers
`[batch, uniform_count(policy)]` to those parameters: the caller draws them from its own seed
generator (the models from theirs, `BaseGAN.augment_samples`). They are written with
`keras.ops`, so they run under `jit_compile` and in each replica of a `tf.distribute` strategy.

Images are `[batch, height, width, channels]` in [-1, 1] (the data contract). Translation pads
with 0 and cutout fills with 0, the middle of that range, as DiffAugment does.

`Augmentation` holds a policy and, for ADA, `p` and the running heuristic: the layer a model
keeps, so that `p` is saved with it.
"""

import keras
from keras import ops

from keras_wgan import config

# The names a policy may list, and the transformations each stands for, in the order applied.
POLICY_NAMES = {
    "color": ("brightness", "saturation", "contrast"),
    "translation": ("translation",),
    "cutout": ("cutout",),
}
# Uniform random numbers each transformation takes per image: its parameters, then its gate.
_PARAMETER_COUNTS = {"brightness": 1, "saturation": 1, "contrast": 1, "translation": 2, "cutout": 2}


def transformations(policy):
    """The transformations of a policy such as `"color,translation,cutout"`, in order.

    Args:
        policy: str. Comma-separated names from `"color"` (brightness, saturation, contrast),
            `"translation"` and `"cutout"`, each at most once.

    Returns:
        A tuple of transformation names.

    Raises:
        ValueError: for an empty policy, an unknown or a repeated name.
    """
    names = [name.strip() for name in policy.split(",")] if isinstance(policy, str) else []
    if not names or any(name not in POLICY_NAMES for name in names) or len(set(names)) < len(
        names
    ):
        raise ValueError(
            f"`augment_policy` must list, separated by commas, names from "
            f"{sorted(POLICY_NAMES)}, each at most once. Received: augment_policy={policy!r}"
        )
    return tuple(step for name in names for step in POLICY_NAMES[name])


def uniform_count(policy):
    """How many uniform random numbers `augment` takes per image for `policy`."""
    return sum(_PARAMETER_COUNTS[name] + 1 for name in transformations(policy))


# --------------------------------------------------------------------------------------------
# The transformations, from their parameters
# --------------------------------------------------------------------------------------------


def translate(images, shifts):
    """Images moved by whole pixels, the uncovered border filled with 0.

    `output[b, i, j] = images[b, i - shifts[b, 0], j - shifts[b, 1]]`, 0 where that falls
    outside the image. Differentiable with respect to `images` (a gather).

    Args:
        images: tensor `[batch, height, width, channels]`.
        shifts: int tensor `[batch, 2]`: rows down and columns right.

    Returns:
        A tensor shaped like `images`.
    """
    shifts = ops.cast(shifts, "int32")
    for axis in (1, 2):
        size = images.shape[axis]
        source = ops.arange(size, dtype="int32")[None, :] - shifts[:, axis - 1 : axis]
        inside = ops.cast((source >= 0) & (source < size), images.dtype)
        shape = [-1, 1, 1, 1]
        shape[axis] = size
        moved = ops.take_along_axis(
            images, ops.reshape(ops.clip(source, 0, size - 1), shape), axis=axis
        )
        images = moved * ops.reshape(inside, shape)
    return images


def cutout(images, corners, size):
    """Images with a `size` rectangle set to 0 at `corners` (clipped to the image).

    Args:
        images: tensor `[batch, height, width, channels]`.
        corners: int tensor `[batch, 2]`: the rectangle's top row and left column; it may start
            above or left of the image (negative) or run past its bottom or right edge.
        size: tuple `(rows, columns)`.

    Returns:
        A tensor shaped like `images`.
    """
    return images * (1 - _rectangle(images, corners, size))


def adjust_brightness(images, offsets):
    """`images + offset`, one offset per image (`offsets`, `[batch]`)."""
    return images + ops.reshape(ops.cast(offsets, images.dtype), (-1, 1, 1, 1))


def adjust_saturation(images, factors):
    """Each pixel's channels pulled towards (factor < 1) or pushed from (factor > 1) their mean:
    `mean_c + factor * (x - mean_c)`, one factor per image (`factors`, `[batch]`). A
    one-channel image is unchanged."""
    mean = ops.mean(images, axis=3, keepdims=True)
    return mean + ops.reshape(ops.cast(factors, images.dtype), (-1, 1, 1, 1)) * (images - mean)


def adjust_contrast(images, factors):
    """`mean + factor * (x - mean)`, the mean over each image's pixels and channels, one factor
    per image (`factors`, `[batch]`)."""
    mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
    return mean + ops.reshape(ops.cast(factors, images.dtype), (-1, 1, 1, 1)) * (images - mean)


def _rectangle(images, corners, size):
    """1 inside each image's rectangle `size` at `corners`, else 0: `[batch, height, width, 1]`."""
    corners = ops.cast(corners, "int32")
    inside = []
    for axis in (1, 2):
        index = ops.arange(images.shape[axis], dtype="int32")[None, :]
        start = corners[:, axis - 1 : axis]
        inside.append((index >= start) & (index < start + size[axis - 1]))
    rows, columns = inside
    return ops.cast(rows[:, :, None, None] & columns[:, None, :, None], images.dtype)


# --------------------------------------------------------------------------------------------
# DiffAugment's random parameters, each transformation gated per image (ADA)
# --------------------------------------------------------------------------------------------


def _brightness(images, uniforms, gate):
    # DiffAugment: an offset in [-0.5, 0.5).
    return adjust_brightness(images, (uniforms[:, 0] - 0.5) * gate)


def _saturation(images, uniforms, gate):
    # DiffAugment: a factor in [0, 2).
    return adjust_saturation(images, 1 + (2 * uniforms[:, 0] - 1) * gate)


def _contrast(images, uniforms, gate):
    # DiffAugment: a factor in [0.5, 1.5).
    return adjust_contrast(images, 1 + (uniforms[:, 0] - 0.5) * gate)


def _translation(images, uniforms, gate):
    # DiffAugment: a shift in [-s, s] pixels on each axis, s = round(ratio * size).
    limits = ops.convert_to_tensor(
        [int(images.shape[axis] * config.TRANSLATION_RATIO + 0.5) for axis in (1, 2)], "float32"
    )
    shifts = ops.floor(uniforms * (2 * limits + 1)) - limits
    return translate(images, shifts * gate[:, None])


def _cutout(images, uniforms, gate):
    # DiffAugment: a square of half the image's size, its centre uniform over the image (an
    # even size has one more position), so that it can cover an edge.
    size = [int(images.shape[axis] * config.CUTOUT_RATIO + 0.5) for axis in (1, 2)]
    positions = ops.convert_to_tensor(
        [images.shape[axis] + 1 - size[axis - 1] % 2 for axis in (1, 2)], "float32"
    )
    centres = ops.floor(uniforms * positions)
    corners = centres - ops.convert_to_tensor([length // 2 for length in size], "float32")
    rectangle = _rectangle(images, corners, size)
    return images * (1 - rectangle * ops.cast(ops.reshape(gate, (-1, 1, 1, 1)), images.dtype))


_RANDOM_TRANSFORMATIONS = {
    "brightness": _brightness,
    "saturation": _saturation,
    "contrast": _contrast,
    "translation": _translation,
    "cutout": _cutout,
}


def augment(images, uniforms, policy=config.AUGMENT_POLICY, probability=1.0):
    """Images transformed by `policy`, with random parameters read from `uniforms`.

    DiffAugment's transformations and ranges: brightness offset in [-0.5, 0.5), saturation
    factor in [0, 2), contrast factor in [0.5, 1.5), translation by up to 1/8 of the height and
    width (zero padding), cutout of a square of half the size (`keras_wgan.config`). Each
    transformation of each image is applied when its gate uniform is below `probability`: 1
    (DiffAugment) applies all, ADA passes its `p`. The gates are drawn even at 1, so that a
    seeded model's random numbers do not depend on the mode.

    Args:
        images: tensor `[batch, height, width, channels]`, height and width known.
        uniforms: tensor `[batch, uniform_count(policy)]` of U[0, 1) numbers: for each
            transformation in order, its parameters then its gate.
        policy: str. See `transformations`.
        probability: float or scalar tensor. The probability of each transformation.

    Returns:
        A tensor shaped like `images`, differentiable with respect to it.
    """
    images = ops.convert_to_tensor(images)
    uniforms = ops.cast(uniforms, "float32")
    column = 0
    for name in transformations(policy):
        count = _PARAMETER_COUNTS[name]
        parameters = uniforms[:, column : column + count]
        gate = ops.cast(uniforms[:, column + count] < probability, "float32")
        images = _RANDOM_TRANSFORMATIONS[name](images, parameters, gate)
        column += count + 1
    return images


# --------------------------------------------------------------------------------------------
# ADA's adjustment of p
# --------------------------------------------------------------------------------------------


def overfitting_heuristic(real_scores, fake_scores):
    """ADA's `r_t = E[sign(D(real))]`, with the sign taken from the middle of the scores.

    ADA's discriminator outputs logits, whose decision threshold is 0. A Wasserstein critic's
    scores have no threshold: neither its loss nor its gradient penalty changes when a constant
    is added to them, so the sign of a raw score means nothing. The threshold here is the
    midpoint of the batch's mean real and mean generated scores, the critic's decision boundary
    between the two: `r_t = mean(sign(real_scores - (mean(real_scores) + mean(fake_scores)) /
    2))`. It is 1 when every real score lies on the real side (a critic that separates the real
    batch perfectly, as an overfitting one does), near 0 when they straddle it. For logits of a
    balanced discriminator the midpoint is near 0, ADA's own form (and `(r_t + 1) / 2` is the
    accuracy on the reals that keras.io's `gan_ada` example tracks).

    Args:
        real_scores: tensor `[batch, 1]`, the critic's scores of a real batch.
        fake_scores: tensor `[batch, 1]`, its scores of a generated batch.

    Returns:
        A float32 scalar in [-1, 1].
    """
    real_scores = ops.cast(real_scores, "float32")
    middle = (ops.mean(real_scores) + ops.mean(ops.cast(fake_scores, "float32"))) / 2
    return ops.mean(ops.sign(real_scores - middle))


def adjusted_probability(probability, heuristic, target, step):
    """ADA's update of `p`: `clip(p + sign(heuristic - target) * step, 0, 1)`.

    Args:
        probability: float scalar. The current `p`.
        heuristic: float scalar. The overfitting heuristic `r_t` over the last interval.
        target: float. Its target (0.6 in the ADA paper).
        step: float scalar. The images seen since the last adjustment divided by
            `images_to_saturate`, so that `p` can go from 0 to 1 in that many images.
    """
    moved = probability + ops.sign(heuristic - target) * step
    return ops.clip(moved, 0.0, 1.0)


@keras.saving.register_keras_serializable(package="keras_wgan")
class Augmentation(keras.layers.Layer):
    """A model's augmentation of the critic's inputs: DiffAugment, or ADA with its state.

    `augment_images(images, uniforms)` applies `augment` with probability 1 (DiffAugment) or
    `p` (ADA). For ADA the layer holds `p` (starting at 0) and the heuristic's running sums as
    non-trainable float32 variables, saved with the model; `observe` adds one critic update's
    heuristic, and every `interval` updates moves `p` by `adjusted_probability`, its step the
    interval's real images over `images_to_saturate`.

    Args:
        policy: str. See `transformations`.
        adaptive: bool. ADA's probability `p`; DiffAugment (every transformation always) if
            `False`.
        target: float. ADA's target of the overfitting heuristic (0.6 in the paper).
        interval: int. Critic updates between adjustments of `p` (4 in the paper).
        images_to_saturate: int. Real images in which `p` can go from 0 to 1 (500k in the
            paper).
        **kwargs: passed to `keras.layers.Layer`.
    """

    def __init__(
        self,
        policy=config.AUGMENT_POLICY,
        adaptive=False,
        target=config.ADA_TARGET,
        interval=config.ADA_INTERVAL,
        images_to_saturate=config.ADA_IMAGES_TO_SATURATE,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.uniform_count = uniform_count(policy)
        self.policy = policy
        self.adaptive = bool(adaptive)
        self.target = float(target)
        self.interval = int(interval)
        self.images_to_saturate = int(images_to_saturate)
        self.probability = None
        if self.adaptive:
            # Assigned in each replica with the same value (the heuristic is averaged over the
            # replicas first): the first replica's assignment stands for all.
            self.probability, self.sign_total, self.image_total, self.update_count = (
                self.add_weight(
                    shape=(), initializer="zeros", dtype="float32", trainable=False, name=name,
                    aggregation="only_first_replica",
                )
                for name in ("probability", "sign_total", "image_total", "update_count")
            )
        self.built = True

    def augment_images(self, images, uniforms):
        """`augment(images, uniforms, policy, probability)` with this layer's probability."""
        probability = 1.0 if self.probability is None else ops.convert_to_tensor(self.probability)
        return augment(images, uniforms, self.policy, probability)

    def observe(self, heuristic, images):
        """Adds one critic update's heuristic (over `images` real images) and, every `interval`
        updates, moves `p` towards the target by the interval's mean heuristic."""
        images = ops.cast(images, "float32")
        self.sign_total.assign_add(ops.cast(heuristic, "float32") * images)
        self.image_total.assign_add(images)
        self.update_count.assign_add(1.0)
        due = self.update_count >= self.interval
        mean = self.sign_total / ops.maximum(self.image_total, 1.0)
        step = self.image_total / self.images_to_saturate
        moved = adjusted_probability(self.probability, mean, self.target, step)
        self.probability.assign(ops.where(due, moved, self.probability))
        for total in (self.sign_total, self.image_total, self.update_count):
            total.assign(ops.where(due, 0.0, total))

    def get_config(self):
        config_ = super().get_config()
        config_.update(
            {
                "policy": self.policy,
                "adaptive": self.adaptive,
                "target": self.target,
                "interval": self.interval,
                "images_to_saturate": self.images_to_saturate,
            }
        )
        return config_


MODES = ("diffaugment", "ada")


def make_augmentation(augment, policy, sample_shape):
    """The `Augmentation` of a model given `augment` and `augment_policy`, or `None`.

    Args:
        augment: `None`, `"diffaugment"` or `"ada"`.
        policy: str. See `transformations`.
        sample_shape: tuple or `None`. The generator's sample shape without the batch axis.

    Raises:
        ValueError: for another `augment`, a bad policy, or samples known not to be images
            `[height, width, channels]` (2-D points, say). Samples of unknown shape (a
            subclassed generator) pass, as in the models' other checks.
    """
    if augment is not None and augment not in MODES:
        raise ValueError(
            f"`augment` must be None, 'diffaugment' or 'ada'. Received: augment={augment!r}"
        )
    transformations(policy)
    if augment is None:
        return None
    if sample_shape is not None and len(sample_shape) != 3:
        raise ValueError(
            "`augment` transforms images [height, width, channels]; the generator makes samples "
            f"of shape {sample_shape}. Received: augment={augment!r}"
        )
    return Augmentation(policy, adaptive=augment == "ada", name="augmentation")
