"""Keras callbacks for a GAN's training: pictures of it, its history, backups, a NaN guard.

`SampleGrid`, `SampleScatter` and `TrainingCurves` write PNG files with matplotlib's Agg backend
(no display needed), imported only when a figure is first drawn, so importing this module stays
cheap; `SampleGrid` can also animate its grids into a GIF. `QualityScores` scores the generator
every few epochs (classifier-FID, KID, ...) and puts the scores into the epoch's logs, hence into
`History`, history.json and the progress bar. `JsonHistory` keeps the epoch metrics on disk,
`StepBackup` the whole training state every few steps, and `StopOnNonFinite` stops training
before a NaN or Inf reaches a backup.
"""

import json
import math
import os
import tempfile
import time

import keras
import numpy as np

from keras_wgan import data as data_lib
from keras_wgan import evaluation as evaluation_lib
from keras_wgan._checks import check_positive_int


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot

    return pyplot


def _due(epoch, every, epochs):
    """Whether epoch `epoch` (0-based) is one to draw: every `every`-th one and the last."""
    return (epoch + 1) % every == 0 or (epochs is not None and epoch + 1 == epochs)


class _SampleCallback(keras.callbacks.Callback):
    """Draws the generator's samples for a fixed latent batch into `directory/epoch_XXX.png`."""

    def __init__(self, latent, directory, every=1, labels=None):
        super().__init__()
        latent = np.asarray(latent, dtype="float32")
        if latent.ndim != 2 or len(latent) < 1:
            raise ValueError(
                "`latent` must be a non-empty batch of latent vectors [num_samples, latent_dim]. "
                f"Received: latent with shape {latent.shape}"
            )
        if labels is not None:
            labels = np.asarray(labels)
            if labels.shape != (len(latent),) or not np.issubdtype(labels.dtype, np.integer):
                raise ValueError(
                    f"`labels` must be {len(latent)} ints, one per latent vector. Received: "
                    f"labels with shape {labels.shape} and dtype {labels.dtype}"
                )
            labels = labels.astype("int32")
        self.latent = latent
        self.labels = labels
        self.directory = os.fspath(directory)
        self.every = check_positive_int("every", every)
        self.paths = []

    def generate(self):
        generator = getattr(self.model, "generator", self.model)
        inputs = self.latent if self.labels is None else [self.latent, self.labels]
        return keras.ops.convert_to_numpy(generator(inputs, training=False))

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
        animation: bool. Also write `directory/progression.gif` at train end: the grids of the
            drawn epochs as the frames of a looping GIF (`frame_seconds` each, the last one held
            3x longer). The drawn epochs are listed in `directory/frames.json`, so that a resumed
            run animates its earlier epochs too.
        frame_seconds: float. How long each frame shows.
        labels: int array `[num_samples]` or `None`. For a class-conditional generator: the
            class of each latent vector (e.g. `np.arange(100) % 10` with `columns=10`: one class
            per column).

    Example:

    >>> latent = np.random.default_rng(0).standard_normal((64, 64)).astype("float32")
    >>> model.fit(data, epochs=5, callbacks=[keras_wgan.callbacks.SampleGrid(latent, "samples")])
    """

    PROGRESSION = "progression"
    FRAMES = "frames.json"

    def __init__(
        self, latent, directory, every=1, columns=None, progression=0, animation=False,
        frame_seconds=0.4, labels=None,
    ):
        super().__init__(latent, directory, every=every, labels=labels)
        if not isinstance(frame_seconds, (int, float)) or not frame_seconds > 0:
            raise ValueError(
                "`frame_seconds` must be a positive number. "
                f"Received: frame_seconds={frame_seconds!r}"
            )
        self.animation = bool(animation)
        self.frame_seconds = float(frame_seconds)
        self.animation_path = None
        self._frames = None  # [[epoch, file name]], loaded from disk when first needed
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
        if self.animation:
            self._record_frame(epoch, path)
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
        if self.model is not None and _steps_done(self.model) == 0:
            if self.progression:
                self._rows = {}
            if self.animation:
                self._frames = []

    def on_train_end(self, logs=None):
        if self.progression and self._load_rows():
            self.progression_path = self.draw_progression()
        if self.animation and self._load_frames():
            self.animation_path = self.draw_animation()

    def _load_frames(self):
        if self._frames is None:
            self._frames = []
            path = os.path.join(self.directory, self.FRAMES)
            if os.path.exists(path):
                with open(path) as file:
                    self._frames = [list(frame) for frame in json.load(file)]
        return self._frames

    def _record_frame(self, epoch, path):
        # A rerun replaces its epochs onwards, as for the progression.
        frames = [frame for frame in self._load_frames() if frame[0] < epoch]
        frames.append([epoch, os.path.basename(path)])
        self._frames = frames
        store = os.path.join(self.directory, self.FRAMES)
        with open(store + ".tmp", "w") as file:
            json.dump(frames, file)
        os.replace(store + ".tmp", store)

    def draw_animation(self):
        """Writes `progression.gif` from the drawn epochs' grids; returns its path."""
        from PIL import Image

        frames = []
        for _, name in self._frames:
            with Image.open(os.path.join(self.directory, name)) as image:
                # One adaptive palette per frame: grey digits keep their 256 levels.
                frames.append(image.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE))
        milliseconds = int(round(1000 * self.frame_seconds))
        path = os.path.join(self.directory, f"{self.PROGRESSION}.gif")
        frames[0].save(
            path, save_all=True, append_images=frames[1:], loop=0,
            duration=[milliseconds] * (len(frames) - 1) + [3 * milliseconds],
        )
        return path

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
    `critic_loss`, `generator_loss` and, when logged, `gradient_penalty`, the GAN
    discriminator's `real_probability` and `fake_probability` (one panel), and the `fid` that
    `QualityScores` logs every few epochs (its epochs only, as points). The sign convention is
    stated on the figure: `wasserstein_estimate = mean D(real) - mean D(fake)`, an estimate of
    the Wasserstein-1 distance that should fall as the generator improves.

    Args:
        path: str. The PNG to (over)write.
        every: int. Redraw every `every` epochs (the train-end drawing is always made).
        history: dict or `None`. Metrics of epochs already trained, `{name: [value per epoch]}`,
            for a run resumed from a backup.
    """

    PANELS = ("wasserstein_estimate", "critic_loss", "generator_loss", "gradient_penalty",
              "real_probability", "fid")
    SMOOTH_FROM = 10

    def __init__(self, path, every=1, history=None):
        super().__init__()
        self.path = os.fspath(path)
        self.every = check_positive_int("every", every)
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


_TITLES = {
    "critic_loss": "critic_loss\n= gradient_penalty - wasserstein_estimate\n(critic minimises)",
    "generator_loss": "generator_loss\n= -mean D(fake)\n(generator minimises)",
    "gradient_penalty": "gradient_penalty\n= lambda * mean((||grad D(x_hat)|| - 1)^2)",
    "real_probability": "discriminator: mean sigmoid(D(x))\non real and fake samples",
    "fid": "fid (QualityScores)\non the epochs it was computed\n(lower is better)",
}


class JsonHistory(keras.callbacks.Callback):
    """Writes the epoch metrics so far to a JSON file after every epoch.

    The file is `{metric: [value per epoch]}`, the `History.history` dict, so a run that stops
    early still leaves its curves behind. Values are stored by epoch index: epoch `e` of a later
    `fit` (e.g. one resumed with `initial_epoch`) replaces the values from epoch `e` on. A metric
    missing from an epoch's logs (e.g. the `QualityScores` of an epoch that was not scored) is
    `null` in the file (NaN in `history`), so every list stays one value per epoch.

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
        self.save()

    def save(self):
        """Writes the history now (atomically), NaN as `null`."""
        temporary = self.path + ".tmp"
        with open(temporary, "w") as file:
            json.dump(history_to_json(self.history), file, indent=1)
        os.replace(temporary, self.path)


def history_to_json(history):
    """`{name: [values]}` with NaN as `None`, so that the file is strict JSON."""
    return {
        name: [None if math.isnan(value) else value for value in values]
        for name, values in history.items()
    }


def _copy_history(history):
    return {
        name: [math.nan if value is None else float(value) for value in values]
        for name, values in (history or {}).items()
    }


def _record_epoch(history, epoch, logs):
    """Stores epoch `epoch`'s logs at index `epoch`, dropping any values from later epochs.

    Every list stays one value per epoch: a metric absent from this epoch's logs gets NaN, and
    one seen for the first time is padded with NaN for the earlier epochs.
    """
    logs = logs or {}
    for name in list(history) + [name for name in logs if name not in history]:
        values = history.setdefault(name, [])
        del values[epoch:]
        values.extend([math.nan] * (epoch - len(values)))
        values.append(float(logs[name]) if name in logs else math.nan)


class QualityScores(keras.callbacks.Callback):
    """Scores the generator every `every` epochs and writes the scores into the epoch's logs.

    At the end of every `every`-th epoch (and of the last one) it draws samples of
    `model.generator` from a fixed seed (the same latent vectors every time, so epochs compare),
    scores them with the functions `keras_wgan.evaluation` uses for metrics.json, and adds the
    chosen scores to the epoch's `logs`: they show in the progress bar's epoch line and land in
    `History.history` (and in the file of a `JsonHistory` placed after this callback). Epochs that
    are not scored carry no value (NaN in `JsonHistory`; `History` lists only the scored epochs,
    as Keras does for `validation_freq`).

    Images: an `evaluation.ImageScorer` (references and held-out features computed once, at the
    first scoring), by default the digits with the cached digits classifier; a conditional
    generator is sampled with balanced labels and also gets `conditional_accuracy`. 2-D toys:
    `evaluation.score_toy`. The full results, with their floor and degraded references and the
    name of the features used, are kept in `results` (`{epoch: result}`, 1-based epochs).

    Cost (2 busy shared CPU cores, AMD EPYC with AVX-512): 0.05-0.35 s per scoring of 1000
    digits with the default scores (precision/recall and density/coverage, if asked for, cost
    more); the first scoring adds the references (0.4-2.5 s, plus about 10 s once per cache to
    train the digits classifier). The default digits run scores 25 times: a few seconds.

    Args:
        dataset: str. `"digits"`, or a 2-D toy: `"ring8"`, `"grid25"`, `"swissroll"`. Ignored
            when `scorer` is given.
        every: int. Score every `every` epochs (and always after the last epoch).
        names: tuple of str or `None`. The scores to log; `None` for `("fid", "kid",
            "classes_covered")` (plus `"conditional_accuracy"` for a conditional generator) on
            images and `("w1", "modes_captured", "high_quality_fraction")` on the toys
            (`("w1",)` on the swiss roll).
        num_samples: int or `None`. Generated samples per scoring; `None` for 1000 (images) or
            2500 (toys).
        seed: int. Seed of the latent vectors and of the reference subsets.
        extractor: the features for images (see `evaluation.get_extractor`): `None` or
            `"digits_classifier"`, `"inception_v3"` (slow on CPU: for GPUs), an extractor object.
        scorer: `evaluation.ImageScorer` or `None`. Scores images against your own real data
            (its extractor, n and references); `None` for the digits.
        prefix: str. Put before each log name (e.g. `"quality_"`); empty by default.

    Example:

    >>> scores = keras_wgan.callbacks.QualityScores("digits", every=10)
    >>> history = model.fit(data, epochs=100, callbacks=[scores])
    >>> history.history["fid"]  # one value per 10 epochs
    """

    DEFAULT_NAMES = {
        "image": ("fid", "kid", "classes_covered"),
        "mixture": ("w1", "modes_captured", "high_quality_fraction"),
        "swissroll": ("w1",),
    }

    def __init__(
        self, dataset="digits", every=1, names=None, num_samples=None, seed=0, extractor=None,
        scorer=None, prefix="",
    ):
        super().__init__()
        if scorer is None and dataset != "digits" and dataset not in data_lib.TOY_DATASETS:
            raise ValueError(
                "`dataset` must be 'digits' or a toy "
                f"({sorted(data_lib.TOY_DATASETS)}), or pass a `scorer` for other images. "
                f"Received: dataset={dataset!r}"
            )
        if scorer is not None and extractor is not None:
            raise ValueError(
                "Pass `extractor` or `scorer`, not both: a scorer has its own extractor. "
                f"Received: extractor={extractor!r}"
            )
        if names is not None and (
            isinstance(names, str) or not all(isinstance(name, str) for name in names)
        ):
            raise ValueError(f"`names` must be a tuple of score names. Received: names={names!r}")
        self.dataset = None if scorer is not None else dataset
        self.every = check_positive_int("every", every)
        self.names = None if names is None else tuple(names)
        self.num_samples = num_samples
        self.seed = seed
        self.extractor = extractor
        self.scorer = scorer
        self.prefix = str(prefix)
        self.results = {}
        self.seconds = []  # wall time of each scoring

    @property
    def is_toy(self):
        return self.dataset in data_lib.TOY_DATASETS

    def on_epoch_end(self, epoch, logs=None):
        if not _due(epoch, self.every, self.params.get("epochs") if self.params else None):
            return
        started = time.perf_counter()
        result = self.score()
        self.seconds.append(time.perf_counter() - started)
        self.results[epoch + 1] = result
        if logs is not None:
            logs.update(self.logged(result))

    def score(self):
        """Scores the generator now; returns the full result (scores with references)."""
        generator = getattr(self.model, "generator", self.model)
        if self.is_toy:
            return evaluation_lib.score_generator(
                generator, self.dataset, num_samples=self.num_samples, seed=self.seed
            )
        if self.scorer is None:
            self.scorer = evaluation_lib.digits_scorer(
                self.extractor, self.num_samples or evaluation_lib.IMAGE_SAMPLES, seed=self.seed
            )
        num_classes = evaluation_lib.num_classes_of(generator)
        count = self.num_samples or self.scorer.num_generated
        labels = None if num_classes is None else evaluation_lib.balanced_labels(count, num_classes)
        samples = evaluation_lib.generate(generator, count, seed=self.seed, labels=labels)
        names = self._names(conditional=labels is not None)
        result = self.scorer.score(samples, labels=labels, names=names)
        return {"dataset": self.dataset or "images", **result}

    def _names(self, conditional=False):
        if self.names is not None:
            return self.names
        if self.is_toy:
            kind = "swissroll" if self.dataset == "swissroll" else "mixture"
            return self.DEFAULT_NAMES[kind]
        names = self.DEFAULT_NAMES["image"]
        if self.scorer is not None:
            names = tuple(n for n in names if n in self.scorer.score_names)
        return names + (("conditional_accuracy",) if conditional else ())

    def logged(self, result):
        """`{prefix + name: generated value}` of the chosen scores of `result`."""
        names = self._names(conditional="conditional_accuracy" in result["scores"])
        missing = [name for name in names if name not in result["scores"]]
        if missing:
            raise ValueError(
                f"Scores {missing} are not computed here (features: "
                f"{result.get('features', 'none')}). Available: {sorted(result['scores'])}. "
                f"Received: names={self.names!r}"
            )
        return {self.prefix + name: result["scores"][name]["generated"] for name in names}


def _steps_done(model):
    """Training steps the model has made: generator updates for a GAN, else optimizer steps."""
    optimizer = getattr(model, "generator_optimizer", None) or model.optimizer
    # `int()` fails on a variable created under a tf.distribute strategy (a MirroredVariable).
    return int(keras.ops.convert_to_numpy(optimizer.iterations))


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
        self.every = check_positive_int("every", every)
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
