"""`GANTensorBoard`: a GAN run in TensorBoard: scalars, samples, critic scores, settings."""

import io

import keras
import numpy as np

from keras_wgan._checks import check_positive_int
from keras_wgan._generators import generator_for_sampling
from keras_wgan.callbacks._inputs import class_labels
from keras_wgan.callbacks._inputs import fixed_latent
from keras_wgan.callbacks._schedule import epoch_is_due
from keras_wgan.callbacks.plotting import image_grid
from keras_wgan.callbacks.plotting import load_pyplot
from keras_wgan.networks.clusters import ClusterChoice


class GANTensorBoard(keras.callbacks.Callback):
    """Writes a GAN run into TensorBoard event files in `log_dir`, at each epoch's end.

    Written at step `epoch` (0-based): every logged scalar, every epoch (place this callback
    after `QualityScores`); every `every` epochs and the last, the `samples` image of `latent`
    and histograms of the critic's scores on `real` and on generated samples
    (`critic/real_scores`, `critic/generated_scores`); once, the `settings` table.

    Args:
        log_dir: str. The folder of the event files; one per worker.
        latent: array `[num_samples, latent_dim]`. The fixed latent vectors.
        real: array `[num_real, ...]`. Real samples for the histograms (and the scatter's grey
            points); up to 1,000 are used.
        labels: int array `[num_samples]` or `None`. Classes of the latent vectors, for a
            conditional model.
        real_labels: int array `[num_real]` or `None`. Classes of `real`, for a conditional model.
        settings: dict or `None`. Written once as the `settings` text.
        every: int. Samples and histograms every `every` epochs (and after the last).
        columns: int or `None`. Columns of the image grid; `None`: the square root of the count.
        use_ema: bool or `None`. Which generator draws `samples`, as for `SampleGrid`; the
            histograms use the trained one.

    Example:

    >>> board = keras_wgan.callbacks.GANTensorBoard("logs/run1", latent, real=images)
    >>> model.fit(batches, epochs=50, callbacks=[board])
    """

    MAX_REAL = 1000

    def __init__(
        self,
        log_dir,
        latent,
        real,
        labels=None,
        real_labels=None,
        settings=None,
        every=1,
        columns=None,
        use_ema=None,
    ):
        super().__init__()
        latent = fixed_latent(latent)
        real = np.asarray(real, dtype="float32")
        if real.ndim < 2 or len(real) < 1:
            raise ValueError(f"`real` must be a batch of samples. Received: shape {real.shape}")
        real_labels = class_labels("real_labels", real_labels, len(real))
        self.log_dir = str(log_dir)
        self.latent = latent
        self.real = real[: self.MAX_REAL]
        self.labels = class_labels("labels", labels, len(latent))
        self.real_labels = None if real_labels is None else real_labels[: self.MAX_REAL]
        self.settings = dict(settings or {})
        self.every = check_positive_int("every", every)
        self.columns = columns
        self.use_ema = use_ema
        self._writer = None

    def on_train_begin(self, logs=None):
        import tensorflow as tf

        self._writer = tf.summary.create_file_writer(self.log_dir)
        if self.settings:
            rows = "\n".join(f"| {key} | {value} |" for key, value in self.settings.items())
            with self._writer.as_default():
                tf.summary.text("settings", f"| setting | value |\n|---|---|\n{rows}", step=0)

    def on_epoch_end(self, epoch, logs=None):
        import tensorflow as tf

        with self._writer.as_default():
            for name, value in (logs or {}).items():
                value = float(np.asarray(value))
                if np.isfinite(value):  # epochs without a quality score carry NaN
                    tf.summary.scalar(name, value, step=epoch)
            if epoch_is_due(epoch, self.every, self.params):
                tf.summary.image("samples", self._samples_image()[None], step=epoch)
                real_scores, generated_scores = self._critic_scores()
                tf.summary.histogram("critic/real_scores", real_scores, step=epoch)
                tf.summary.histogram("critic/generated_scores", generated_scores, step=epoch)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()

    def _inputs(self, samples, labels):
        return samples if labels is None else [samples, labels]

    def _samples_image(self):
        """The samples as a float image `[height, width, channels]` in [0, 1]."""
        generator = generator_for_sampling(self.model, self.use_ema)
        samples = keras.ops.convert_to_numpy(
            generator(self._inputs(self.latent, self.labels), training=False)
        ).astype("float32")
        if samples.ndim == 4:
            columns = self.columns or int(np.ceil(np.sqrt(len(samples))))
            grid = image_grid(samples, columns)
            return grid[..., None] if grid.ndim == 2 else grid
        return _scatter_image(samples, self.real)

    def _critic_scores(self):
        latent, labels = self.latent, self.labels
        frequencies = getattr(self.model, "cluster_frequencies", None)
        if frequencies is not None:  # a self-conditioned model: the latents pick the clusters
            latent, labels = (
                keras.ops.convert_to_numpy(x) for x in ClusterChoice(frequencies)(latent)
            )
        generated = keras.ops.convert_to_numpy(
            self.model.generator(self._inputs(latent, labels), training=False)
        )
        critic = self.model.critic
        real_scores = critic(self._inputs(self.real, self.real_labels), training=False)
        generated_scores = critic(self._inputs(generated, labels), training=False)
        return (
            keras.ops.convert_to_numpy(real_scores).astype("float32").ravel(),
            keras.ops.convert_to_numpy(generated_scores).astype("float32").ravel(),
        )


def _scatter_image(samples, real):
    """2-D generated points over the real ones, as a float RGB image in [0, 1]."""
    pyplot = load_pyplot()
    figure, axes = pyplot.subplots(figsize=(4, 4))
    axes.scatter(*real[:, :2].T, s=2, c="0.7")
    axes.scatter(*samples[:, :2].T, s=2, c="tab:red")
    axes.set_aspect("equal")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=64)
    pyplot.close(figure)
    buffer.seek(0)
    image = pyplot.imread(buffer)
    return np.ascontiguousarray(image[..., :3], dtype="float32")
