"""The checks of a run's settings (`TrainConfig`): each refuses a bad field in a `ValueError`
that names the field and the value received. Neither TensorFlow nor Keras is imported."""

import os

from keras_wgan._checks import check_augment_policy
from keras_wgan._checks import check_critic_steps
from keras_wgan._checks import check_ema_decay
from keras_wgan._checks import check_penalty_weight
from keras_wgan._checks import check_positive_float
from keras_wgan._checks import check_positive_int
from keras_wgan.run_choices import ADAM_MODELS
from keras_wgan.run_choices import ARCHITECTURES
from keras_wgan.run_choices import AUGMENTS
from keras_wgan.run_choices import BUNDLED_IMAGE_SIZES
from keras_wgan.run_choices import CLUSTER_DATASETS
from keras_wgan.run_choices import CONDITIONAL_DATASETS
from keras_wgan.run_choices import DATASETS
from keras_wgan.run_choices import MODELS
from keras_wgan.run_choices import PRECISIONS
from keras_wgan.run_choices import STRATEGIES
from keras_wgan.run_choices import TOY_DATASETS


def check_choices(config):
    """Refuses a `TrainConfig` field outside its choices, before defaults are resolved.

    Raises:
        ValueError: naming the field and the value received.
    """
    for name, choices in (
        ("model", MODELS), ("dataset", DATASETS), ("precision", PRECISIONS),
        ("strategy", STRATEGIES), ("architecture", ARCHITECTURES),
    ):
        if getattr(config, name) not in choices:
            raise ValueError(
                f"`{name}` must be one of {list(choices)}. "
                f"Received: {name}={getattr(config, name)!r}"
            )
    for name in ("conditional", "tensorboard", "paper_settings", "spectral_norm"):
        if not isinstance(getattr(config, name), bool):
            raise ValueError(
                f"`{name}` must be a bool. Received: {name}={getattr(config, name)!r}"
            )
    if config.augment not in AUGMENTS or (config.augment and config.dataset in TOY_DATASETS):
        raise ValueError(
            f"`augment` must be one of {list(AUGMENTS)}, and None for the 2-D toys. "
            f"Received: augment={config.augment!r} with dataset={config.dataset!r}"
        )
    if config.augment_policy is not None:
        check_augment_policy("augment_policy", config.augment_policy)
        if config.augment is None:
            raise ValueError(
                "`augment_policy` chooses the transformations of `augment`, which is None. "
                f"Received: augment_policy={config.augment_policy!r} with augment=None"
            )
    if config.conditional and config.dataset not in CONDITIONAL_DATASETS:
        raise ValueError(
            f"`conditional` needs a labelled dataset: one of {list(CONDITIONAL_DATASETS)} "
            f"(a folder of class subfolders). Received: dataset={config.dataset!r}"
        )


def check_values(config):
    """Refuses a resolved `TrainConfig` whose values cannot train, naming field and value.

    Raises:
        ValueError: naming the field and the value received.
    """
    # The models' hyperparameters are checked by the models' own checks (`_checks`), here
    # too, so that the command line refuses them before TensorFlow loads.
    check_critic_steps(config.critic_steps)
    check_ema_decay(config.ema_decay)
    for name in ("batch_size", "epochs", "base_filters", "latent_dim", "steps_per_execution"):
        check_positive_int(name, getattr(config, name))
    for name in ("num_samples", "image_size", "critic_stages", "critic_filters",
                 "ema_warmup", "generator_batch_size"):
        if getattr(config, name) is not None:
            check_positive_int(name, getattr(config, name))
    for name in ("generator_lr", "critic_lr"):
        if getattr(config, name) is not None:
            check_positive_float(name, getattr(config, name))
    for name, end in (("lr_decay_final", "1]"), ("adam_beta_1", "1)")):  # beta_1=1: 0 / 0
        value = getattr(config, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (
                int, float)) or not 0 <= value <= 1 or (value == 1 and end == "1)")):
            raise ValueError(f"`{name}` must be in [0, {end}. Received: {name}={value!r}")
    if config.adam_beta_1 is not None and config.model not in ADAM_MODELS:
        raise ValueError(f"`adam_beta_1` sets Adam's beta_1; model={config.model!r} trains "
                         f"with RMSprop. Received: adam_beta_1={config.adam_beta_1!r}")
    for name in ("lr_decay", "jit_compile"):
        if not isinstance(getattr(config, name), bool):
            raise ValueError(
                f"`{name}` must be a bool or None. Received: {name}={getattr(config, name)!r}"
            )
    if not isinstance(config.seed, bool) and isinstance(config.seed, int) and config.seed >= 2**32:
        raise ValueError(f"`seed` must be below 2**32. Received: seed={config.seed!r}")
    for name in ("seed", "backup_every", "quality_every", "steps_per_epoch"):
        value = getattr(config, name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise ValueError(f"`{name}` must be an int >= 0. Received: {name}={value!r}")
    if config.penalty_weight is not None:
        check_penalty_weight(config.penalty_weight)
        if config.model != "wgan-gp":
            raise ValueError(
                "`penalty_weight` is the gradient penalty's weight: set it for "
                f"model='wgan-gp' only. Received: penalty_weight={config.penalty_weight!r} "
                f"with model={config.model!r}"
            )
    if isinstance(config.clusters, bool) or not isinstance(config.clusters, int) or (
        config.clusters < 0 or config.clusters == 1
    ):
        raise ValueError(
            f"`clusters` must be 0 (none) or an int >= 2. Received: clusters={config.clusters!r}"
        )
    if config.clusters and (config.conditional or config.dataset not in CLUSTER_DATASETS):
        raise ValueError(
            "`clusters` clusters the training samples in memory and replaces their labels: "
            f"set it for the unconditional {', '.join(CLUSTER_DATASETS)} runs only. "
            f"Received: clusters={config.clusters!r} with dataset={config.dataset!r}, "
            f"conditional={config.conditional!r}"
        )
    if config.channels not in (None, 1, 3, 4) or isinstance(config.channels, bool):
        raise ValueError(f"`channels` must be 1, 3 or 4. Received: channels={config.channels!r}")
    if config.dataset == "folder":
        for name in ("image_dir", "image_size"):
            if not getattr(config, name):
                raise ValueError(
                    f"`{name}` is required for dataset='folder'. "
                    f"Received: {name}={getattr(config, name)!r}"
                )
    if config.image_size is not None and (config.image_size < 8 or config.image_size % 2):
        raise ValueError(
            "`image_size` must be even and at least 8 (DCGAN networks). "
            f"Received: image_size={config.image_size!r}"
        )
    if config.image_size not in (None, BUNDLED_IMAGE_SIZES.get(config.dataset, config.image_size)):
        raise ValueError(
            f"`image_size` resizes TFDS and folder images; {config.dataset} is "
            f"{BUNDLED_IMAGE_SIZES[config.dataset]}x{BUNDLED_IMAGE_SIZES[config.dataset]} only. "
            f"Received: image_size={config.image_size!r} with dataset={config.dataset!r}"
        )
    if config.architecture == "resnet" and (not config.is_image or (config.image_size or 0) > 64):
        raise ValueError(
            "`architecture='resnet'` takes images of at most 64x64 (worked at 32x32 or 64x64, "
            f"smaller ones padded). Received: dataset={config.dataset!r}, "
            f"image_size={config.image_size!r}"
        )
    if config.strategy == "multi-worker" and not os.environ.get("TF_CONFIG"):
        raise ValueError(
            "strategy='multi-worker' reads the workers from the TF_CONFIG environment "
            "variable, which is not set: set it on every worker (docs/distributed.md). "
            f"Received: strategy={config.strategy!r} without TF_CONFIG"
        )
