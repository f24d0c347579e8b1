import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_wgan
from keras_wgan import losses
from keras_wgan.data import make_dataset
from tests.helpers import config_round_trip
from tests.helpers import keras_file_round_trip
from tests.helpers import tiny_dcgan_pair
from tests.helpers import tiny_mlp_pair
from tests.helpers import toy_points


def test_gan_losses_at_an_undecided_discriminator():
    zero = np.zeros((4, 1), "float32")
    assert np.isclose(float(losses.discriminator_loss(zero, zero)), 2 * np.log(2))
    assert np.isclose(float(losses.minimax_generator_loss(zero)), -np.log(2))
    assert np.isclose(float(losses.non_saturating_generator_loss(zero)), np.log(2))


def test_gan_losses_stay_finite_where_the_sigmoid_saturates():
    big = np.array([[100.0], [-100.0]], "float32")
    for value in (
        losses.discriminator_loss(big, big),
        losses.minimax_generator_loss(big),
        losses.non_saturating_generator_loss(big),
    ):
        assert np.isfinite(float(value))
    # log(1 - sigmoid(-100)) = -softplus(-100) ~ -4e-44; log(sigmoid(100)) ~ 0.
    assert np.isclose(float(losses.discriminator_loss(big[:1], -big[:1])), 0.0, atol=1e-6)


def test_minimax_gradient_vanishes_when_the_discriminator_wins():
    # D(fake) = sigmoid(-10) ~ 4.5e-5: the discriminator rejects the samples confidently.
    logits = tf.Variable([[-10.0]])
    gradients = {}
    for name, loss in (
        ("minimax", losses.minimax_generator_loss),
        ("non_saturating", losses.non_saturating_generator_loss),
    ):
        with tf.GradientTape() as tape:
            value = loss(logits)
        gradients[name] = float(tape.gradient(value, logits)[0, 0])
    assert np.isclose(gradients["minimax"], -1 / (1 + np.exp(10)), rtol=1e-4)  # -sigmoid(-10)
    assert np.isclose(gradients["non_saturating"], -1 / (1 + np.exp(-10)), rtol=1e-4)  # ~ -1
    assert abs(gradients["non_saturating"]) > 2e4 * abs(gradients["minimax"])


@pytest.mark.parametrize("loss", ["minimax", "non_saturating"])
def test_gan_trains_with_fit_and_logs_probabilities(loss):
    generator, critic = tiny_mlp_pair()
    model = keras_wgan.GAN(generator, critic, loss=loss, seed=0)
    model.compile()
    assert isinstance(model.critic_optimizer, keras.optimizers.Adam)
    assert np.isclose(model.critic_optimizer.get_config()["learning_rate"], 2e-4)
    history = model.fit(make_dataset(toy_points(64), 8), epochs=1, verbose=0)
    logs = {name: values[-1] for name, values in history.history.items()}
    assert set(logs) == {
        "critic_loss", "generator_loss", "generator_gradient_norm",
        "real_probability", "fake_probability",
    }
    assert 0 < logs["real_probability"] < 1 and 0 < logs["fake_probability"] < 1
    assert int(model.generator_optimizer.iterations) == 8
    assert int(model.critic_optimizer.iterations) == 8
    assert all(v.constraint is None for v in model.critic.trainable_variables)


def test_gan_allows_batch_normalization_and_round_trips(tmp_path):
    generator, critic = tiny_dcgan_pair(normalization="batch")
    model = keras_wgan.GAN(generator, critic, loss="minimax", critic_steps=2, seed=3)
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1)).astype("float32")
    model.fit(make_dataset(images, 4, critic_steps=2), epochs=1, verbose=0)
    assert config_round_trip(model).generator_loss_name == "minimax"
    loaded = keras_file_round_trip(model, tmp_path)
    assert loaded.compiled
    for a, b in zip(model.critic_optimizer.variables, loaded.critic_optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_unknown_gan_loss_is_refused():
    generator, critic = tiny_mlp_pair()
    with pytest.raises(ValueError, match="loss='wasserstein'"):
        keras_wgan.GAN(generator, critic, loss="wasserstein")
