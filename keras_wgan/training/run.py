"""`train(config, workdir)`: a whole run, from its settings to its export and scores, as phases.

A run is a sequence of phases, each leaving its output in `workdir` (written atomically):
    train    `config.json` (every setting), `history.json`, `training_curves.png`,
             `samples/`, and while training `backup/` (the whole training state, kept until
             the run is finished)
    save     `model.keras` (the whole model; `keras.models.load_model` reloads it, compiled)
    export   the generator as a TF Serving SavedModel in `<saved_models_dir>/<name>/<version>/`
             (`name`: `config.run_name`, or the run folder's name), recorded in `export.json`
    score    `metrics.json`: quality scores beside their in-run references; the run is finished
Rerunning `train` on a folder whose run stopped in any phase completes the missing phases: it
resumes training from the backup, or, once `model.keras` is saved, exports and scores that model
without training again.

Resuming training: the batches come from one seeded stream over all epochs, built anew for each
`fit` and skipped to the backup's step, so that with op determinism
(`TrainConfig.deterministic`) a resumed run ends with the weights of an uninterrupted one.

Several devices or workers (`TrainConfig.strategy`): only the chief writes `workdir`; the other
workers train in step from a copy of its backup, in scratch folders they delete.
"""

import dataclasses
import glob
import hashlib
import json
import math
import os
import shutil
import tempfile
import time

import keras
import numpy as np

from keras_wgan import callbacks as callbacks_lib
from keras_wgan import checkpointing
from keras_wgan import export as export_lib
from keras_wgan.training import builders
from keras_wgan.training import data as run_data
from keras_wgan.training import report
from keras_wgan.training import strategies
from keras_wgan.training.run_callbacks import run_callbacks

BACKUP_DIR = "backup"
CONFIG_FILE = "config.json"
EXPORT_RECORD = "export.json"


def train(config, workdir, **options):
    """Runs (or completes) the phases of a run as `config` says, in `workdir`.

    Args:
        config: `TrainConfig`.
        workdir: str. The run folder; created if missing. A finished run in it is never
            overwritten; an unfinished one is completed (see the module docstring). A backup
            must come from the same settings, except for `run_config.RESUMABLE_CHANGES`.
        **options: `generator_options`, `critic_options`, `model_options`,
            `optimizer_options` (dicts of keyword arguments over the config's; see
            `keras_wgan.training.build`).

    Returns:
        A dict: `workdir`, `config` (the config.json path), `history`, `model`, `curves`,
        `samples` (the last sample PNG), `progression` and `animation` (image datasets, else
        `None`), `quality_seconds` (each scoring's wall time during training), `export` (the
        SavedModel version folder), `export_name`, `export_version`, `final_metrics` (the last
        epoch's values and the quality scores), `metrics` (the metrics.json path), `quality`
        (what metrics.json holds), `generator_steps`, `resumed_from_step` (the backup's step,
        or `None`), `trained` (whether this call trained), `divergence` (one dict `epoch`,
        `metric`, `value` per `WarnOnDivergence` warning) and `seconds`.

    Raises:
        keras_wgan.checkpointing.RunFolderError: `workdir` holds a finished run, another live
            process trains in it, it or `config.saved_models_dir` cannot be written, or its
            backup is past `config.epochs`.
        keras_wgan.checkpointing.BackupError: (a `RunFolderError`) the backup is unreadable or
            of other settings, or a file could not be written; what was trained is kept.
        keras_wgan.data.DatasetNotPreparedError: a TFDS dataset is not prepared in
            `config.data_dir` (nothing is downloaded).
        keras_wgan.callbacks.NonFiniteError: a step gave a NaN or an Inf; the backup of the
            last good state is kept.
        keras_wgan.training.strategies.StrategyError: (a `ValueError`) `config.batch_size`
            does not divide over the replicas, the model cannot train under them, or the
            workers resumed from different steps.

    Example:

    >>> summary = keras_wgan.training.train(TrainConfig(dataset="ring8", epochs=5), "runs/ring8")
    """
    # First: a multi-worker strategy starts this worker's server before any other op.
    strategy = strategies.make_strategy(config.strategy)
    strategies.check_batch_size(config.batch_size, strategy)
    if config.generator_batch_size:
        strategies.check_batch_size(config.generator_batch_size, strategy, "generator_batch_size")
    if config.verbose and config.strategy != "default":
        print(f"Training under {strategies.describe(strategy)}", flush=True)
    workdir = os.fspath(workdir)
    backup_dir = os.path.join(workdir, BACKUP_DIR)
    checkpointing.check_run_folder(workdir, backup_dir)
    if not strategies.is_chief(strategy):
        _check_run_paths(workdir)
        return _train_as_worker(config, workdir, strategy, options)
    checkpointing.check_writable(workdir)
    checkpointing.check_writable(config.saved_models_dir, option="--saved-models-dir")
    _check_run_paths(workdir)
    with checkpointing.RunLock(workdir):
        try:
            return _run(config, workdir, options, strategy)
        except OSError as error:  # e.g. the disk filled up while writing the history
            failure = checkpointing.disk_error(error, workdir, backup_dir)
            if failure is None:
                raise
            raise failure from error


# What a run keeps in its folder, as folders and as files.
RUN_FOLDERS = ("samples", BACKUP_DIR, "tensorboard")
RUN_FILES = (CONFIG_FILE, "history.json", "model.keras", "metrics.json", "training_curves.png",
             EXPORT_RECORD)


def _check_run_paths(workdir):
    """Refuses a run folder holding a file where the run keeps a folder, or the other way."""
    for names, kind, wrong in ((RUN_FOLDERS, "folder", os.path.isfile),
                               (RUN_FILES, "file", os.path.isdir)):
        for name in names:
            path = os.path.join(workdir, name)
            if wrong(path):
                raise checkpointing.RunFolderError(
                    f"{path} is not a {kind}, where the run keeps its {kind} {name!r}. Move it "
                    "away (or pass another --output-dir), then run the same command again."
                )


@dataclasses.dataclass
class _Trained:
    """What the train and save phases leave for the others."""

    model: keras.Model
    history: dict
    samples: object = None  # the training samples, for scores without learned features
    trained: bool = False  # whether this process trained (else it loaded model.keras)
    quality: object = None  # the QualityScores callback
    divergence: tuple = ()
    resumed_step: int = None


def _train_as_worker(config, workdir, strategy, options):
    """A worker other than the chief: the run's phases, but scoring, in a scratch folder holding a
    copy of the chief's backup; returns the summary with the chief's paths."""
    with tempfile.TemporaryDirectory(prefix="keras_wgan_worker_") as scratch:
        for name in (BACKUP_DIR, "history.json", "model.keras"):
            source, copy = os.path.join(workdir, name), os.path.join(scratch, name)
            if os.path.isdir(source):
                shutil.copytree(source, copy)
            elif os.path.isfile(source):
                shutil.copyfile(source, copy)
        exports = os.path.join(scratch, "saved_models")
        worker_config = dataclasses.replace(
            config, saved_models_dir=exports, run_name=report.export_name(config, workdir)
        )
        summary = _run(worker_config, scratch, options, strategy, chief=False)

    def chief_path(value):
        value = value.replace(exports, os.fspath(config.saved_models_dir))
        return value.replace(scratch, workdir)

    return {name: chief_path(value) if isinstance(value, str) else value
            for name, value in summary.items()}


# What a worker's summary says in place of the scores, which only the chief computes.
WORKER_SCORES = {"note": "The chief scores the run (metrics.json in its run folder).",
                 "scores": {}, "unavailable": ["all (on the chief)"]}


def _run(config, workdir, options, strategy, chief=True):
    started, started_at = time.perf_counter(), time.time()
    paths = {name: os.path.join(workdir, file) for name, file in (
        ("config", CONFIG_FILE), ("history", "history.json"), ("model", "model.keras"),
        ("curves", "training_curves.png"), ("samples_dir", "samples"), ("backup", BACKUP_DIR),
        ("tensorboard", "tensorboard"), ("metrics", "metrics.json"),
        ("export", EXPORT_RECORD),
    )}
    if os.path.exists(paths["model"]):
        trained = _load_trained(config, paths)
    else:
        trained = _train_and_save(config, paths, options, strategy, chief)
    model = trained.model
    export = _export_once(model, config, workdir, paths["export"], started_at)
    scores = _score_once(trained, config, paths["metrics"]) if chief else WORKER_SCORES
    # Finished: the evidence the phases needed goes.
    if os.path.isdir(paths["backup"]):
        shutil.rmtree(paths["backup"])

    final = {name: float(values[-1]) for name, values in trained.history.items()
             if values and name not in callbacks_lib.RunProgress.LOG_KEYS}
    final.update({name: row["generated"] for name, row in scores["scores"].items()})
    drawn = sorted(glob.glob(os.path.join(paths["samples_dir"], "epoch_*.png")))
    extra = {name: os.path.join(paths["samples_dir"], f"progression.{ending}")
             for name, ending in (("progression", "png"), ("animation", "gif"))}
    return {
        "workdir": workdir,
        "config": paths["config"],
        "history": paths["history"],
        "model": paths["model"],
        "curves": paths["curves"],
        "samples": drawn[-1] if drawn else None,
        **{name: path if os.path.exists(path) else None for name, path in extra.items()},
        "quality_seconds": list(trained.quality.seconds) if trained.quality else [],
        "export": export["path"],
        "export_name": export["name"],
        "export_version": export["version"],
        "final_metrics": final,
        "metrics": paths["metrics"],
        "quality": scores,
        "generator_steps": checkpointing.steps_done(model),
        "resumed_from_step": trained.resumed_step,
        "trained": trained.trained,
        "divergence": list(trained.divergence),
        "seconds": time.perf_counter() - started,
    }


def _load_trained(config, paths):
    """The train and save phases' output, left by an earlier process."""
    if config.verbose:
        print(f"{paths['model']} holds the trained model: exporting and scoring it, without "
              "training again.", flush=True)
    model = keras.models.load_model(paths["model"])
    with open(paths["history"]) as file:
        history = json.load(file)
    return _Trained(model, history)


def _train_and_save(config, paths, options, strategy, chief):
    if config.deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()

    # Data, networks, model and optimizers, as `build` makes them for any user, in the
    # strategy's scope (one device: the default strategy's, which changes nothing).
    with strategy.scope():
        run = builders.build(config, **options)
    model, real, steps_per_epoch = run.model, run.real, run.steps_per_epoch
    strategies.check_model(model, strategy)

    # Resume from a backup, if the run folder holds one.
    settings = run_settings(config, real)
    resumed_step = checkpointing.resume(model, paths["backup"], settings)
    done_step = resumed_step or 0
    strategies.check_same_step(strategy, done_step)
    first_epoch, first_step = divmod(done_step, steps_per_epoch)
    # A call into TensorFlow runs its steps whole: the rest of a resumed epoch must divide too.
    model.steps_per_execution = strategies.steps_per_execution(
        math.gcd(model.steps_per_execution, first_step), strategy
    )
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
        config, paths, real, history, backed_up_step=resumed_step, settings=settings,
        steps_per_epoch=steps_per_epoch, chief=chief,
    )

    def find(kind):
        return next((c for c in callbacks if isinstance(c, kind)), None)

    json_history = find(callbacks_lib.JsonHistory)

    # Fit: first the rest of an interrupted epoch, then whole epochs.
    def fit(epoch, end_epoch, steps):
        # `make_dataset` shuffles; `shuffle=False` only stops `fit` warning that it would not.
        model.fit(
            run_data.batches_after(config, real, checkpointing.steps_done(model)),
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

    # Save: atomically, so that a model.keras is always whole.
    json_history.save()
    temporary = os.path.join(os.path.dirname(paths["model"]), f".model.tmp-{os.getpid()}.keras")
    model.save(temporary)
    os.replace(temporary, paths["model"])
    return _Trained(
        model, json_history.history, samples=run.samples,
        trained=True,
        quality=find(callbacks_lib.QualityScores),
        divergence=tuple(find(callbacks_lib.WarnOnDivergence).events),
        resumed_step=resumed_step,
    )


def _export_once(model, config, workdir, record_path, started_at):
    """The export phase: the SavedModel `record_path` names if it is there, else a new one."""
    if os.path.exists(record_path):
        with open(record_path) as file:
            record = json.load(file)
        if os.path.isdir(record.get("path", "")):
            return record
    name = report.export_name(config, workdir)
    # What an export of this run killed mid-write left (the name is the run's own).
    export_lib.remove_partial_exports(os.path.join(config.saved_models_dir, name), started_at)
    path = report.export_run_generator(model, config, name)
    record = {"name": name, "version": int(os.path.basename(path)), "path": path}
    checkpointing.write_file(record_path, json.dumps(record, indent=1).encode())
    return record


def _score_once(trained, config, metrics_path):
    """The score phase: metrics.json, written last (the run is then finished)."""
    if os.path.exists(metrics_path):
        with open(metrics_path) as file:
            return json.load(file)
    model = trained.model
    # The scores during training built the references already: the same ones serve again.
    scorer = trained.quality.scorer if trained.quality is not None else None
    scores = report.evaluate(model, config, trained.samples, scorer=scorer)
    scores["run"] = {
        "model": config.model,
        # What `config.precision` stood for on this machine ("auto": the hardware decides).
        "precision": model.generator.dtype_policy.name,
        "conditional": config.conditional,
        "seed": config.seed,
        "ema_decay": config.ema_decay,
        "ema_warmup": model.ema_warmup if config.ema_decay else None,
        "penalty_weight": getattr(model, "penalty_weight", None),
        "clusters": config.clusters,
        "generator_steps": checkpointing.steps_done(model),
    }
    checkpointing.write_file(metrics_path, json.dumps(scores, indent=1).encode())
    return scores


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
