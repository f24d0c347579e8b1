"""WGAN-GP: the Wasserstein GAN with a gradient penalty (Gulrajani et al., 2017)."""

import keras
from keras import ops

from keras_wgan import config
from keras_wgan import penalties
from keras_wgan._checks import check_penalty_target
from keras_wgan._checks import check_penalty_weight
from keras_wgan.models._networks import check_without_batch_normalization
from keras_wgan.models.wgan import WGAN


@keras.saving.register_keras_serializable(package="keras_wgan")
class WGANGP(WGAN):
    """Wasserstein GAN with a gradient penalty, trained with `model.fit`.

    `WGAN` with one hook changed: instead of clipping weights, the critic loss gets
    `penalty_weight * mean((||grad critic(x_hat)||_2 - target) ** 2)` at
    `x_hat = eps * real + (1 - eps) * fake`, `eps ~ U[0, 1]` per example
    (`keras_wgan.penalties`). The critic must not use BatchNormalization (a per-example penalty).

    Metrics: `WGAN`'s, with `gradient_penalty` (weighted) and `gradient_norm` (the mean norm
    at the interpolates) in place of `clipped_fraction`.

    Args (the others: `WGAN`'s and `BaseGAN`'s):
        penalty_weight: float >= 0. lambda.
        penalty_target: float > 0. The gradient norm the penalty pulls towards.
        one_sided: bool. Penalise only gradient norms above the target.

    Example:

    >>> generator = keras_wgan.networks.build_generator((28, 28, 1), latent_dim=128)
    >>> critic = keras_wgan.networks.build_critic((28, 28, 1), normalization="layer")
    >>> model = keras_wgan.WGANGP(generator, critic)
    >>> model.compile()  # Adam(1e-4, beta_1=0.5, beta_2=0.9) for both networks
    >>> model.fit(keras_wgan.data.make_dataset(images, 64, critic_steps=5), epochs=5)
    """

    diagnostic_names = ("gradient_penalty", "gradient_norm")

    def __init__(
        self, generator, critic, latent_dim=None, critic_steps=config.CRITIC_STEPS,
        penalty_weight=config.PENALTY_WEIGHT, penalty_target=config.PENALTY_TARGET,
        one_sided=False, critic_warmup=False, seed=None, **kwargs,
    ):
        penalty_weight = check_penalty_weight(penalty_weight)
        penalty_target = check_penalty_target(penalty_target)
        check_without_batch_normalization("critic", critic)
        super().__init__(
            generator,
            critic,
            latent_dim=latent_dim,
            critic_steps=critic_steps,
            clip_value=None,
            critic_warmup=critic_warmup,
            seed=seed,
            **kwargs,
        )
        self.penalty_weight = penalty_weight
        self.penalty_target = penalty_target
        self.one_sided = bool(one_sided)

    @classmethod
    def paper_optimizer(cls):
        """Adam(1e-4, beta_1=0.5, beta_2=0.9), the paper's optimizer for both networks."""
        return keras.optimizers.Adam, {
            "learning_rate": config.WGAN_GP_LEARNING_RATE,
            "beta_1": config.WGAN_GP_BETA_1,
            "beta_2": config.WGAN_GP_BETA_2,
        }

    def critic_penalty(self, real, fake, labels=None, critic=None, weights=None):
        """The weighted gradient penalty of `critic` (default `self.critic`) and its logs;
        `weights` (the interpolation weights `[batch]`) drawn from `U[0, 1]` when `None`."""
        if weights is None:
            weights = self.draw(keras.random.uniform, (ops.shape(real)[0],))
        penalty, norms = penalties.gradient_penalty(
            # The gradient with respect to the samples, the labels held fixed.
            lambda samples: self.score(samples, labels, training=True, critic=critic),
            real,
            fake,
            weights,
            target=self.penalty_target,
            one_sided=self.one_sided,
            scale=self.critic_loss_scale(),
        )
        penalty = self.penalty_weight * penalty
        return penalty, {"gradient_penalty": penalty, "gradient_norm": ops.mean(norms)}

    def get_config(self):
        config_ = super().get_config()
        del config_["clip_value"]
        config_.update(
            {
                "penalty_weight": self.penalty_weight,
                "penalty_target": self.penalty_target,
                "one_sided": self.one_sided,
            }
        )
        return config_
