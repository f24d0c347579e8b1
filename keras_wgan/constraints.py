"""Weight clipping, the WGAN paper's way of keeping the critic K-Lipschitz."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_wgan")
class WeightClip(keras.constraints.Constraint):
    """Clips every weight to `[-clip_value, clip_value]`.

    Keras optimizers apply a variable's constraint right after each update, which is exactly
    where Algorithm 1 of the WGAN paper clips: `w <- clip(w, -c, c)` after every critic update.

    Args:
        clip_value: float. The bound `c`; the paper uses 0.01.

    Example:

    >>> constraint = keras_wgan.constraints.WeightClip(0.01)
    >>> constraint(keras.ops.array([-1.0, 0.005, 1.0]))  # [-0.01, 0.005, 0.01]
    """

    def __init__(self, clip_value=0.01):
        if not clip_value > 0:
            raise ValueError(
                f"`clip_value` must be a positive float. Received: clip_value={clip_value}"
            )
        self.clip_value = float(clip_value)

    def __call__(self, w):
        return ops.clip(w, -self.clip_value, self.clip_value)

    def get_config(self):
        return {"clip_value": self.clip_value}
