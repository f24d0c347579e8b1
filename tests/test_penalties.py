import keras
import numpy as np
import tensorflow as tf

from keras_wgan import penalties


def linear_critic(weights):
    """D(x) = w . x over all non-batch axes."""
    weights = tf.constant(weights, tf.float32)
    return lambda x: tf.reduce_sum(x * weights, axis=list(range(1, x.shape.rank)))[:, None]


def test_linear_critic_gradient_norm_is_norm_of_weights_at_every_interpolate():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 4, 3)).astype("float32")
    real = rng.uniform(-1, 1, (16, 4, 4, 3)).astype("float32")
    fake = rng.uniform(-1, 1, (16, 4, 4, 3)).astype("float32")
    alpha = rng.uniform(size=16).astype("float32")
    penalty, norms = penalties.gradient_penalty(linear_critic(w), real, fake, alpha)
    expected = np.linalg.norm(w)  # over all non-batch axes
    np.testing.assert_allclose(norms.numpy(), np.full(16, expected), rtol=1e-5)
    np.testing.assert_allclose(float(penalty), (expected - 1.0) ** 2, rtol=1e-5)


def test_unit_gradient_critic_has_no_penalty():
    w = np.zeros((8,), "float32")
    w[3] = 1.0  # ||w|| = 1: gradient norm 1 everywhere
    real, fake = tf.random.normal((32, 8), seed=1), tf.random.normal((32, 8), seed=2)
    penalty, _ = penalties.gradient_penalty(linear_critic(w), real, fake, tf.random.uniform([32]))
    assert float(penalty) < 1e-10


def test_one_sided_penalty_ignores_norms_below_target():
    small = np.full((4,), 0.25, "float32")  # ||w|| = 0.5
    real, fake = tf.ones((3, 4)), tf.zeros((3, 4))
    alpha = tf.constant([0.1, 0.5, 0.9])
    two_sided, _ = penalties.gradient_penalty(linear_critic(small), real, fake, alpha)
    one_sided, _ = penalties.gradient_penalty(
        linear_critic(small), real, fake, alpha, one_sided=True
    )
    np.testing.assert_allclose(float(two_sided), 0.25, rtol=1e-5)
    assert float(one_sided) == 0.0


def test_interpolation_weight_is_one_per_example():
    real = tf.ones((3, 2, 2, 1))
    fake = -tf.ones((3, 2, 2, 1))
    points = penalties.interpolate(real, fake, tf.constant([0.0, 0.5, 1.0])).numpy()
    # Each example is one point on its segment: every pixel of example i uses the same weight.
    np.testing.assert_allclose(points[0], -1.0)
    np.testing.assert_allclose(points[1], 0.0)
    np.testing.assert_allclose(points[2], 1.0)


def test_penalty_sees_per_example_weights():
    # With D(x) = sum(x^2) / 2 the gradient at x_hat is x_hat itself. Real = +1 and fake = -1
    # everywhere, so example i has gradient (2 w_i - 1) * ones: a norm of |2 w_i - 1| * sqrt(d).
    # A per-pixel weight would give a different norm; a per-batch weight the same norm for all.
    critic = lambda x: 0.5 * tf.reduce_sum(tf.square(x), axis=[1, 2, 3])[:, None]  # noqa: E731
    real, fake = tf.ones((4, 3, 3, 2)), -tf.ones((4, 3, 3, 2))
    weights = tf.constant([0.0, 0.25, 0.75, 1.0])
    _, norms = penalties.gradient_penalty(critic, real, fake, weights)
    np.testing.assert_allclose(
        norms.numpy(), np.abs(2 * weights.numpy() - 1) * np.sqrt(18), rtol=1e-5
    )


def test_gradient_is_finite_where_critic_gradient_is_zero():
    critic = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(1, kernel_initializer="zeros")]
    )
    real, fake = tf.ones((4, 3)), tf.zeros((4, 3))
    with tf.GradientTape() as tape:
        penalty, norms = penalties.gradient_penalty(critic, real, fake, tf.fill([4], 0.5))
    kernel_gradient = tape.gradient(penalty, critic.layers[0].kernel)
    assert np.allclose(norms.numpy(), np.sqrt(1e-10))
    assert np.all(np.isfinite(kernel_gradient.numpy()))


def test_penalty_is_float32_for_bfloat16_inputs():
    penalty, norms = penalties.gradient_penalty(
        linear_critic(np.ones(2, "float32")),
        tf.ones((2, 2), tf.bfloat16),
        tf.zeros((2, 2), tf.bfloat16),
        tf.fill([2], 0.5),
    )
    assert penalty.dtype == tf.float32 and norms.dtype == tf.float32
    np.testing.assert_allclose(float(penalty), (np.sqrt(2) - 1) ** 2, rtol=1e-5)


def test_penalty_is_differentiable_twice():
    critic = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(4, "tanh"), keras.layers.Dense(1)]
    )
    with tf.GradientTape() as tape:
        penalty, _ = penalties.gradient_penalty(
            critic, tf.ones((5, 2)), tf.zeros((5, 2)), tf.fill([5], 0.3)
        )
    # Every weight but the output bias shapes the input gradient, so the penalty reaches it.
    kernels = [critic.layers[0].kernel, critic.layers[0].bias, critic.layers[1].kernel]
    gradients = tape.gradient(penalty, kernels)
    assert all(float(tf.reduce_max(tf.abs(g))) > 0 for g in gradients)
