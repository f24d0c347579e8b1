"""WGAN: the Wasserstein GAN with weight clipping (Arjovsky, Chintala and Bottou, 2017)."""

import math

import keras
import tensorflow as tf
from keras import ops

from keras_wgan import config
from keras_wgan import losses
from keras_wgan._checks import check_clip_value
from keras_wgan.constraints import WeightClip
from keras_wgan.models.base import BaseGAN


@keras.saving.register_keras_serializable(package="keras_wgan")
class WGAN(BaseGAN):
    """Wasserstein GAN with weight clipping, trained with `model.fit` (Algorithm 1).

    Every trainable critic variable gets a `WeightClip(clip_value)` constraint, which Keras
    optimizers apply after each update. Metrics: `BaseGAN`'s, `wasserstein_estimate` (falls as
    the generator improves) and `clipped_fraction` (the share of critic weights at the bound).

    Args (the others: `BaseGAN`'s):
        critic_steps: int. Critic updates per generator update (`n_critic`).
        clip_value: float > 0 or `None`. The clipping bound `c`; `None`: no clipping.
        critic_warmup: bool. The authors' schedule: 100 critic updates per generator update
            for the first 25 generator updates and every 500th one (not under replicas).

    Example:

    >>> generator = keras_wgan.networks.build_mlp_generator(output_dim=2, latent_dim=2)
    >>> critic = keras_wgan.networks.build_mlp_critic(input_dim=2)
    >>> model = keras_wgan.WGAN(generator, critic)
    >>> model.compile()  # RMSprop(5e-5) for both networks
    >>> model.fit(keras_wgan.data.make_dataset(keras_wgan.data.ring8(10_000), 64, critic_steps=5))
    """

    objective_names = ("wasserstein_estimate",)
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
        self.clip_value = check_clip_value(clip_value)
        self.critic_warmup = bool(critic_warmup)
        super().__init__(
            generator, critic, latent_dim=latent_dim, critic_steps=critic_steps, seed=seed, **kwargs
        )

    def build(self, input_shape=None):
        if self.clip_value is not None:
            for variable in self.critic.trainable_variables:
                variable.constraint = WeightClip(self.clip_value)
        super().build(input_shape)

    @classmethod
    def paper_optimizer(cls):
        """RMSprop(5e-5), the paper's optimizer for both networks."""
        return keras.optimizers.RMSprop, {"learning_rate": config.WGAN_LEARNING_RATE}

    def critic_objective(self, real_scores, fake_scores):
        estimate = losses.wasserstein_estimate(real_scores, fake_scores)
        return losses.critic_loss(real_scores, fake_scores), {"wasserstein_estimate": estimate}

    def generator_objective(self, fake_scores):
        return losses.generator_loss(fake_scores)

    def critic_penalty(self, real, fake, labels=None, critic=None, weights=None):
        """WGAN adds no penalty (it clips weights) and reports the fraction at the clip bound."""
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

    def warm_up_critic(self, real_batches, label_batches=None):
        if not self.critic_warmup:
            return
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
            column = index % self.critic_steps
            labels = None if label_batches is None else tf.gather(label_batches, column, axis=1)
            self.update_critic(tf.gather(real_batches, column, axis=1), labels)
            return (index + 1,)

        tf.while_loop(lambda index: index < count, body, (tf.constant(0),))

    def get_config(self):
        config_ = super().get_config()
        config_.update({"clip_value": self.clip_value, "critic_warmup": self.critic_warmup})
        return config_
