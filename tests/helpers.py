"""Small networks and data shared by the tests."""

import numpy as np

from keras_wgan import networks


def tiny_mlp_pair(units=(8, 8), latent_dim=2, dim=2, critic_normalization=None):
    generator = networks.build_mlp_generator(output_dim=dim, latent_dim=latent_dim, hidden_units=units)
    critic = networks.build_mlp_critic(
        input_dim=dim, hidden_units=units, normalization=critic_normalization
    )
    return generator, critic


def toy_points(count, seed=0):
    return np.random.default_rng(seed).standard_normal((count, 2)).astype("float32")


class PixelFeatures:
    """A stand-in extractor: the raw pixels as features, no class probabilities."""

    name = "pixels"

    def __call__(self, images):
        images = np.asarray(images, "float64")
        return images.reshape(len(images), -1), None

    def describe(self, accuracy=None):
        return "raw pixels"
