"""The WGAN-GP gradient penalty (Gulrajani et al., 2017).

This is the one place outside `keras_wgan.models` that records a gradient tape: the penalty needs
the critic's gradient with respect to its input, and the model differentiates it again.
"""

import tensorflow as tf

from keras_wgan import config


def interpolate(real_samples, fake_samples, weights):
    """Points on the lines between real and generated samples, `w * real + (1 - w) * fake`.

    Args:
        real_samples: tensor of shape `[batch, ...]`.
        fake_samples: tensor of the same shape.
        weights: tensor of shape `[batch]`, one weight per example (drawn from U[0, 1] in
            WGAN-GP). One weight per example, not per pixel: each interpolate lies on the segment
            between one real and one generated sample.

    Returns:
        A float32 tensor shaped like `real_samples`.
    """
    real_samples = tf.cast(real_samples, tf.float32)
    fake_samples = tf.cast(fake_samples, tf.float32)
    weights = tf.cast(weights, tf.float32)
    # Broadcast the per-example weight over every non-batch axis.
    weights = tf.reshape(weights, [-1] + [1] * (real_samples.shape.rank - 1))
    return weights * real_samples + (1.0 - weights) * fake_samples


def gradient_norms(critic, samples, epsilon=config.PENALTY_EPSILON, scale=1.0):
    """Per-example norm of the critic's gradient with respect to its input.

    The norm is taken over all non-batch axes. `epsilon` is added to the squared norm inside the
    square root: without it the norm's own gradient is infinite (NaN in practice) wherever the
    critic's gradient is exactly zero, e.g. on a dead ReLU region.

    `scale` is loss scaling for a float16 critic: the summed scores are multiplied by it before
    differentiation and the gradient divided by it after (in float32), so that the critic's
    float16 backward pass neither underflows nor, with a dynamic scale, silently overflows (an
    overflow gives an infinite norm, and the loss-scale optimizer skips the update).

    Args:
        critic: callable. Maps a batch of samples to scores `[batch, 1]`; every score must depend
            only on its own example (no BatchNormalization), so the gradient of the summed
            scores gives each example's own gradient.
        samples: float32 tensor `[batch, ...]`.
        epsilon: float. Added inside the square root.
        scale: float or float32 scalar tensor. Loss scale of the inner gradient (1: none).

    Returns:
        A float32 tensor `[batch]`: `sqrt(sum(grad ** 2) + epsilon)`.
    """
    with tf.GradientTape() as tape:
        tape.watch(samples)
        scores = tf.cast(critic(samples), tf.float32)
        total = tf.reduce_sum(scores) * scale
    gradients = tf.cast(tape.gradient(total, samples), tf.float32) / scale
    axes = list(range(1, gradients.shape.rank))
    return tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=axes) + epsilon)


def gradient_penalty(
    critic,
    real_samples,
    fake_samples,
    interpolation_weights,
    target=config.PENALTY_TARGET,
    one_sided=False,
    epsilon=config.PENALTY_EPSILON,
    scale=1.0,
):
    """The WGAN-GP penalty, `mean((||grad critic(x_hat)||_2 - target) ** 2)`.

    `x_hat = w * real + (1 - w) * fake` with one weight `w ~ U[0, 1]` per example (Gulrajani et
    al., 2017, Algorithm 1). The one-sided variant penalises only norms above `target`,
    `mean(max(0, norm - target) ** 2)` (section 4 of the paper discusses both). The penalty is
    computed in float32 whatever the critic's compute dtype. Multiply it by lambda (10 in the
    paper) before adding it to the critic loss.

    Args:
        critic: callable. Maps samples to scores (see `gradient_norms`).
        real_samples: tensor `[batch, ...]`.
        fake_samples: tensor, same shape.
        interpolation_weights: tensor `[batch]`, the `w` above.
        target: float. The gradient norm the penalty pulls towards (1 for a 1-Lipschitz critic).
        one_sided: bool. Penalise only norms above `target`.
        epsilon: float. Added inside the square root of the norm.
        scale: float or float32 scalar tensor. Loss scale of the inner gradient, for a float16
            critic (see `gradient_norms`); 1 otherwise.

    Returns:
        A tuple `(penalty, norms)`: the float32 scalar penalty (without lambda) and the per-example
        gradient norms `[batch]`, useful as a Lipschitz diagnostic.

    Example:

    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> real, fake = tf.ones((4, 2)), tf.zeros((4, 2))
    >>> penalty, norms = gradient_penalty(critic, real, fake, tf.random.uniform([4]))
    """
    samples = interpolate(real_samples, fake_samples, interpolation_weights)
    norms = gradient_norms(critic, samples, epsilon=epsilon, scale=scale)
    excess = norms - target
    if one_sided:
        excess = tf.nn.relu(excess)
    return tf.reduce_mean(tf.square(excess)), norms
