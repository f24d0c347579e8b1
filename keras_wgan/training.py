"""The composition root: `train(config, workdir)` builds data, networks and model, fits, exports.

Everything a training run needs is built here from a `TrainConfig`, and only here. What a run can
be asked for, and every default, lives in `keras_wgan.run_config` (`TrainConfig` is re-exported
here); the command line (`keras_wgan.cli`) just fills a `TrainConfig`.

A run writes into `workdir`:
    `history.json`            the epoch metrics, `{name: [value per epoch]}` (updated every epoch)
    `model.keras`             the whole model (`keras.models.load_model` reloads it, compiled)
    `training_curves.png`     wasserstein_estimate, critic/generator losses, gradient penalty
    `metrics.json`            quality scores beside their in-run references (see `evaluate`)
    `samples/epoch_XXX.png`   samples of a fixed latent batch: an image grid, or for the 2-D
                              toys a scatter over real points and the critic's contours
    `samples/progression.png` image datasets: a few fixed samples per drawn epoch, one row each
    `samples/progression.gif` image datasets: the drawn epochs' grids, animated
    `backup/`                 while training: the whole training state every `backup_every`
                              generator steps (see "Resuming"); removed when the run ends
and the generator as a TF Serving SavedModel in `<saved_models_dir>/<run_name>/<version>/`.

Resuming: when `workdir/backup/` holds a backup (the run was killed or crashed), `train` restores
it and goes on from its generator step, in the middle of an epoch if need be, so that with op
determinism (`TrainConfig.deterministic`) the final weights equal those of a run that was never
interrupted. For that the real batches come from one seeded stream over all epochs
(`make_dataset(..., repeat=True)`, reshuffled every pass), built anew for each `fit`: a resumed
run skips the batches already trained on, so it sees the same batches in the same order. (A fresh
non-repeating dataset would replay the first epoch's order, and Keras 3.15's `BackupAndRestore`
restarts an interrupted epoch from its first batch.) An interrupted epoch finishes in a `fit` of its
remaining steps; its logged metrics average those steps only.
"""

import dataclasses
import hashlib
import json
import math
import os
import shutil
import time

import keras
import numpy as np

from keras_wgan import callbacks as callbacks_lib
from keras_wgan import checkpointing
from keras_wgan import config as paper
from keras_wgan import data as data_lib
from keras_wgan import evaluation as evaluation_lib
from keras_wgan import export as export_lib
from keras_wgan import networks
from keras_wgan import run_config
from keras_wgan._platform import warn_if_bfloat16_is_slow
from keras_wgan._policy import dtype_policy
from keras_wgan.models import GAN
from keras_wgan.models import WGAN
from keras_wgan.models import WGANGP

# Re-exported: `keras_wgan.training.TrainConfig` is where users have met it.
TrainConfig = run_config.TrainConfig
MODEL_CLASSES = {"wgan-gp": WGANGP, "wgan": WGAN, "gan": GAN, "ns-gan": GAN}
# Fixed samples per drawn epoch in samples/progression.png.
PROGRESSION_SAMPLES = 8
# Seconds each drawn epoch shows in samples/progression.gif.
ANIMATION_FRAME_SECONDS = 0.4
# Aim for about this many sample/curve drawings per run; more only costs time.
MAX_DRAWINGS = 25
# The training curves are redrawn at most this often (seconds): 0.3 s each, they took 6 of the
# default run's 52 s at its every-other-epoch cadence (issue 13).
CURVES_MIN_SECONDS = 10
BACKUP_DIR = "backup"


def train(config, workdir):
    """Trains a WGAN as `config` says and writes everything into `workdir` (and the export).

    If `workdir/backup/` holds a backup of an interrupted run, training resumes from it (see the
    module docstring); the backup must come from the same configuration, except for the fields in
    `keras_wgan.run_config.RESUMABLE_CHANGES` (e.g. more `epochs`).

    Args:
        config: `TrainConfig`.
        workdir: str. Output directory; created if missing. A finished run in it is never
            overwritten; an interrupted one (a backup) is resumed.

    Returns:
        A dict: `workdir`, `history`, `model`, `curves`, `samples` (the last sample PNG),
        `progression` (samples/progression.png for image datasets, else `None`), `animation`
        (samples/progression.gif for image datasets, else `None`), `quality_seconds` (the wall time
        of each scoring during training, a list), `export` (the SavedModel version directory),
        `final_metrics` (last epoch's values, plus the generated samples' quality scores), `metrics`
        (the metrics.json path), `quality` (what metrics.json holds: `evaluate`'s scores with their
        references), `generator_steps`, `resumed_from_step` (the backup's generator step, or
        `None`), `divergence` (a dict `epoch`, `metric`, `value` per `WarnOnDivergence` warning:
        a loss or gradient norm past `keras_wgan.config.DIVERGENCE_THRESHOLD` while finite; empty
        for a healthy run) and `seconds`.

    Raises:
        keras_wgan.checkpointing.RunFolderError: `workdir` holds a finished run (its
            `model.keras` or `metrics.json`, and no backup), another live process is training
            in it (`workdir/.lock` names the process), it cannot be written (checked before
            anything is built), or its backup is past `config.epochs`.
        keras_wgan.checkpointing.BackupError: (a `RunFolderError`) the backup is unreadable
            (truncated weights, a damaged config.json or history.json) or of a run with other
            settings, or a backup or another file could not be written (a full or read-only
            disk): the last good backup is kept, and the message says so.
        keras_wgan.data.DatasetNotPreparedError: a TFDS dataset is not prepared in
            `config.data_dir` (raised at once, before anything is built; nothing is downloaded).
        keras_wgan.checkpointing.NonFiniteError: a step gave a NaN or an Inf. The message names the
            step and the metric; the backup of the last good state is kept.

    Example:

    >>> summary = keras_wgan.training.train(TrainConfig(dataset="ring8", epochs=5), "runs/ring8")
    """
    workdir = os.fspath(workdir)
    checkpointing.check_run_folder(workdir, os.path.join(workdir, BACKUP_DIR))
    checkpointing.check_writable(workdir)
    with checkpointing.RunLock(workdir):
        try:
            return _train(config, workdir)
        except OSError as error:  # e.g. the disk filled up while writing the history
            failure = checkpointing.disk_error(error, workdir, os.path.join(workdir, BACKUP_DIR))
            if failure is None:
                raise
            raise failure from error


def _train(config, workdir):
    started = time.perf_counter()
    if config.deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(config.seed)

    # Data: one seeded stream of batches over all epochs, so a resumed run can skip to its step.
    real = load_training_data(config)
    real_samples, frequencies = split_training_data(config, real)

    def batches_after(step):
        # A new dataset each time: iterating the same one again would continue its shuffle
        # sequence (reshuffle_each_iteration), not start it over.
        stream = data_lib.make_dataset(
            real, config.batch_size, critic_steps=config.critic_steps, seed=config.seed,
            repeat=True, num_classes=num_classes_of(config),
        )
        return stream.skip(step)

    num_examples, sample_shape = _size_and_shape(real_samples)
    steps_per_pass = num_examples // (config.batch_size * config.critic_steps)
    steps_per_epoch = config.steps_per_epoch or steps_per_pass
    if steps_per_pass < 1:
        raise ValueError(
            f"A generator step takes {config.batch_size * config.critic_steps} samples "
            f"(batch_size={config.batch_size} x critic_steps={config.critic_steps}), more than "
            f"the {num_examples} training samples. Use a smaller batch_size or more data."
        )

    # Networks and model; with `lr_decay` the schedules run over the whole run's updates (the
    # critic's counts critic updates).
    warn_if_bfloat16_is_slow(config.precision)
    with dtype_policy(config.precision):
        model = build_model(config, sample_shape, cluster_frequencies=frequencies)
    total_steps = config.epochs * steps_per_epoch
    generator_optimizer, critic_optimizer = make_optimizers(config, total_steps)
    model.compile(
        generator_optimizer=generator_optimizer,
        critic_optimizer=critic_optimizer,
        jit_compile=config.jit_compile,
        steps_per_execution=steps_per_execution(config, steps_per_epoch),
    )

    # Resume from a backup, if the run folder holds one.
    paths = {
        "history": os.path.join(workdir, "history.json"),
        "model": os.path.join(workdir, "model.keras"),
        "curves": os.path.join(workdir, "training_curves.png"),
        "samples_dir": os.path.join(workdir, "samples"),
        "backup": os.path.join(workdir, BACKUP_DIR),
        "tensorboard": os.path.join(workdir, "tensorboard"),
    }
    settings = run_settings(config, real)
    resumed_step = checkpointing.resume(model, paths["backup"], settings)
    done_step = resumed_step or 0
    first_epoch, first_step = divmod(done_step, steps_per_epoch)
    # A call into TensorFlow runs its steps whole: the rest of a resumed epoch must divide too.
    # (`fit` has made no train function yet, so it is made for this value.)
    model.steps_per_execution = math.gcd(model.steps_per_execution, first_step)
    if done_step > config.epochs * steps_per_epoch:
        raise checkpointing.RunFolderError(
            f"The backup in {paths['backup']} is at generator step {done_step}, past the "
            f"{config.epochs} epochs ({config.epochs * steps_per_epoch} steps) asked for. Pass "
            f"more epochs (at least {-(-done_step // steps_per_epoch)}) to go on, or delete the "
            "backup to start over."
        )
    history = (
        checkpointing.load_history(paths["history"], first_epoch)
        if resumed_step is not None else {}
    )
    if resumed_step is not None and config.verbose:
        print(
            f"Resuming from backup at epoch {first_epoch + 1}/{config.epochs}, step "
            f"{first_step}/{steps_per_epoch} done (generator step {done_step}), from "
            f"{paths['backup']}",
            flush=True,
        )

    # Callbacks: samples, scores, curves and history as training goes; backups and the NaN guard.
    callbacks = run_callbacks(
        config, paths, real, history, backed_up_step=resumed_step, settings=settings
    )
    drawings = (callbacks_lib.SampleGrid, callbacks_lib.SampleScatter)
    samples = next(c for c in callbacks if isinstance(c, drawings))
    json_history = next(c for c in callbacks if isinstance(c, callbacks_lib.JsonHistory))
    quality = next((c for c in callbacks if isinstance(c, callbacks_lib.QualityScores)), None)
    divergence = next(c for c in callbacks if isinstance(c, callbacks_lib.WarnOnDivergence))

    # Fit: first the rest of an interrupted epoch, then whole epochs.
    def fit(epoch, end_epoch, steps):
        # `make_dataset` shuffles; `shuffle=False` only stops `fit` warning that it would not.
        model.fit(
            batches_after(int(model.generator_optimizer.iterations)),
            initial_epoch=epoch,
            epochs=end_epoch,
            steps_per_epoch=steps,
            callbacks=callbacks,
            verbose=config.verbose,
            shuffle=False,
        )

    if first_step and first_epoch < config.epochs:
        fit(first_epoch, first_epoch + 1, steps_per_epoch - first_step)
        first_epoch += 1
    if first_epoch < config.epochs:
        fit(first_epoch, config.epochs, steps_per_epoch)

    # Save, export, summarise; the backup goes only once the model is saved.
    history = json_history.history
    json_history.save()
    model.save(paths["model"])
    if os.path.isdir(paths["backup"]):
        shutil.rmtree(paths["backup"])
    export_dir = export_run_generator(model, config)
    final = {name: float(values[-1]) for name, values in history.items() if values}
    # The scores during training built the references already: the same ones serve again.
    scorer = quality.scorer if quality is not None else None
    scores = evaluate(model, config, real_samples, scorer=scorer)
    scores["run"] = {
        "model": config.model,
        "precision": config.precision,
        "conditional": config.conditional,
        "seed": config.seed,
        "ema_decay": config.ema_decay,
        "ema_warmup": model.ema_warmup if config.ema_decay else None,
        "penalty_weight": getattr(model, "penalty_weight", None),
        "clusters": config.clusters,
        "generator_steps": int(model.generator_optimizer.iterations),
    }
    paths["metrics"] = os.path.join(workdir, "metrics.json")
    with open(paths["metrics"], "w") as file:
        json.dump(scores, file, indent=1)
    final.update({name: row["generated"] for name, row in scores["scores"].items()})
    return {
        "workdir": workdir,
        "history": paths["history"],
        "model": paths["model"],
        "curves": paths["curves"],
        "samples": samples.paths[-1] if samples.paths else None,
        "progression": getattr(samples, "progression_path", None),
        "animation": getattr(samples, "animation_path", None),
        "quality_seconds": list(quality.seconds) if quality else [],
        "export": export_dir,
        "final_metrics": final,
        "metrics": paths["metrics"],
        "quality": scores,
        "generator_steps": int(model.generator_optimizer.iterations),
        "resumed_from_step": resumed_step,
        "divergence": list(divergence.events),
        "seconds": time.perf_counter() - started,
    }


def steps_per_execution(config, steps_per_epoch):
    """The steps `fit` runs per call into TensorFlow: `config.steps_per_execution` lowered to
    divide an epoch's steps and the backup cadence, so that no call runs past an epoch's end
    (Keras would then train more steps than asked) or skips a backup."""
    return math.gcd(config.steps_per_execution, steps_per_epoch, config.backup_every)


def run_settings(config, real):
    """What a backup of the run records and a resumption must match: the config's
    `settings_to_match()`, and for a self-conditioned run (`clusters`) a fingerprint of its
    cluster ids (`cluster_ids_sha1`), so that a run whose k-means came out otherwise (another
    scikit-learn or CPU) is refused rather than resumed on permuted clusters."""
    settings = config.settings_to_match()
    if config.clusters:
        cluster_ids = np.ascontiguousarray(real[1], dtype="int32")
        settings["cluster_ids_sha1"] = hashlib.sha1(cluster_ids.tobytes()).hexdigest()
    return settings


def run_callbacks(config, paths, real, history, backed_up_step=None, settings=None):
    """The callbacks of a run, in order: quality scores (digits, mnist5k), samples, curves,
    history, the NaN guard, the divergence warning and the backup (the guard first, so that a bad
    step is never backed up).

    Args:
        config: `TrainConfig`.
        paths: dict. `samples_dir`, `curves`, `history` and `backup` paths of the run.
        real: the training samples (the toys' scatter draws some of them).
        history: dict. The epochs already done (`{}` for a fresh run).
        backed_up_step: int or `None`. The step of the backup the run resumed from.
        settings: dict or `None`. What the backup records (`run_settings`); `None`: the
            config's `settings_to_match()`.
    """
    # A fixed latent batch, so that the drawn epochs show the same samples.
    every = max(1, -(-config.epochs // MAX_DRAWINGS))
    latent_rng = np.random.default_rng(config.seed + 1)
    # Self-conditioned: one more latent entry, which picks the cluster
    # (`keras_wgan.networks.build_cluster_sampler`).
    latent_dim = config.latent_dim + (1 if config.clusters else 0)
    if config.is_image:
        # Conditional: 10 columns, one class each.
        count = 100 if config.conditional else 64
        latent = latent_rng.standard_normal((count, latent_dim)).astype("float32")
        samples = callbacks_lib.SampleGrid(
            latent, paths["samples_dir"], every=every, progression=PROGRESSION_SAMPLES,
            animation=True, frame_seconds=ANIMATION_FRAME_SECONDS,
            columns=evaluation_lib.NUM_CLASSES if config.conditional else None,
            labels=(
                evaluation_lib.balanced_labels(count, evaluation_lib.NUM_CLASSES)
                if config.conditional else None
            ),
        )
    else:
        latent = latent_rng.standard_normal((1000, latent_dim)).astype("float32")
        points, cluster_ids = real if config.clusters else (real, None)
        # The critic's contours under the samples, as in Figure 1 of the WGAN-GP paper.
        samples = callbacks_lib.SampleScatter(
            latent, paths["samples_dir"], points[:2000], every=every, contour=True,
            real_labels=None if cluster_ids is None else cluster_ids[:2000],
        )
    json_history = callbacks_lib.JsonHistory(paths["history"], history=history)
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
        samples,
        callbacks_lib.TrainingCurves(
            paths["curves"], every=every, history=history, min_seconds=CURVES_MIN_SECONDS
        ),
        json_history,
        *([_tensorboard(config, paths["tensorboard"], samples, real, every)]
          if config.tensorboard else []),
        checkpointing.StopOnNonFinite(paths["backup"] if config.backup_every else None),
        callbacks_lib.WarnOnDivergence(),
    ]
    if config.backup_every:
        checkpointing.write_settings(
            config.settings_to_match() if settings is None else settings, paths["backup"]
        )
        callbacks.append(checkpointing.StepBackup(
            paths["backup"], every=config.backup_every, step=backed_up_step
        ))
    return callbacks



def _tensorboard(config, log_dir, samples, real, every):
    """`GANTensorBoard` on the samples' fixed latent batch and up to 1,000 real samples."""
    real, real_labels = real if isinstance(real, tuple) else (real, None)
    if not isinstance(real, np.ndarray):  # TFDS and folder datasets: read the first ones
        real = np.stack(list(real.take(callbacks_lib.GANTensorBoard.MAX_REAL).as_numpy_iterator()))
    return callbacks_lib.GANTensorBoard(
        log_dir, samples.latent, real, labels=samples.labels, real_labels=real_labels,
        settings=dataclasses.asdict(config), every=every,
        columns=evaluation_lib.NUM_CLASSES if config.conditional else None,
    )


def load_training_data(config):
    """The training samples, in [-1, 1] for images.

    Returns:
        digits, mnist5k: an array of images `[n, 8, 8, 1]`, `[n, 28, 28, 1]` (`conditional`: a
        tuple `(images, labels)`, labels int32 `[n]`; `clusters`: a tuple `(images,
        cluster_ids)`, the ids of `keras_wgan.data.cluster_images` seeded by `config.seed`);
        toys: an array of points `[n, 2]` (`clusters`: a tuple `(points, cluster_ids)`); TFDS
        and folder datasets: an unbatched `tf.data.Dataset` of images (labels dropped), read
        lazily.

    Raises:
        keras_wgan.checkpointing.RunFolderError: `workdir` holds a finished run (its
            `model.keras` or `metrics.json`, and no backup), another live process is training
            in it (`workdir/.lock` names the process), or its backup is past `config.epochs`.
        keras_wgan.data.DatasetNotPreparedError: a TFDS dataset not prepared in `data_dir`.
    """
    if config.dataset in run_config.CLASSIFIER_DATASETS:
        # Always the evaluation's split, whatever the seed: the held-out images that score the
        # generator must never be trained on.
        images, labels = evaluation_lib.load_split(config.dataset, "train")
        if config.num_samples:
            images, labels = images[: config.num_samples], labels[: config.num_samples]
        if config.clusters:
            return images, data_lib.cluster_images(images, config.clusters, seed=config.seed)[0]
        return (images, labels) if config.conditional else images
    if config.is_image:
        if config.dataset == "folder":
            images = data_lib.load_image_folder(
                config.image_dir, config.image_size, channels=config.channels
            )
        else:
            images = data_lib.load_tfds(
                config.dataset, "train", data_dir=config.data_dir, image_size=config.image_size
            )
        if isinstance(images.element_spec, tuple):
            images = images.map(lambda image, label: image)
        return images.take(config.num_samples) if config.num_samples else images
    sampler = data_lib.TOY_DATASETS[config.dataset]
    points = sampler(config.num_samples, seed=config.seed)
    if config.clusters:
        return points, data_lib.cluster_images(points, config.clusters, seed=config.seed)[0]
    return points


def split_training_data(config, real):
    """`load_training_data`'s result as `build_model` takes it: the samples, without their labels
    or cluster ids, and with `config.clusters` each cluster's share of them
    (`keras_wgan.data.cluster_frequencies`), else `None`."""
    samples = real[0] if isinstance(real, tuple) else real
    if not config.clusters:
        return samples, None
    return samples, data_lib.cluster_frequencies(real[1], config.clusters)


def _size_and_shape(real):
    """`(number of samples, shape of one sample)` of an array or an unbatched dataset."""
    if isinstance(real, np.ndarray):
        return len(real), tuple(real.shape[1:])
    count = int(real.cardinality())
    if count < 0:  # unknown (e.g. after a filter): count once
        count = int(real.reduce(0, lambda total, _: total + 1))
    shape = tuple(real.element_spec.shape)
    if None in shape:
        shape = tuple(next(iter(real.take(1))).shape)
    return count, shape


def num_classes_of(config):
    """The classes the run's networks embed: 10 (`conditional`), `clusters`, or `None`."""
    if config.clusters:
        return config.clusters
    return evaluation_lib.NUM_CLASSES if config.conditional else None


def build_model(config, sample_shape, cluster_frequencies=None):
    """The model `config.model` with DCGAN (images) or MLP (toys) networks, not compiled.

    Built under the current dtype policy (`train` sets `config.precision` around this call).
    `cluster_frequencies`: with `config.clusters`, each cluster's share of the training images
    (`keras_wgan.data.cluster_frequencies`): the model is then self-conditioned.
    """
    latent_dim = config.latent_dim
    gan = config.model in run_config.GAN_LOSSES
    num_classes = num_classes_of(config)
    if bool(config.clusters) != (cluster_frequencies is not None):
        raise ValueError(
            "`cluster_frequencies` must be given exactly when `config.clusters` is set. "
            f"Received: cluster_frequencies={cluster_frequencies!r} with "
            f"clusters={config.clusters!r}"
        )
    if config.is_image:
        generator = networks.build_generator(
            tuple(sample_shape), latent_dim=latent_dim, base_filters=config.base_filters,
            num_classes=num_classes,
        )
        # Layer normalization in the WGAN critics: the WGAN-GP paper's choice (no batch
        # statistics under a per-example penalty); harmless for WGAN. BatchNorm in the GAN
        # discriminators, as in DCGAN.
        critic = networks.build_critic(
            tuple(sample_shape), base_filters=config.critic_filters or config.base_filters,
            normalization="batch" if gan else "layer", num_classes=num_classes,
            stages=config.critic_stages,
        )
    else:
        dim = int(sample_shape[0])
        generator = networks.build_mlp_generator(
            dim, latent_dim, hidden_units=config.hidden_units, num_classes=num_classes
        )
        critic = networks.build_mlp_critic(
            dim, hidden_units=config.hidden_units, num_classes=num_classes
        )
    extra = {"loss": run_config.GAN_LOSSES[config.model]} if gan else {}
    if config.penalty_weight is not None:
        extra["penalty_weight"] = config.penalty_weight
    if config.ema_warmup is not None:
        extra["ema_warmup"] = config.ema_warmup
    if cluster_frequencies is not None:
        extra["cluster_frequencies"] = cluster_frequencies
    return MODEL_CLASSES[config.model](
        generator, critic, critic_steps=config.critic_steps, seed=config.seed,
        ema_decay=config.ema_decay or None, augment=config.augment, **extra,
    )


def export_run_generator(model, config):
    """Exports the run's generator for serving, to `<saved_models_dir>/<run_name>/<version>/`.

    The averaged generator when the run keeps one (`TrainConfig.ema_decay`).

    Args:
        model: the trained `BaseGAN`.
        config: `TrainConfig`. Gives `saved_models_dir` and the run's name.

    Returns:
        The SavedModel version directory (see `keras_wgan.export.export_generator`).
    """
    base_dir = os.path.join(config.saved_models_dir, config.run_name)
    # A conditional export refuses labels outside [0, num_classes) instead of serving a wrong
    # class (an embedding lookup wraps -1 to the last class on CPU).
    num_classes = evaluation_lib.NUM_CLASSES if config.conditional else None
    return export_lib.export_generator(model, base_dir, num_classes=num_classes)


def evaluate(model, config, real=None, scorer=None):
    """Quality of the trained generator, each score beside references computed in the same run.

    Digits and mnist5k: 1000 generated images scored by
    `keras_wgan.evaluation.score_generator` (classifier-FID, KID, classifier score, class
    coverage, precision/recall, density/coverage on the features of the dataset's cached
    classifier) beside a `floor` (real training images) and a `degraded` reference (real images
    missing classes 0, 1, 2); a conditional generator is sampled with balanced labels and also
    gets `conditional_accuracy`. Toys: 2500 samples scored by `score_toy` (W1, and mode coverage
    for ring8/grid25) beside a real-vs-real floor.

    The model's sampling generator is scored: the averaged one when the run keeps one
    (`TrainConfig.ema_decay`), as in the samples and the export.

    Other image datasets (TFDS, folder): no learned scores, since the offline feature
    extractors are the digits' and mnist5k's classifiers; the result holds the pixel mean and
    standard deviation of 1000 generated images beside those of up to 1000 real ones (`floor`),
    and says under `unavailable` which scores were not computed and why.

    Args:
        model: the trained `BaseGAN`.
        config: `TrainConfig`.
        real: the training data or `None` (other image datasets: the `floor`'s real images).
        scorer: `ImageScorer` or `None` (digits, mnist5k): the one the run's `QualityScores`
            made (same dataset, features, n and seed), to reuse its references.

    Returns:
        The dict of `keras_wgan.evaluation.score_generator`, or for other image datasets
        `{dataset, num_samples, scores, unavailable, note}`.
    """
    if config.dataset in run_config.SCORED_DATASETS:
        return evaluation_lib.score_generator(
            model, config.dataset, seed=config.seed + 2, scorer=scorer
        )
    generated = evaluation_lib.generate(model, evaluation_lib.IMAGE_SAMPLES, seed=config.seed + 2)
    if real is None:
        real = load_training_data(config)
    if not isinstance(real, np.ndarray):
        real = np.concatenate(
            list(real.take(evaluation_lib.IMAGE_SAMPLES).batch(250).as_numpy_iterator())
        )
    real = real[: evaluation_lib.IMAGE_SAMPLES]
    scores = {
        "pixel_mean": {"generated": float(generated.mean()), "floor": float(real.mean()),
                       "higher_is_better": None},
        "pixel_std": {"generated": float(generated.std()), "floor": float(real.std()),
                      "higher_is_better": None},
    }
    return {
        "dataset": config.dataset,
        "num_samples": int(len(generated)),
        "scores": scores,
        "unavailable": sorted(evaluation_lib.HIGHER_IS_BETTER),
        "note": (
            f"No learned quality scores for {config.dataset!r}: the offline feature extractors "
            "(the classifiers of digits and mnist5k) know only their own datasets. "
            "pixel_mean/pixel_std: generated images "
            f"vs {len(real)} real training images ('floor'), both in [-1, 1]; closer is better."
        ),
    }


def format_summary(summary):
    """A few lines saying where everything was written and how the run ended."""
    metrics = ", ".join(f"{k}={v:.4g}" for k, v in summary["final_metrics"].items())
    return "\n".join(
        [
            f"Trained {summary['generator_steps']} generator steps in {summary['seconds']:.1f} s.",
            f"Final metrics: {metrics}",
            f"  history:          {summary['history']}",
            f"  model:            {summary['model']}",
            f"  training curves:  {summary['curves']}",
            f"  last samples:     {summary['samples']}",
            f"  exported model:   {summary['export']}",
            f"  quality scores:   {summary['metrics']}",
            *([f"  progression:      {summary['progression']}"] if summary["progression"] else []),
            *([f"  animation:        {summary['animation']}"] if summary.get("animation") else []),
            *[
                f"  WARNING: diverged at epoch {event['epoch']}: {event['metric']}="
                f"{event['value']:.4g}; the exported generator may be broken."
                for event in summary.get("divergence", [])
            ],
            _format_quality(summary["quality"]),
        ]
    )


def _format_quality(quality):
    if "unavailable" not in quality:
        return evaluation_lib.format_table(quality)
    lines = [quality["note"], f"{'score':<22}{'generated':>11}{'real':>11}"]
    for name, row in quality["scores"].items():
        lines.append(f"{name:<22}{row['generated']:>11.4g}{row['floor']:>11.4g}")
    lines.append(f"not computed: {', '.join(quality['unavailable'])}")
    return "\n".join(lines)


def make_optimizers(config, generator_steps):
    """The `(generator, critic)` optimizers of a run of `config` lasting `generator_steps`.

    Each is the model's optimizer (Adam(beta_1=0.5, beta_2=0.9) for WGAN-GP, Adam(beta_1=0.5) for
    the GAN baselines, RMSprop for WGAN) at the config's starting rate. With `config.lr_decay`
    the rate decays linearly to `LR_DECAY_FINAL_FRACTION` of its start, over `generator_steps`
    for the generator and `generator_steps * config.critic_steps` critic updates for the
    critic. A rate of `None` gives `None`: the model's own (the paper's) optimizer.

    Example (the toy recipe, as `train` uses it):

    >>> config = TrainConfig(dataset="ring8")
    >>> model.compile(*make_optimizers(config, config.epochs * 50))
    """
    return (
        _optimizer(config, config.generator_lr, generator_steps),
        _optimizer(config, config.critic_lr, generator_steps * config.critic_steps),
    )


def _optimizer(config, learning_rate, total_updates):
    if learning_rate is None:
        return None
    if config.lr_decay:
        learning_rate = keras.optimizers.schedules.PolynomialDecay(
            learning_rate,
            decay_steps=max(1, total_updates),
            end_learning_rate=learning_rate * run_config.LR_DECAY_FINAL_FRACTION,
            power=1.0,
        )
    if config.model == "wgan-gp":
        return keras.optimizers.Adam(
            learning_rate, beta_1=paper.WGAN_GP_BETA_1, beta_2=paper.WGAN_GP_BETA_2
        )
    if config.model in run_config.GAN_LOSSES:
        return keras.optimizers.Adam(learning_rate, beta_1=paper.GAN_BETA_1)
    return keras.optimizers.RMSprop(learning_rate)
