"""The NaN guard: training stops at the first step that gives a NaN or an Inf."""

import os

import keras
import numpy as np

from keras_wgan.checkpointing import StepBackup
from keras_wgan.checkpointing import steps_done


class NonFiniteError(RuntimeError):
    """Raised by `StopOnNonFinite` when a training step gives a NaN or an Inf."""


class StopOnNonFinite(keras.callbacks.Callback):
    """Stops training at the first step whose metrics or weights hold a NaN or an Inf.

    Unlike `keras.callbacks.TerminateOnNaN`, which lets the step's other callbacks run, this
    raises `NonFiniteError` from `on_train_batch_end`, so the callbacks after it in the list do not
    see the bad step: put it before `StepBackup`, and the last backup stays the last good state.
    The weights are checked too: an update can blow them up while the loss it was computed
    from was still finite.

    With `compile(steps_per_execution=n)` Keras calls it once per call of `n` steps, at the
    call's last step: the metrics are the epoch's running means, so a bad step anywhere in the
    call shows there, and the stop (and the message) comes at the call's end, still before
    `StepBackup` can save.

    The message names the epoch and step (1-based, as the progress bar shows them), the
    generator step, and the metric or network, e.g. "Stopped at epoch 3, step 12 (generator
    step 212): critic_loss is nan."

    Args:
        backup_dir: str or `None`. Named in the message as where the last good backup is.
        check_weights: bool. Also check the trainable weights after every step.
    """

    def __init__(self, backup_dir=None, check_weights=True):
        super().__init__()
        self.backup_dir = None if backup_dir is None else os.fspath(backup_dir)
        self.check_weights = check_weights
        self.epoch = 0
        # One compiled function telling whether all the weights are finite, made at the first
        # check of each `fit` (`_all_weights_finite`).
        self._weights_check = None

    def on_train_begin(self, logs=None):
        self._weights_check = None  # another `fit`: the networks may hold other weights

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        problem = self._find_problem(logs or {})
        if problem is None:
            return
        self.model.stop_training = True
        message = (
            f"Stopped at epoch {self.epoch + 1}, step {batch + 1} (generator step "
            f"{steps_done(self.model)}): {problem}."
        )
        if self.backup_dir is not None:
            message += f" The last good backup is in {self.backup_dir}"
            if not os.path.exists(os.path.join(self.backup_dir, StepBackup.FILENAME)):
                message += " (none was written yet)"
            message += "."
        raise NonFiniteError(message)

    def _find_problem(self, logs):
        for name, value in logs.items():
            value = np.asarray(value)
            if not np.all(np.isfinite(value)):
                return f"{name} is {value if value.ndim == 0 else 'non-finite'}"
        if self.check_weights and not self._all_weights_finite():
            for name, network in self._networks():
                for variable in network.trainable_weights:
                    if not np.all(np.isfinite(keras.ops.convert_to_numpy(variable))):
                        return f"{name} weight {variable.path} is non-finite"
        return None

    def _networks(self):
        networks = [(name, getattr(self.model, name, None)) for name in ("critic", "generator")]
        return [(name, net) for name, net in networks if net is not None] or [
            ("model", self.model)
        ]

    def _all_weights_finite(self):
        """Whether every trainable weight is finite, in one call to TensorFlow (reading each
        weight back to NumPy cost a sixth of the digits recipe's step); the weight-by-weight
        search runs only to name a bad one."""
        if self._weights_check is None:
            import tensorflow as tf

            variables = [v for _, network in self._networks() for v in network.trainable_weights]

            def all_finite():
                return tf.reduce_all(
                    [tf.reduce_all(tf.math.is_finite(variable.value)) for variable in variables]
                )

            self._weights_check = tf.function(all_finite)
        return bool(self._weights_check())
