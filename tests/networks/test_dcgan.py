import numpy as np
import pytest

from keras_wgan import networks


@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1), (32, 32, 3), (64, 64, 3), (16, 32, 2)])
def test_generator_and_critic_fit_the_image_shape(shape):
    generator = networks.build_generator(shape, latent_dim=8, base_filters=4)
    critic = networks.build_critic(shape, base_filters=4)
    images = generator.predict(np.zeros((2, 8), "float32"), verbose=0)
    assert images.shape == (2, *shape)
    assert np.all(np.abs(images) <= 1.0)
    assert critic.predict(images, verbose=0).shape == (2, 1)


def test_critic_output_is_linear():
    critic = networks.build_critic((8, 8, 1), base_filters=4)
    assert critic.layers[-1].get_config()["activation"] == "linear"


@pytest.mark.parametrize("normalization, layer", [("layer", "LayerNormalization"), ("batch", "BatchNormalization")])
def test_critic_normalization_is_selectable(normalization, layer):
    critic = networks.build_critic((32, 32, 1), base_filters=4, normalization=normalization)
    assert layer in [type(x).__name__ for x in critic.layers]


def test_builders_refuse_bad_arguments():
    with pytest.raises(ValueError, match="normalization='group'"):
        networks.build_critic((8, 8, 1), normalization="group")
    with pytest.raises(ValueError, match="image_shape"):
        networks.build_generator((8, 8))
    with pytest.raises(ValueError, match="even and at least 8"):
        networks.build_generator((7, 7, 1))


def test_mlp_builders():
    generator = networks.build_mlp_generator(output_dim=3, latent_dim=5, hidden_units=(8,))
    critic = networks.build_mlp_critic(input_dim=3, hidden_units=(8, 8))
    assert critic(generator(np.zeros((4, 5), "float32"))).shape == (4, 1)
    with pytest.raises(ValueError, match="hidden_units"):
        networks.build_mlp_critic(hidden_units=())
