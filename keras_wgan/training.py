"""The composition root: `train(config, workdir)` builds data, networks and model, fits, exports.

Everything a training run needs is chosen here from a `TrainConfig`, and only here: the command
line (`keras_wgan.cli`) just fills a `TrainConfig`.

A run writes into `workdir`:
    `history.json`            the epoch metrics, `{name: [value per epoch]}` (updated every epoch)
    `model.keras`             the whole model (`keras.models.load_model` reloads it, compiled)
    `training_curves.png`     wasserstein_estimate, critic/generator losses, gradient penalty
    `metrics.json`            quality scores beside their in-run references (see `evaluate`)
    `samples/epoch_XXX.png`   samples of a fixed latent batch: an image grid, or for the 2-D
                              toys a scatter over real points
    `backup/`                 while training: the whole training state every `backup_every`
                              generator steps (see "Resuming"); removed when the run ends
and the generator as a TF Serving SavedModel in `<saved_models_dir>/<run_name>/<version>/`.

Resuming: when `workdir/backup/` holds a backup (the run was killed or crashed), `train` restores
it and goes on from its generator step, in the middle of an epoch if need be, so that with op
determinism (`TrainConfig.deterministic`) the final weights equal those of a run that was never
interrupted. For that the real batches come from one seeded stream over all epochs
(`make_dataset(..., repeat=True)`, reshuffled every pass), built anew for each `fit`: a resumed
run skips the batches already trained on, so it sees the same batches in the same order. (A fresh non-repeating dataset would
replay the first epoch's order, and Keras 3.15's `BackupAndRestore` restarts an interrupted epoch
from its first batch.) An interrupted epoch finishes in a `fit` of its remaining steps; its
logged metrics average those steps only.
"""

import dataclasses
import json
import os
import shutil
import time

import keras
import numpy as np

from keras_wgan import callbacks as callbacks_lib
from keras_wgan import config as paper
from keras_wgan import data as data_lib
from keras_wgan import evaluation as evaluation_lib
from keras_wgan import export as export_lib
from keras_wgan import networks
from keras_wgan.models import WGAN
from keras_wgan.models import WGANGP

MODELS = {"wgan-gp": WGANGP, "wgan": WGAN}
IMAGE_DATASETS = ("digits",)
DATASETS = IMAGE_DATASETS + tuple(data_lib.TOY_DATASETS)
# Default size of a toy training set (fresh samples of the mixture).
TOY_SAMPLES = 10_000
# Default latent sizes: the WGAN-GP toy experiments use 2; 64 is plenty for 8x8 digits.
DEFAULT_LATENT_DIM = {"digits": 64, "toy": 2}
# Aim for about this many sample/curve drawings per run; more only costs time.
MAX_DRAWINGS = 25
BACKUP_DIR = "backup"
# Fields that may change between a run and its resumption (the rest must match the backup's).
RESUMABLE_CHANGES = ("epochs", "verbose", "saved_models_dir", "run_name", "backup_every",
                     "deterministic")


@dataclasses.dataclass
class TrainConfig:
    """What to train and how; every field has a default.

    Args:
        model: str. `"wgan-gp"` (gradient penalty) or `"wgan"` (weight clipping).
        dataset: str. `"digits"` (scikit-learn's 8x8 digits, DCGAN networks) or a 2-D toy,
            `"ring8"`, `"grid25"` or `"swissroll"` (MLP networks).
        batch_size: int. Samples per critic update.
        critic_steps: int. Critic updates per generator update.
        epochs: int. Passes over the training set; one epoch is
            `num_samples // (batch_size * critic_steps)` generator updates.
        generator_lr: float or `None`. `None` for the paper's rate (1e-4 Adam for WGAN-GP,
            5e-5 RMSprop for WGAN); otherwise the paper's optimizer with this rate.
        critic_lr: float or `None`. Same, for the critic.
        latent_dim: int or `None`. `None` for 64 (digits) or 2 (toys).
        seed: int. Seeds the weights, the model's noise, the shuffling and the toy data.
        jit_compile: bool. Compile the train step with XLA (slower on CPU).
        base_filters: int. DCGAN width (image datasets).
        hidden_units: tuple of ints. MLP hidden layers (toy datasets).
        num_samples: int or `None`. Use only this many training samples (digits: the first of
            the 1297 training images; toys: how many to draw, default 10,000).
        saved_models_dir: str. Parent directory of the exported SavedModel.
        run_name: str or `None`. Name of the export directory; `None` for
            `"<model>_<dataset>"` with underscores, e.g. `wgan_gp_digits`.
        verbose: int. `fit`'s verbosity (1: progress bar); above 0 `train` also says when it
            resumes from a backup.
        backup_every: int. Back up the training state into `workdir/backup/` every this many
            generator steps (0: never); a later `train` into the same `workdir` resumes there.
        deterministic: bool. Turn on TensorFlow's op determinism (process-wide, for the rest of
            the process), so that a resumed run ends with exactly the weights of an uninterrupted
            one. Costs speed on GPU; on CPU (2 cores) our toy-MLP and 8x8 DCGAN runs were
            bitwise repeatable across processes without it.
    """

    model: str = "wgan-gp"
    dataset: str = "digits"
    batch_size: int = 64
    critic_steps: int = paper.CRITIC_STEPS
    epochs: int = 1000
    generator_lr: float | None = None
    critic_lr: float | None = None
    latent_dim: int | None = None
    seed: int = 0
    jit_compile: bool = False
    base_filters: int = 64
    hidden_units: tuple = (512, 512, 512)
    num_samples: int | None = None
    saved_models_dir: str = "saved_models"
    run_name: str | None = None
    verbose: int = 1
    backup_every: int = 100
    deterministic: bool = False

    def __post_init__(self):
        if self.model not in MODELS:
            raise ValueError(
                f"`model` must be one of {sorted(MODELS)}. Received: model={self.model!r}"
            )
        if self.dataset not in DATASETS:
            raise ValueError(
                f"`dataset` must be one of {list(DATASETS)}. Received: dataset={self.dataset!r}"
            )
        for name in ("batch_size", "critic_steps", "epochs", "base_filters"):
            _check_positive_int(name, getattr(self, name))
        for name in ("latent_dim", "num_samples"):
            if getattr(self, name) is not None:
                _check_positive_int(name, getattr(self, name))
        for name in ("generator_lr", "critic_lr"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and value > 0):
                raise ValueError(
                    f"`{name}` must be a positive float or None. Received: {name}={value!r}"
                )
        if (
            isinstance(self.backup_every, bool)
            or not isinstance(self.backup_every, int)
            or self.backup_every < 0
        ):
            raise ValueError(
                "`backup_every` must be an int >= 0. "
                f"Received: backup_every={self.backup_every!r}"
            )
        self.hidden_units = tuple(self.hidden_units)

    @property
    def is_image(self):
        return self.dataset in IMAGE_DATASETS

    @property
    def resolved_latent_dim(self):
        if self.latent_dim is not None:
            return self.latent_dim
        return DEFAULT_LATENT_DIM["digits" if self.is_image else "toy"]

    @property
    def resolved_run_name(self):
        return self.run_name or f"{self.model}_{self.dataset}".replace("-", "_")


def train(config, workdir):
    """Trains a WGAN as `config` says and writes everything into `workdir` (and the export).

    If `workdir/backup/` holds a backup of an interrupted run, training resumes from it (see the
    module docstring); the backup must come from the same configuration, except for the fields in
    `RESUMABLE_CHANGES` (e.g. more `epochs`).

    Args:
        config: `TrainConfig`.
        workdir: str. Output directory; created if missing. Files in it are overwritten.

    Returns:
        A dict: `workdir`, `history`, `model`, `curves`, `samples` (the last sample PNG),
        `export` (the SavedModel version directory), `final_metrics` (last epoch's values, plus
        the generated samples' quality scores), `metrics` (the metrics.json path), `quality`
        (what metrics.json holds: `evaluate`'s scores with their references), `generator_steps`, `resumed_from_step` (the backup's
        generator step, or `None`) and `seconds`.

    Raises:
        keras_wgan.callbacks.NonFiniteError: a step gave a NaN or an Inf. The message names the
            step and the metric; the backup of the last good state is kept.

    Example:

    >>> summary = keras_wgan.training.train(TrainConfig(dataset="ring8", epochs=5), "runs/ring8")
    """
    started = time.perf_counter()
    workdir = os.fspath(workdir)
    os.makedirs(workdir, exist_ok=True)
    if config.deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(config.seed)

    # Data: one seeded stream of batches over all epochs, so a resumed run can skip to its step.
    real = load_training_data(config)

    def batches_after(step):
        # A new dataset each time: iterating the same one again would continue its shuffle
        # sequence (reshuffle_each_iteration), not start it over.
        stream = data_lib.make_dataset(
            real, config.batch_size, critic_steps=config.critic_steps, seed=config.seed,
            repeat=True,
        )
        return stream.skip(step)

    steps_per_epoch = len(real) // (config.batch_size * config.critic_steps)

    # Networks and model.
    model = build_model(config, real.shape[1:])
    model.compile(
        generator_optimizer=_optimizer(config.model, config.generator_lr),
        critic_optimizer=_optimizer(config.model, config.critic_lr),
        jit_compile=config.jit_compile,
    )

    # Resume from a backup, if the run folder holds one.
    paths = {
        "history": os.path.join(workdir, "history.json"),
        "model": os.path.join(workdir, "model.keras"),
        "curves": os.path.join(workdir, "training_curves.png"),
        "samples_dir": os.path.join(workdir, "samples"),
        "backup": os.path.join(workdir, BACKUP_DIR),
    }
    resumed_step = _resume(model, config, paths)
    done_step = resumed_step or 0
    first_epoch, first_step = divmod(done_step, steps_per_epoch)
    history = _load_history(paths["history"], first_epoch) if resumed_step is not None else {}
    if resumed_step is not None and config.verbose:
        print(
            f"Resuming from backup at epoch {first_epoch + 1}/{config.epochs}, step "
            f"{first_step}/{steps_per_epoch} done (generator step {done_step}), from "
            f"{paths['backup']}",
            flush=True,
        )

    # Callbacks: fixed latent batch for the samples, curves, history written as we go; the NaN
    # guard before the backup, so that a bad step is never backed up.
    every = max(1, -(-config.epochs // MAX_DRAWINGS))
    latent_rng = np.random.default_rng(config.seed + 1)
    if config.is_image:
        latent = latent_rng.standard_normal((64, config.resolved_latent_dim)).astype("float32")
        samples = callbacks_lib.SampleGrid(latent, paths["samples_dir"], every=every)
    else:
        latent = latent_rng.standard_normal((1000, config.resolved_latent_dim)).astype("float32")
        samples = callbacks_lib.SampleScatter(
            latent, paths["samples_dir"], real[:2000], every=every
        )
    json_history = callbacks_lib.JsonHistory(paths["history"], history=history)
    callbacks = [
        samples,
        callbacks_lib.TrainingCurves(paths["curves"], every=every, history=history),
        json_history,
        callbacks_lib.StopOnNonFinite(paths["backup"] if config.backup_every else None),
    ]
    if config.backup_every:
        _write_backup_config(config, paths["backup"])
        callbacks.append(callbacks_lib.StepBackup(paths["backup"], every=config.backup_every))

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
    with open(paths["history"], "w") as file:
        json.dump(history, file, indent=1)
    model.save(paths["model"])
    if os.path.isdir(paths["backup"]):
        shutil.rmtree(paths["backup"])
    export_dir = export_generator(model, config)
    final = {name: float(values[-1]) for name, values in history.items() if values}
    quality = evaluate(model, config)
    paths["metrics"] = os.path.join(workdir, "metrics.json")
    with open(paths["metrics"], "w") as file:
        json.dump(quality, file, indent=1)
    final.update({name: row["generated"] for name, row in quality["scores"].items()})
    return {
        "workdir": workdir,
        "history": paths["history"],
        "model": paths["model"],
        "curves": paths["curves"],
        "samples": samples.paths[-1] if samples.paths else None,
        "export": export_dir,
        "final_metrics": final,
        "metrics": paths["metrics"],
        "quality": quality,
        "generator_steps": int(model.generator_optimizer.iterations),
        "resumed_from_step": resumed_step,
        "seconds": time.perf_counter() - started,
    }


def _resume(model, config, paths):
    """Restores the backup in `paths["backup"]` into `model`; returns its step or `None`."""
    if not os.path.exists(os.path.join(paths["backup"], callbacks_lib.StepBackup.FILENAME)):
        return None
    saved_path = os.path.join(paths["backup"], "config.json")
    if os.path.exists(saved_path):
        with open(saved_path) as file:
            saved = json.load(file)
        ours = _comparable_config(config)
        changed = sorted(k for k in set(saved) | set(ours) if saved.get(k) != ours.get(k))
        if changed:
            details = ", ".join(f"{k}={saved.get(k)!r} -> {ours.get(k)!r}" for k in changed)
            raise ValueError(
                f"The backup in {paths['backup']} is of a run with other settings ({details}). "
                "Rerun with the same settings to resume, or delete the backup to start over."
            )
    return callbacks_lib.restore_backup(model, paths["backup"])


def _comparable_config(config):
    fields = dataclasses.asdict(config)
    for name in RESUMABLE_CHANGES:
        fields.pop(name, None)
    return json.loads(json.dumps(fields))  # tuples as lists, as read back from the file


def _write_backup_config(config, directory):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "config.json")
    with open(path + ".tmp", "w") as file:
        json.dump(_comparable_config(config), file, indent=1)
    os.replace(path + ".tmp", path)


def _load_history(path, epochs):
    """The first `epochs` epochs of a history.json written by an earlier run, or `{}`."""
    if not os.path.exists(path):
        return {}
    with open(path) as file:
        history = json.load(file)
    return {name: values[:epochs] for name, values in history.items()}


def load_training_data(config):
    """The training samples: digit images `[n, 8, 8, 1]` in [-1, 1] or toy points `[n, 2]`."""
    if config.is_image:
        images, _ = data_lib.load_digits("train", seed=config.seed)
        return images[: config.num_samples] if config.num_samples else images
    sampler = data_lib.TOY_DATASETS[config.dataset]
    return sampler(config.num_samples or TOY_SAMPLES, seed=config.seed)


def build_model(config, sample_shape):
    """The WGAN or WGAN-GP model with DCGAN (images) or MLP (toys) networks, not compiled."""
    latent_dim = config.resolved_latent_dim
    if config.is_image:
        generator = networks.build_generator(
            tuple(sample_shape), latent_dim=latent_dim, base_filters=config.base_filters
        )
        # Layer normalization in the critic: the WGAN-GP paper's choice (no batch statistics
        # under a per-example penalty); harmless for WGAN.
        critic = networks.build_critic(
            tuple(sample_shape), base_filters=config.base_filters, normalization="layer"
        )
    else:
        dim = int(sample_shape[0])
        generator = networks.build_mlp_generator(dim, latent_dim, hidden_units=config.hidden_units)
        critic = networks.build_mlp_critic(dim, hidden_units=config.hidden_units)
    return MODELS[config.model](
        generator, critic, critic_steps=config.critic_steps, seed=config.seed
    )


def export_generator(model, config):
    """Exports the generator for serving; returns the SavedModel version directory."""
    base_dir = os.path.join(config.saved_models_dir, config.resolved_run_name)
    return export_lib.export_generator(model, base_dir)


def evaluate(model, config):
    """Quality of the trained generator, each score beside references computed in the same run.

    Digits: 1000 generated images scored by `keras_wgan.evaluation.score_images` (classifier-FID,
    KID, classifier score, class coverage, precision/recall, density/coverage on the cached
    digits classifier's features) beside a `floor` (real training images) and a `degraded`
    reference (real images missing classes 0, 1, 2). Toys: 2500 samples scored by
    `score_toy` (W1, and mode coverage for ring8/grid25) beside a real-vs-real floor. Takes a
    few seconds (plus about 10 s the first time, to train and cache the classifier).

    Returns:
        The dict of `keras_wgan.evaluation.score_generator`.
    """
    return evaluation_lib.score_generator(model.generator, config.dataset, seed=config.seed + 2)


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
            evaluation_lib.format_table(summary["quality"]),
        ]
    )


def _optimizer(model_name, learning_rate):
    """The paper's optimizer for `model_name` with `learning_rate`, or `None` for the default."""
    if learning_rate is None:
        return None
    if model_name == "wgan-gp":
        return keras.optimizers.Adam(
            learning_rate, beta_1=paper.WGAN_GP_BETA_1, beta_2=paper.WGAN_GP_BETA_2
        )
    return keras.optimizers.RMSprop(learning_rate)


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive int. Received: {name}={value!r}")
