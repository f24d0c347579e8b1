"""The WGAN-GP gradient penalty (Gulrajani et al., 2017): the one tape outside `models`."""

import tensorflow as tf

from keras_wgan import config

__all__ = [
    "gradient_norms",
    "gradient_penalty",
    "interpolate",
]


def interpolate(real_samples, fake_samples, weights):
    """`w * real + (1 - w) * fake` in float32, one weight per example (`weights`, `[batch]`),
    not per pixel: each point lies between one real and one generated sample."""
    real_samples = tf.cast(real_samples, tf.float32)
    fake_samples = tf.cast(fake_samples, tf.float32)
    weights = tf.cast(weights, tf.float32)
    weights = tf.reshape(weights, [-1] + [1] * (real_samples.shape.rank - 1))
    return weights * real_samples + (1.0 - weights) * fake_samples


def gradient_norms(critic, samples, epsilon=config.PENALTY_EPSILON, scale=1.0):
    """`sqrt(sum(grad ** 2) + epsilon)` per example (float32 `[batch]`), `grad` the gradient of
    `critic` (each score of its own example only) at `samples`, over all non-batch axes.

    `epsilon` keeps the norm's gradient finite at a zero gradient; `scale` is the inner
    gradient's loss scale for a float16 critic (divided out in float32).
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
    """The WGAN-GP penalty, `mean((||grad critic(x_hat)||_2 - target) ** 2)`, in float32.

    `x_hat = w * real + (1 - w) * fake`, one `w ~ U[0, 1]` per example (Algorithm 1); the
    one-sided variant penalises only norms above `target`. Multiply it by lambda.

    `interpolation_weights` (`[batch]`) are the `w`; `epsilon` and `scale` as in
    `gradient_norms`. Returns `(penalty, norms)`: the scalar penalty and the norms `[batch]`.

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
