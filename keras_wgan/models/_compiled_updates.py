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
    """`compile` with two optimizers, and one update: a mixin of `BaseGAN`, before `keras.Model`."""

    @classmethod
    def make_optimizer(cls, learning_rate=None, **options):
        """A new instance of the paper's optimizer, `compile`'s default for each network.

        Args:
            learning_rate: float, `keras.optimizers.schedules.LearningRateSchedule`, or `None`
                for the paper's.
            **options: other keyword arguments of the optimizer, over the paper's.

        Example:

        >>> keras_wgan.WGANGP.make_optimizer(2e-4, beta_1=0.0)  # Adam(2e-4, 0.0, 0.9)
        """
        optimizer_class, settings = cls.paper_optimizer()
        settings = {**settings, **options}
        if learning_rate is not None:
            settings["learning_rate"] = learning_rate
        return optimizer_class(**settings)

    @classmethod
    def paper_optimizer(cls):
        """The hook of `make_optimizer`: `(optimizer class, the paper's keyword arguments)`."""
        raise NotImplementedError(f"{cls.__name__} must define paper_optimizer().")

    def compile(self, generator_optimizer=None, critic_optimizer=None, jit_compile=False, **kwargs):
        """Sets and builds the two optimizers (wrapped for loss scaling under `mixed_float16`).

        Args:
            generator_optimizer: `keras.optimizers.Optimizer`, its name or config, or `None`
                for `make_optimizer()`.
            critic_optimizer: same, for the critic; another object than `generator_optimizer`.
            jit_compile: bool. Compile the train step with XLA; under several replicas, each
                replica's losses and gradients (XLA cannot compile a step across devices).
            **kwargs: passed to `keras.Model.compile` (`run_eagerly`, `steps_per_execution`).
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
        """One update of `variables` by `optimizer` from a method of the model,
        `gradients_function(*arguments) -> (gradients, logs)` for this replica, skipped on all
        replicas if it overflows on one; returns the logs, the gradient norm as `norm_name`."""
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
        """This replica's `(gradients, logs)` of `loss_function(*arguments) -> (loss, logs)`,
        the loss scaled for the replicas and by `optimizer`'s loss scale."""
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
        """The critic optimizer's loss scale (1 unless under `mixed_float16`), for a penalty."""
        return loss_scale(self.critic_optimizer)

    def _record(self, applied=None, **values):
        """Adds a step's values to the epoch's means, unless `applied` is False (skipped)."""
        for name, value in values.items():
            if applied is None:
                self.trackers[name].update_state(value)
            else:
                value = ops.where(applied, ops.cast(value, "float32"), 0.0)
                self.trackers[name].update_state(value, sample_weight=ops.cast(applied, "float32"))

    def _compiled(self, method):
        """`method` compiled with XLA for each replica (see `compile`), or `method` itself."""
        return self._replica_functions.get(method.__name__, method)

