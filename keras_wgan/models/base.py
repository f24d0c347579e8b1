"""The adversarial training loop shared by every model of keras_wgan.

`BaseGAN` holds what all the models share: two networks, the data contract, the critic loop and
generator step of `train_step`, compilation with two optimizers, seeding, metrics and
serialization. A model is a set of hooks on it: `critic_objective` and `generator_objective`
(the losses), `critic_penalty` (a term that keeps the critic Lipschitz), `warm_up_critic` (extra
critic updates) and `default_optimizer`.
"""

import keras
import tensorflow as tf
from keras import ops

from keras_wgan._checks import check_positive_int


class BaseGAN(keras.Model):
    """Generator and critic trained adversarially with `model.fit`; subclass it for a model.

    One `fit` step is one generator update, preceded by `critic_steps` critic updates, each on a
    fresh batch of real samples. Every element `fit` receives holds `critic_steps * batch_size`
    real samples (or a tuple whose first item does; labels are ignored): the step splits it into
    `critic_steps` batches, row `i` going to critic update `i % critic_steps`, and generates
    `batch_size` samples for each update. `keras_wgan.data.make_dataset(x, batch_size,
    critic_steps)` builds such batches.

    Conditional models: when the generator takes `[latent, labels]` (and the critic
    `[samples, labels]`; `keras_wgan.networks` builds both with `num_classes=...`), every element
    must be `(samples, labels)`. Each critic update gives the generator the labels of its real
    batch, so real and generated batches have the same classes, and the generator step uses the
    labels of the step's first real batch. `generate(latent, labels)` samples by class.

    Each critic update generates its own batch and scores the real and the generated batch in
    two critic calls. Making all the updates' samples in one generator call, and scoring both
    batches in one critic call, changed the step's CPU work by less than 1% and its time within
    the noise (`benchmarks/step_speed.py --ablations`, 2-core Zen 5), so the step keeps the
    plain form.

    Logged metrics: `critic_loss` (what the critic minimises, penalty included), `generator_loss`,
    `generator_gradient_norm` (the global norm of the generator's gradient: near zero, the
    generator has stopped learning), then the model's `objective_names` and `diagnostic_names`.
    Critic metrics are averaged over the epoch's critic updates.

    Args:
        generator: `keras.Model`. Maps latent vectors `[batch, latent_dim]` to samples.
        critic: `keras.Model`. Maps samples to one linear score (or logit) each, `[batch, 1]`.
        latent_dim: int or `None`. Size of the latent vectors; read from the generator's input
            when `None`.
        critic_steps: int. Critic updates per generator update.
        seed: int or `None`. Seed of the model's `keras.random.SeedGenerator`, the source of all
            its randomness.
        **kwargs: passed to `keras.Model` (e.g. `name`).
    """

    # Metrics a subclass logs besides the losses: from `critic_objective` and `critic_penalty`.
    objective_names = ()
    diagnostic_names = ()

    def __init__(self, generator, critic, latent_dim=None, critic_steps=1, seed=None, **kwargs):
        super().__init__(**kwargs)
        for argument, network in (("generator", generator), ("critic", critic)):
            if not isinstance(network, keras.Model):
                raise ValueError(
                    f"`{argument}` must be a keras.Model. Received: {argument}={network!r}"
                )
        check_positive_int("critic_steps", critic_steps)
        self.generator = generator
        self.critic = critic
        self.conditional = _input_count(generator) == 2
        if self.conditional != (_input_count(critic) == 2):
            raise ValueError(
                "A conditional model needs both networks to take labels: the generator "
                "[latent, labels] and the critic [samples, labels]. Received: generator with "
                f"{_input_count(generator)} input(s), critic with {_input_count(critic)} input(s)"
            )
        self.latent_dim = _latent_dim(generator, latent_dim)
        self.critic_steps = critic_steps
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        _check_compatible(generator, critic)
        names = ("critic_loss", "generator_loss", "generator_gradient_norm")
        names += self.objective_names + self.diagnostic_names
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.generator_optimizer = None
        self.critic_optimizer = None
        self.step_jit_compile = False
        self.loss_scaling = False
        self._replica_functions = {}
        self.build()

    def build(self, input_shape=None):
        self.built = True

    def call(self, inputs, training=False):
        """Generates samples from latent vectors (`[latent, labels]` when conditional)."""
        return self.generator(inputs, training=training)

    def generate(self, latent, labels=None, training=False):
        """Samples from latent vectors, and from labels for a conditional model."""
        return self.generator(latent if labels is None else [latent, labels], training=training)

    def score(self, samples, labels=None, training=False):
        """The critic's scores of samples, given their labels for a conditional model."""
        return self.critic(samples if labels is None else [samples, labels], training=training)

    @property
    def metrics(self):
        return list(self.trackers.values())

    # ----------------------------------------------------------------------------------------
    # Compilation
    # ----------------------------------------------------------------------------------------

    def default_optimizer(self):
        """The optimizer used for either network when `compile` is given none."""
        raise NotImplementedError(f"{type(self).__name__} must define default_optimizer().")

    def compile(
        self,
        generator_optimizer=None,
        critic_optimizer=None,
        jit_compile=False,
        **kwargs,
    ):
        """Sets the two optimizers and builds them, so checkpoints and strategies work at once.

        Under the `mixed_float16` policy (networks computing in float16), both optimizers are
        wrapped in `keras.optimizers.LossScaleOptimizer` (unless they already are): each loss is
        multiplied by its optimizer's dynamic scale before differentiation, an update whose
        gradients overflow is skipped (on every replica) and halves the scale, and the logs
        report `critic_loss_scale` and `generator_loss_scale`. Metrics average the applied
        updates only. WGAN-GP's penalty scales its inner gradient by the critic's scale too
        (see `critic_loss_scale`).

        Args:
            generator_optimizer: `keras.optimizers.Optimizer`, its name or config, or `None`
                for the paper's default (`default_optimizer()`).
            critic_optimizer: same, for the critic. Must be a different object from
                `generator_optimizer`.
            jit_compile: bool. Compile the train step with XLA. Defaults to `False`, an explicit
                choice: Keras's `"auto"` silently turns XLA off on CPU and under any strategy,
                and on CPU XLA made our convolutional steps 15-25x slower. Under a strategy with
                several replicas (compile inside its scope), each replica's computation (the
                critic's and the generator's losses and gradients) is
                compiled, and the cross-replica reduction and the optimizer updates run outside
                XLA: XLA cannot compile a step that spans devices (tensorflow issue 56423).
            **kwargs: passed to `keras.Model.compile` (`run_eagerly`, `steps_per_execution`).
        """
        if "optimizer" in kwargs or "loss" in kwargs:
            raise ValueError(
                f"{type(self).__name__}.compile takes `generator_optimizer` and "
                "`critic_optimizer`; its losses are fixed. Received: "
                f"{sorted(k for k in kwargs if k in ('optimizer', 'loss'))}"
            )
        generator_optimizer = keras.optimizers.get(generator_optimizer) or self.default_optimizer()
        critic_optimizer = keras.optimizers.get(critic_optimizer) or self.default_optimizer()
        if generator_optimizer is critic_optimizer:
            raise ValueError(
                "`generator_optimizer` and `critic_optimizer` must be two optimizer objects: one "
                "object would share its slots between the networks. Received the same object "
                f"twice: {generator_optimizer!r}"
            )
        self.step_jit_compile = bool(jit_compile)
        per_replica = self.step_jit_compile and self.distribute_strategy.num_replicas_in_sync > 1
        super().compile(
            optimizer=None, jit_compile=self.step_jit_compile and not per_replica, **kwargs
        )
        self._replica_functions = {}
        if per_replica:
            self._replica_functions = {
                method.__name__: tf.function(method, jit_compile=True)
                for method in self._per_replica_methods()
            }
        # float16 (`mixed_float16`) gradients underflow without loss scaling, and Keras scales only
        # `self.optimizer`: both optimizers get a dynamic loss scale here.
        self.loss_scaling = any(
            _computes_in_float16(network) for network in (self.generator, self.critic)
        )
        if self.loss_scaling:
            generator_optimizer = _with_loss_scale(generator_optimizer)
            critic_optimizer = _with_loss_scale(critic_optimizer)
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
            "jit_compile": self.step_jit_compile,
        }

    def compile_from_config(self, config):
        self.compile(
            generator_optimizer=keras.optimizers.deserialize(config["generator_optimizer"]),
            critic_optimizer=keras.optimizers.deserialize(config["critic_optimizer"]),
            jit_compile=config.get("jit_compile", False),
        )

    # ----------------------------------------------------------------------------------------
    # Training
    # ----------------------------------------------------------------------------------------

    def train_step(self, data):
        if self.critic_optimizer is None:
            raise ValueError("Call `compile()` before `fit()`.")
        real_batches, label_batches = self.split_real_batches(data)

        def labels_of(index):
            return None if label_batches is None else label_batches[:, index]

        # Critic warm-up (a hook; WGAN's optional schedule): extra critic updates.
        self.warm_up_critic(real_batches, label_batches)

        # Critic loop: `critic_steps` updates, each on a fresh real batch.
        for index in range(self.critic_steps):
            self.update_critic(real_batches[:, index], labels_of(index))

        # Generator step.
        self.update_generator(ops.shape(real_batches)[0], labels_of(0))
        logs = {name: tracker.result() for name, tracker in self.trackers.items()}
        if self.loss_scaling:
            logs["critic_loss_scale"] = _loss_scale(self.critic_optimizer)
            logs["generator_loss_scale"] = _loss_scale(self.generator_optimizer)
        return _logs_for_fit(logs)

    def split_real_batches(self, data):
        """Checks a `fit` element and splits samples (and labels) into `[batch, critic_steps, ...]`.

        Returns:
            A tuple `(real_batches, label_batches)`; `label_batches` is `None` for an
            unconditional model, whose labels are ignored.
        """
        real, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if self.conditional and labels is None:
            raise ValueError(
                "A conditional model trains on (samples, labels) pairs. Received: samples "
                "without labels; build batches with make_dataset((samples, labels), ...)."
            )
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
        real_batches = ops.reshape(real, (-1, self.critic_steps) + expected)
        if not self.conditional:
            return real_batches, None
        labels = ops.reshape(ops.cast(labels, "int32"), (-1, self.critic_steps))
        return real_batches, labels

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

    def update_critic(self, real, labels=None):
        """One critic update on one real batch and a fresh generated batch (of the same labels)."""
        gradients, loss, logs = self._compiled(self.critic_gradients)(real, labels)
        gradients, applied = self._check_scaled(gradients)
        # The optimizer applies each variable's constraint after the update (WGAN's weight clip).
        self.critic_optimizer.apply(gradients, self.critic.trainable_variables)
        self._record(applied, critic_loss=loss, **logs)

    def critic_gradients(self, real, labels=None):
        """This replica's critic loss and gradients on one real and a fresh generated batch.

        Returns:
            A tuple `(gradients, loss, logs)`: the gradients of the loss scaled for the
            replicas (and by the loss scale under `mixed_float16`), the loss (penalty
            included), and the objective's and penalty's logs.
        """
        fake = self.generate(self.sample_latent(ops.shape(real)[0]), labels, training=True)
        with tf.GradientTape() as tape:
            real_scores = self.score(real, labels, training=True)
            fake_scores = self.score(fake, labels, training=True)
            loss, objective_logs = self.critic_objective(real_scores, fake_scores)
            penalty, diagnostics = self.critic_penalty(real, fake, labels)
            loss = loss + penalty
            scaled_loss = self.critic_optimizer.scale_loss(_scale_for_replicas(loss))
        gradients = tape.gradient(scaled_loss, self.critic.trainable_variables)
        return gradients, loss, {**objective_logs, **diagnostics}

    def update_generator(self, batch_size, labels=None):
        """One generator update against the current critic."""
        gradients, loss = self._compiled(self.generator_gradients)(batch_size, labels)
        gradients, applied = self._check_scaled(gradients)
        self.generator_optimizer.apply(gradients, self.generator.trainable_variables)
        norm = _global_norm(gradients) / _loss_scale(self.generator_optimizer)
        self._record(applied, generator_loss=loss, generator_gradient_norm=norm)

    def generator_gradients(self, batch_size, labels=None):
        """This replica's generator loss and gradients on a fresh generated batch.

        Returns:
            A tuple `(gradients, loss)`: the gradients of the loss scaled for the replicas (and
            by the loss scale under `mixed_float16`), and the loss.
        """
        latent = self.sample_latent(batch_size)
        with tf.GradientTape() as tape:
            fake = self.generate(latent, labels, training=True)
            fake_scores = self.score(fake, labels, training=True)
            loss = self.generator_objective(fake_scores)
            scaled_loss = self.generator_optimizer.scale_loss(_scale_for_replicas(loss))
        gradients = tape.gradient(scaled_loss, self.generator.trainable_variables)
        return gradients, loss

    def critic_loss_scale(self):
        """The critic optimizer's current loss scale: 1 unless under `mixed_float16`.

        A penalty that differentiates the critic inside the loss (WGAN-GP's) multiplies that
        inner gradient's seed by this scale and divides the gradient by it after, so that the
        float16 backward pass stays in range like the outer one.
        """
        return _loss_scale(self.critic_optimizer)

    def _check_scaled(self, gradients):
        """Under loss scaling: the gradients, made non-finite on every replica if any replica's
        are (so that all replicas skip the update together), and whether they are finite.

        Returns:
            A tuple `(gradients, applied)`; `applied` is `None` without loss scaling.
        """
        if not self.loss_scaling:
            return gradients, None
        present = [g for g in gradients if g is not None]
        finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(g)) for g in present])
        finite = tf.cast(finite, "float32")
        context = tf.distribute.get_replica_context()
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if context is not None and replicas > 1:
            # 1 on every replica exactly when all replicas' flags are 1.
            count = context.all_reduce(tf.distribute.ReduceOp.SUM, finite)
            finite = tf.cast(count >= replicas, "float32")
            # Keras's LossScaleOptimizer reads the first replica's gradients only: dividing by 0
            # makes every replica's gradients non-finite when one replica's are.
            gradients = [None if g is None else g / tf.cast(finite, g.dtype) for g in gradients]
        return gradients, finite > 0

    def _per_replica_methods(self):
        """The methods that compute one replica's losses and gradients, and draw no random
        numbers of their own: what `compile(jit_compile=True)` compiles under several replicas."""
        return (self.critic_gradients, self.generator_gradients)

    def _compiled(self, method):
        """`method` compiled with XLA for each replica (see `compile`), or `method` itself."""
        return self._replica_functions.get(method.__name__, method)

    # ----------------------------------------------------------------------------------------
    # Hooks
    # ----------------------------------------------------------------------------------------

    def critic_objective(self, real_scores, fake_scores):
        """The critic's loss from its scores.

        Returns:
            A tuple `(loss, logs)`: a float32 scalar and a dict of scalars named as in
            `objective_names`.
        """
        raise NotImplementedError(f"{type(self).__name__} must define critic_objective().")

    def generator_objective(self, fake_scores):
        """The generator's loss from the critic's scores of generated samples."""
        raise NotImplementedError(f"{type(self).__name__} must define generator_objective().")

    def critic_penalty(self, real, fake, labels=None):
        """A term added to the critic loss, with diagnostics named as in `diagnostic_names`.

        Returns:
            A tuple `(penalty, diagnostics)`; none by default.
        """
        return ops.zeros((), "float32"), {}

    def warm_up_critic(self, real_batches, label_batches=None):
        """Extra critic updates before the regular ones; none by default."""

    def _record(self, applied=None, **values):
        """Adds a step's values to the epoch's means; `applied=False` (a skipped update under
        loss scaling, its values possibly infinite) leaves them out."""
        for name, value in values.items():
            if applied is None:
                self.trackers[name].update_state(value)
            else:
                value = ops.where(applied, ops.cast(value, "float32"), 0.0)
                self.trackers[name].update_state(value, sample_weight=ops.cast(applied, "float32"))

    # ----------------------------------------------------------------------------------------
    # Serialization
    # ----------------------------------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "generator": keras.saving.serialize_keras_object(self.generator),
                "critic": keras.saving.serialize_keras_object(self.critic),
                "latent_dim": self.latent_dim,
                "critic_steps": self.critic_steps,
                "seed": self.seed,
            }
        )
        return config

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
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "critic"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


_SEED_STATE = "seed_generator_state"


def _input_count(network):
    try:
        return len(network.inputs)
    except (AttributeError, ValueError, TypeError):
        return 1


def _batch_normalization_layers(network):
    """Names of the BatchNormalization layers of a network, nested ones included."""
    if not isinstance(network, keras.Layer):
        return []
    return [
        layer.name
        for layer in network._flatten_layers()
        if isinstance(layer, keras.layers.BatchNormalization)
    ]


def _scale_for_replicas(loss):
    # Keras 3 sums gradients across replicas: a per-replica mean loss divided by the number of
    # replicas gives the gradient of the global-batch mean.
    return loss / tf.distribute.get_strategy().num_replicas_in_sync


def _logs_for_fit(logs):
    """A step's logs shaped so that `fit` can average them over the replicas of all workers.

    Under `MultiWorkerMirroredStrategy` with several workers, Keras 3.15 reduces a step's logs with
    `strategy.reduce("MEAN", value, axis=0)`, which fails on scalars ("Invalid reduction dimension
    0 for input with 0 dimensions", tensorflow issue 72388). Given a leading axis of one, each log
    is averaged over the replicas of all workers, as `fit` does under `MirroredStrategy`.
    """
    strategy = tf.distribute.get_strategy()
    # The condition under which Keras's `reduce_per_replica` takes that path.
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and (
        strategy.extended._in_multi_worker_mode()
    ):
        return {name: ops.reshape(value, (1,)) for name, value in logs.items()}
    return logs


def _global_norm(gradients):
    """Norm of the global-batch gradient: the replicas' gradients summed, as the optimizer does."""
    context = tf.distribute.get_replica_context()
    if context is not None and tf.distribute.get_strategy().num_replicas_in_sync > 1:
        gradients = context.all_reduce(tf.distribute.ReduceOp.SUM, gradients)
    return tf.linalg.global_norm(gradients)


def _with_loss_scale(optimizer):
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)


def _loss_scale(optimizer):
    """The dynamic loss scale of a `LossScaleOptimizer` (a float32 tensor), else 1."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return ops.convert_to_tensor(optimizer.dynamic_scale)
    return 1.0


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
    check_positive_int("latent_dim", latent_dim)
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
