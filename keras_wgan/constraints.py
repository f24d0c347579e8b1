"""Weight clipping, the WGAN paper's way of keeping the critic K-Lipschitz."""

import keras
from keras import ops

from keras_wgan import config
from keras_wgan._checks import check_positive_float

__all__ = [
    "WeightClip",
]


@keras.saving.register_keras_serializable(package="keras_wgan")
class WeightClip(keras.constraints.Constraint):
    """Clips every weight to `[-clip_value, clip_value]`.

    Keras optimizers apply a variable's constraint after each update: where Algorithm 1 clips.

    Args:
        clip_value: float > 0. The bound `c`.

    Example:

    >>> constraint = keras_wgan.constraints.WeightClip(0.01)
    >>> constraint(keras.ops.array([-1.0, 0.005, 1.0]))  # [-0.01, 0.005, 0.01]
    """

    def __init__(self, clip_value=config.CLIP_VALUE):
        self.clip_value = check_positive_float("clip_value", clip_value)

    def __call__(self, w):
        return ops.clip(w, -self.clip_value, self.clip_value)

    def get_config(self):
        return {"clip_value": self.clip_value}
