"""WGAN: the Wasserstein GAN with weight clipping (Arjovsky, Chintala and Bottou, 2017)."""

import math

import keras
import tensorflow as tf
from keras import ops

from keras_wgan import config
from keras_wgan import losses
from keras_wgan.constraints import WeightClip


@keras.saving.register_keras_serializable(package="keras_wgan")
class WGAN(keras.Model):
    """Wasserstein GAN with weight clipping, trained with `model.fit`.

    One `fit` step is one generator update, preceded by `critic_steps` critic updates, each on a
    fresh batch of real samples (Algorithm 1 of the paper). The critic has a linear output (no
    sigmoid) and the losses have no log (see `keras_wgan.losses` for the sign convention). After
    every critic update each trainable critic variable is clipped to `[-clip_value, clip_value]`:
    the model gives every critic variable a `WeightClip` constraint, which Keras optimizers apply
    right after each update.

    Data contract: every element `fit` receives holds `critic_steps * batch_size` real samples
    (or a tuple whose first item does; labels are ignored). The step splits it into
    `critic_steps` batches of `batch_size`, row `i` going to critic update `i % critic_steps`,
    and generates `batch_size` samples for each update. An epoch therefore makes
    `num_samples / (critic_steps * batch_size)` generator updates and sees every real sample once.
    `keras_wgan.data.make_dataset(x, batch_size, critic_steps)` builds such batches.

    Metrics (averaged over the epoch's critic updates, or generator updates for
    `generator_loss`):
        `critic_loss`: the loss the critic minimises, `gradient_penalty - wasserstein_estimate`
            (no penalty for WGAN).
        `generator_loss`: `-mean(critic(fake))`.
        `wasserstein_estimate`: `mean(critic(real)) - mean(critic(fake))`, without any penalty;
            it estimates the Wasserstein-1 distance (times the critic's Lipschitz constant) and
            should fall as the generator improves.
        `clipped_fraction`: fraction of critic weights sitting at the clip bound as the critic
            enters each update. Near 1, the clipping dominates the critic (the paper's warning
            about capacity); near 0, `clip_value` is loose.

    Args:
        generator: `keras.Model`. Maps latent vectors `[batch, latent_dim]` to samples.
        critic: `keras.Model`. Maps samples to one linear score each, `[batch, 1]`.
        latent_dim: int or `None`. Size of the latent vectors; read from the generator's input
            when `None`.
        critic_steps: int. Critic updates per generator update (`n_critic`, 5 in the paper).
        clip_value: float. The clipping bound `c` (0.01 in the paper).
        critic_warmup: bool. The authors' code schedule: 100 critic updates per generator update
            for the first 25 generator updates and on every 500th one. The warm-up's extra
            updates cycle through the step's `critic_steps` real batches (the batch size is fixed
            by the data contract), each with fresh generated samples. Traced once; runs in a
            `tf.while_loop`, which `tf.distribute` strategies with several replicas do not
            support around optimizer updates.
        seed: int or `None`. Seed of the model's `keras.random.SeedGenerator`, the source of all
            its randomness (latent vectors, interpolation weights).
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:

    >>> generator = keras_wgan.networks.build_mlp_generator(output_dim=2, latent_dim=2)
    >>> critic = keras_wgan.networks.build_mlp_critic(input_dim=2)
    >>> model = keras_wgan.WGAN(generator, critic)
    >>> model.compile()  # RMSprop(5e-5) for both networks
    >>> data = keras_wgan.data.make_dataset(keras_wgan.data.ring8(10_000), 64, critic_steps=5)
    >>> model.fit(data, epochs=10)
    """

    # The Lipschitz diagnostics this model logs besides the losses (see `critic_penalty`).
    diagnostic_names = ("clipped_fraction",)

    def __init__(
        self,
        generator,
        critic,
        latent_dim=None,
        critic_steps=config.CRITIC_STEPS,
        clip_value=config.CLIP_VALUE,
        critic_warmup=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for argument, network in (("generator", generator), ("critic", critic)):
            if not isinstance(network, keras.Model):
                raise ValueError(
                    f"`{argument}` must be a keras.Model. Received: {argument}={network!r}"
                )
        if isinstance(critic_steps, bool) or not isinstance(critic_steps, int) or critic_steps < 1:
            raise ValueError(
                f"`critic_steps` must be a positive int. Received: critic_steps={critic_steps!r}"
            )
        if clip_value is not None and not clip_value > 0:
            raise ValueError(
                f"`clip_value` must be a positive float. Received: clip_value={clip_value!r}"
            )
        self.generator = generator
        self.critic = critic
        self.latent_dim = _latent_dim(generator, latent_dim)
        self.critic_steps = critic_steps
        self.clip_value = clip_value
        self.critic_warmup = bool(critic_warmup)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        _check_compatible(generator, critic)
        names = ("critic_loss", "generator_loss", "wasserstein_estimate") + self.diagnostic_names
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.generator_optimizer = None
        self.critic_optimizer = None
        self.build()

    def build(self, input_shape=None):
        if self.clip_value is not None:
            for variable in self.critic.trainable_variables:
                variable.constraint = WeightClip(self.clip_value)
        self.built = True

    def call(self, latent, training=False):
        """Generates samples from latent vectors, so `model.predict(latent)` works."""
        return self.generator(latent, training=training)

    @property
    def metrics(self):
        return list(self.trackers.values())

    # ----------------------------------------------------------------------------------------
    # Compilation
    # ----------------------------------------------------------------------------------------

    def default_optimizer(self):
        """The paper's optimizer, used for either network when `compile` is given none."""
        return config.wgan_optimizer()

    def compile(
        self,
        generator_optimizer=None,
        critic_optimizer=None,
        jit_compile=False,
        **kwargs,
    ):
        """Sets the two optimizers and builds them, so checkpoints and strategies work at once.

        Args:
            generator_optimizer: `keras.optimizers.Optimizer`, its name or config, or `None`
                for the paper's default (`default_optimizer()`).
            critic_optimizer: same, for the critic. Must be a different object from
                `generator_optimizer`.
            jit_compile: bool. Compile the train step with XLA. Defaults to `False`, an explicit
                choice: Keras's `"auto"` silently turns XLA off on CPU and under any strategy,
                and on CPU XLA made our convolutional steps 15-25x slower.
            **kwargs: passed to `keras.Model.compile` (`run_eagerly`, `steps_per_execution`).
        """
        if "optimizer" in kwargs or "loss" in kwargs:
            raise ValueError(
                "WGAN.compile takes `generator_optimizer` and `critic_optimizer`; its losses are "
                f"fixed. Received: {sorted(k for k in kwargs if k in ('optimizer', 'loss'))}"
            )
        float16 = [net.name for net in (self.generator, self.critic) if _computes_in_float16(net)]
        if float16:
            raise ValueError(
                "mixed_float16 is not supported: without loss scaling on both optimizers, the "
                "critic's gradients (and the penalty's second derivatives) underflow or overflow "
                "in float16 (tensorflow issue 48662). Use the 'mixed_bfloat16' policy instead: "
                "same speed-up on CPUs with AVX512_BF16, float32's range. Received: networks "
                f"computing in float16: {float16}"
            )
        generator_optimizer = keras.optimizers.get(generator_optimizer) or self.default_optimizer()
        critic_optimizer = keras.optimizers.get(critic_optimizer) or self.default_optimizer()
        if generator_optimizer is critic_optimizer:
            raise ValueError(
                "`generator_optimizer` and `critic_optimizer` must be two optimizer objects: one "
                "object would share its slots between the networks. Received the same object "
                f"twice: {generator_optimizer!r}"
            )
        super().compile(optimizer=None, jit_compile=jit_compile, **kwargs)
        self.generator_optimizer = generator_optimizer
        self.critic_optimizer = critic_optimizer
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.critic_optimizer.build(self.critic.trainable_variables)

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return {
            "generator_optimizer": keras.optimizers.serialize(self.generator_optimizer),
            "critic_optimizer": keras.optimizers.serialize(self.critic_optimizer),
            "jit_compile": bool(self.jit_compile),
        }

    def compile_from_config(self, config):
        self.compile(
            generator_optimizer=keras.optimizers.deserialize(config["generator_optimizer"]),
            critic_optimizer=keras.optimizers.deserialize(config["critic_optimizer"]),
            jit_compile=config.get("jit_compile", False),
        )

    # ----------------------------------------------------------------------------------------
    # Training (Algorithm 1)
    # ----------------------------------------------------------------------------------------

    def train_step(self, data):
        if self.critic_optimizer is None:
            raise ValueError("Call `compile()` before `fit()`.")
        real_batches = self.split_real_batches(data)

        # Critic warm-up (optional): extra critic updates early in training.
        if self.critic_warmup:
            self._warm_up_critic(real_batches)

        # Critic loop: `critic_steps` updates, each on a fresh real batch.
        for index in range(self.critic_steps):
            self.update_critic(real_batches[:, index])

        # Generator step.
        self.update_generator(ops.shape(real_batches)[0])
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def split_real_batches(self, data):
        """Checks a `fit` element and splits it into `[batch_size, critic_steps, ...]`."""
        real, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        real = ops.convert_to_tensor(real)
        expected = tuple(real.shape[1:])
        made = _sample_shape(self.generator)
        if made is not None and expected != made:
            raise ValueError(
                f"Real samples have shape {tuple(real.shape[1:])} (without the batch axis) but "
                f"the generator makes {made}. Received: data with shape {tuple(real.shape)}"
            )
        rows = real.shape[0]
        if rows is not None and rows % self.critic_steps:
            raise ValueError(
                f"Each batch must hold `critic_steps * batch_size` samples (critic_steps="
                f"{self.critic_steps}): one fresh real batch per critic update. Received a batch "
                f"of {rows} samples. Build batches with keras_wgan.data.make_dataset(x, "
                f"batch_size, critic_steps={self.critic_steps})."
            )
        return ops.reshape(real, (-1, self.critic_steps) + expected)

    def sample_latent(self, batch_size):
        """Latent vectors `[batch_size, latent_dim]` from N(0, 1), seeded by the model."""
        return self.draw(keras.random.normal, (batch_size, self.latent_dim))

    def draw(self, sampler, shape):
        """Draws random values of `shape` (batch first) from the model's seed generator.

        Under a strategy with several replicas, every replica draws the same global batch (their
        seed generators advance in step) and keeps its own slice: replicas get different noise,
        and a step on N replicas uses exactly the noise of a one-device step on the global batch.

        Args:
            sampler: a `keras.random` function taking `(shape, seed=...)`.
            shape: tuple, `(batch_size, ...)`; `batch_size` may be a scalar tensor.
        """
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        context = tf.distribute.get_replica_context()
        if replicas == 1 or context is None:
            return sampler(shape, seed=self.seed_generator)
        batch_size = shape[0]
        values = sampler((batch_size * replicas,) + tuple(shape[1:]), seed=self.seed_generator)
        start = context.replica_id_in_sync_group * batch_size
        return values[start : start + batch_size]

    def update_critic(self, real):
        """One critic update on one real batch and a fresh generated batch."""
        fake = self.generator(self.sample_latent(ops.shape(real)[0]), training=True)
        with tf.GradientTape() as tape:
            real_scores = self.critic(real, training=True)
            fake_scores = self.critic(fake, training=True)
            estimate = losses.wasserstein_estimate(real_scores, fake_scores)
            penalty, diagnostics = self.critic_penalty(real, fake)
            loss = penalty - estimate
            scaled_loss = _scale_for_replicas(loss)
        gradients = tape.gradient(scaled_loss, self.critic.trainable_variables)
        # The optimizer applies each variable's constraint after the update: WGAN's weight clip.
        self.critic_optimizer.apply(gradients, self.critic.trainable_variables)
        self._record(critic_loss=loss, wasserstein_estimate=estimate, **diagnostics)

    def update_generator(self, batch_size):
        """One generator update against the current critic."""
        latent = self.sample_latent(batch_size)
        with tf.GradientTape() as tape:
            fake_scores = self.critic(self.generator(latent, training=True), training=True)
            loss = losses.generator_loss(fake_scores)
            scaled_loss = _scale_for_replicas(loss)
        gradients = tape.gradient(scaled_loss, self.generator.trainable_variables)
        self.generator_optimizer.apply(gradients, self.generator.trainable_variables)
        self._record(generator_loss=loss)

    def critic_penalty(self, real, fake):
        """The hook that keeps the critic Lipschitz inside the loss.

        WGAN adds nothing to the loss (its weights are clipped after the update) and reports the
        fraction of critic weights at the clip bound. WGAN-GP overrides this with the gradient
        penalty.

        Returns:
            A tuple `(penalty, diagnostics)`: a float32 scalar added to the critic loss and a dict
            of scalars named as in `diagnostic_names`.
        """
        return ops.zeros((), "float32"), {"clipped_fraction": self._clipped_fraction()}

    def _clipped_fraction(self):
        if self.clip_value is None:
            return ops.zeros((), "float32")
        at_bound = [
            ops.sum(ops.cast(ops.abs(v) >= self.clip_value * (1 - 1e-6), "float32"))
            for v in self.critic.trainable_variables
        ]
        total = sum(math.prod(v.shape) for v in self.critic.trainable_variables)
        return ops.sum(ops.stack(at_bound)) / total

    def _warm_up_critic(self, real_batches):
        if tf.distribute.has_strategy() and (
            tf.distribute.get_strategy().num_replicas_in_sync > 1
        ):
            raise ValueError(
                "`critic_warmup=True` needs a dynamic number of critic updates (a tf.while_loop), "
                "and tf.distribute does not support optimizer updates inside one with several "
                "replicas. Received: critic_warmup=True under "
                f"{type(tf.distribute.get_strategy()).__name__}."
            )
        step = self.generator_optimizer.iterations
        in_warmup = (step < config.WARMUP_GENERATOR_STEPS) | (step % config.WARMUP_EVERY == 0)
        extra = config.WARMUP_CRITIC_STEPS - self.critic_steps
        count = tf.where(in_warmup, max(extra, 0), 0)

        def body(index):
            self.update_critic(tf.gather(real_batches, index % self.critic_steps, axis=1))
            return (index + 1,)

        tf.while_loop(lambda index: index < count, body, (tf.constant(0),))

    def _record(self, **values):
        for name, value in values.items():
            self.trackers[name].update_state(value)

    # ----------------------------------------------------------------------------------------
    # Serialization
    # ----------------------------------------------------------------------------------------

    def get_config(self):
        config_ = super().get_config()
        config_.update(
            {
                "generator": keras.saving.serialize_keras_object(self.generator),
                "critic": keras.saving.serialize_keras_object(self.critic),
                "latent_dim": self.latent_dim,
                "critic_steps": self.critic_steps,
                "clip_value": self.clip_value,
                "critic_warmup": self.critic_warmup,
                "seed": self.seed,
            }
        )
        return config_

    def save_own_variables(self, store):
        # Keras saves a layer's own variables but not its seed generators' states: without this a
        # reloaded model would draw the same latent vectors again from the start.
        super().save_own_variables(store)
        store[_SEED_STATE] = keras.ops.convert_to_numpy(self.seed_generator.state)

    def load_own_variables(self, store):
        keys = list(store.keys())
        if _SEED_STATE in keys:
            self.seed_generator.state.assign(store[_SEED_STATE])
        super().load_own_variables({key: store[key] for key in keys if key != _SEED_STATE})

    @classmethod
    def from_config(cls, config_):
        config_ = dict(config_)
        for key in ("generator", "critic"):
            config_[key] = keras.saving.deserialize_keras_object(config_[key])
        return cls(**config_)


_SEED_STATE = "seed_generator_state"


def _scale_for_replicas(loss):
    # Keras 3 sums gradients across replicas: a per-replica mean loss divided by the number of
    # replicas gives the gradient of the global-batch mean.
    return loss / tf.distribute.get_strategy().num_replicas_in_sync


def _computes_in_float16(network):
    return any(
        getattr(layer, "compute_dtype", None) == "float16" for layer in network._flatten_layers()
    )


def _latent_dim(generator, latent_dim):
    inputs = generator.inputs if generator.built and hasattr(generator, "inputs") else None
    found = inputs[0].shape[-1] if inputs else None
    if latent_dim is None:
        if found is None:
            raise ValueError(
                "Could not read `latent_dim` from the generator's input; pass it explicitly. "
                f"Received: latent_dim=None, generator={generator.name}"
            )
        return int(found)
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"`latent_dim` must be a positive int. Received: latent_dim={latent_dim!r}")
    if found is not None and found != latent_dim:
        raise ValueError(
            f"`latent_dim` does not match the generator's input size {found}. "
            f"Received: latent_dim={latent_dim}"
        )
    return latent_dim


def _sample_shape(generator):
    """The generator's sample shape without the batch axis, or None for a subclassed model."""
    try:
        return tuple(generator.output.shape[1:])
    except (AttributeError, ValueError):
        return None


def _check_compatible(generator, critic):
    """Checks that the networks fit together, where their Functional shapes tell."""
    made = _sample_shape(generator)
    try:
        taken = tuple(critic.inputs[0].shape[1:])
        scores = tuple(critic.output.shape[1:])
    except (AttributeError, ValueError, TypeError):
        return
    if made is not None and made != taken:
        raise ValueError(
            f"The generator makes samples of shape {made} but the critic takes {taken}. "
            f"Received: generator={generator.name}, critic={critic.name}"
        )
    if scores not in ((1,), ()):
        raise ValueError(
            f"The critic must give one linear score per sample, shape [batch, 1]. "
            f"Received: critic output shape {tuple(critic.output.shape)}"
        )
