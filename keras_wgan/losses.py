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


# The original GAN (Goodfellow et al., 2014), on the discriminator's logits l = D(x) before the
# sigmoid, with log(sigmoid(l)) = -softplus(-l) and log(1 - sigmoid(l)) = -softplus(l), which stay
# finite where a sigmoid saturates.


def discriminator_loss(real_logits, fake_logits):
    """Binary cross-entropy of the original GAN's discriminator, from logits.

    `-mean(log D(real)) - mean(log(1 - D(fake)))` with `D = sigmoid(logits)`, computed as
    `mean(softplus(-real_logits)) + mean(softplus(fake_logits))`.

    Args:
        real_logits: tensor. Discriminator logits for real samples.
        fake_logits: tensor. Discriminator logits for generated samples.

    Returns:
        A float32 scalar.
    """
    real_logits = ops.cast(real_logits, "float32")
    fake_logits = ops.cast(fake_logits, "float32")
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def minimax_generator_loss(fake_logits):
    """The original minimax generator loss, `mean(log(1 - D(fake)))`, from logits.

    Its gradient vanishes when the discriminator rejects the samples confidently (D(fake) -> 0),
    which is the failure the WGAN paper analyses.

    Args:
        fake_logits: tensor. Discriminator logits for generated samples.

    Returns:
        A float32 scalar, `-mean(softplus(fake_logits))`.
    """
    return -ops.mean(ops.softplus(ops.cast(fake_logits, "float32")))


def non_saturating_generator_loss(fake_logits):
    """The non-saturating ("-log D") generator loss, `-mean(log D(fake))`, from logits.

    Strong gradients where the minimax loss saturates, at the price of an objective equal to
    KL(P_g || P_r) - 2 JS(P_r || P_g) under an optimal discriminator (Arjovsky and Bottou, 2017),
    which favours dropping modes.

    Args:
        fake_logits: tensor. Discriminator logits for generated samples.

    Returns:
        A float32 scalar, `mean(softplus(-fake_logits))`.
    """
    return ops.mean(ops.softplus(-ops.cast(fake_logits, "float32")))


def conditioning_kl(mean, log_sigma):
    """KL divergence of the augmented condition from the standard normal, batch mean.

    `KL(N(mean, sigma^2) || N(0, I)) = sum_j 0.5 * (mean_j^2 + sigma_j^2 - 1) - log(sigma_j)`,
    summed over the condition's dimensions (the divergence between the two distributions) and
    averaged over the batch. StackGAN's code averages over the dimensions as well, i.e. it is
    this value divided by `condition_dim`.

    Args:
        mean: tensor `[batch, condition_dim]`.
        log_sigma: tensor `[batch, condition_dim]`, the log standard deviation.

    Returns:
        A float32 scalar.
    """
    mean = ops.cast(mean, "float32")
    log_sigma = ops.cast(log_sigma, "float32")
    per_dimension = 0.5 * (ops.square(mean) + ops.exp(2.0 * log_sigma) - 1.0) - log_sigma
    return ops.mean(ops.sum(per_dimension, axis=-1))
