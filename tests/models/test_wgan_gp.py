import keras
import numpy as np
import pytest

import keras_wgan
from keras_wgan import networks
from keras_wgan.data import make_dataset
from tests.helpers import config_round_trip
from tests.helpers import keras_file_round_trip
from tests.helpers import tiny_mlp_pair
from tests.helpers import toy_points


def linear_critic(weights):
    inputs = keras.Input((len(weights),))
    critic = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    critic.layers[-1].set_weights([np.asarray(weights, "float32")[:, None], np.zeros(1, "float32")])
    return critic


def test_penalty_metrics_on_a_linear_critic_are_exact():
    generator = networks.build_mlp_generator(output_dim=2, latent_dim=2, hidden_units=(4,))
    model = keras_wgan.WGANGP(generator, linear_critic([3.0, 4.0]), critic_steps=2, seed=0)
    model.compile(critic_optimizer=keras.optimizers.SGD(0.0))  # the critic stays D(x) = 3a + 4b
    history = model.fit(make_dataset(toy_points(16), 4, critic_steps=2), epochs=1, verbose=0)
    logs = {name: values[-1] for name, values in history.history.items()}
    assert np.isclose(logs["gradient_norm"], 5.0, rtol=1e-5)
    assert np.isclose(logs["gradient_penalty"], 10.0 * (5.0 - 1.0) ** 2, rtol=1e-5)
    assert np.isclose(
        logs["critic_loss"], logs["gradient_penalty"] - logs["wasserstein_estimate"], rtol=1e-5
    )


def test_one_sided_penalty_ignores_a_critic_below_the_target():
    generator = networks.build_mlp_generator(output_dim=2, latent_dim=2, hidden_units=(4,))
    model = keras_wgan.WGANGP(generator, linear_critic([0.3, 0.4]), critic_steps=1, one_sided=True)
    model.compile(critic_optimizer=keras.optimizers.SGD(0.0))
    history = model.fit(make_dataset(toy_points(8), 4), epochs=1, verbose=0)
    assert history.history["gradient_penalty"][-1] == 0.0
    assert np.isclose(history.history["gradient_norm"][-1], 0.5, rtol=1e-5)


def test_wgan_gp_does_not_clip_and_logs_its_diagnostics():
    generator, critic = tiny_mlp_pair()
    model = keras_wgan.WGANGP(generator, critic, critic_steps=2)
    assert all(v.constraint is None for v in model.critic.trainable_variables)
    model.compile()
    assert isinstance(model.critic_optimizer, keras.optimizers.Adam)
    assert model.critic_optimizer.get_config()["beta_1"] == 0.5
    assert np.isclose(model.critic_optimizer.get_config()["learning_rate"], 1e-4)
    history = model.fit(make_dataset(toy_points(16), 4, critic_steps=2), epochs=1, verbose=0)
    assert set(history.history) == {
        "critic_loss", "generator_loss", "generator_gradient_norm", "wasserstein_estimate",
        "gradient_penalty", "gradient_norm",
    }


def test_batch_normalization_in_the_critic_is_refused():
    generator, _ = tiny_mlp_pair()
    critic = networks.build_mlp_critic(input_dim=2, hidden_units=(4,), normalization="batch")
    with pytest.raises(ValueError, match="must not use BatchNormalization"):
        keras_wgan.WGANGP(generator, critic)
    keras_wgan.WGAN(generator, critic)  # clipping WGAN allows it, as in the paper's DCGAN critic


def test_layer_normalization_critic_is_accepted():
    generator, critic = tiny_mlp_pair(critic_normalization="layer")
    keras_wgan.WGANGP(generator, critic)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"penalty_weight": -1.0}, "penalty_weight=-1.0"),
        ({"penalty_target": 0.0}, "penalty_target=0.0"),
    ],
)
def test_bad_penalty_arguments_are_refused(kwargs, message):
    generator, critic = tiny_mlp_pair()
    with pytest.raises(ValueError, match=message):
        keras_wgan.WGANGP(generator, critic, **kwargs)


def test_config_round_trip_keeps_penalty_settings(tmp_path):
    generator, critic = tiny_mlp_pair()
    model = keras_wgan.WGANGP(generator, critic, penalty_weight=5.0, one_sided=True, seed=3)
    restored = config_round_trip(model)
    assert (restored.penalty_weight, restored.one_sided, restored.seed) == (5.0, True, 3)
    assert "clip_value" not in restored.get_config()

    model.compile()
    model.fit(make_dataset(toy_points(40), 4, critic_steps=5), epochs=1, verbose=0)
    loaded = keras_file_round_trip(model, tmp_path)
    for a, b in zip(model.critic_optimizer.variables, loaded.critic_optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())

