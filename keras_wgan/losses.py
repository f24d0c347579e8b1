"""Losses as pure functions of critic scores, computed in float32 whatever the scores' dtype.

Sign convention: the critic D gives real samples high scores.

    wasserstein_estimate = mean(D(real)) - mean(D(fake))   # falls as the generator improves
    critic_loss          = mean(D(fake)) - mean(D(real))   # minimised by the critic
    generator_loss       = -mean(D(fake))                  # minimised by the generator
"""

from keras import ops

__all__ = [
    "conditioning_kl",
    "critic_loss",
    "discriminator_loss",
    "generator_loss",
    "hinge_critic_loss",
    "hinge_generator_loss",
    "minimax_generator_loss",
    "non_saturating_generator_loss",
    "wasserstein_estimate",
]


def _mean(scores):
    return ops.mean(ops.cast(scores, "float32"))


def critic_loss(real_scores, fake_scores):
    """Wasserstein critic loss, `mean(fake_scores) - mean(real_scores)`: a float32 scalar."""
    return _mean(fake_scores) - _mean(real_scores)


def generator_loss(fake_scores):
    """Wasserstein generator loss, `-mean(fake_scores)`: a float32 scalar."""
    return -_mean(fake_scores)


def wasserstein_estimate(real_scores, fake_scores):
    """The critic's Wasserstein-1 estimate, `mean(real_scores) - mean(fake_scores)`."""
    return _mean(real_scores) - _mean(fake_scores)


# The original GAN (Goodfellow et al., 2014) on logits l: log(sigmoid(l)) = -softplus(-l) and
# log(1 - sigmoid(l)) = -softplus(l) stay finite where a sigmoid saturates.


def discriminator_loss(real_logits, fake_logits):
    """The discriminator's binary cross-entropy from logits,
    `mean(softplus(-real_logits)) + mean(softplus(fake_logits))`."""
    real_logits = ops.cast(real_logits, "float32")
    fake_logits = ops.cast(fake_logits, "float32")
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def minimax_generator_loss(fake_logits):
    """The minimax generator loss `mean(log(1 - D(fake)))`, `-mean(softplus(fake_logits))`:
    its gradient vanishes when the discriminator wins."""
    return -ops.mean(ops.softplus(ops.cast(fake_logits, "float32")))


def non_saturating_generator_loss(fake_logits):
    """The non-saturating generator loss `-mean(log D(fake))`, `mean(softplus(-fake_logits))`."""
    return ops.mean(ops.softplus(-ops.cast(fake_logits, "float32")))


# The hinge loss: Lim and Ye, 2017 (geometric GAN); Miyato et al., 2018 (SNGAN).


def hinge_critic_loss(real_scores, fake_scores):
    """The hinge critic loss, `mean(relu(1 - real_scores)) + mean(relu(1 + fake_scores))`:
    only scores inside the margin of 1 move the critic."""
    real_scores = ops.cast(real_scores, "float32")
    fake_scores = ops.cast(fake_scores, "float32")
    return ops.mean(ops.relu(1.0 - real_scores)) + ops.mean(ops.relu(1.0 + fake_scores))


def hinge_generator_loss(fake_scores):
    """The hinge generator loss, `-mean(fake_scores)` (the Wasserstein generator loss)."""
    return generator_loss(fake_scores)


def conditioning_kl(mean, log_sigma):
    """`KL(N(mean, sigma^2) || N(0, I))` of StackGAN's conditioning augmentation.

    Summed over the condition's dimensions (StackGAN's code averages them) and averaged over
    the batch: `mean_batch(sum_j 0.5 * (mean_j^2 + sigma_j^2 - 1) - log(sigma_j))`.

    Args:
        mean: tensor `[batch, condition_dim]`.
        log_sigma: tensor `[batch, condition_dim]`, the log standard deviation.
    """
    mean = ops.cast(mean, "float32")
    log_sigma = ops.cast(log_sigma, "float32")
    per_dimension = 0.5 * (ops.square(mean) + ops.exp(2.0 * log_sigma) - 1.0) - log_sigma
    return ops.mean(ops.sum(per_dimension, axis=-1))
