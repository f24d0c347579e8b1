"""Differentiable augmentation of the critic's inputs: DiffAugment and ADA.

DiffAugment (Zhao et al., 2020) transforms every image the critic sees with random
differentiable transformations; ADA (Karras et al., 2020) applies each with a probability `p`
following the critic's overfitting. Images are `[batch, height, width, channels]` in [-1, 1].
"""

import keras
from keras import ops

from keras_wgan import config
from keras_wgan._checks import check_augment_policy

__all__ = [
    "MODES",
    "POLICY_NAMES",
    "Augmentation",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_saturation",
    "adjusted_probability",
    "augment",
    "cutout",
    "make_augmentation",
    "overfitting_heuristic",
    "transformations",
    "translate",
    "uniform_count",
]

# The names a policy may list, and the transformations each stands for, in the order applied.
POLICY_NAMES = config.AUGMENT_POLICY_NAMES
# Uniform random numbers each transformation takes per image: its parameters, then its gate.
_PARAMETER_COUNTS = {"brightness": 1, "saturation": 1, "contrast": 1, "translation": 2, "cutout": 2}


def transformations(policy):
    """The transformations of a policy such as `"color,translation,cutout"` (each name at
    most once), in order; a `ValueError` for an empty policy, an unknown or repeated name."""
    return check_augment_policy("augment_policy", policy)


def uniform_count(policy):
    """How many uniform random numbers `augment` takes per image for `policy`."""
    return sum(_PARAMETER_COUNTS[name] + 1 for name in transformations(policy))


def translate(images, shifts):
    """`output[b, i, j] = images[b, i - shifts[b, 0], j - shifts[b, 1]]`, 0 outside the image;
    `shifts` an int tensor `[batch, 2]` (rows down, columns right)."""
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
    """Images with a `size` (`(rows, columns)`) rectangle set to 0 at `corners` (int
    `[batch, 2]`, top row and left column, possibly outside the image; clipped to it)."""
    return images * (1 - _rectangle(images, corners, size))


def adjust_brightness(images, offsets):
    """`images + offset`, one offset per image (`offsets`, `[batch]`)."""
    return images + ops.reshape(ops.cast(offsets, images.dtype), (-1, 1, 1, 1))


def adjust_saturation(images, factors):
    """`mean_c + factor * (x - mean_c)` over each pixel's channels, one factor per image."""
    mean = ops.mean(images, axis=3, keepdims=True)
    return mean + ops.reshape(ops.cast(factors, images.dtype), (-1, 1, 1, 1)) * (images - mean)


def adjust_contrast(images, factors):
    """`mean + factor * (x - mean)` over each image's pixels and channels, one factor each."""
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
    # DiffAugment: a square of half the size, its centre uniform over the image.
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
    """Images transformed by `policy` (DiffAugment's ranges), differentiably.

    `uniforms` (`[batch, uniform_count(policy)]`, U[0, 1)) give each transformation in order
    its parameters, then its gate: applied when the gate is below `probability` (ADA's `p`).
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


def overfitting_heuristic(real_scores, fake_scores):
    """ADA's `r_t = E[sign(D(real))]`, the sign taken from the middle of the scores: a float32
    scalar in [-1, 1], `mean(sign(real - (mean(real) + mean(fake)) / 2))`.

    A Wasserstein critic's scores have no threshold (adding a constant changes neither its loss
    nor its penalty), so the midpoint of the mean real and generated scores stands for ADA's 0.
    """
    real_scores = ops.cast(real_scores, "float32")
    middle = (ops.mean(real_scores) + ops.mean(ops.cast(fake_scores, "float32"))) / 2
    return ops.mean(ops.sign(real_scores - middle))


def adjusted_probability(probability, heuristic, target, step):
    """ADA's update of `p`: `clip(p + sign(heuristic - target) * step, 0, 1)`.

    `step` is the images seen since the last adjustment over `images_to_saturate`.
    """
    moved = probability + ops.sign(heuristic - target) * step
    return ops.clip(moved, 0.0, 1.0)


@keras.saving.register_keras_serializable(package="keras_wgan")
class Augmentation(keras.layers.Layer):
    """A model's augmentation of the critic's inputs: DiffAugment, or ADA with its state.

    Args:
        policy: str. See `transformations`.
        adaptive: bool. ADA (`p`) or DiffAugment (every transformation always).
        target: float. ADA's target of the overfitting heuristic.
        interval: int. Critic updates between adjustments of `p`.
        images_to_saturate: int. Real images in which `p` can go from 0 to 1.
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
            # Every replica assigns the same value: the first replica's stands for all.
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
    """The `Augmentation` for `augment` (`None`, `"diffaugment"`, `"ada"`) and `policy`, or
    `None`; a `ValueError` for another mode, a bad policy, or samples (`sample_shape`, without
    the batch axis, `None` if unknown) known not to be images."""
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
