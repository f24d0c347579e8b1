import keras
import numpy as np

from keras_wgan import losses
from keras_wgan import networks
from keras_wgan.data import make_dataset
from keras_wgan.models.hinge import HingeGAN
from tests.helpers import config_round_trip
from tests.helpers import keras_file_round_trip
from tests.helpers import tiny_mlp_pair
from tests.helpers import toy_points


def test_hinge_defaults_are_sngans():
    generator, critic = tiny_mlp_pair()
    model = HingeGAN(generator, critic)
    model.compile()
    assert model.critic_steps == 5
    settings = model.critic_optimizer.get_config()
    assert isinstance(model.critic_optimizer, keras.optimizers.Adam)
    assert np.isclose(settings["learning_rate"], 2e-4)
    assert (settings["beta_1"], settings["beta_2"]) == (0.0, 0.9)


def test_hinge_objectives_are_the_hinge_losses():
    generator, critic = tiny_mlp_pair()
    model = HingeGAN(generator, critic)
    real = np.array([[2.0], [0.5]], "float32")
    fake = np.array([[-0.5], [1.0]], "float32")
    loss, logs = model.critic_objective(real, fake)
    assert float(loss) == float(losses.hinge_critic_loss(real, fake)) == 0.25 + 1.25
    assert float(logs["wasserstein_estimate"]) == 1.25 - 0.25
    assert float(model.generator_objective(fake)) == -0.25


def test_hinge_trains_with_fit_and_logs_the_projects_metrics():
    keras.utils.set_random_seed(0)
    generator, _ = tiny_mlp_pair()
    critic = networks.build_mlp_critic(2, hidden_units=(8, 8), spectral_norm=True)
    model = HingeGAN(generator, critic, critic_steps=2, seed=0)
    model.compile()
    history = model.fit(make_dataset(toy_points(64), 8, critic_steps=2), epochs=1, verbose=0)
    assert set(history.history) == {
        "critic_loss", "generator_loss", "generator_gradient_norm", "wasserstein_estimate"
    }
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    assert int(model.generator_optimizer.iterations) == 4
    assert int(model.critic_optimizer.iterations) == 8


def test_hinge_with_a_spectrally_normalized_critic_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    generator = networks.build_generator((8, 8, 1), latent_dim=4, base_filters=4)
    critic = networks.build_critic(
        (8, 8, 1), base_filters=4, normalization=None, spectral_norm=True
    )
    model = HingeGAN(generator, critic, critic_steps=2, seed=3)
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1)).astype("float32")
    model.fit(make_dataset(images, 4, critic_steps=2), epochs=1, verbose=0)
    assert config_round_trip(model).critic_steps == 2
    loaded = keras_file_round_trip(model, tmp_path)
    assert loaded.compiled
    latent = np.random.default_rng(1).standard_normal((4, 4)).astype("float32")
    np.testing.assert_array_equal(loaded.generate(latent), model.generate(latent))
    for training in (False, True):
        np.testing.assert_array_equal(
            loaded.critic(images, training=training), model.critic(images, training=training)
        )
    for a, b in zip(model.critic_optimizer.variables, loaded.critic_optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
