"""Wasserstein losses as pure functions of critic scores.

Sign convention (used everywhere in keras_wgan): the critic D gives real images high scores.

    wasserstein_estimate = mean(D(real)) - mean(D(fake))   # >= 0 once the critic has learned
    critic_loss          = mean(D(fake)) - mean(D(real))   # = -wasserstein_estimate; minimised
    generator_loss       = -mean(D(fake))                  # minimised

With a 1-Lipschitz critic near its optimum, `wasserstein_estimate` estimates the Wasserstein-1
distance between the real and generated distributions (up to the constant K of a K-Lipschitz
critic under weight clipping): it should fall as the generator improves.
"""

from keras import ops


def _mean(scores):
    return ops.mean(ops.cast(scores, "float32"))


def critic_loss(real_scores, fake_scores):
    """Wasserstein critic loss, `mean(fake_scores) - mean(real_scores)`.

    Minimising it drives the critic to score real samples above generated ones. Computed in
    float32 whatever the critic's compute dtype.

    Args:
        real_scores: tensor. Critic outputs for real samples, shape `[batch, 1]` or `[batch]`.
        fake_scores: tensor. Critic outputs for generated samples.

    Returns:
        A float32 scalar.
    """
    return _mean(fake_scores) - _mean(real_scores)


def generator_loss(fake_scores):
    """Wasserstein generator loss, `-mean(fake_scores)`.

    Args:
        fake_scores: tensor. Critic outputs for generated samples.

    Returns:
        A float32 scalar.
    """
    return -_mean(fake_scores)


def wasserstein_estimate(real_scores, fake_scores):
    """The critic's estimate of the Wasserstein-1 distance, `mean(real) - mean(fake)`.

    Args:
        real_scores: tensor. Critic outputs for real samples.
        fake_scores: tensor. Critic outputs for generated samples.

    Returns:
        A float32 scalar, the negative of `critic_loss`.
    """
    return _mean(real_scores) - _mean(fake_scores)
