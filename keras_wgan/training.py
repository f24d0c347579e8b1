"""The composition root: `train(config, workdir)` builds data, networks and model, fits, exports.

Everything a training run needs is chosen here from a `TrainConfig`, and only here: the command
line (`keras_wgan.cli`) just fills a `TrainConfig`.

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

import contextlib
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
from keras_wgan._checks import check_positive_int
from keras_wgan.models import GAN
from keras_wgan.models import WGAN
from keras_wgan.models import WGANGP

MODELS = {"wgan-gp": WGANGP, "wgan": WGAN, "gan": GAN, "ns-gan": GAN}
# The GAN baselines: the 2014 paper's minimax game and its non-saturating variant.
GAN_LOSSES = {"gan": "minimax", "ns-gan": "non_saturating"}
# Discriminator updates per generator update: the papers' 5 for the WGANs, DCGAN's 1 for GANs.
DEFAULT_CRITIC_STEPS = {"wgan-gp": paper.CRITIC_STEPS, "wgan": paper.CRITIC_STEPS, "gan": 1,
                        "ns-gan": 1}
PRECISIONS = ("float32", "mixed_bfloat16")
# Datasets whose labels `conditional` can use (the digits classifier then scores the classes).
CONDITIONAL_DATASETS = ("digits",)
TFDS_DATASETS = tuple(data_lib.TFDS_DATASETS)
IMAGE_DATASETS = ("digits",) + TFDS_DATASETS + ("folder",)
DATASETS = IMAGE_DATASETS + tuple(data_lib.TOY_DATASETS)
# Datasets with quality scores in metrics.json (`keras_wgan.evaluation`): the digits classifier
# knows only 8x8 digits; the toys are scored against their known mixtures.
SCORED_DATASETS = ("digits",) + tuple(data_lib.TOY_DATASETS)
# A toy training set holds this many generator steps' worth of fresh samples of the mixture
# (`TOY_STEPS_PER_EPOCH * batch_size * critic_steps`), so the default 60 epochs make 3,000 steps:
# the data setup the benchmark measured (64,000 points; seed 0 gave 25/25 grid modes through
# `train`, where 128,000 points at 100 steps per epoch gave 15/25 on the same seed).
TOY_STEPS_PER_EPOCH = 50
# Default latent sizes: the WGAN-GP toy experiments use 2; 64 is plenty for 8x8 digits, 128 for
# the larger images (DCGAN's 100, rounded up).
DEFAULT_LATENT_DIM = {"digits": 64, "toy": 2, "image": 128}
# Default epochs: about 3,000 generator steps for a toy (see TrainConfig), 25k for digits;
# mnist/fashion_mnist/cifar10 about 3,700-3,900 steps, celeb_a about 5,000 (at batch 64).
DEFAULT_EPOCHS = {"digits": 1000, "toy": 60, "mnist": 20, "fashion_mnist": 20, "cifar10": 20,
                  "celeb_a": 10, "folder": 100}
# Default image sizes of the TFDS datasets (`None`: the native size, 28x28 or 32x32).
DEFAULT_IMAGE_SIZE = {"celeb_a": 64}
# The toy recipe (see TrainConfig): (generator, critic) learning rates per model.
TOY_LEARNING_RATES = {"wgan-gp": (2e-4, 2e-3), "wgan": (5e-5, 5e-4), "gan": (2e-4, 2e-3),
                      "ns-gan": (2e-4, 2e-3)}
# With `lr_decay`, rates decay linearly to this fraction of their start over the run.
LR_DECAY_FINAL_FRACTION = 0.05
# Fixed samples per drawn epoch in samples/progression.png.
PROGRESSION_SAMPLES = 8
# Seconds each drawn epoch shows in samples/progression.gif.
ANIMATION_FRAME_SECONDS = 0.4
# Aim for about this many sample/curve drawings per run; more only costs time.
MAX_DRAWINGS = 25
BACKUP_DIR = "backup"
# Fields that may change between a run and its resumption (the rest must match the backup's).
RESUMABLE_CHANGES = ("epochs", "verbose", "saved_models_dir", "run_name", "backup_every",
                     "deterministic", "data_dir", "image_dir", "quality_every")


@dataclasses.dataclass
class TrainConfig:
    """What to train and how; every field has a default, some depending on the dataset.

    The 2-D toys default to a measured recipe, not the papers' settings. With the WGAN-GP paper's
    equal rates (Adam 1e-4 for both networks) and 3x512 MLPs, a ring8 run caught 0/8 modes. What
    works (`benchmarks/results/toy_quality.md`, VEEGAN protocol on 2,500 samples, 3 seeds each):
    3x256 MLPs, batch 256, 5 critic steps, Adam(beta_1=0.5, beta_2=0.9) with the critic 10x faster
    than the generator (2e-4 / 2e-3), both rates decaying linearly to 5% over the run
    (`PolynomialDecay(rate, total_updates, end_learning_rate=rate / 20)`; the critic's
    `total_updates` counts critic updates, generator steps x `critic_steps`), and 3,000 generator
    steps (60 epochs of 50): grid25 22-25/25 modes, 10.5-13.8% high quality, W1 0.59-0.62
    (floor ~0.18) in about 2 minutes on 2 CPU cores; ring8 8/8 modes (with 3x128 MLPs and 1,500
    steps), W1 0.12-0.15. For WGAN (clipping) on the toys: RMSprop 5e-5 / 5e-4 with the same
    decay (grid25: 22/25 modes against 20/25 at equal rates; ring8 0/8 either way: weight
    clipping is the limit there). Image datasets keep the papers' rates, without decay.

    The GAN baselines (`"gan"`, `"ns-gan"`) keep DCGAN's settings on images: Adam(2e-4,
    beta_1=0.5) for both networks, one discriminator update per generator update, BatchNorm in
    both networks. On the toys they take the toy recipe's rates (2e-4 / 2e-3, decaying) with
    Adam(beta_1=0.5), as in `benchmarks/gan_family.py`.

    Args:
        model: str. `"wgan-gp"` (gradient penalty), `"wgan"` (weight clipping), `"gan"` (the
            original minimax GAN) or `"ns-gan"` (non-saturating GAN).
        dataset: str. Images (DCGAN networks): `"digits"` (scikit-learn's 8x8 digits), a TFDS
            dataset (`"mnist"`, `"fashion_mnist"`, `"cifar10"`, `"celeb_a"`, read from
            `data_dir`, never downloaded) or `"folder"` (the images in `image_dir`). 2-D toys
            (MLP networks): `"ring8"`, `"grid25"` or `"swissroll"`.
        batch_size: int or `None`. Samples per critic update; `None` for 64 (images) or 256
            (toys).
        critic_steps: int or `None`. Critic updates per generator update; `None` for 5 (WGAN,
            WGAN-GP) or 1 (GAN, NS-GAN).
        epochs: int or `None`. Passes over the training set; one epoch is
            `num_samples // (batch_size * critic_steps)` generator updates. `None` for
            `DEFAULT_EPOCHS` (digits 1000; toys 60, i.e. 3,000 generator steps; mnist,
            fashion_mnist and cifar10 20; celeb_a 10; folder 100).
        generator_lr: float or `None`. `None` for the dataset's default: the paper's rate for
            images (1e-4 Adam for WGAN-GP, 5e-5 RMSprop for WGAN), the recipe above for toys
            (2e-4 Adam, 5e-5 RMSprop); otherwise the model's optimizer with this rate.
        critic_lr: float or `None`. Same, for the critic (toys: 2e-3 Adam, 5e-4 RMSprop).
        lr_decay: bool or `None`. Decay both rates linearly to 5% over the run; `None` for on
            (toys) or off (images).
        latent_dim: int or `None`. `None` for 64 (digits), 128 (other images) or 2 (toys).
        seed: int. Seeds the weights, the model's noise, the shuffling and the toy data.
        jit_compile: bool. Compile the train step with XLA (slower on CPU).
        base_filters: int. DCGAN width (image datasets).
        hidden_units: tuple of ints or `None`. MLP hidden layers (toys); `None` for 3x256.
        num_samples: int or `None`. Use only this many training samples (images: the first
            ones; toys: how many to draw, default `TOY_STEPS_PER_EPOCH * batch_size *
            critic_steps`, so that an epoch is 50 generator steps).
        data_dir: str or `None`. TFDS data directory holding the prepared dataset (`None`:
            TFDS's default, `~/tensorflow_datasets` or `$TFDS_DATA_DIR`).
        image_dir: str or `None`. The folder of images for `dataset="folder"` (required there).
        image_size: int or `None`. Height and width the images are centre-cropped and resized
            to. `None`: 64 for celeb_a, the native size for the other TFDS datasets (28 or 32);
            required for `"folder"`. Must be even and at least 8 (DCGAN networks).
        channels: int. Channels of folder images: 1 (grey), 3 (RGB) or 4 (RGBA).
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
        precision: str. `"float32"` or `"mixed_bfloat16"`: the dtype policy the networks are
            built under (bfloat16 computations, float32 weights and outputs; the global policy
            is restored once they are built). Recorded in metrics.json.
        conditional: bool. Class-conditional networks (`num_classes=10`: label embedding in the
            generator, projection head in the critic) trained on `(images, labels)`; digits
            only. The samples are drawn one class per column and the evaluation adds the
            classifier's `conditional_accuracy`.
        quality_every: int or `None`. Digits: score the generator (classifier-FID, KID, classes
            covered; see `keras_wgan.callbacks.QualityScores`) every this many epochs, into the
            logs and history.json; `None` for the drawing cadence (about 25 scorings per run),
            0 for never.
    """

    model: str = "wgan-gp"
    dataset: str = "digits"
    batch_size: int | None = None
    critic_steps: int | None = None
    epochs: int | None = None
    generator_lr: float | None = None
    critic_lr: float | None = None
    lr_decay: bool | None = None
    latent_dim: int | None = None
    seed: int = 0
    jit_compile: bool = False
    base_filters: int = 64
    hidden_units: tuple | None = None
    num_samples: int | None = None
    data_dir: str | None = None
    image_dir: str | None = None
    image_size: int | None = None
    channels: int = 3
    saved_models_dir: str = "saved_models"
    run_name: str | None = None
    verbose: int = 1
    backup_every: int = 100
    deterministic: bool = False
    precision: str = "float32"
    conditional: bool = False
    quality_every: int | None = None

    def __post_init__(self):
        if self.model not in MODELS:
            raise ValueError(
                f"`model` must be one of {sorted(MODELS)}. Received: model={self.model!r}"
            )
        if self.dataset not in DATASETS:
            raise ValueError(
                f"`dataset` must be one of {list(DATASETS)}. Received: dataset={self.dataset!r}"
            )
        if self.precision not in PRECISIONS:
            raise ValueError(
                f"`precision` must be one of {list(PRECISIONS)}. "
                f"Received: precision={self.precision!r}"
            )
        if not isinstance(self.conditional, bool):
            raise ValueError(
                f"`conditional` must be a bool. Received: conditional={self.conditional!r}"
            )
        if self.conditional and self.dataset not in CONDITIONAL_DATASETS:
            raise ValueError(
                f"`conditional` needs a labelled dataset scored by class: one of "
                f"{list(CONDITIONAL_DATASETS)}. Received: dataset={self.dataset!r}"
            )
        # Dataset-dependent defaults, resolved here so that a backup's config.json is concrete.
        if self.critic_steps is None:
            self.critic_steps = DEFAULT_CRITIC_STEPS[self.model]
        if self.batch_size is None:
            self.batch_size = 64 if self.is_image else 256
        if self.epochs is None:
            self.epochs = DEFAULT_EPOCHS[self.dataset if self.is_image else "toy"]
        if self.hidden_units is None:
            self.hidden_units = (256, 256, 256)
        if self.lr_decay is None:
            self.lr_decay = not self.is_image
        if self.image_size is None:
            self.image_size = DEFAULT_IMAGE_SIZE.get(self.dataset)
        for name in ("batch_size", "critic_steps", "epochs", "base_filters"):
            check_positive_int(name, getattr(self, name))
        for name in ("latent_dim", "num_samples", "image_size"):
            if getattr(self, name) is not None:
                check_positive_int(name, getattr(self, name))
        for name in ("generator_lr", "critic_lr"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and value > 0):
                raise ValueError(
                    f"`{name}` must be a positive float or None. Received: {name}={value!r}"
                )
        if not isinstance(self.lr_decay, bool):
            raise ValueError(
                f"`lr_decay` must be a bool or None. Received: lr_decay={self.lr_decay!r}"
            )
        for name in ("backup_every", "quality_every"):
            value = getattr(self, name)
            if name == "quality_every" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"`{name}` must be an int >= 0. Received: {name}={value!r}")
        if self.channels not in (1, 3, 4) or isinstance(self.channels, bool):
            raise ValueError(f"`channels` must be 1, 3 or 4. Received: channels={self.channels!r}")
        if self.dataset == "folder":
            if not self.image_dir:
                raise ValueError(
                    "`image_dir` is required for dataset='folder'. Received: image_dir=None"
                )
            if self.image_size is None:
                raise ValueError(
                    "`image_size` is required for dataset='folder'. Received: image_size=None"
                )
        if self.image_size is not None and (self.image_size < 8 or self.image_size % 2):
            raise ValueError(
                "`image_size` must be even and at least 8 (DCGAN networks). "
                f"Received: image_size={self.image_size!r}"
            )
        self.hidden_units = tuple(self.hidden_units)

    @property
    def is_image(self):
        return self.dataset in IMAGE_DATASETS

    @property
    def resolved_latent_dim(self):
        if self.latent_dim is not None:
            return self.latent_dim
        if self.dataset == "digits":
            return DEFAULT_LATENT_DIM["digits"]
        return DEFAULT_LATENT_DIM["image" if self.is_image else "toy"]

    @property
    def learning_rates(self):
        """`(generator, critic)` starting rates; `None` for the model's default optimizer."""
        if self.is_image:
            paper_rate = {
                "wgan-gp": paper.WGAN_GP_LEARNING_RATE, "wgan": paper.WGAN_LEARNING_RATE,
            }.get(self.model, paper.GAN_LEARNING_RATE)
            # Without decay, `None` leaves the model's own (the paper's) optimizer.
            default = (paper_rate, paper_rate) if self.lr_decay else (None, None)
        else:
            default = TOY_LEARNING_RATES[self.model]
        return (
            self.generator_lr if self.generator_lr is not None else default[0],
            self.critic_lr if self.critic_lr is not None else default[1],
        )

    @property
    def resolved_run_name(self):
        suffix = "_conditional" if self.conditional else ""
        return self.run_name or f"{self.model}_{self.dataset}{suffix}".replace("-", "_")


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
        `progression` (samples/progression.png for image datasets, else `None`), `animation`
        (samples/progression.gif for image datasets, else `None`), `quality_seconds` (the wall time
        of each scoring during training, a list), `export` (the SavedModel version directory),
        `final_metrics` (last epoch's values, plus the generated samples' quality scores), `metrics`
        (the metrics.json path), `quality` (what metrics.json holds: `evaluate`'s scores with their
        references), `generator_steps`, `resumed_from_step` (the backup's generator step, or `None`)
        and `seconds`.

    Raises:
        keras_wgan.data.DatasetNotPreparedError: a TFDS dataset is not prepared in
            `config.data_dir` (raised at once, before anything is built; nothing is downloaded).
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

    num_examples, sample_shape = _size_and_shape(real[0] if config.conditional else real)
    steps_per_epoch = num_examples // (config.batch_size * config.critic_steps)
    if steps_per_epoch < 1:
        raise ValueError(
            f"A generator step takes {config.batch_size * config.critic_steps} samples "
            f"(batch_size={config.batch_size} x critic_steps={config.critic_steps}), more than "
            f"the {num_examples} training samples. Use a smaller batch_size or more data."
        )

    # Networks and model; with `lr_decay` the schedules run over the whole run's updates (the
    # critic's counts critic updates).
    with _dtype_policy(config.precision):
        model = build_model(config, sample_shape)
    total_steps = config.epochs * steps_per_epoch
    generator_rate, critic_rate = config.learning_rates
    model.compile(
        generator_optimizer=_optimizer(config, generator_rate, total_steps),
        critic_optimizer=_optimizer(config, critic_rate, total_steps * config.critic_steps),
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
        # Conditional: 10 columns, one class each.
        count = 100 if config.conditional else 64
        latent = latent_rng.standard_normal((count, config.resolved_latent_dim)).astype("float32")
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
        latent = latent_rng.standard_normal((1000, config.resolved_latent_dim)).astype("float32")
        # The critic's contours under the samples, as in Figure 1 of the WGAN-GP paper.
        samples = callbacks_lib.SampleScatter(
            latent, paths["samples_dir"], real[:2000], every=every, contour=True
        )
    json_history = callbacks_lib.JsonHistory(paths["history"], history=history)
    # Scores during training go first, so that the curves, the history and the progress bar see
    # them; the same seed and n as the final evaluation, so the last epoch's equal metrics.json's.
    quality_every = every if config.quality_every is None else config.quality_every
    quality = None
    if config.dataset == "digits" and quality_every:
        quality = callbacks_lib.QualityScores(
            "digits", every=quality_every, seed=config.seed + 2,
            num_samples=evaluation_lib.IMAGE_SAMPLES,
        )
    callbacks = [
        *([quality] if quality else []),
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
    json_history.save()
    model.save(paths["model"])
    if os.path.isdir(paths["backup"]):
        shutil.rmtree(paths["backup"])
    export_dir = export_run_generator(model, config)
    final = {name: float(values[-1]) for name, values in history.items() if values}
    scores = evaluate(model, config, real[0] if config.conditional else real)
    scores["run"] = {
        "model": config.model,
        "precision": config.precision,
        "conditional": config.conditional,
        "seed": config.seed,
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
    """The training samples, in [-1, 1] for images.

    Returns:
        digits: an array of images `[n, 8, 8, 1]` (`conditional`: a tuple `(images, labels)`,
        labels int32 `[n]`); toys: an array of points `[n, 2]`; TFDS and
        folder datasets: an unbatched `tf.data.Dataset` of images (labels dropped), read lazily.

    Raises:
        keras_wgan.data.DatasetNotPreparedError: a TFDS dataset not prepared in `data_dir`.
    """
    if config.dataset == "digits":
        # Always the evaluation's split, whatever the seed: the held-out digits that score the
        # generator must never be trained on.
        images, labels = data_lib.load_digits("train", seed=evaluation_lib.SPLIT_SEED)
        if config.num_samples:
            images, labels = images[: config.num_samples], labels[: config.num_samples]
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
    count = config.num_samples or TOY_STEPS_PER_EPOCH * config.batch_size * config.critic_steps
    return sampler(count, seed=config.seed)


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


def build_model(config, sample_shape):
    """The model `config.model` with DCGAN (images) or MLP (toys) networks, not compiled.

    Built under the current dtype policy (`train` sets `config.precision` around this call).
    """
    latent_dim = config.resolved_latent_dim
    gan = config.model in GAN_LOSSES
    num_classes = evaluation_lib.NUM_CLASSES if config.conditional else None
    if config.is_image:
        generator = networks.build_generator(
            tuple(sample_shape), latent_dim=latent_dim, base_filters=config.base_filters,
            num_classes=num_classes,
        )
        # Layer normalization in the WGAN critics: the WGAN-GP paper's choice (no batch
        # statistics under a per-example penalty); harmless for WGAN. BatchNorm in the GAN
        # discriminators, as in DCGAN.
        critic = networks.build_critic(
            tuple(sample_shape), base_filters=config.base_filters,
            normalization="batch" if gan else "layer", num_classes=num_classes,
        )
    else:
        dim = int(sample_shape[0])
        generator = networks.build_mlp_generator(dim, latent_dim, hidden_units=config.hidden_units)
        critic = networks.build_mlp_critic(dim, hidden_units=config.hidden_units)
    extra = {"loss": GAN_LOSSES[config.model]} if gan else {}
    return MODELS[config.model](
        generator, critic, critic_steps=config.critic_steps, seed=config.seed, **extra
    )


@contextlib.contextmanager
def _dtype_policy(name):
    """Sets the global dtype policy to `name` for the block, then restores the previous one."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def export_run_generator(model, config):
    """Exports the run's generator for serving, to `<saved_models_dir>/<run_name>/<version>/`.

    Args:
        model: the trained `BaseGAN`.
        config: `TrainConfig`. Gives `saved_models_dir` and the run's name.

    Returns:
        The SavedModel version directory (see `keras_wgan.export.export_generator`).
    """
    base_dir = os.path.join(config.saved_models_dir, config.resolved_run_name)
    return export_lib.export_generator(model, base_dir)


def evaluate(model, config, real=None):
    """Quality of the trained generator, each score beside references computed in the same run.

    Digits: 1000 generated images scored by `keras_wgan.evaluation.score_generator`
    (classifier-FID, KID, classifier score, class coverage, precision/recall, density/coverage
    on the cached digits classifier's features) beside a `floor` (real training images) and a
    `degraded` reference (real images missing classes 0, 1, 2); a conditional generator is
    sampled with balanced labels and also gets `conditional_accuracy`. Toys: 2500 samples scored by
    `score_toy` (W1, and mode coverage for ring8/grid25) beside a real-vs-real floor. Takes a
    few seconds (plus about 10 s the first time, to train and cache the classifier).

    Other image datasets (TFDS, folder): no learned scores, since the only feature extractor is
    the 8x8 digits classifier; the result holds the pixel mean and standard deviation of 1000
    generated images beside those of up to 1000 real ones (`floor`), and says under
    `unavailable` which scores were not computed and why.

    Returns:
        The dict of `keras_wgan.evaluation.score_generator`, or for other image datasets
        `{dataset, num_samples, scores, unavailable, note}`.
    """
    if config.dataset in SCORED_DATASETS:
        return evaluation_lib.score_generator(
            model.generator, config.dataset, seed=config.seed + 2
        )
    generated = evaluation_lib.generate(
        model.generator, evaluation_lib.IMAGE_SAMPLES, seed=config.seed + 2
    )
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
            f"No learned quality scores for {config.dataset!r}: the only feature extractor "
            "(the digits classifier) knows 8x8 digits. pixel_mean/pixel_std: generated images "
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


def _optimizer(config, learning_rate, total_updates):
    """The model's optimizer at `learning_rate`, decaying over `total_updates` with
    `config.lr_decay`; `None` (the model's default optimizer) for a rate of `None`."""
    if learning_rate is None:
        return None
    if config.lr_decay:
        learning_rate = keras.optimizers.schedules.PolynomialDecay(
            learning_rate,
            decay_steps=max(1, total_updates),
            end_learning_rate=learning_rate * LR_DECAY_FINAL_FRACTION,
            power=1.0,
        )
    if config.model == "wgan-gp":
        return keras.optimizers.Adam(
            learning_rate, beta_1=paper.WGAN_GP_BETA_1, beta_2=paper.WGAN_GP_BETA_2
        )
    if config.model in GAN_LOSSES:
        return keras.optimizers.Adam(learning_rate, beta_1=paper.GAN_BETA_1)
    return keras.optimizers.RMSprop(learning_rate)
