"""`WarnOnDivergence`: a warning when a run's losses or gradient norms explode but stay finite.

`keras_wgan.checkpointing.StopOnNonFinite` stops a run at the first NaN or Inf. A run can also
diverge to huge finite values (a critic loss of 1e16) and go on to the end, where it saves and
exports a broken generator; this callback says so while it trains.
"""

import math
import warnings

import keras

from keras_wgan import config
from keras_wgan._checks import check_positive_float

# The metrics watched by default: the losses, the Wasserstein estimate and the gradient norms.
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
    """The watched metrics of `logs` whose magnitude is past `threshold` while finite.

    Args:
        logs: dict of metric names to numbers (an epoch's logs).
        metrics: the names to watch; names not in `logs` are skipped.
        threshold: float. The largest magnitude taken as healthy.

    Returns:
        A list of `(name, value)` pairs, in the order of `metrics`.
    """
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

    At the end of each epoch, each watched metric of the epoch's logs whose absolute value is
    above `threshold` (and finite: NaN and Inf are `StopOnNonFinite`'s) gives a
    `DivergenceWarning` naming the epoch, the metric and its value, once per metric for the
    whole run. `events` keeps what was found, for a run's summary.

    Args:
        threshold: float. The largest magnitude taken as healthy
            (`keras_wgan.config.DIVERGENCE_THRESHOLD`, 1e6, by default).
        metrics: sequence of str. The metrics to watch; those a model does not log are skipped.

    Example:

    >>> model.fit(data, epochs=20, callbacks=[keras_wgan.callbacks.WarnOnDivergence()])
    """

    def __init__(self, threshold=config.DIVERGENCE_THRESHOLD, metrics=WATCHED_METRICS):
        super().__init__()
        self.threshold = check_positive_float("threshold", threshold)
        self.metrics = tuple(metrics)
        # One dict per warning: `epoch` (1-based), `metric`, `value`.
        self.events = []

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
