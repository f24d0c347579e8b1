"""The stacked (two-stage) GAN: StackGAN (Zhang et al., 2017) on class labels, WGAN-GP losses."""

import keras
from keras import ops

from keras_wgan import config
from keras_wgan import losses
from keras_wgan._checks import check_nonnegative_float
from keras_wgan.models._networks import check_model
from keras_wgan.models._stacked_networks import augmentation_layers
from keras_wgan.models._stacked_networks import check_stacked_networks
from keras_wgan.models._stacked_networks import compose_generator
from keras_wgan.models.wgan_gp import WGANGP
from keras_wgan.networks.stacked import upscale_factor

STAGES = (1, 2, "joint")
# Metrics logged for each stage, prefixed `stage1_` / `stage2_`.
STAGE_METRICS = (
    "critic_loss", "wasserstein_estimate", "gradient_penalty", "gradient_norm", "generator_loss",
    "kl",
)


@keras.saving.register_keras_serializable(package="keras_wgan")
class StackedGAN(WGANGP):
    """A two-stage class-conditional GAN in the spirit of StackGAN, with WGAN-GP losses.

    Stage I draws a low-resolution image from noise and an augmented class condition, stage II
    refines it. Each stage has a conditional critic at its resolution (stage I's sees the real
    images average-pooled) with WGAN-GP's loss; each generator loss is `-mean(critic(fake))`
    plus `kl_weight` times its conditioning augmentation's KL. `generator` composes the stages:

        latent = [z (noise_dim) | eps_1 (condition_dim_1) | eps_2 (condition_dim_2)]
        low = stage1_generator([z, y, eps_1]);  images = stage2_generator([low, y, eps_2])

    `stage` is what the next `fit` trains: `1` stage I; `2` stage II, stage I frozen (inference
    mode); `"joint"` both, the generator step minimising their summed losses (StackGAN++). Each
    critic update of `BaseGAN`'s loop generates both stages' images from one fresh latent and
    updates each trained stage's critic; `stage1_critic_optimizer` is a copy of
    `critic_optimizer`. Metrics: `BaseGAN`'s (sums over the stages), and `stage<k>_` + each of
    `STAGE_METRICS` per trained stage.

    Args:
        stage1_generator: `keras.Model`. `[noise, labels, condition_noise]` to low-resolution
            images (`keras_wgan.networks.build_stage1_generator`).
        stage2_generator: `keras.Model`. `[low_resolution_images, labels, condition_noise]` to
            images (`keras_wgan.networks.build_stage2_generator`).
        stage1_critic: `keras.Model`. `[low_resolution_images, labels]` to scores `[batch, 1]`.
        stage2_critic: `keras.Model`. `[images, labels]` to scores `[batch, 1]`.
        stage: `1`, `2` or `"joint"`. What `fit` trains.
        kl_weight: float >= 0. Weight of the KL term in each generator loss.
        critic_steps, penalty_weight, seed, **kwargs: `WGANGP`'s (no `augment`).

    Example:

    >>> networks = keras_wgan.networks.build_stacked_networks((16, 16, 1), num_classes=10)
    >>> model = keras_wgan.StackedGAN(**networks, stage=1)
    >>> model.compile()
    >>> model.fit(keras_wgan.data.make_dataset((images, labels), 64, critic_steps=5))
    >>> model.stage = 2  # stage I frozen from now on
    >>> model.fit(keras_wgan.data.make_dataset((images, labels), 64, critic_steps=5))
    """

    objective_names = tuple(f"stage{k}_{name}" for k in (1, 2) for name in STAGE_METRICS)
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
        kl_weight = check_nonnegative_float("kl_weight", kl_weight)
        noise_dim, condition_dims = check_stacked_networks(**given)
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
            compose_generator(stage1_generator, stage2_generator, noise_dim, condition_dims),
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
        # A `stage<k>_` metric is measured only when stage k is trained.
        return not metric.startswith("stage") or self._trains(int(metric[5]))

    def split_latent(self, latent):
        """Splits the latent into `(z, eps_1, eps_2)`: stage I's noise and both conditions'."""
        first, second = self.condition_dims
        noise = latent[:, : self.noise_dim]
        return noise, latent[:, self.noise_dim : self.noise_dim + first], latent[:, -second:]

    def generate_stages(self, latent, labels, training=False, stage1_training=None):
        """Both stages' images `(low_resolution_images, images)` from one latent and labels;
        `training` is stage II's mode, `stage1_training` stage I's (`None`: `training`)."""
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
        layers = augmentation_layers(network)
        terms = [losses.conditioning_kl(*layer.moments(labels)) for layer in layers]
        return ops.sum(ops.stack(terms)) if terms else ops.zeros((), "float32")

    def compile(self, generator_optimizer=None, critic_optimizer=None, **kwargs):
        """`BaseGAN.compile`, and `stage1_critic_optimizer`, configured as `critic_optimizer`."""
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

    def stage_images(self, latent, labels):
        """The trained stages' images from one latent, by stage: a frozen stage I in inference
        mode, stage II only when trained (its BatchNormalization statistics would move)."""
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
        """This replica's `(gradients, logs)` of stage `stage`'s critic loss (WGAN-GP's) on
        batches at its resolution, `weights` the penalty's interpolation weights; the logs
        named `stage<k>_...`."""
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
        """This replica's `(gradients, logs)` of `generator_loss` for the trained generators."""
        return self.loss_gradients(
            self.generator_optimizer, self._trained_generator_variables(), self.generator_loss,
            latent, labels,
        )

    def generator_loss(self, latent, labels=None):
        """The trained stages' generator losses summed, each `-mean(critic(fake))` plus
        `kl_weight` times its KL term, and the logs: `generator_loss` and each stage's parts."""
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
        """The metrics of the trained stages only."""
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

    def get_config(self):
        config_ = super().get_config()
        # WGAN-GP's arguments that StackedGAN does not take.
        for key in ("latent_dim", "penalty_target", "one_sided", "critic_warmup"):
            del config_[key]
        config_.update({"stage": self._stage, "kl_weight": self.kl_weight})
        return config_


def _check_stage(stage):
    if isinstance(stage, bool) or stage not in STAGES:
        raise ValueError(f"`stage` must be 1, 2 or 'joint'. Received: stage={stage!r}")
