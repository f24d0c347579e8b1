"""`TrainingCurves`: the epoch metrics of a WGAN plotted into one PNG as training goes."""

import os
import time

import keras
import numpy as np

from keras_wgan._checks import check_nonnegative_float
from keras_wgan._checks import check_positive_int
from keras_wgan.callbacks.history import copy_history
from keras_wgan.callbacks.history import record_epoch
from keras_wgan.callbacks.plotting import load_pyplot


class TrainingCurves(keras.callbacks.Callback):
    """Plots the epoch metrics of a WGAN into one PNG, redrawn at epoch ends and at train end.

    Panels: `wasserstein_estimate` (with a moving average from 10 epochs), `critic_loss`,
    `generator_loss` and, when logged, `gradient_penalty`, `real_probability` with
    `fake_probability`, and `fid` (on its scored epochs).

    Args:
        path: str. The PNG to (over)write.
        every: int. Redraw every `every` epochs (the train-end drawing is always made).
        history: dict or `None`. Metrics of epochs already trained, `{name: [value per epoch]}`,
            for a run resumed from a backup.
        min_seconds: float >= 0. Skip an epoch's redrawing if the last one was made less than
            this many seconds before, so short epochs do not spend their time drawing.
    """

    PANELS = ("wasserstein_estimate", "critic_loss", "generator_loss", "gradient_penalty",
              "real_probability", "fid")
    SMOOTH_FROM = 10

    def __init__(self, path, every=1, history=None, min_seconds=0):
        super().__init__()
        self.path = os.fspath(path)
        self.every = check_positive_int("every", every)
        self.history = copy_history(history)
        self.min_seconds = check_nonnegative_float("min_seconds", min_seconds)
        self._drawn_at = None

    def on_epoch_end(self, epoch, logs=None):
        record_epoch(self.history, epoch, logs)
        recently = self._drawn_at is not None and (
            time.monotonic() - self._drawn_at < self.min_seconds
        )
        if (epoch + 1) % self.every == 0 and not recently:
            self.draw()

    def on_train_end(self, logs=None):
        if self.history:
            self.draw()

    def draw(self):
        names = [name for name in self.PANELS if name in self.history]
        if not names:
            return
        pyplot = load_pyplot()
        figure, axes = pyplot.subplots(
            1, len(names), figsize=(3.6 * len(names), 3.4), squeeze=False
        )
        for axis, name in zip(axes[0], names):
            values = np.asarray(self.history[name])
            epochs = np.arange(1, len(values) + 1)
            if name == "wasserstein_estimate":
                axis.plot(epochs, values, color="tab:blue", alpha=0.4, label="per epoch")
                if len(values) >= self.SMOOTH_FROM:
                    window = max(len(values) // 20, 5)
                    smooth = np.convolve(values, np.ones(window) / window, mode="valid")
                    axis.plot(epochs[window - 1 :], smooth, color="tab:blue",
                              label=f"mean of {window}")
                axis.legend(fontsize=7)
                axis.set_title("wasserstein_estimate\n= mean D(real) - mean D(fake)\n"
                               "(lower is better)", fontsize=8)
                axis.set_ylabel("W1 estimate (should fall)")
            elif name == "real_probability":
                axis.plot(epochs, values, color="tab:green", label="real")
                if "fake_probability" in self.history:
                    fake = np.asarray(self.history["fake_probability"])
                    axis.plot(np.arange(1, len(fake) + 1), fake, color="tab:red", label="fake")
                axis.legend(fontsize=7)
                axis.set_ylim(-0.02, 1.02)
                axis.set_title(_TITLES[name], fontsize=8)
                axis.set_ylabel("mean sigmoid(D(x))")
            elif name == "fid":
                scored = np.isfinite(values)  # logged only on the epochs it was computed
                axis.plot(epochs[scored], values[scored], "o-", color="tab:purple", markersize=3)
                positive = values[scored][values[scored] > 0]
                if len(positive) == scored.sum() and positive.max() > 10 * positive.min():
                    axis.set_yscale("log")  # early scores are orders of magnitude larger
                axis.set_title(_TITLES[name], fontsize=8)
                axis.set_ylabel(name)
            else:
                axis.plot(epochs, values, color="tab:orange")
                axis.set_title(_TITLES[name], fontsize=8)
                axis.set_ylabel(name)
            axis.set_xlabel("epoch")
            axis.grid(alpha=0.3)
        kind = type(self.model).__name__ if self.model is not None else "WGAN"
        figure.suptitle(f"{kind} training (critic D; fake = G(z))", fontsize=9)
        figure.tight_layout()
        directory = os.path.dirname(self.path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        figure.savefig(self.path, dpi=90)
        pyplot.close(figure)
        self._drawn_at = time.monotonic()


_TITLES = {
    "critic_loss": "critic_loss\n= gradient_penalty - wasserstein_estimate\n(critic minimises)",
    "generator_loss": "generator_loss\n= -mean D(fake)\n(generator minimises)",
    "gradient_penalty": "gradient_penalty\n= lambda * mean((||grad D(x_hat)|| - 1)^2)",
    "real_probability": "discriminator: mean sigmoid(D(x))\non real and fake samples",
    "fid": "fid (QualityScores)\non the epochs it was computed\n(lower is better)",
}

