"""Keras callbacks for a GAN's training: pictures of it, its history, backups, a NaN guard.

`SampleGrid`, `SampleScatter` and `TrainingCurves` write PNG files with matplotlib's Agg backend
(no display needed), imported only when a figure is first drawn, so importing this module stays
cheap. `JsonHistory` keeps the epoch metrics on disk, `StepBackup` the whole training state every
few steps, and `StopOnNonFinite` stops training before a NaN or Inf reaches a backup.
"""

import json
import os
import tempfile

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
        progression: int. With `progression=k > 0`, the first `k` images of every drawn epoch
            are also kept (in `directory/progression.npz`, so that a run resumed in a new process
            keeps its earlier epochs) and tiled at train end into `directory/progression.png`:
            one row per drawn epoch, labelled with it, the same latent vectors in each column.

    Example:

    >>> latent = np.random.default_rng(0).standard_normal((64, 64)).astype("float32")
    >>> model.fit(data, epochs=5, callbacks=[keras_wgan.callbacks.SampleGrid(latent, "samples")])
    """

    PROGRESSION = "progression"

    def __init__(self, latent, directory, every=1, columns=None, progression=0):
        super().__init__(latent, directory, every=every)
        if isinstance(progression, bool) or not isinstance(progression, int) or progression < 0:
            raise ValueError(
                f"`progression` must be an int >= 0. Received: progression={progression!r}"
            )
        self.progression = min(progression, len(self.latent))
        self.progression_path = None
        self._rows = None  # {epoch: images [k, h, w, c]}, loaded from disk when first needed
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
        if self.progression:
            self._record_row(epoch, samples[: self.progression])
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

    def on_train_begin(self, logs=None):
        # A fresh run (no step made yet) starts a new progression, even over an old one's file.
        if self.progression and self.model is not None and _steps_done(self.model) == 0:
            self._rows = {}

    def on_train_end(self, logs=None):
        if self.progression and self._load_rows():
            self.progression_path = self.draw_progression()

    def _store(self):
        return os.path.join(self.directory, f"{self.PROGRESSION}.npz")

    def _load_rows(self):
        if self._rows is None:
            self._rows = {}
            if os.path.exists(self._store()):
                with np.load(self._store()) as stored:
                    self._rows = dict(zip(stored["epochs"].tolist(), stored["images"]))
        return self._rows

    def _record_row(self, epoch, images):
        rows = self._load_rows()
        for later in [e for e in rows if e >= epoch]:  # a rerun replaces its epochs onwards
            del rows[later]
        rows[epoch] = np.asarray(images, dtype="float32")
        epochs = sorted(rows)
        np.savez(self._store() + ".tmp.npz", epochs=np.asarray(epochs),
                 images=np.stack([rows[e] for e in epochs]))
        os.replace(self._store() + ".tmp.npz", self._store())

    def draw_progression(self):
        """Writes `progression.png` from the kept rows; returns its path."""
        epochs = sorted(self._rows)
        images = np.concatenate([self._rows[e] for e in epochs])
        columns = len(self._rows[epochs[0]])
        grid = image_grid(images, columns)
        pyplot = _pyplot()
        height, width = grid.shape[:2]
        scale = min(max(3.0 / width, 4.0 / max(height, width)), 0.1)
        figure, axes = pyplot.subplots(
            figsize=(width * scale + 0.8, height * scale + 0.5)
        )
        axes.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1,
                    interpolation="nearest")
        row_height = images.shape[1] + 1
        axes.set_yticks([row * row_height + images.shape[1] / 2 for row in range(len(epochs))])
        axes.set_yticklabels([f"epoch {e}" for e in epochs], fontsize=7)
        axes.set_xticks([])
        axes.set_title("the same latent vectors over training", fontsize=8)
        path = os.path.join(self.directory, f"{self.PROGRESSION}.png")
        figure.tight_layout()
        figure.savefig(path, dpi=100)
        pyplot.close(figure)
        return path


class SampleScatter(_SampleCallback):
    """Saves a scatter of generated 2-D points over real ones, for a fixed latent batch.

    Args:
        latent: array `[num_samples, latent_dim]`. The fixed latent vectors.
        directory: str. Where to write `epoch_XXX.png`.
        real: array `[num_real, 2]`. Real samples drawn underneath, in grey.
        every: int. Draw every `every` epochs (and always after the last epoch).
        contour: bool. Draw the critic's value (`model.critic`, a network from points `[n, 2]`
            to scores `[n, 1]`) as filled contours under the points, as in Figure 1 of the
            WGAN-GP paper: the generator moves its samples up the critic's slope.
    """

    GRID_POINTS = 120

    def __init__(self, latent, directory, real, every=1, contour=False):
        super().__init__(latent, directory, every=every)
        self.contour = bool(contour)
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
        critic = getattr(self.model, "critic", None) if self.contour else None
        figure, axes = pyplot.subplots(figsize=(5.4 if critic is not None else 4.5, 4.5))
        if critic is not None:
            xs, ys = np.meshgrid(
                np.linspace(self.limits[0][0], self.limits[1][0], self.GRID_POINTS),
                np.linspace(self.limits[0][1], self.limits[1][1], self.GRID_POINTS),
            )
            points = np.stack([xs.ravel(), ys.ravel()], axis=1).astype("float32")
            scores = keras.ops.convert_to_numpy(critic(points, training=False))
            filled = axes.contourf(xs, ys, scores.reshape(xs.shape), levels=20, cmap="viridis")
            figure.colorbar(filled, ax=axes, fraction=0.046, pad=0.04, label="critic(x)")
        axes.scatter(*self.real.T, s=2, c="0.85" if critic is not None else "0.7", label="real")
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
        history: dict or `None`. Metrics of epochs already trained, `{name: [value per epoch]}`,
            for a run resumed from a backup.
    """

    PANELS = ("wasserstein_estimate", "critic_loss", "generator_loss", "gradient_penalty")
    SMOOTH_FROM = 10

    def __init__(self, path, every=1, history=None):
        super().__init__()
        self.path = os.fspath(path)
        self.every = _check_every(every)
        self.history = _copy_history(history)

    def on_epoch_end(self, epoch, logs=None):
        _record_epoch(self.history, epoch, logs)
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
    early still leaves its curves behind. Values are stored by epoch index: epoch `e` of a later
    `fit` (e.g. one resumed with `initial_epoch`) replaces the values from epoch `e` on.

    Args:
        path: str. The JSON file to (over)write.
        history: dict or `None`. Metrics of epochs already trained, for a resumed run.
    """

    def __init__(self, path, history=None):
        super().__init__()
        self.path = os.fspath(path)
        self.history = _copy_history(history)

    def on_epoch_end(self, epoch, logs=None):
        _record_epoch(self.history, epoch, logs)
        temporary = self.path + ".tmp"
        with open(temporary, "w") as file:
            json.dump(self.history, file, indent=1)
        os.replace(temporary, self.path)


def _copy_history(history):
    return {name: [float(value) for value in values] for name, values in (history or {}).items()}


def _record_epoch(history, epoch, logs):
    """Stores epoch `epoch`'s logs at index `epoch`, dropping any values from later epochs."""
    for name, value in (logs or {}).items():
        values = history.setdefault(name, [])
        del values[epoch:]
        values.append(float(value))


def _steps_done(model):
    """Training steps the model has made: generator updates for a GAN, else optimizer steps."""
    optimizer = getattr(model, "generator_optimizer", None) or model.optimizer
    return int(optimizer.iterations)


class StepBackup(keras.callbacks.Callback):
    """Backs up the whole training state every `every` training steps, for `restore_backup`.

    The backup is `directory/latest.weights.h5`, written by `model.save_weights`: for our models
    both networks, both optimizers (slots and step counters, hence the warm-up position) and the
    seed generator's state. The step counter in the file says where training stands, so the
    weights and the position can never disagree. Each backup is written to a temporary file and
    renamed over the last one, so a process killed at any moment leaves a complete backup.

    Why not `keras.callbacks.BackupAndRestore` (Keras 3.15): with a step-level `save_freq` it
    restarts the interrupted epoch from its first batch, with the weights from the middle of it
    (it records the batch but never uses it), and `fit` then makes more steps than an
    uninterrupted run. Resuming in the middle of an epoch needs the data pipeline's cooperation,
    which `keras_wgan.training.train` wires up: see there.

    Args:
        directory: str. Where to keep the backup; created when first needed.
        every: int. Back up after every `every`-th training step (counted over the whole run:
            generator updates for a GAN).

    Example:

    >>> backup = keras_wgan.callbacks.StepBackup("run/backup", every=100)
    >>> model.fit(data, epochs=10, callbacks=[keras_wgan.callbacks.StopOnNonFinite(), backup])
    """

    FILENAME = "latest.weights.h5"

    def __init__(self, directory, every):
        super().__init__()
        self.directory = os.fspath(directory)
        self.every = _check_every(every)
        self.path = os.path.join(self.directory, self.FILENAME)

    def on_train_batch_end(self, batch, logs=None):
        if _steps_done(self.model) % self.every == 0:
            self.save()

    def save(self):
        """Writes the backup now (atomically)."""
        os.makedirs(self.directory, exist_ok=True)
        # `save_weights` wants a name ending in `.weights.h5`.
        handle, temporary = tempfile.mkstemp(suffix=".weights.h5", dir=self.directory)
        os.close(handle)
        try:
            self.model.save_weights(temporary, overwrite=True)
            os.replace(temporary, self.path)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)


def restore_backup(model, directory):
    """Loads a `StepBackup` from `directory` into a compiled model.

    Args:
        model: `keras.Model`. Built and compiled like the model that was backed up.
        directory: str. The `StepBackup` directory.

    Returns:
        The number of training steps the restored state has made, or `None` when `directory`
        holds no backup (the model is then left as it was).
    """
    path = os.path.join(os.fspath(directory), StepBackup.FILENAME)
    if not os.path.exists(path):
        return None
    model.load_weights(path)
    return _steps_done(model)


class NonFiniteError(RuntimeError):
    """Raised by `StopOnNonFinite` when a training step gives a NaN or an Inf."""


class StopOnNonFinite(keras.callbacks.Callback):
    """Stops training at the first step whose metrics or weights hold a NaN or an Inf.

    Unlike `keras.callbacks.TerminateOnNaN`, which lets the step's other callbacks run, this
    raises `NonFiniteError` from `on_train_batch_end`, so the callbacks after it in the list do not
    see the bad step: put it before `StepBackup`, and the last backup stays the last good state.
    The weights are checked too: an update can blow them up while the loss it was computed
    from was still finite.

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

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        problem = self._find_problem(logs or {})
        if problem is None:
            return
        self.model.stop_training = True
        message = (
            f"Stopped at epoch {self.epoch + 1}, step {batch + 1} (generator step "
            f"{_steps_done(self.model)}): {problem}."
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
        if self.check_weights:
            networks = [
                (name, getattr(self.model, name, None)) for name in ("critic", "generator")
            ]
            networks = [(name, net) for name, net in networks if net is not None]
            for name, network in networks or [("model", self.model)]:
                for variable in network.trainable_weights:
                    if not np.all(np.isfinite(keras.ops.convert_to_numpy(variable))):
                        return f"{name} weight {variable.path} is non-finite"
        return None
