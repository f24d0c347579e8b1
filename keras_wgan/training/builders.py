"""What a `TrainConfig` builds: networks, model, optimizers, and the compiled model with its data.

Each builder takes the config and optional keyword arguments that override what the config
gives, so that a benchmark can try a candidate without touching the library:
`generator_options` and `critic_options` for the network builders, `model_options` for the
model class, `optimizer_options` for both optimizers.
"""

import dataclasses
import math

import keras

from keras_wgan import networks
from keras_wgan import run_config
from keras_wgan._platform import resolve_precision
from keras_wgan._platform import warn_if_bfloat16_is_slow
from keras_wgan._policy import dtype_policy
from keras_wgan.models import GAN
from keras_wgan.models import WGAN
from keras_wgan.models import WGANGP
from keras_wgan.models.hinge import HingeGAN
from keras_wgan.training import data as run_data

MODEL_CLASSES = {"wgan-gp": WGANGP, "wgan": WGAN, "gan": GAN, "ns-gan": GAN, "hinge": HingeGAN}



@dataclasses.dataclass
class BuiltRun:
    """A run ready to `fit`: `model.fit(dataset, epochs=config.epochs,
    steps_per_epoch=steps_per_epoch)` trains what `keras-wgan train` trains.

    Attributes:
        config: `TrainConfig`.
        model: the compiled `BaseGAN`.
        dataset: `tf.data.Dataset`. The batches, repeated over all epochs.
        steps_per_epoch: int. Generator steps per epoch.
        real: the training data (`keras_wgan.training.load_training_data`).
        samples: the training samples without labels or cluster ids.
    """

    config: object
    model: keras.Model
    dataset: object
    steps_per_epoch: int
    real: object
    samples: object


def build(config, **options):
    """Builds a config's run: data, networks and model, compiled, and its stream of batches.

    Args:
        config: `TrainConfig`, e.g. `keras_wgan.recipes.get("digits")`.
        **options: `generator_options`, `critic_options`, `model_options`,
            `optimizer_options` (dicts), as `build_model` and `make_optimizers` take them.

    Returns:
        A `BuiltRun`.

    Raises:
        TooFewSamplesError: the data holds fewer samples than one generator step takes.

    Example:

    >>> run = keras_wgan.training.build(keras_wgan.recipes.get("digits"))
    >>> run.model.fit(run.dataset, epochs=run.config.epochs,
    ...               steps_per_epoch=run.steps_per_epoch)
    """
    optimizer_options = options.pop("optimizer_options", None)
    keras.utils.set_random_seed(config.seed)
    real = run_data.load_training_data(config)
    samples, frequencies = run_data.split_training_data(config, real)
    num_examples, sample_shape = run_data.size_and_shape(samples)
    steps_per_pass = num_examples // (config.batch_size * config.critic_steps)
    if steps_per_pass < 1:
        raise run_data.TooFewSamplesError(
            f"A generator step takes {config.batch_size * config.critic_steps} samples "
            f"(batch_size={config.batch_size} x critic_steps={config.critic_steps}), more than "
            f"the {num_examples} training samples. Use a smaller batch_size or more data."
        )
    steps_per_epoch = config.steps_per_epoch or steps_per_pass
    precision = resolve_precision(config.precision)
    warn_if_bfloat16_is_slow(precision)
    with dtype_policy(precision):
        model = build_model(config, sample_shape, cluster_frequencies=frequencies, **options)
    generator_optimizer, critic_optimizer = make_optimizers(
        config, config.epochs * steps_per_epoch, optimizer_options=optimizer_options
    )
    model.compile(
        generator_optimizer=generator_optimizer,
        critic_optimizer=critic_optimizer,
        jit_compile=config.jit_compile,
        steps_per_execution=steps_per_execution(config, steps_per_epoch),
    )
    dataset = run_data.batches_after(config, real)
    return BuiltRun(config, model, dataset, steps_per_epoch, real, samples)


def steps_per_execution(config, steps_per_epoch):
    """The steps `fit` runs per call into TensorFlow: `config.steps_per_execution` lowered to
    divide an epoch's steps and the backup cadence, so that no call runs past an epoch's end
    (Keras would then train more steps than asked) or skips a backup."""
    return math.gcd(config.steps_per_execution, steps_per_epoch, config.backup_every)


def build_model(config, sample_shape, cluster_frequencies=None, *, generator_options=None,
                critic_options=None, model_options=None):
    """The model `config.model` on DCGAN or ResNet (images) or MLP (toys) networks, not compiled.

    Built under the current dtype policy (`build` sets the one `config.precision` stands for).

    Args:
        config: `TrainConfig`.
        sample_shape: tuple. The shape of one training sample.
        cluster_frequencies: array or `None`. With `config.clusters`, each cluster's share of
            the training samples: the model is then self-conditioned.
        generator_options, critic_options: dict or `None`. Keyword arguments for the network
            builders, over the config's.
        model_options: dict or `None`. Keyword arguments for the model class, over the config's.

    Raises:
        ValueError: `cluster_frequencies` given without `config.clusters`, or missing with it.
    """
    if bool(config.clusters) != (cluster_frequencies is not None):
        raise ValueError(
            "`cluster_frequencies` must be given exactly when `config.clusters` is set. "
            f"Received: cluster_frequencies={cluster_frequencies!r} with "
            f"clusters={config.clusters!r}"
        )
    gan = config.model in run_config.GAN_LOSSES
    num_classes = run_data.num_classes_of(config)
    if config.is_image and config.architecture == "resnet":
        # The ResNets work at 32x32 or 64x64: smaller images are padded into them.
        shared = {"num_classes": num_classes,
                  "padded_size": 32 if max(sample_shape[:2]) <= 32 else 64}
        generator = networks.build_resnet_generator(tuple(sample_shape), config.latent_dim, **{
            "base_filters": config.base_filters, **shared, **(generator_options or {})})
        # Spectral normalization in place of the critic's normalization, as with DCGAN's.
        no_normalization = {"normalization": None} if config.spectral_norm else {}
        critic = networks.build_resnet_critic(tuple(sample_shape), **{
            "base_filters": config.critic_filters or config.base_filters, **shared,
            **no_normalization, **(critic_options or {})})
        if config.spectral_norm:
            critic = networks.spectrally_normalized(critic)
    elif config.is_image:
        generator_args = {"latent_dim": config.latent_dim, "base_filters": config.base_filters,
                          "num_classes": num_classes}
        # Layer normalization in the WGAN critics (no batch statistics under a per-example
        # penalty); BatchNorm in the GAN discriminators, as in DCGAN; none with spectral
        # normalization (SNGAN: dividing by the features' spread has no Lipschitz bound).
        normalization = None if config.spectral_norm else "batch" if gan else "layer"
        critic_args = {"base_filters": config.critic_filters or config.base_filters,
                       "normalization": normalization, "spectral_norm": config.spectral_norm,
                       "num_classes": num_classes, "stages": config.critic_stages}
        generator = networks.build_generator(
            tuple(sample_shape), **{**generator_args, **(generator_options or {})}
        )
        critic = networks.build_critic(
            tuple(sample_shape), **{**critic_args, **(critic_options or {})}
        )
    else:
        dim = int(sample_shape[0])
        units = {"hidden_units": config.hidden_units, "num_classes": num_classes}
        generator = networks.build_mlp_generator(
            dim, config.latent_dim, **{**units, **(generator_options or {})}
        )
        critic = networks.build_mlp_critic(
            dim, spectral_norm=config.spectral_norm, **{**units, **(critic_options or {})}
        )
    arguments = {"critic_steps": config.critic_steps, "seed": config.seed,
                 "ema_decay": config.ema_decay or None, "augment": config.augment}
    if config.augment_policy is not None:
        arguments["augment_policy"] = config.augment_policy
    if gan:
        arguments["loss"] = run_config.GAN_LOSSES[config.model]
    if config.penalty_weight is not None:
        arguments["penalty_weight"] = config.penalty_weight
    if config.ema_warmup is not None:
        arguments["ema_warmup"] = config.ema_warmup
    if cluster_frequencies is not None:
        arguments["cluster_frequencies"] = cluster_frequencies
    if config.generator_batch_size is not None:
        arguments["generator_batch_size"] = config.generator_batch_size
    arguments.update(model_options or {})
    return MODEL_CLASSES[config.model](generator, critic, **arguments)


def make_optimizers(config, generator_steps, *, optimizer_options=None):
    """The `(generator, critic)` optimizers of a run of `config` lasting `generator_steps`.

    Each is the model's paper optimizer (`make_optimizer`) at the config's starting rate and
    `adam_beta_1`; with `config.lr_decay` the rate decays linearly to `lr_decay_final`
    (`LR_DECAY_FINAL_FRACTION` when `None`) of its start, over `generator_steps` for the
    generator and `generator_steps * config.critic_steps` critic updates for the critic. A rate
    of `None` (and no other option) gives `None`: the model's own optimizer.

    Args:
        config: `TrainConfig`.
        generator_steps: int. The run's generator updates.
        optimizer_options: dict or `None`. The optimizers' other keyword arguments, e.g.
            `{"beta_1": 0.0}`.
    """
    beta_1 = {} if config.adam_beta_1 is None else {"beta_1": config.adam_beta_1}
    options = {**beta_1, **(optimizer_options or {})}
    return (
        _optimizer(config, config.generator_lr, generator_steps, options),
        _optimizer(config, config.critic_lr, generator_steps * config.critic_steps, options),
    )


def _optimizer(config, learning_rate, total_updates, options):
    if learning_rate is None and not options:
        return None
    if learning_rate is not None and config.lr_decay:
        final = config.lr_decay_final
        final = run_config.LR_DECAY_FINAL_FRACTION if final is None else final
        learning_rate = keras.optimizers.schedules.PolynomialDecay(
            learning_rate,
            decay_steps=max(1, total_updates),
            end_learning_rate=learning_rate * final,
            power=1.0,
        )
    return MODEL_CLASSES[config.model].make_optimizer(learning_rate, **options)
