import keras
import numpy as np
import pytest

import keras_wgan
from keras_wgan import networks
from keras_wgan.data import make_dataset
from keras_wgan.models.hinge import HingeGAN
from keras_wgan.networks import UnrolledConv2D
from keras_wgan.networks.spectral_norm import spectrally_normalized
from tests.helpers import keras_file_round_trip

IMAGES = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")


def wrapped(network):
    return [layer for layer in network.layers
            if isinstance(layer, keras.layers.SpectralNormalization)]


def largest_singular_value(layer):
    """What `SpectralNormalization` normalizes: the kernel reshaped to `(-1, units)`."""
    kernel = layer.layer.kernel.numpy()
    return np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]


def sn_critic(**options):
    # Two stages from 8x8: the second convolution sees a 4x4 map and is an UnrolledConv2D.
    return networks.build_critic(
        (8, 8, 1), base_filters=4, normalization=None, stages=2, spectral_norm=True, **options
    )


def test_every_convolution_and_dense_layer_is_wrapped_with_the_same_start():
    keras.utils.set_random_seed(0)
    plain = networks.build_critic((8, 8, 1), base_filters=4, normalization=None, stages=2)
    normalized = spectrally_normalized(plain)
    assert [type(layer.layer) for layer in wrapped(normalized)] == [
        keras.layers.Conv2D, UnrolledConv2D, keras.layers.Dense
    ]
    assert [layer.name for layer in normalized.layers] == [layer.name for layer in plain.layers]
    assert normalized.name == plain.name and normalized.output.dtype == "float32"
    # Inference does not normalize: the same scores until a training call.
    np.testing.assert_array_equal(normalized(IMAGES), plain(IMAGES))
    mlp = networks.build_mlp_critic(2, hidden_units=(8, 8), spectral_norm=True)
    assert len(wrapped(mlp)) == 3


def test_unrolled_convolution_normalizes_as_a_convolution():
    critics = []
    for unroll in (True, False):
        keras.utils.set_random_seed(0)
        critics.append(sn_critic(unroll_small_maps=unroll))
    unrolled, reference = critics
    assert isinstance(wrapped(unrolled)[1].layer, UnrolledConv2D)
    assert type(wrapped(reference)[1].layer) is keras.layers.Conv2D
    for _ in range(3):
        np.testing.assert_allclose(
            unrolled(IMAGES, training=True), reference(IMAGES, training=True), atol=1e-5
        )
    for a, b in zip(unrolled.weights, reference.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)


@pytest.mark.parametrize("cls", [HingeGAN, keras_wgan.WGANGP, keras_wgan.WGAN])
def test_largest_singular_values_are_near_1_after_training(cls):
    keras.utils.set_random_seed(0)
    generator = networks.build_generator((8, 8, 1), latent_dim=4, base_filters=4)
    critic = sn_critic()
    scale = 3.0  # Kernels start far from 1: the normalization must bring them there.
    for layer in wrapped(critic):
        layer.layer.kernel.assign(layer.layer.kernel * scale / largest_singular_value(layer))
    model = cls(generator, critic, critic_steps=2, seed=0)
    model.compile()
    model.fit(make_dataset(IMAGES, 4, critic_steps=2), epochs=2, verbose=0)
    for layer in wrapped(critic):
        assert largest_singular_value(layer) == pytest.approx(1.0, abs=2e-3), layer.name


def test_spectrally_normalized_critic_round_trips_through_a_keras_file(tmp_path):
    critic = sn_critic(num_classes=3)
    labels = np.array([0, 1, 2] * 10 + [0, 1])
    for _ in range(3):
        critic([IMAGES, labels], training=True)
    critic.save(tmp_path / "critic.keras")
    loaded = keras.saving.load_model(tmp_path / "critic.keras")
    assert len(wrapped(loaded)) == 3
    for a, b in zip(critic.weights, loaded.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # Training calls use and update the power iteration's vector: it was saved too.
    np.testing.assert_array_equal(loaded([IMAGES, labels]), critic([IMAGES, labels]))
    np.testing.assert_array_equal(
        loaded([IMAGES, labels], training=True), critic([IMAGES, labels], training=True)
    )
    model = HingeGAN(networks.build_generator((8, 8, 1), latent_dim=4, base_filters=4), sn_critic())
    assert len(wrapped(keras_file_round_trip(model, tmp_path).critic)) == 3


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="spectral_norm='yes'"):
        networks.build_critic((8, 8, 1), spectral_norm="yes")
    with pytest.raises(ValueError, match="spectral_norm=1"):
        networks.build_mlp_critic(2, spectral_norm=1)
    with pytest.raises(ValueError, match="power_iterations=0"):
        spectrally_normalized(networks.build_mlp_critic(2, hidden_units=(4,)), power_iterations=0)
    with pytest.raises(ValueError, match="network="):
        spectrally_normalized(keras.layers.Dense(1))
