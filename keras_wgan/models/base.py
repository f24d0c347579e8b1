"""`BaseGAN`: the adversarial training loop every model of keras_wgan runs, and its hooks."""

import keras
from keras import ops

from keras_wgan import config
from keras_wgan._checks import check_critic_steps
from keras_wgan._checks import check_ema_decay
from keras_wgan._checks import check_ema_warmup
from keras_wgan._checks import check_positive_int
from keras_wgan.augment import make_augmentation
from keras_wgan.augment import overfitting_heuristic
from keras_wgan.models._batches import after_checks
from keras_wgan.models._compiled_updates import CompiledUpdates
from keras_wgan.models._distribution import draw_for_replica
from keras_wgan.models._distribution import logs_for_fit
from keras_wgan.models._distribution import mean_over_replicas
from keras_wgan.models._distribution import replicas
from keras_wgan.models._ema import averaged_clone
from keras_wgan.models._ema import update_average
from keras_wgan.models._ema import warmed_up_decay
from keras_wgan.models._fit_contract import ContractFit
from keras_wgan.models._networks import check_compatible
from keras_wgan.models._networks import check_model
from keras_wgan.models._networks import input_count
from keras_wgan.models._networks import latent_dim_of
from keras_wgan.models._networks import num_classes_of
from keras_wgan.models._networks import sample_shape
from keras_wgan.models._self_conditioning import ClusterSamplers
from keras_wgan.models._self_conditioning import check_clusters

_SEED_STATE = "seed_generator_state"


class BaseGAN(CompiledUpdates, ContractFit, keras.Model):
    """Generator and critic trained adversarially with `model.fit`; subclass it for a model.

    One `fit` step is one generator update after `critic_steps` critic updates, each on a fresh
    real batch and its own generated batch (of the real batch's labels when conditional). Each
    element holds `critic_steps * batch_size` samples (or `(samples, labels)`), row `i` for
    critic update `i % critic_steps`, as `keras_wgan.data.make_dataset` builds them. Logs:
    `critic_loss`, `generator_loss`, `generator_gradient_norm` and the model's own.

    A model is a set of hooks: `critic_objective`, `generator_objective`, `critic_penalty`,
    `warm_up_critic`, `paper_optimizer`; one with several networks (`StackedGAN`) overrides
    `update_critic`, `update_generator` and `measured_metrics` too.

    Args:
        generator: `keras.Model`. Latent vectors `[batch, latent_dim]` to samples.
        critic: `keras.Model`. Samples to one linear score (or logit) each, `[batch, 1]`.
        latent_dim: int or `None`. Read from the generator's input when `None`.
        critic_steps: int. Critic updates per generator update.
        seed: int or `None`. Seed of the model's `keras.random.SeedGenerator`.
        ema_decay: float in [0, 1) or `None`. Keep `ema_generator`, an average of the
            generator's weights (Yazici et al., 2019) that sampling uses unless `use_ema=False`.
        ema_warmup: int >= 1 or `False`. The average's decay is `min(ema_decay, n / (n + W))`
            after `n` generator updates, W this value; `False`: `ema_decay` from the start.
        augment: `None`, `"diffaugment"` or `"ada"`. Augment the critic's inputs (images).
        augment_policy: str. Comma-separated from `"color"`, `"translation"`, `"cutout"`.
        cluster_frequencies: list of floats or `None`. A self-conditioned model (Liu et al.,
            2020): each cluster's share of the images, one per class of the conditional
            networks; it samples unconditionally from a latent of `latent_dim + 1` entries.
        generator_batch_size: int or `None`. Latent vectors per generator update, the global
            batch under a strategy; `None`: the real batch's size. With labels, the generator
            takes the real batch's labels repeated to that size.
        **kwargs: passed to `keras.Model` (e.g. `name`).
    """

    # The logs of `critic_objective` and `critic_penalty`.
    objective_names = ()
    diagnostic_names = ()
    # The constructor arguments that are networks, serialized by `get_config`.
    network_arguments = ("generator", "critic")

    def __init__(
        self, generator, critic, latent_dim=None, critic_steps=1, seed=None, ema_decay=None,
        ema_warmup=config.EMA_WARMUP, augment=None, augment_policy=config.AUGMENT_POLICY,
        cluster_frequencies=None, generator_batch_size=None, **kwargs,
    ):
        super().__init__(**kwargs)
        check_model("generator", generator)
        check_model("critic", critic)
        check_critic_steps(critic_steps)
        self.generator = generator
        self.critic = critic
        self.conditional = input_count(generator) == 2
        if self.conditional != (input_count(critic) == 2):
            raise ValueError(
                "A conditional model needs both networks to take labels: the generator "
                "[latent, labels] and the critic [samples, labels]. Received: generator with "
                f"{input_count(generator)} input(s), critic with "
                f"{input_count(critic)} input(s)"
            )
        self.latent_dim = latent_dim_of(generator, latent_dim)
        # The labels' range the train step checks (None: only `>= 0`, the networks do not tell).
        self.num_classes = num_classes_of(generator, critic) if self.conditional else None
        self.critic_steps = critic_steps
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        check_compatible(generator, critic)
        self.ema_decay = check_ema_decay(ema_decay)
        self.ema_warmup = check_ema_warmup(ema_warmup)
        self.ema_generator = None if ema_decay is None else averaged_clone(generator)
        self.augmentation = make_augmentation(augment, augment_policy, sample_shape(generator))
        self.augment = augment
        self.augment_policy = augment_policy
        self.cluster_frequencies = check_clusters(
            cluster_frequencies, self.conditional, self.num_classes
        )
        self._samplers = ClusterSamplers(self.cluster_frequencies)
        self.generator_batch_size = generator_batch_size
        if generator_batch_size is not None:
            check_positive_int("generator_batch_size", generator_batch_size)
        names = ("critic_loss", "generator_loss", "generator_gradient_norm")
        names += self.objective_names + self.diagnostic_names
        names += ("overfitting_heuristic",) if augment == "ada" else ()
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.generator_optimizer = None
        self.critic_optimizer = None
        self.step_jit_compile = False
        self.loss_scaling = False
        self._replica_functions = {}
        self.build()

    def build(self, input_shape=None):
        self.built = True

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Built in `__init__`: Keras's extra pass over a first batch under a strategy would
        # reshuffle `make_dataset`'s data, and fails with several workers on labelled data.
        return

    def call(self, inputs, training=False):
        """Generates samples from latent vectors (`[latent, labels]` when conditional)."""
        generator = self.generator if training else self.sampling_generator()
        return generator(inputs, training=training)

    def generate(self, latent, labels=None, training=False, use_ema=None):
        """Samples from latent vectors (and labels), by `sampling_generator(use_ema)`; the
        trained generator when `training=True` and `use_ema` is `None`."""
        if training and use_ema is None:
            use_ema = False
        if labels is None:
            return self.sampling_generator(use_ema)(latent, training=training)
        return self._generator_network(use_ema)([latent, labels], training=training)

    def sampling_generator(self, use_ema=None):
        """The network every sampling path uses: `ema_generator` if `use_ema` (`None`: if the
        model keeps one), else `generator`; inside its cluster sampler when self-conditioned."""
        network = self._generator_network(use_ema)
        if self.cluster_frequencies is None:
            return network
        return self._samplers.sampler(network, network is self.ema_generator)

    def _generator_network(self, use_ema):
        if use_ema is None:
            use_ema = self.ema_generator is not None
        if use_ema and self.ema_generator is None:
            raise ValueError(
                "`use_ema=True` needs a model that keeps an averaged generator: build it with "
                f"`ema_decay`. Received: use_ema={use_ema!r} for a model with ema_decay=None"
            )
        return self.ema_generator if use_ema else self.generator

    def score(self, samples, labels=None, training=False, critic=None):
        """The scores of `critic` (default `self.critic`) for samples (and their labels)."""
        critic = self.critic if critic is None else critic
        return critic(samples if labels is None else [samples, labels], training=training)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def train_step(self, data):
        real_batches, label_batches = self.split_real_batches(data)

        def labels_of(index):
            return None if label_batches is None else label_batches[:, index]

        # Nothing of the step runs unless the batch passed its checks (`split_real_batches`).
        with after_checks(real_batches, label_batches):
            # Critic warm-up (a hook; WGAN's optional schedule): extra critic updates.
            self.warm_up_critic(real_batches, label_batches)

            # Critic loop: `critic_steps` updates, each on a fresh real batch.
            for index in range(self.critic_steps):
                self.update_critic(real_batches[:, index], labels_of(index))

            # Generator step.
            self.update_generator(*self.generator_batch(ops.shape(real_batches)[0], labels_of(0)))
            # The averaged generator follows the new weights (when the model keeps one).
            self.update_ema()
            return self.step_logs()

    def generator_batch(self, batch_size, labels=None):
        """`(batch_size, labels)` of this replica's generator update, from its real batch's:
        its share of `generator_batch_size`, the labels repeated (cycled) to fill it."""
        if self.generator_batch_size is None:
            return batch_size, labels
        if self.generator_batch_size % replicas():
            raise ValueError(
                "`generator_batch_size` is the global batch of each generator update, split "
                f"evenly over the {replicas()} replicas: it must be a multiple of {replicas()}. "
                f"Received: generator_batch_size={self.generator_batch_size}"
            )
        size = self.generator_batch_size // replicas()
        if labels is not None:
            labels = ops.tile(labels, [size // ops.shape(labels)[0] + 1])[:size]
        return size, labels

    def sample_latent(self, batch_size):
        """Latent vectors `[batch_size, latent_dim]` from N(0, 1), seeded by the model."""
        return self.draw(keras.random.normal, (batch_size, self.latent_dim))

    def draw(self, sampler, shape):
        """`sampler(shape, seed=...)` (a `keras.random` function; `shape` batch first) from the
        model's seed generator: N replicas draw the noise of one device on the global batch."""
        return draw_for_replica(sampler, shape, self.seed_generator)

    def update_critic(self, real, labels=None):
        """One critic update on one real batch and a fresh generated batch (same labels)."""
        # The optimizer applies each variable's constraint after the update (WGAN's weight clip).
        logs = self.update(
            self.critic_optimizer, self.critic.trainable_variables, self.critic_gradients, real,
            labels,
        )
        # ADA: the augmentation probability follows the critic's overfitting heuristic.
        if self.augment == "ada":
            self.augmentation.observe(
                mean_over_replicas(logs["overfitting_heuristic"]), ops.shape(real)[0] * replicas()
            )

    def critic_gradients(self, real, labels=None):
        """This replica's critic `(gradients, logs)` on a real and a fresh generated batch."""
        fake = self.generate(self.sample_latent(ops.shape(real)[0]), labels, training=True)
        return self.loss_gradients(
            self.critic_optimizer, self.critic.trainable_variables, self.critic_loss, real, fake,
            labels,
        )

    def critic_loss(self, real, fake, labels=None, critic=None, weights=None):
        """A critic's `(loss, logs)` on a real and a generated batch: objective plus penalty.

        `critic` defaults to `self.critic`; `weights` are the penalty's random numbers when the
        caller drew them. The logs hold `critic_loss` and the objective's and penalty's logs.
        """
        # The critic sees augmented samples only, its penalty's interpolates included.
        real, fake = self.augment_samples(real), self.augment_samples(fake)
        real_scores = self.score(real, labels, training=True, critic=critic)
        fake_scores = self.score(fake, labels, training=True, critic=critic)
        loss, objective_logs = self.critic_objective(real_scores, fake_scores)
        penalty, diagnostics = self.critic_penalty(real, fake, labels, critic, weights)
        loss = loss + penalty
        logs = {"critic_loss": loss, **objective_logs, **diagnostics}
        if self.augment == "ada":
            logs["overfitting_heuristic"] = overfitting_heuristic(real_scores, fake_scores)
        return loss, logs

    def update_generator(self, batch_size, labels=None):
        """One generator update against the current critic."""
        self.update(
            self.generator_optimizer, self.generator.trainable_variables,
            self.generator_gradients, batch_size, labels, norm_name="generator_gradient_norm",
        )

    def generator_gradients(self, batch_size, labels=None):
        """This replica's generator `(gradients, logs)` on a fresh generated batch."""
        latent = self.sample_latent(batch_size)
        return self.loss_gradients(
            self.generator_optimizer, self.generator.trainable_variables, self.generator_loss,
            latent, labels,
        )

    def generator_loss(self, latent, labels=None):
        """The generator's loss on the samples it makes from `latent`, and its logs."""
        fake = self.augment_samples(self.generate(latent, labels, training=True))
        loss = self.generator_objective(self.score(fake, labels, training=True))
        return loss, {"generator_loss": loss}

    def update_ema(self):
        """Moves `ema_generator` towards the generator; nothing without an average."""
        if self.ema_generator is not None:
            update_average(self.ema_generator, self.generator, self.current_ema_decay())

    def current_ema_decay(self):
        """The decay of the average's next update, after a generator update (see `_ema`)."""
        return warmed_up_decay(
            self.ema_decay, self.ema_warmup, self.generator_optimizer.iterations
        )

    def reset_ema(self):
        """Copies the generator's weights into `ema_generator` (e.g. after loading them)."""
        if self.ema_generator is not None:
            self.ema_generator.set_weights(self.generator.get_weights())

    def augment_samples(self, samples):
        """Samples as the critic sees them in training: augmented, or unchanged without one."""
        if self.augmentation is None:
            return samples
        uniforms = self.draw(
            keras.random.uniform, (ops.shape(samples)[0], self.augmentation.uniform_count)
        )
        return self.augmentation.augment_images(samples, uniforms)

    def step_logs(self):
        """The logs a step returns to `fit`: the epoch's means of `measured_metrics()`, then
        the augmentation probability (ADA) and the loss scales (`mixed_float16`)."""
        logs = {name: self.trackers[name].result() for name in self.measured_metrics()}
        if self.augment == "ada":
            logs["augmentation_probability"] = ops.convert_to_tensor(
                self.augmentation.probability
            )
        logs.update(self.loss_scale_logs())
        return logs_for_fit(logs)

    def _per_replica_methods(self):
        """What `compile(jit_compile=True)` compiles per replica under several replicas."""
        return (self.critic_gradients, self.generator_gradients)

    def critic_objective(self, real_scores, fake_scores):
        """The critic's loss from its scores: `(loss, logs)`, logs named as `objective_names`."""
        raise NotImplementedError(f"{type(self).__name__} must define critic_objective().")

    def generator_objective(self, fake_scores):
        """The generator's loss from the critic's scores of generated samples."""
        raise NotImplementedError(f"{type(self).__name__} must define generator_objective().")

    def critic_penalty(self, real, fake, labels=None, critic=None, weights=None):
        """A term added to the critic loss (see `critic_loss`): `(penalty, diagnostics)`."""
        return ops.zeros((), "float32"), {}

    def warm_up_critic(self, real_batches, label_batches=None):
        """Extra critic updates before the regular ones; none by default."""

    def measured_metrics(self):
        """The names of the metrics a step reports: all the trackers by default."""
        return list(self.trackers)

    def get_config(self):
        config_ = super().get_config()
        for argument in self.network_arguments:
            config_[argument] = keras.saving.serialize_keras_object(getattr(self, argument))
        config_.update(
            {
                "latent_dim": self.latent_dim,
                "critic_steps": self.critic_steps,
                "seed": self.seed,
                "ema_decay": self.ema_decay,
                "ema_warmup": self.ema_warmup,
                "augment": self.augment,
                "augment_policy": self.augment_policy,
            }
        )
        if self.cluster_frequencies is not None:
            config_["cluster_frequencies"] = self.cluster_frequencies
        if self.generator_batch_size is not None:
            config_["generator_batch_size"] = self.generator_batch_size
        return config_

    @classmethod
    def from_config(cls, config_):
        config_ = dict(config_)
        for argument in cls.network_arguments:
            config_[argument] = keras.saving.deserialize_keras_object(config_[argument])
        return cls(**config_)

    def save_own_variables(self, store):
        # Keras saves no seed generator state: a reloaded model would draw the same noise again.
        super().save_own_variables(store)
        store[_SEED_STATE] = keras.ops.convert_to_numpy(self.seed_generator.state)

    def load_own_variables(self, store):
        keys = list(store.keys())
        if _SEED_STATE in keys:
            self.seed_generator.state.assign(store[_SEED_STATE])
        super().load_own_variables({key: store[key] for key in keys if key != _SEED_STATE})
