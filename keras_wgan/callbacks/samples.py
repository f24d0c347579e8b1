"""Pictures of the generator's samples for a fixed latent batch: `SampleGrid`, `SampleScatter`."""

import json
import os

import keras
import numpy as np

from keras_wgan._checks import check_positive_int
from keras_wgan._generators import generator_for_sampling
from keras_wgan.callbacks._inputs import class_labels
from keras_wgan.callbacks._inputs import fixed_latent
from keras_wgan.callbacks._schedule import epoch_is_due
from keras_wgan.callbacks.plotting import image_grid
from keras_wgan.callbacks.plotting import load_pyplot
from keras_wgan.checkpointing import steps_done


class _SampleCallback(keras.callbacks.Callback):
    """Draws the generator's samples for a fixed latent batch into `directory/epoch_XXX.png`."""

    def __init__(self, latent, directory, every=1, labels=None, use_ema=None):
        super().__init__()
        self.latent = fixed_latent(latent)
        self.labels = class_labels("labels", labels, len(self.latent))
        self.directory = os.fspath(directory)
        self.every = check_positive_int("every", every)
        self.use_ema = use_ema
        self.paths = []

    def generate(self):
        generator = generator_for_sampling(self.model, self.use_ema)
        inputs = self.latent if self.labels is None else [self.latent, self.labels]
        return keras.ops.convert_to_numpy(generator(inputs, training=False))

    def on_epoch_end(self, epoch, logs=None):
        if not epoch_is_due(epoch, self.every, self.params):
            return
        os.makedirs(self.directory, exist_ok=True)
        width = max(3, len(str((self.params or {}).get("epochs") or 0)))
        path = os.path.join(self.directory, f"epoch_{epoch + 1:0{width}d}.png")
        self.draw(self.generate(), path, epoch + 1)
        self.paths.append(path)

    def draw(self, samples, path, epoch):
        raise NotImplementedError


class SampleGrid(_SampleCallback):
    """Saves a grid of generated images for a fixed latent batch at the end of epochs.

    The batch is fixed so that successive grids show the same latent vectors as training goes.

    Args:
        latent: array `[num_samples, latent_dim]`. The fixed latent vectors.
        directory: str. Where to write `epoch_001.png`, `epoch_002.png`, ... (1-based epochs).
        every: int. Draw every `every` epochs (and always after the last epoch).
        columns: int or `None`. Images per row; `None` for a square-ish grid.
        progression: int. With `k > 0`, the first `k` images of every drawn epoch are tiled at
            train end into `progression.png`, one row per epoch (kept in `progression.npz`
            across resumed runs).
        animation: bool. Also write `progression.gif` at train end, one frame per drawn epoch
            (listed in `frames.json` across resumed runs).
        frame_seconds: float. How long each frame shows.
        labels: int array `[num_samples]` or `None`. The class of each latent vector, for a
            class-conditional generator.
        use_ema: bool or `None`. Draw the averaged generator (`True`), the trained one
            (`False`), or the model's choice (`None`).

    Example:

    >>> latent = np.random.default_rng(0).standard_normal((64, 64)).astype("float32")
    >>> model.fit(data, epochs=5, callbacks=[keras_wgan.callbacks.SampleGrid(latent, "samples")])
    """

    PROGRESSION = "progression"
    FRAMES = "frames.json"

    def __init__(
        self, latent, directory, every=1, columns=None, progression=0, animation=False,
        frame_seconds=0.4, labels=None, use_ema=None,
    ):
        super().__init__(latent, directory, every=every, labels=labels, use_ema=use_ema)
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
        pyplot = load_pyplot()
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
        if self.model is not None and steps_done(self.model) == 0:
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
        pyplot = load_pyplot()
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
        contour: bool. Draw `model.critic`'s value as filled contours under the points (Figure 1
            of the WGAN-GP paper). A critic that takes labels scores each point with the label
            of its nearest real sample, and draws no contours without `real_labels`.
        use_ema: bool or `None`. As for `SampleGrid`.
        real_labels: int array `[num_real]` or `None`. The labels (or cluster ids) of `real`.
    """

    GRID_POINTS = 120

    def __init__(
        self, latent, directory, real, every=1, contour=False, use_ema=None, real_labels=None
    ):
        super().__init__(latent, directory, every=every, use_ema=use_ema)
        self.contour = bool(contour)
        real = np.asarray(real, dtype="float32")
        if real.ndim != 2 or real.shape[1] != 2:
            raise ValueError(f"`real` must have shape [num_real, 2]. Received: {real.shape}")
        self.real = real
        if real_labels is not None:
            real_labels = np.asarray(real_labels, dtype="int32")
            if real_labels.shape != (len(real),):
                raise ValueError(
                    f"`real_labels` must have shape [num_real] = [{len(real)}]. "
                    f"Received: {real_labels.shape}"
                )
        self.real_labels = real_labels
        margin = 0.1 * (real.max(axis=0) - real.min(axis=0)) + 1e-3
        self.limits = (real.min(axis=0) - margin, real.max(axis=0) + margin)

    def draw(self, samples, path, epoch):
        if samples.ndim != 2 or samples.shape[1] != 2:
            raise ValueError(
                "SampleScatter needs a generator of 2-D points [batch, 2]. "
                f"Received: samples with shape {samples.shape}"
            )
        pyplot = load_pyplot()
        critic = getattr(self.model, "critic", None) if self.contour else None
        if critic is not None and len(critic.inputs) > 1 and self.real_labels is None:
            critic = None  # takes labels, and there are none to give it
        figure, axes = pyplot.subplots(figsize=(5.4 if critic is not None else 4.5, 4.5))
        if critic is not None:
            xs, ys = np.meshgrid(
                np.linspace(self.limits[0][0], self.limits[1][0], self.GRID_POINTS),
                np.linspace(self.limits[0][1], self.limits[1][1], self.GRID_POINTS),
            )
            points = np.stack([xs.ravel(), ys.ravel()], axis=1).astype("float32")
            inputs = points if len(critic.inputs) == 1 else [points, self._nearest_labels(points)]
            scores = keras.ops.convert_to_numpy(critic(inputs, training=False))
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

    def _nearest_labels(self, points, chunk=1024):
        """The label of each point's nearest real sample, int32 `[n]`."""
        labels = []
        for start in range(0, len(points), chunk):
            distances = np.square(points[start:start + chunk, None] - self.real[None]).sum(-1)
            labels.append(self.real_labels[distances.argmin(axis=1)])
        return np.concatenate(labels)

