"""GAN: the original GAN (Goodfellow et al., 2014), the baseline the Wasserstein GANs fix."""

import keras
from keras import ops

from keras_wgan import config
from keras_wgan import losses
from keras_wgan.models.base import BaseGAN

GENERATOR_LOSSES = {
    "minimax": losses.minimax_generator_loss,
    "non_saturating": losses.non_saturating_generator_loss,
}


@keras.saving.register_keras_serializable(package="keras_wgan")
class GAN(BaseGAN):
    """The original GAN, with the minimax or the non-saturating generator loss.

    The critic is the discriminator (one logit per sample, the binary cross-entropy from
    logits); BatchNorm is allowed. Metrics: `BaseGAN`'s, and `real_probability` /
    `fake_probability`, the mean `sigmoid(D(x))` on real and generated samples.

    Args (the others: `BaseGAN`'s):
        loss: str. `"non_saturating"` (`-mean(log D(fake))`) or `"minimax"`
            (`mean(log(1 - D(fake)))`, whose gradient vanishes when the discriminator wins).

    Example:

    >>> generator = keras_wgan.networks.build_generator((28, 28, 1))
    >>> critic = keras_wgan.networks.build_critic((28, 28, 1), normalization="batch")
    >>> model = keras_wgan.GAN(generator, critic, loss="minimax")
    >>> model.compile()  # Adam(2e-4, beta_1=0.5) for both
    >>> model.fit(keras_wgan.data.make_dataset(images, 64), epochs=5)
    """

    objective_names = ("real_probability", "fake_probability")

    def __init__(
        self,
        generator,
        critic,
        loss="non_saturating",
        latent_dim=None,
        critic_steps=config.GAN_CRITIC_STEPS,
        seed=None,
        **kwargs,
    ):
        if loss not in GENERATOR_LOSSES:
            raise ValueError(
                f"`loss` must be one of {sorted(GENERATOR_LOSSES)}. Received: loss={loss!r}"
            )
        # Not `self.loss`: keras.Model.compile owns that attribute.
        self.generator_loss_name = loss
        super().__init__(
            generator, critic, latent_dim=latent_dim, critic_steps=critic_steps, seed=seed, **kwargs
        )

    @classmethod
    def paper_optimizer(cls):
        """Adam(2e-4, beta_1=0.5), DCGAN's optimizer for both networks."""
        return keras.optimizers.Adam, {
            "learning_rate": config.GAN_LEARNING_RATE, "beta_1": config.GAN_BETA_1
        }

    def critic_objective(self, real_scores, fake_scores):
        loss = losses.discriminator_loss(real_scores, fake_scores)
        return loss, {
            "real_probability": ops.mean(ops.sigmoid(ops.cast(real_scores, "float32"))),
            "fake_probability": ops.mean(ops.sigmoid(ops.cast(fake_scores, "float32"))),
        }

    def generator_objective(self, fake_scores):
        return GENERATOR_LOSSES[self.generator_loss_name](fake_scores)

    def get_config(self):
        config_ = super().get_config()
        config_["loss"] = self.generator_loss_name
        return config_
