import keras
import numpy as np
import pytest

import keras_wgan
from keras_wgan import networks
from keras_wgan.data import make_dataset


@pytest.fixture
def policy():
    def set_policy(name):
        keras.mixed_precision.set_global_policy(name)

    yield set_policy
    keras.mixed_precision.set_global_policy("float32")


def build(cls):
    generator = networks.build_generator((8, 8, 1), latent_dim=4, base_filters=4)
    critic = networks.build_critic((8, 8, 1), base_filters=4)
    return cls(generator, critic, critic_steps=2, seed=0)


@pytest.mark.parametrize("cls", [keras_wgan.WGAN, keras_wgan.WGANGP])
def test_mixed_bfloat16_trains_with_float32_outputs_and_metrics(policy, cls):
    policy("mixed_bfloat16")
    model = build(cls)
    assert model.critic.layers[1].compute_dtype == "bfloat16"  # the convolutions
    assert model.generator.output.dtype == "float32" and model.critic.output.dtype == "float32"
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1)).astype("float32")
    history = model.fit(make_dataset(images, 4, critic_steps=2), epochs=2, verbose=0)
    assert all(np.all(np.isfinite(values)) for values in history.history.values())
    assert all(v.dtype == "float32" for v in model.critic.trainable_variables)


def test_mixed_float16_is_refused_with_a_clear_message(policy):
    policy("mixed_float16")
    model = build(keras_wgan.WGANGP)
    with pytest.raises(ValueError, match="mixed_bfloat16"):
        model.compile()
