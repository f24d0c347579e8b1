"""`WarnOnDivergence`: a warning when a run's losses or gradient norms explode but stay finite."""

import math
import warnings

import keras

from keras_wgan import config
from keras_wgan._checks import check_positive_float

WATCHED_METRICS = (
    "critic_loss",
    "generator_loss",
    "wasserstein_estimate",
    "gradient_norm",
    "generator_gradient_norm",
)


class DivergenceWarning(UserWarning):
    """A run's losses or gradient norms grew past the divergence threshold, while finite."""


def diverged_metrics(logs, metrics, threshold):
    """`(name, value)` of the `metrics` in `logs` whose magnitude is past `threshold`, finite."""
    found = []
    for name in metrics:
        if name not in logs:
            continue
        value = float(logs[name])
        if math.isfinite(value) and abs(value) > threshold:
            found.append((name, value))
    return found


def divergence_message(epoch, name, value, threshold):
    """The warning for `name` at `value` in `epoch` (1-based)."""
    return (
        f"Epoch {epoch}: {name} = {value:.4g}, past the divergence threshold ({threshold:g} in "
        "magnitude) while finite. Training has likely diverged: the samples, the saved model and "
        "the exported generator may be broken. Lower the learning rates, check the data's scale "
        "(images in [-1, 1]) and the penalty or clipping settings."
    )


class WarnOnDivergence(keras.callbacks.Callback):
    """Warns when a loss or gradient norm of an epoch passes a large magnitude while finite.

    A run can diverge to huge finite values and go on to save a broken generator; NaN and Inf
    are `StopOnNonFinite`'s. Each metric warns once per run; `events` keeps what was found.

    Args:
        threshold: float. The largest magnitude taken as healthy.
        metrics: sequence of str. The metrics to watch; those a model does not log are skipped.

    Example:

    >>> model.fit(data, epochs=20, callbacks=[keras_wgan.callbacks.WarnOnDivergence()])
    """

    def __init__(self, threshold=config.DIVERGENCE_THRESHOLD, metrics=WATCHED_METRICS):
        super().__init__()
        self.threshold = check_positive_float("threshold", threshold)
        self.metrics = tuple(metrics)
        self.events = []  # {"epoch": 1-based, "metric", "value"} per warning

    def on_epoch_end(self, epoch, logs=None):
        warned = {event["metric"] for event in self.events}
        for name, value in diverged_metrics(logs or {}, self.metrics, self.threshold):
            if name in warned:
                continue
            self.events.append({"epoch": epoch + 1, "metric": name, "value": value})
            warnings.warn(
                divergence_message(epoch + 1, name, value, self.threshold),
                DivergenceWarning,
                stacklevel=2,
            )
