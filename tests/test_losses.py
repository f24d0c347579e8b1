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
