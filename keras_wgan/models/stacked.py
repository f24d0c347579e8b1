"""The stacked (two-stage) GAN: StackGAN (Zhang et al., 2017) on class labels, WGAN-GP losses."""

import keras
from keras import ops

from keras_wgan import config
from keras_wgan import losses
from keras_wgan._checks import check_nonnegative_float
from keras_wgan._checks import check_penalty_weight
from keras_wgan._framework import flatten_layers
from keras_wgan.models._networks import check_model
from keras_wgan.models._networks import check_without_batch_normalization
from keras_wgan.models.wgan_gp import WGANGP
from keras_wgan.networks.stacked import ConditioningAugmentation
from keras_wgan.networks.stacked import upscale_factor

STAGES = (1, 2, "joint")
# Metrics logged for each stage, prefixed `stage1_` / `stage2_`.
STAGE_METRICS = (
    "critic_loss",
    "wasserstein_estimate",
    "gradient_penalty",
    "gradient_norm",
    "generator_loss",
    "kl",
)


@keras.saving.register_keras_serializable(package="keras_wgan")
class StackedGAN(WGANGP):
    """A two-stage class-conditional GAN in the spirit of StackGAN, with WGAN-GP losses.

    Stage I draws a low-resolution image from noise and an augmented class condition; stage II
    refines it, given the class again (its own augmented condition), to the full resolution.
    Each stage has a class-conditional critic at its resolution; the stage-I critic sees the
    real images average-pooled to the stage-I resolution. Both critics are trained with the
    Wasserstein loss and the gradient penalty of WGAN-GP (`keras_wgan.losses`,
    `keras_wgan.penalties`); each generator loss is `-mean(critic(fake))` plus
    `kl_weight * KL`, the KL of its stage's conditioning augmentation
    (`keras_wgan.losses.conditioning_kl`).

    `model.generator` is a Functional model `[latent, labels] -> full-resolution images`, so
    `generate`, `keras_wgan.export_generator` and the sample callbacks work as for any
    conditional model. Its latent vector holds all the randomness of both stages, each part
    N(0, I) (`sample_latent` draws it from the model's seed generator):

        latent = [z (noise_dim) | eps_1 (condition_dim_1) | eps_2 (condition_dim_2)]
        c_1 = mean_1(y) + sigma_1(y) * eps_1;  low = stage1_generator([z, y, eps_1])
        c_2 = mean_2(y) + sigma_2(y) * eps_2;  images = stage2_generator([low, y, eps_2])

    (the generators apply the augmentation themselves: see
    `keras_wgan.networks.stacked.ConditioningAugmentation`). As in StackGAN the condition stays
    random at sampling time.

    Training stages (`stage`): `fit` trains what `stage` says, and setting `model.stage`
    takes effect at the next `fit`.
        `1`: stage I alone: the stage-I generator and critic.
        `2`: stage II alone, stage I frozen: the stage-II generator and critic are trained on
            the stage-I generator's outputs (in inference mode, so its BatchNormalization
            statistics do not move either); no stage-I variable changes.
        `"joint"` (default): both stages at every step, end to end: each critic update trains
            both critics, and the generator step minimises the sum of both stages' generator
            losses over all generator variables, the stage-II loss reaching stage I through
            its images (as in StackGAN++, Zhang et al. 2018).
    StackGAN trains stage by stage: `stage=1`, `fit`, then `model.stage = 2`, `fit`.

    Data contract (`BaseGAN`'s): every element holds `critic_steps * batch_size` pairs
    `(images, labels)` of full-resolution images in [-1, 1] and int labels.

    Implementation: a `WGANGP` whose full-resolution critic is `critic`; each stage's critic loss
    is WGAN-GP's (`critic_loss` with the stage's critic), and the train step is written from
    `BaseGAN`'s pieces (`update`, `loss_gradients`, `step_logs`).

    Optimizers: `generator_optimizer` covers both generators (a frozen stage's variables are
    simply left out of the update); `critic_optimizer` trains the stage-II critic and a copy of
    its configuration (`stage1_critic_optimizer`) the stage-I critic. Defaults to WGAN-GP's
    Adam(1e-4, beta_1=0.5, beta_2=0.9).

    Metrics: `critic_loss` and `generator_loss` (sums over the trained stages, the KL terms
    included), `generator_gradient_norm`, and for each trained stage `stage<k>_critic_loss`,
    `stage<k>_wasserstein_estimate`, `stage<k>_gradient_penalty` (weighted),
    `stage<k>_gradient_norm` (mean critic gradient norm at the interpolates),
    `stage<k>_generator_loss` (the adversarial part, `-mean(critic(fake))`) and `stage<k>_kl`
    (unweighted).

    Args:
        stage1_generator: `keras.Model`. `[noise, labels, condition_noise]` to low-resolution
            images (see `keras_wgan.networks.build_stage1_generator`).
        stage2_generator: `keras.Model`. `[low_resolution_images, labels, condition_noise]` to
            full-resolution images (`keras_wgan.networks.build_stage2_generator`).
        stage1_critic: `keras.Model`. `[low_resolution_images, labels]` to scores `[batch, 1]`.
        stage2_critic: `keras.Model`. `[images, labels]` to scores `[batch, 1]`.
        stage: `1`, `2` or `"joint"`. What `fit` trains (see above).
        critic_steps: int. Critic updates per generator update (5, as in WGAN-GP).
        penalty_weight: float >= 0. lambda of the gradient penalty of both critics (10).
        kl_weight: float >= 0. Weight of the KL term in each generator loss. StackGAN uses 1 on
            a KL averaged over the condition's dimensions; ours is summed over them (see
            `conditioning_kl`), so its 1.0 default weighs the KL `condition_dim` times more.
        seed: int or `None`. Seed of the model's `keras.random.SeedGenerator`.
        **kwargs: passed to `BaseGAN` (`ema_decay`, `ema_warmup`: a moving average of the
            generator's weights, see `BaseGAN`) and to `keras.Model` (e.g. `name`).

    Example:

    >>> networks = keras_wgan.networks.build_stacked_networks((16, 16, 1), num_classes=10)
    >>> model = keras_wgan.StackedGAN(**networks, stage=1)
    >>> model.compile()
    >>> data = keras_wgan.data.make_dataset((images, labels), 64, critic_steps=5)
    >>> model.fit(data, epochs=50)
    >>> model.stage = 2  # stage I frozen from now on
    >>> model.fit(data, epochs=50)
    """

    objective_names = tuple(f"stage{k}_{name}" for k in (1, 2) for name in STAGE_METRICS)
    # The stages' metrics replace WGAN-GP's diagnostics.
    diagnostic_names = ()
    network_arguments = ("stage1_generator", "stage2_generator", "stage1_critic", "stage2_critic")

    def __init__(
        self,
        stage1_generator,
        stage2_generator,
        stage1_critic,
        stage2_critic,
        stage="joint",
        critic_steps=config.CRITIC_STEPS,
        penalty_weight=config.PENALTY_WEIGHT,
        kl_weight=1.0,
        seed=None,
        **kwargs,
    ):
        given = {
            "stage1_generator": stage1_generator,
            "stage2_generator": stage2_generator,
            "stage1_critic": stage1_critic,
            "stage2_critic": stage2_critic,
        }
        for argument, network in given.items():
            check_model(argument, network)
        _check_stage(stage)
        if kwargs.get("augment") is not None:
            raise ValueError(
                "StackedGAN does not support `augment` (its own generator loss and per-stage "
                f"critics are not augmented). Received: augment={kwargs['augment']!r}"
            )
        check_penalty_weight(penalty_weight)
        kl_weight = check_nonnegative_float("kl_weight", kl_weight)
        noise_dim, condition_dims = _check_networks(**given)
        self.stage1_generator = stage1_generator
        self.stage2_generator = stage2_generator
        self.stage1_critic = stage1_critic
        self.noise_dim = noise_dim
        self.condition_dims = condition_dims
        self.factor = upscale_factor(
            tuple(stage1_generator.output.shape[1:]), tuple(stage2_generator.output.shape[1:])
        )
        self._stage = stage
        self.kl_weight = kl_weight
        self.stage1_critic_optimizer = None
        super().__init__(
            _compose(stage1_generator, stage2_generator, noise_dim, condition_dims),
            stage2_critic,
            critic_steps=critic_steps,
            penalty_weight=penalty_weight,
            seed=seed,
            **kwargs,
        )

    @property
    def stage2_critic(self):
        """The stage-II critic: `BaseGAN`'s `critic`, at the full resolution."""
        return self.critic

    @property
    def stage(self):
        """What `fit` trains: `1`, `2` (stage I frozen) or `"joint"`."""
        return self._stage

    @stage.setter
    def stage(self, stage):
        _check_stage(stage)
        if stage != self._stage:
            self._stage = stage
            # The train step is traced for one stage: the next `fit` traces it again.
            self.train_function = None

    def _trains(self, stage):
        return self._stage in (stage, "joint")

    def _measures(self, metric):
        """Whether `fit` measures `metric` at this stage: a `stage<k>_` metric only if stage k
        is trained."""
        return not metric.startswith("stage") or self._trains(int(metric[5]))

    # ----------------------------------------------------------------------------------------
    # Sampling
    # ----------------------------------------------------------------------------------------

    def split_latent(self, latent):
        """Splits the latent into `(z, eps_1, eps_2)`: stage I's noise and both conditions'."""
        first, second = self.condition_dims
        noise = latent[:, : self.noise_dim]
        return noise, latent[:, self.noise_dim : self.noise_dim + first], latent[:, -second:]

    def generate_stages(self, latent, labels, training=False, stage1_training=None):
        """Both stages' images from one latent: `(low_resolution_images, images)`.

        Args:
            latent: tensor or array `[batch, latent_dim]` (see the class docstring for its
                layout).
            labels: int tensor or array `[batch]`.
            training: bool. Mode of the stage-II generator.
            stage1_training: bool or `None`. Mode of the stage-I generator; `None` for
                `training`.
        """
        # Tensors, so that NumPy labels can sit beside stage I's images in stage II's inputs.
        latent, labels = ops.convert_to_tensor(latent), ops.convert_to_tensor(labels)
        noise, first, second = self.split_latent(latent)
        if stage1_training is None:
            stage1_training = training
        low = self.stage1_generator([noise, labels, first], training=stage1_training)
        return low, self.stage2_generator([low, labels, second], training=training)

    def downsample(self, images):
        """Full-resolution images average-pooled to the stage-I resolution."""
        return ops.average_pool(
            ops.cast(images, "float32"), self.factor, strides=self.factor, padding="valid"
        )

    def stage_kl(self, stage, labels):
        """The (unweighted) KL term of one stage's conditioning augmentation for `labels`."""
        if isinstance(stage, bool) or stage not in (1, 2):
            raise ValueError(f"`stage` must be 1 or 2. Received: stage={stage!r}")
        network = self.stage1_generator if stage == 1 else self.stage2_generator
        layers = _augmentation_layers(network)
        terms = [losses.conditioning_kl(*layer.moments(labels)) for layer in layers]
        return ops.sum(ops.stack(terms)) if terms else ops.zeros((), "float32")

    # ----------------------------------------------------------------------------------------
    # Compilation
    # ----------------------------------------------------------------------------------------

    def compile(self, generator_optimizer=None, critic_optimizer=None, **kwargs):
        """Sets the optimizers, as `BaseGAN.compile` does, and one for the stage-I critic.

        `generator_optimizer` updates both generators; `critic_optimizer` the stage-II critic,
        and a new optimizer with its configuration (`stage1_critic_optimizer`) the stage-I
        critic, so that each critic has its own slots and step count.
        """
        super().compile(generator_optimizer, critic_optimizer, **kwargs)
        if self.loss_scaling:
            raise ValueError(
                "StackedGAN does not support mixed_float16 (the loss scaling of its two critics "
                "is not supported). Use the 'mixed_bfloat16' or 'float32' policy. Received: "
                "networks computing in float16"
            )
        self.stage1_critic_optimizer = type(self.critic_optimizer).from_config(
            self.critic_optimizer.get_config()
        )
        self.stage1_critic_optimizer.build(self.stage1_critic.trainable_variables)

    # Training: the hooks of `BaseGAN`'s loop

    def stage_images(self, latent, labels):
        """The trained stages' generated images from one latent, by stage.

        A frozen stage I (stage 2) runs in inference mode; stage II runs only when trained (in
        training mode its BatchNormalization statistics would move).
        """
        noise, first, second = self.split_latent(latent)
        images = {1: self.stage1_generator([noise, labels, first], training=self._stage != 2)}
        if self._trains(2):
            images[2] = self.stage2_generator([images[1], labels, second], training=True)
        return images

    def update_critic(self, real, labels=None):
        """One update of each trained stage's critic on one real batch (average-pooled for
        stage I) and the stages' images from one fresh latent, of the same labels."""
        images = self.stage_images(self.sample_latent(ops.shape(real)[0]), labels)
        total = ops.zeros((), "float32")
        if self._trains(1):
            total += self._update_stage_critic(
                1, self.stage1_critic, self.stage1_critic_optimizer, self.downsample(real),
                images[1], labels,
            )
        if self._trains(2):
            total += self._update_stage_critic(
                2, self.critic, self.critic_optimizer, real, images[2], labels
            )
        self._record(critic_loss=total)

    def _update_stage_critic(self, stage, critic, optimizer, real, fake, labels):
        # The penalty's weights are drawn outside the function `compile(jit_compile=True)`
        # compiles per replica (XLA draws other random numbers); the fakes are constants here.
        weights = self.draw(keras.random.uniform, (ops.shape(real)[0],))
        fake = ops.stop_gradient(fake)
        logs = self.update(
            optimizer, critic.trainable_variables, self.stage_critic_gradients, stage, real, fake,
            labels, weights,
        )
        return logs[f"stage{stage}_critic_loss"]

    def stage_critic_gradients(self, stage, real, fake, labels, weights):
        """This replica's gradients and metrics of one stage's critic loss (WGAN-GP's).

        Args:
            stage: 1 or 2.
            real: real images at the stage's resolution `[batch, h, w, C]`.
            fake: generated images, same shape.
            labels: their labels `[batch]`.
            weights: the penalty's interpolation weights `[batch]`, drawn by the caller.

        Returns:
            A tuple `(gradients, logs)`: the gradients of the loss scaled for the replicas, and
            the stage's critic metrics (`stage<k>_critic_loss`, ...).
        """
        critic = self.stage1_critic if stage == 1 else self.critic
        optimizer = self.stage1_critic_optimizer if stage == 1 else self.critic_optimizer
        gradients, logs = self.loss_gradients(
            optimizer, critic.trainable_variables, self.critic_loss, real, fake, labels, critic,
            weights,
        )
        return gradients, {f"stage{stage}_{name}": value for name, value in logs.items()}

    def update_generator(self, batch_size, labels=None):
        """One update of the trained stages' generators against their critics."""
        # Drawn outside the compiled function, as the penalty's weights.
        latent = self.sample_latent(batch_size)
        self.update(
            self.generator_optimizer, self._trained_generator_variables(),
            self.stacked_generator_gradients, latent, labels,
            norm_name="generator_gradient_norm",
        )

    def stacked_generator_gradients(self, latent, labels):
        """This replica's gradients (with respect to `_trained_generator_variables()`) and logs
        of the trained stages' generator loss (`generator_loss`)."""
        return self.loss_gradients(
            self.generator_optimizer, self._trained_generator_variables(), self.generator_loss,
            latent, labels,
        )

    def generator_loss(self, latent, labels=None):
        """The trained stages' generator losses, summed: each `-mean(critic(fake))` plus
        `kl_weight` times its KL term.

        Returns:
            A tuple `(loss, logs)`: the logs hold `generator_loss` and each trained stage's
            adversarial loss and KL term.
        """
        images = self.stage_images(latent, labels)
        loss = ops.zeros((), "float32")
        logs = {}
        for stage, critic in ((1, self.stage1_critic), (2, self.critic)):
            if not self._trains(stage):
                continue
            scores = self.score(images[stage], labels, training=True, critic=critic)
            adversarial = self.generator_objective(scores)
            kl = self.stage_kl(stage, labels)
            loss += adversarial + self.kl_weight * kl
            logs[f"stage{stage}_generator_loss"] = adversarial
            logs[f"stage{stage}_kl"] = kl
        return loss, {"generator_loss": loss, **logs}

    def measured_metrics(self):
        """The metrics of the trained stages only: the others are not measured."""
        return [name for name in self.trackers if self._measures(name)]

    def _per_replica_methods(self):
        return (self.stage_critic_gradients, self.stacked_generator_gradients)

    def _trained_generator_variables(self):
        variables = []
        if self._trains(1):
            variables += self.stage1_generator.trainable_variables
        if self._trains(2):
            variables += self.stage2_generator.trainable_variables
        return variables

    # ----------------------------------------------------------------------------------------
    # Serialization
    # ----------------------------------------------------------------------------------------

    def get_config(self):
        config_ = super().get_config()
        # WGAN-GP's arguments that StackedGAN does not take: its generator is composed, the
        # penalty is the paper's.
        for key in ("latent_dim", "penalty_target", "one_sided", "critic_warmup"):
            del config_[key]
        config_.update({"stage": self._stage, "kl_weight": self.kl_weight})
        return config_


def _check_stage(stage):
    if isinstance(stage, bool) or stage not in STAGES:
        raise ValueError(f"`stage` must be 1, 2 or 'joint'. Received: stage={stage!r}")


def _augmentation_layers(network):
    return [
        layer for layer in flatten_layers(network) if isinstance(layer, ConditioningAugmentation)
    ]


def _shapes(network, argument):
    try:
        inputs = [tuple(x.shape) for x in network.inputs]
        output = tuple(network.output.shape)
    except (AttributeError, ValueError, TypeError) as error:
        raise ValueError(
            f"`{argument}` must be a Functional model with known inputs and one output. "
            f"Received: {argument}={network.name!r} of type {type(network).__name__}"
        ) from error
    return inputs, output


def _check_networks(stage1_generator, stage2_generator, stage1_critic, stage2_critic):
    """Checks that the four networks fit together; returns `(noise_dim, condition_dims)`."""
    shapes = {
        name: _shapes(network, name)
        for name, network in (
            ("stage1_generator", stage1_generator),
            ("stage2_generator", stage2_generator),
            ("stage1_critic", stage1_critic),
            ("stage2_critic", stage2_critic),
        )
    }
    for name in ("stage1_generator", "stage2_generator"):
        inputs, _ = shapes[name]
        first = "noise" if name == "stage1_generator" else "low_resolution_images"
        if len(inputs) != 3 or inputs[1] not in ((None,), (None, 1)) or len(inputs[2]) != 2:
            raise ValueError(
                f"`{name}` must take [{first}, labels (batch,), condition_noise (batch, "
                f"condition_dim)]. Received: {name} with input shapes {inputs}"
            )
    for name in ("stage1_critic", "stage2_critic"):
        inputs, output = shapes[name]
        if len(inputs) != 2 or output[1:] not in ((1,), ()):
            raise ValueError(
                f"`{name}` must take [images, labels] and give one score each, [batch, 1]. "
                f"Received: {name} with input shapes {inputs}, output shape {output}"
            )
    check_without_batch_normalization("stage1_critic", stage1_critic)
    check_without_batch_normalization("stage2_critic", stage2_critic)
    low = shapes["stage1_generator"][1][1:]
    full = shapes["stage2_generator"][1][1:]
    pairs = (
        ("stage2_generator's low-resolution input", shapes["stage2_generator"][0][0][1:], low),
        ("stage1_critic's input", shapes["stage1_critic"][0][0][1:], low),
        ("stage2_critic's input", shapes["stage2_critic"][0][0][1:], full),
    )
    for what, taken, made in pairs:
        if taken != made:
            raise ValueError(
                f"The {what} has shape {taken} but the generator feeding it makes {made}. "
                f"Received: stage1_generator output {low}, stage2_generator output {full}"
            )
    noise_dim = shapes["stage1_generator"][0][0][1]
    condition_dims = (shapes["stage1_generator"][0][2][1], shapes["stage2_generator"][0][2][1])
    return noise_dim, condition_dims


def _compose(stage1_generator, stage2_generator, noise_dim, condition_dims):
    """The full generator `[latent, labels] -> images` over the two stages (shared layers)."""
    latent = keras.Input((noise_dim + sum(condition_dims),), name="latent")
    labels = keras.Input(stage1_generator.inputs[1].shape[1:], dtype="int32", name="labels")
    first, second = condition_dims
    noise = latent[:, :noise_dim]
    low = stage1_generator([noise, labels, latent[:, noise_dim : noise_dim + first]])
    images = stage2_generator([low, labels, latent[:, noise_dim + first :]])
    return keras.Model([latent, labels], images, name="stacked_generator")
