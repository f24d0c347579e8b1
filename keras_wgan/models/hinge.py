"""HingeGAN: the hinge loss (Lim and Ye, 2017) that SNGAN trains with (Miyato et al., 2018)."""

import keras

from keras_wgan import config
from keras_wgan import losses
from keras_wgan.models.base import BaseGAN


@keras.saving.register_keras_serializable(package="keras_wgan")
class HingeGAN(BaseGAN):
    """A GAN with the hinge loss, trained with `model.fit`: SNGAN's objective.

        critic_loss    = mean(relu(1 - D(real))) + mean(relu(1 + D(fake)))
        generator_loss = -mean(D(fake))

    SNGAN bounds the critic by spectral normalization (`spectral_norm=True` in the critic
    builders). Metrics: `BaseGAN`'s and `wasserstein_estimate`, as the WGANs log it.

    Args (the others: `BaseGAN`'s):
        critic_steps: int. Critic updates per generator update (SNGAN's `n_dis`, 5).

    Example:

    >>> generator = keras_wgan.networks.build_generator((28, 28, 1))
    >>> critic = keras_wgan.networks.build_critic(
    ...     (28, 28, 1), normalization=None, spectral_norm=True)
    >>> model = keras_wgan.HingeGAN(generator, critic)
    >>> model.compile()  # Adam(2e-4, beta_1=0.0, beta_2=0.9) for both
    >>> model.fit(keras_wgan.data.make_dataset(images, 64, critic_steps=5), epochs=5)
    """

    objective_names = ("wasserstein_estimate",)

    def __init__(
        self, generator, critic, latent_dim=None, critic_steps=config.HINGE_CRITIC_STEPS, seed=None,
        **kwargs,
    ):
        super().__init__(
            generator, critic, latent_dim=latent_dim, critic_steps=critic_steps, seed=seed, **kwargs
        )

    @classmethod
    def paper_optimizer(cls):
        """Adam(2e-4, beta_1=0.0, beta_2=0.9), SNGAN's for both networks."""
        return keras.optimizers.Adam, {
            "learning_rate": config.HINGE_LEARNING_RATE, "beta_1": config.HINGE_BETA_1,
            "beta_2": config.HINGE_BETA_2,
        }

    def critic_objective(self, real_scores, fake_scores):
        estimate = losses.wasserstein_estimate(real_scores, fake_scores)
        loss = losses.hinge_critic_loss(real_scores, fake_scores)
        return loss, {"wasserstein_estimate": estimate}

    def generator_objective(self, fake_scores):
        return losses.hinge_generator_loss(fake_scores)
