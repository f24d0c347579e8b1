"""`train(config, workdir)`: a whole run, from its settings to its export and scores.

A run writes into `workdir`:
    `config.json`             every setting of the run (`TrainConfig.to_file`): `keras-wgan
                              train --config workdir/config.json` trains it again
    `history.json`            the epoch metrics, `{name: [value per epoch]}` (every epoch)
    `model.keras`             the whole model (`keras.models.load_model` reloads it, compiled)
    `training_curves.png`     wasserstein_estimate, critic/generator losses, gradient penalty
    `metrics.json`            quality scores beside their in-run references
    `samples/epoch_XXX.png`   samples of a fixed latent batch (a grid, or a scatter for toys)
    `samples/progression.png` and `.gif`: image datasets, the drawn epochs' samples
    `backup/`                 while training: the training state every `backup_every` steps
and the generator as a TF Serving SavedModel in `<saved_models_dir>/<run_name>/<version>/`.

Resuming: when `workdir/backup/` holds a backup, `train` restores it and goes on from its
generator step, in the middle of an epoch if need be. The batches come from one seeded stream
over all epochs, built anew for each `fit` and skipped to the step, so that with op determinism
(`TrainConfig.deterministic`) a resumed run ends with the weights of an uninterrupted one.
"""

import hashlib
import json
import math
import os
import shutil
import time

import numpy as np

from keras_wgan import callbacks as callbacks_lib
from keras_wgan import checkpointing
from keras_wgan.training import builders
from keras_wgan.training import data as run_data
from keras_wgan.training import report
from keras_wgan.training.run_callbacks import run_callbacks

BACKUP_DIR = "backup"
CONFIG_FILE = "config.json"


def train(config, workdir, **options):
    """Trains a GAN as `config` says and writes everything into `workdir` (and the export).

    If `workdir/backup/` holds a backup of an interrupted run, training resumes from it; the
    backup must come from the same settings, except for `run_config.RESUMABLE_CHANGES` (e.g.
    more `epochs`).

    Args:
        config: `TrainConfig`.
        workdir: str. Output folder; created if missing. A finished run in it is never
            overwritten; an interrupted one (a backup) is resumed.
        **options: `generator_options`, `critic_options`, `model_options`,
            `optimizer_options` (dicts of keyword arguments over the config's; see
            `keras_wgan.training.build`).

    Returns:
        A dict: `workdir`, `config` (the config.json path), `history`, `model`, `curves`,
        `samples` (the last sample PNG), `progression` and `animation` (image datasets, else
        `None`), `quality_seconds` (each scoring's wall time during training), `export` (the
        SavedModel version folder), `final_metrics` (the last epoch's values and the quality
        scores), `metrics` (the metrics.json path), `quality` (what metrics.json holds),
        `generator_steps`, `resumed_from_step` (the backup's step, or `None`), `divergence`
        (one dict `epoch`, `metric`, `value` per `WarnOnDivergence` warning) and `seconds`.

    Raises:
        keras_wgan.checkpointing.RunFolderError: `workdir` holds a finished run, another live
            process trains in it, it cannot be written, or its backup is past `config.epochs`.
        keras_wgan.checkpointing.BackupError: (a `RunFolderError`) the backup is unreadable or
            of other settings, or a file could not be written; the last good backup is kept.
        keras_wgan.data.DatasetNotPreparedError: a TFDS dataset is not prepared in
            `config.data_dir` (nothing is downloaded).
        keras_wgan.callbacks.NonFiniteError: a step gave a NaN or an Inf; the backup of the
            last good state is kept.

    Example:

    >>> summary = keras_wgan.training.train(TrainConfig(dataset="ring8", epochs=5), "runs/ring8")
    """
    workdir = os.fspath(workdir)
    backup_dir = os.path.join(workdir, BACKUP_DIR)
    checkpointing.check_run_folder(workdir, backup_dir)
    checkpointing.check_writable(workdir)
    with checkpointing.RunLock(workdir):
        try:
            return _train(config, workdir, options)
        except OSError as error:  # e.g. the disk filled up while writing the history
            failure = checkpointing.disk_error(error, workdir, backup_dir)
            if failure is None:
                raise
            raise failure from error


def _train(config, workdir, options):
    started = time.perf_counter()
    if config.deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    paths = {name: os.path.join(workdir, file) for name, file in (
        ("config", CONFIG_FILE), ("history", "history.json"), ("model", "model.keras"),
        ("curves", "training_curves.png"), ("samples_dir", "samples"), ("backup", BACKUP_DIR),
        ("tensorboard", "tensorboard"), ("metrics", "metrics.json"),
    )}

    # Data, networks, model and optimizers, as `build` makes them for any user.
    run = builders.build(config, **options)
    model, real, steps_per_epoch = run.model, run.real, run.steps_per_epoch

    # Resume from a backup, if the run folder holds one.
    settings = run_settings(config, real)
    resumed_step = checkpointing.resume(model, paths["backup"], settings)
    done_step = resumed_step or 0
    first_epoch, first_step = divmod(done_step, steps_per_epoch)
    # A call into TensorFlow runs its steps whole: the rest of a resumed epoch must divide too.
    model.steps_per_execution = math.gcd(model.steps_per_execution, first_step)
    if done_step > config.epochs * steps_per_epoch:
        raise checkpointing.RunFolderError(
            f"The backup in {paths['backup']} is at generator step {done_step}, past the "
            f"{config.epochs} epochs ({config.epochs * steps_per_epoch} steps) asked for. Pass "
            f"more epochs (at least {-(-done_step // steps_per_epoch)}) to go on, or delete the "
            "backup to start over."
        )
    # The settings are the run's once a backup (if any) accepted them.
    config.to_file(paths["config"])
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
            run_data.batches_after(config, real, int(model.generator_optimizer.iterations)),
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

    # Save, export, score; the backup goes only once the model is saved.
    history = json_history.history
    json_history.save()
    model.save(paths["model"])
    if os.path.isdir(paths["backup"]):
        shutil.rmtree(paths["backup"])
    export_dir = report.export_run_generator(model, config)
    final = {name: float(values[-1]) for name, values in history.items() if values}
    # The scores during training built the references already: the same ones serve again.
    scorer = quality.scorer if quality is not None else None
    scores = report.evaluate(model, config, run.samples, scorer=scorer)
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
    with open(paths["metrics"], "w") as file:
        json.dump(scores, file, indent=1)
    final.update({name: row["generated"] for name, row in scores["scores"].items()})
    return {
        "workdir": workdir,
        "config": paths["config"],
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


def run_settings(config, real):
    """What a backup of the run records and a resumption must match: the config's
    `settings_to_match()`, and for a self-conditioned run a fingerprint of its cluster ids
    (`cluster_ids_sha1`), so that a run whose k-means came out otherwise (another scikit-learn
    or CPU) is refused rather than resumed on permuted clusters."""
    settings = config.settings_to_match()
    if config.clusters:
        cluster_ids = np.ascontiguousarray(real[1], dtype="int32")
        settings["cluster_ids_sha1"] = hashlib.sha1(cluster_ids.tobytes()).hexdigest()
    return settings
