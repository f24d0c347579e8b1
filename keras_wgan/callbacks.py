"""Keras callbacks that show a GAN's training: sample grids, sample scatters, training curves.

All of them write PNG files with matplotlib's Agg backend (no display needed), imported only when
a figure is first drawn, so importing this module stays cheap.
"""

import json
import os

import keras
import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot

    return pyplot


def _check_every(every):
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"`every` must be a positive int. Received: every={every!r}")
    return every


def _due(epoch, every, epochs):
    """Whether epoch `epoch` (0-based) is one to draw: every `every`-th one and the last."""
    return (epoch + 1) % every == 0 or (epochs is not None and epoch + 1 == epochs)


class _SampleCallback(keras.callbacks.Callback):
    """Draws the generator's samples for a fixed latent batch into `directory/epoch_XXX.png`."""

    def __init__(self, latent, directory, every=1):
        super().__init__()
        latent = np.asarray(latent, dtype="float32")
        if latent.ndim != 2 or len(latent) < 1:
            raise ValueError(
                "`latent` must be a non-empty batch of latent vectors [num_samples, latent_dim]. "
                f"Received: latent with shape {latent.shape}"
            )
        self.latent = latent
        self.directory = os.fspath(directory)
        self.every = _check_every(every)
        self.paths = []

    def generate(self):
        generator = getattr(self.model, "generator", self.model)
        return keras.ops.convert_to_numpy(generator(self.latent, training=False))

    def on_epoch_end(self, epoch, logs=None):
        if not _due(epoch, self.every, self.params.get("epochs") if self.params else None):
            return
        os.makedirs(self.directory, exist_ok=True)
        # Zero-padded to the run's length, so the files sort in epoch order.
        width = max(3, len(str((self.params or {}).get("epochs") or 0)))
        path = os.path.join(self.directory, f"epoch_{epoch + 1:0{width}d}.png")
        self.draw(self.generate(), path, epoch + 1)
        self.paths.append(path)

    def draw(self, samples, path, epoch):
        raise NotImplementedError


class SampleGrid(_SampleCallback):
    """Saves a grid of generated images for a fixed latent batch at the end of epochs.

    The latent batch is fixed so that successive grids show how the same latent vectors move as
    training goes on. Images are mapped from the generator's [-1, 1] to [0, 1] (values outside
    are clipped) and shown in grey for one channel, in colour for three.

    Args:
        latent: array `[num_samples, latent_dim]`. The fixed latent vectors; 64 make an 8x8 grid.
        directory: str. Where to write `epoch_001.png`, `epoch_002.png`, ... (1-based epochs,
            padded to at least 3 digits and to the length of the run's epoch count).
        every: int. Draw every `every` epochs (and always after the last epoch).
        columns: int or `None`. Images per row; `None` for a square-ish grid.

    Example:

    >>> latent = np.random.default_rng(0).standard_normal((64, 64)).astype("float32")
    >>> model.fit(data, epochs=5, callbacks=[keras_wgan.callbacks.SampleGrid(latent, "samples")])
    """

    def __init__(self, latent, directory, every=1, columns=None):
        super().__init__(latent, directory, every=every)
        if columns is not None and (
            isinstance(columns, bool) or not isinstance(columns, int) or columns < 1
        ):
            raise ValueError(
                f"`columns` must be a positive int or None. Received: columns={columns!r}"
            )
        self.columns = columns or int(np.ceil(np.sqrt(len(self.latent))))

    def draw(self, samples, path, epoch):
        if samples.ndim != 4:
            raise ValueError(
                "SampleGrid needs a generator of images [batch, height, width, channels]; use "
                f"SampleScatter for vectors. Received: samples with shape {samples.shape}"
            )
        grid = image_grid(samples, self.columns)
        pyplot = _pyplot()
        height, width = grid.shape[:2]
        scale = max(4.0 / max(height, width), 0.02)
        figure = pyplot.figure(figsize=(max(width * scale, 2.0), max(height * scale, 2.0) + 0.3))
        axes = figure.add_axes([0, 0, 1, 1 - 0.3 / (max(height * scale, 2.0) + 0.3)])
        axes.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1,
                    interpolation="nearest")
        axes.set_axis_off()
        figure.suptitle(f"epoch {epoch}", fontsize=9)
        figure.savefig(path, dpi=100)
        pyplot.close(figure)


class SampleScatter(_SampleCallback):
    """Saves a scatter of generated 2-D points over real ones, for a fixed latent batch.

    Args:
        latent: array `[num_samples, latent_dim]`. The fixed latent vectors.
        directory: str. Where to write `epoch_XXX.png`.
        real: array `[num_real, 2]`. Real samples drawn underneath, in grey.
        every: int. Draw every `every` epochs (and always after the last epoch).
    """

    def __init__(self, latent, directory, real, every=1):
        super().__init__(latent, directory, every=every)
        real = np.asarray(real, dtype="float32")
        if real.ndim != 2 or real.shape[1] != 2:
            raise ValueError(f"`real` must have shape [num_real, 2]. Received: {real.shape}")
        self.real = real
        margin = 0.1 * (real.max(axis=0) - real.min(axis=0)) + 1e-3
        self.limits = (real.min(axis=0) - margin, real.max(axis=0) + margin)

    def draw(self, samples, path, epoch):
        if samples.ndim != 2 or samples.shape[1] != 2:
            raise ValueError(
                "SampleScatter needs a generator of 2-D points [batch, 2]. "
                f"Received: samples with shape {samples.shape}"
            )
        pyplot = _pyplot()
        figure, axes = pyplot.subplots(figsize=(4.5, 4.5))
        axes.scatter(*self.real.T, s=2, c="0.7", label="real")
        axes.scatter(*samples.T, s=2, c="tab:red", label="generated")
        axes.set_xlim(self.limits[0][0], self.limits[1][0])
        axes.set_ylim(self.limits[0][1], self.limits[1][1])
        axes.set_aspect("equal")
        axes.legend(loc="upper right", fontsize=8, markerscale=4)
        axes.set_title(f"epoch {epoch}", fontsize=9)
        figure.tight_layout()
        figure.savefig(path, dpi=100)
        pyplot.close(figure)


def image_grid(images, columns):
    """Tiles images `[n, h, w, c]` in [-1, 1] into one array in [0, 1], 1-pixel gaps.

    Returns:
        float array `[rows * (h + 1) - 1, columns * (w + 1) - 1]` for one channel, with a last
        axis of 3 for three channels.
    """
    images = np.clip((np.asarray(images, dtype="float32") + 1.0) / 2.0, 0.0, 1.0)
    count, height, width, channels = images.shape
    rows = -(-count // columns)
    grid = np.ones(
        (rows * (height + 1) - 1, columns * (width + 1) - 1, channels), dtype="float32"
    )
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = row * (height + 1), column * (width + 1)
        grid[top : top + height, left : left + width] = image
    return grid[..., 0] if channels == 1 else grid


class TrainingCurves(keras.callbacks.Callback):
    """Plots the epoch metrics of a WGAN into one PNG, redrawn at epoch ends and at train end.

    Panels: `wasserstein_estimate` (raw per epoch and, from 10 epochs, a moving average),
    `critic_loss`, `generator_loss` and, when the model logs it, `gradient_penalty`. The sign
    convention is stated on the figure: `wasserstein_estimate = mean D(real) - mean D(fake)`, an
    estimate of the Wasserstein-1 distance that should fall as the generator improves.

    Args:
        path: str. The PNG to (over)write.
        every: int. Redraw every `every` epochs (the train-end drawing is always made).
    """

    PANELS = ("wasserstein_estimate", "critic_loss", "generator_loss", "gradient_penalty")
    SMOOTH_FROM = 10

    def __init__(self, path, every=1):
        super().__init__()
        self.path = os.fspath(path)
        self.every = _check_every(every)
        self.history = {}

    def on_train_begin(self, logs=None):
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        if (epoch + 1) % self.every == 0:
            self.draw()

    def on_train_end(self, logs=None):
        if self.history:
            self.draw()

    def draw(self):
        names = [name for name in self.PANELS if name in self.history]
        if not names:
            return
        pyplot = _pyplot()
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
            else:
                axis.plot(epochs, values, color="tab:orange")
                axis.set_title(_TITLES[name], fontsize=8)
                axis.set_ylabel(name)
            axis.set_xlabel("epoch")
            axis.grid(alpha=0.3)
        figure.suptitle("WGAN training (critic D; fake = G(z))", fontsize=9)
        figure.tight_layout()
        directory = os.path.dirname(self.path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        figure.savefig(self.path, dpi=90)
        pyplot.close(figure)


_TITLES = {
    "critic_loss": "critic_loss\n= gradient_penalty - wasserstein_estimate\n(critic minimises)",
    "generator_loss": "generator_loss\n= -mean D(fake)\n(generator minimises)",
    "gradient_penalty": "gradient_penalty\n= lambda * mean((||grad D(x_hat)|| - 1)^2)",
}


class JsonHistory(keras.callbacks.Callback):
    """Writes the epoch metrics so far to a JSON file after every epoch.

    The file is `{metric: [value per epoch]}`, the `History.history` dict, so a run that stops
    early still leaves its curves behind.

    Args:
        path: str. The JSON file to (over)write.
    """

    def __init__(self, path):
        super().__init__()
        self.path = os.fspath(path)
        self.history = {}

    def on_train_begin(self, logs=None):
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        temporary = self.path + ".tmp"
        with open(temporary, "w") as file:
            json.dump(self.history, file, indent=1)
        os.replace(temporary, self.path)
