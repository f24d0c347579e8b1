"""Compilation with two optimizers, and the one update they make: XLA, replicas, loss scaling."""

import keras
import tensorflow as tf
from keras import ops

from keras_wgan.models._distribution import compiled_per_replica
from keras_wgan.models._distribution import computes_in_float16
from keras_wgan.models._distribution import finite_on_all_replicas
from keras_wgan.models._distribution import global_norm
from keras_wgan.models._distribution import loss_scale
from keras_wgan.models._distribution import scale_for_replicas
from keras_wgan.models._distribution import with_loss_scale


class CompiledUpdates:
    """`compile` with a generator and a critic optimizer, and the optimizer update of a step.

    A mixin of `BaseGAN`, before `keras.Model`. The model sets `generator`, `critic`, and
    `generator_optimizer = critic_optimizer = None`, `step_jit_compile = loss_scaling = False`,
    `_replica_functions = {}` and `trackers` (`keras.metrics.Mean` by name) in `__init__`, and
    defines `make_optimizer` and `_per_replica_methods`.
    """

    def compile(self, generator_optimizer=None, critic_optimizer=None, jit_compile=False, **kwargs):
        """Sets the two optimizers and builds them, so checkpoints and strategies work at once.

        Under the `mixed_float16` policy both optimizers are wrapped in
        `keras.optimizers.LossScaleOptimizer`: an update whose gradients overflow on any replica
        is skipped on every replica, and the logs report `critic_loss_scale` and
        `generator_loss_scale`.

        Args:
            generator_optimizer: `keras.optimizers.Optimizer`, its name or config, or `None`
                for the paper's (`make_optimizer()`).
            critic_optimizer: same, for the critic; another object than `generator_optimizer`.
            jit_compile: bool. Compile the train step with XLA (Keras's `"auto"` would turn it
                off on CPU and under any strategy). Under a strategy with several replicas each
                replica's losses and gradients are compiled, and the cross-replica reduction
                and the updates run outside XLA, which cannot compile a step across devices.
            **kwargs: passed to `keras.Model.compile` (`run_eagerly`, `steps_per_execution`).

        Raises:
            ValueError: `optimizer` or `loss` given, or one optimizer object for both networks.
        """
        if "optimizer" in kwargs or "loss" in kwargs:
            raise ValueError(
                f"{type(self).__name__}.compile takes `generator_optimizer` and "
                "`critic_optimizer`; its losses are fixed. Received: "
                f"{sorted(k for k in kwargs if k in ('optimizer', 'loss'))}"
            )
        generator_optimizer = keras.optimizers.get(generator_optimizer) or self.make_optimizer()
        critic_optimizer = keras.optimizers.get(critic_optimizer) or self.make_optimizer()
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
            self._replica_functions = compiled_per_replica(self._per_replica_methods())
        # Keras scales the loss of `self.optimizer` only: both optimizers get a dynamic scale.
        self.loss_scaling = any(
            computes_in_float16(network) for network in (self.generator, self.critic)
        )
        if self.loss_scaling:
            generator_optimizer = with_loss_scale(generator_optimizer)
            critic_optimizer = with_loss_scale(critic_optimizer)
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

    def update(self, optimizer, variables, gradients_function, *arguments, norm_name=None):
        """One update of `variables` by `optimizer`, from `gradients_function(*arguments)`.

        Under loss scaling, an update whose gradients overflow on any replica is skipped on
        every replica. The logs are added to the epoch's means (a skipped update's left out).

        Args:
            optimizer: the `keras.optimizers.Optimizer` of `variables`.
            variables: list of the variables to update.
            gradients_function: a method of the model, `(*arguments) -> (gradients, logs)` for
                this replica; compiled per replica under `jit_compile=True` with replicas.
            *arguments: its arguments.
            norm_name: str or `None`. Also log the global gradient norm under this name.

        Returns:
            The logs of the update.
        """
        gradients, logs = self._compiled(gradients_function)(*arguments)
        applied = None
        if self.loss_scaling:
            gradients, applied = finite_on_all_replicas(gradients)
        optimizer.apply(gradients, variables)
        if norm_name is not None:
            norm = global_norm(gradients) / loss_scale(optimizer)
            logs = {**logs, norm_name: norm}
        self._record(applied, **logs)
        return logs

    def loss_gradients(self, optimizer, variables, loss_function, *arguments):
        """This replica's gradients of `loss_function(*arguments)` with respect to `variables`.

        The loss is scaled for the replicas (Keras sums their gradients) and by `optimizer`'s
        loss scale.

        Args:
            optimizer: the optimizer that will apply the gradients.
            variables: list of variables.
            loss_function: `(*arguments) -> (loss, logs)`, the loss a float32 scalar.
            *arguments: its arguments.

        Returns:
            A tuple `(gradients, logs)`.
        """
        with tf.GradientTape() as tape:
            loss, logs = loss_function(*arguments)
            scaled_loss = optimizer.scale_loss(scale_for_replicas(loss))
        return tape.gradient(scaled_loss, variables), logs

    def loss_scale_logs(self):
        """`critic_loss_scale` and `generator_loss_scale` under loss scaling, else nothing."""
        if not self.loss_scaling:
            return {}
        return {
            "critic_loss_scale": loss_scale(self.critic_optimizer),
            "generator_loss_scale": loss_scale(self.generator_optimizer),
        }

    def critic_loss_scale(self):
        """The critic optimizer's current loss scale: 1 unless under `mixed_float16`.

        A penalty that differentiates the critic inside the loss (WGAN-GP's) scales that inner
        gradient by it too, so that its float16 backward pass stays in range.
        """
        return loss_scale(self.critic_optimizer)

    def _record(self, applied=None, **values):
        """Adds a step's values to the epoch's means; `applied=False` (a skipped update under
        loss scaling, its values possibly infinite) leaves them out."""
        for name, value in values.items():
            if applied is None:
                self.trackers[name].update_state(value)
            else:
                value = ops.where(applied, ops.cast(value, "float32"), 0.0)
                self.trackers[name].update_state(value, sample_weight=ops.cast(applied, "float32"))

    def _compiled(self, method):
        """`method` compiled with XLA for each replica (see `compile`), or `method` itself."""
        return self._replica_functions.get(method.__name__, method)

