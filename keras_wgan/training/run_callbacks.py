"""The callbacks of a run: samples, scores, curves, history and the run's progress as training
goes; the NaN guard, the divergence warning and the backups."""

import dataclasses

import keras
import numpy as np

from keras_wgan import callbacks as callbacks_lib
from keras_wgan import checkpointing
from keras_wgan import evaluation as evaluation_lib
from keras_wgan import run_config
from keras_wgan.training import data as run_data

# Fixed samples per drawn epoch in samples/progression.png.
PROGRESSION_SAMPLES = 8
# Seconds each drawn epoch shows in samples/progression.gif.
ANIMATION_FRAME_SECONDS = 0.4
# Aim for about this many sample/curve drawings per run; more only costs time.
MAX_DRAWINGS = 25
# The training curves are redrawn at most this often (seconds).
CURVES_MIN_SECONDS = 30


def run_callbacks(config, paths, real, history, backed_up_step=None, settings=None,
                  steps_per_epoch=None, chief=True):
    """The callbacks of a run, in order: quality scores (digits, mnist5k), the progress bar and
    the run's progress, samples, curves, history, the NaN guard, the divergence warning and the
    backup (the guard first, so that a bad step is never backed up).

    A worker other than the chief (`chief=False`) keeps only the progress, its own history, the
    guard and the warning; the others draw no random numbers, so no step changes without them.

    Args:
        config: `TrainConfig`.
        paths: dict. `samples_dir`, `curves`, `history` and `backup` paths of the run.
        real: the training samples (the toys' scatter draws some of them).
        history: dict. The epochs already done (`{}` for a fresh run).
        backed_up_step: int or `None`. The step of the backup the run resumed from.
        settings: dict or `None`. What the backup records; `None`: `config.settings_to_match()`.
        steps_per_epoch: int or `None`. Generator steps per epoch; `None`: no `RunProgress`.
        chief: bool. Whether this process writes the run's files (`strategies.is_chief`).
    """
    json_history = callbacks_lib.JsonHistory(paths["history"], history=history)
    guards = [
        callbacks_lib.StopOnNonFinite(paths["backup"] if config.backup_every and chief else None),
        callbacks_lib.WarnOnDivergence(),
    ]
    if not chief:
        return [*_progress(config, steps_per_epoch, backed_up_step), json_history, *guards]
    # A fixed latent batch, so that the drawn epochs show the same samples.
    every = max(1, -(-config.epochs // MAX_DRAWINGS))
    latent_rng = np.random.default_rng(config.seed + 1)
    # Self-conditioned: one more latent entry picks the cluster (`networks.build_cluster_sampler`).
    latent_dim = config.latent_dim + (1 if config.clusters else 0)
    classes = run_data.num_classes_of(config) if config.conditional else None
    if config.is_image:
        # Conditional: one column per class, 10 rows (fewer past 10 classes, at least 1).
        count = classes * max(1, min(10, 100 // classes)) if classes else 64
        latent = latent_rng.standard_normal((count, latent_dim)).astype("float32")
        samples = callbacks_lib.SampleGrid(
            latent, paths["samples_dir"], every=every, progression=PROGRESSION_SAMPLES,
            animation=True, frame_seconds=ANIMATION_FRAME_SECONDS, columns=classes,
            labels=evaluation_lib.balanced_labels(count, classes) if classes else None,
        )
    else:
        latent = latent_rng.standard_normal((1000, latent_dim)).astype("float32")
        points, cluster_ids = real if config.clusters else (real, None)
        # The critic's contours under the samples, as in Figure 1 of the WGAN-GP paper.
        samples = callbacks_lib.SampleScatter(
            latent, paths["samples_dir"], points[:2000], every=every, contour=True,
            real_labels=None if cluster_ids is None else cluster_ids[:2000],
        )
    # Scores during training go first, so that the curves, the history and the progress bar see
    # them; the same seed and n as the final evaluation, so the last epoch's equal metrics.json's.
    quality_every = every if config.quality_every is None else config.quality_every
    quality = None
    if config.dataset in run_config.CLASSIFIER_DATASETS and quality_every:
        quality = callbacks_lib.QualityScores(
            config.dataset, every=quality_every, seed=config.seed + 2,
            num_samples=evaluation_lib.IMAGE_SAMPLES,
        )
    callbacks = [
        *([quality] if quality else []),
        *_progress(config, steps_per_epoch, backed_up_step),
        samples,
        callbacks_lib.TrainingCurves(
            paths["curves"], every=every, history=history, min_seconds=CURVES_MIN_SECONDS
        ),
        json_history,
        *([_tensorboard(config, paths["tensorboard"], samples, real, every)]
          if config.tensorboard else []),
        *guards,
    ]
    if config.backup_every:
        checkpointing.write_settings(
            config.settings_to_match() if settings is None else settings, paths["backup"]
        )
        callbacks.append(checkpointing.StepBackup(
            paths["backup"], every=config.backup_every, step=backed_up_step
        ))
    return callbacks


def _progress(config, steps_per_epoch, backed_up_step):
    """`RunProgress` after its own bar, whose epoch line (without the run's values) comes first."""
    if steps_per_epoch is None:
        return []
    progress = callbacks_lib.RunProgress(
        config.epochs * steps_per_epoch, initial_step=backed_up_step or 0,
        wait_for_progress_bar=False,
    )
    return [keras.callbacks.ProgbarLogger(), progress] if config.verbose else [progress]


def _tensorboard(config, log_dir, samples, real, every):
    """`GANTensorBoard` on the samples' fixed latent batch and up to 1,000 real samples."""
    real, real_labels = real if isinstance(real, tuple) else (real, None)
    if not isinstance(real, np.ndarray):  # TFDS and folder datasets: read the first ones
        first = list(real.take(callbacks_lib.GANTensorBoard.MAX_REAL).as_numpy_iterator())
        if isinstance(first[0], tuple):  # a conditional folder's (image, label) pairs
            first, real_labels = zip(*first)
            real_labels = np.asarray(real_labels, dtype="int32")
        real = np.stack(first)
    return callbacks_lib.GANTensorBoard(
        log_dir, samples.latent, real, labels=samples.labels, real_labels=real_labels,
        settings=dataclasses.asdict(config), every=every,
        columns=samples.columns if config.conditional else None,
    )
