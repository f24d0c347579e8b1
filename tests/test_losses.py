import keras
import numpy as np

from keras_wgan import losses

REAL = np.array([[3.0], [1.0]], "float32")
FAKE = np.array([[0.5], [-0.5], [0.3]], "float32")


def test_critic_loss_is_mean_fake_minus_mean_real():
    assert np.isclose(float(losses.critic_loss(REAL, FAKE)), 0.1 - 2.0)


def test_generator_loss_is_minus_mean_fake():
    assert np.isclose(float(losses.generator_loss(FAKE)), -0.1)


def test_wasserstein_estimate_is_minus_critic_loss():
    estimate = float(losses.wasserstein_estimate(REAL, FAKE))
    assert np.isclose(estimate, 1.9)
    assert np.isclose(estimate, -float(losses.critic_loss(REAL, FAKE)))


def test_losses_are_float32_for_bfloat16_scores():
    loss = losses.critic_loss(REAL.astype("bfloat16"), FAKE.astype("bfloat16"))
    assert keras.backend.standardize_dtype(loss.dtype) == "float32"


# Scores on both sides of the margins, chosen so that every mean is exact in float32.
HINGE_REAL = np.array([[2.0], [0.5], [-1.0], [0.75]], "float32")
HINGE_FAKE = np.array([[-2.0], [0.0], [1.5], [-0.5]], "float32")


def test_hinge_losses_equal_their_formulas():
    # relu(1 - real) = (0, 0.5, 2, 0.25): 0.6875; relu(1 + fake) = (0, 1, 2.5, 0.5): 1.0.
    assert float(losses.hinge_critic_loss(HINGE_REAL, HINGE_FAKE)) == 1.6875
    assert float(losses.hinge_generator_loss(HINGE_FAKE)) == 0.25
    assert float(losses.hinge_critic_loss(HINGE_REAL[:1], HINGE_FAKE[:1])) == 0.0


def test_hinge_critic_loss_ignores_scores_past_the_margins():
    import tensorflow as tf

    real, fake = tf.Variable(HINGE_REAL), tf.Variable(HINGE_FAKE)
    with tf.GradientTape() as tape:
        loss = losses.hinge_critic_loss(real, fake)
    real_gradient, fake_gradient = tape.gradient(loss, [real, fake])
    np.testing.assert_array_equal(real_gradient.numpy().ravel(), [0, -0.25, -0.25, -0.25])
    np.testing.assert_array_equal(fake_gradient.numpy().ravel(), [0, 0.25, 0.25, 0.25])
