import keras
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


@pytest.mark.parametrize(
    "normalization, layer", [("layer", "LayerNormalization"), ("batch", "BatchNormalization")]
)
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


def _conv_params(kernel, channels_in, filters):
    return (kernel * kernel * channels_in + 1) * filters


def test_critic_options_build_the_kerasio_example_critic():
    critic = networks.build_critic(
        (28, 28, 1), normalization=None, kernel_size=5, stages=4, padded_size=32, dropout=0.3
    )
    kinds = [type(layer).__name__ for layer in critic.layers]
    assert kinds.count("ZeroPadding2D") == 1 and kinds.count("Dropout") == 3
    convolutions = [layer for layer in critic.layers if isinstance(layer, keras.layers.Conv2D)]
    # The last runs as one matrix product (UnrolledConv2D, a Conv2D with the same weights).
    assert isinstance(convolutions[-1], networks.UnrolledConv2D)
    assert [layer.kernel.shape for layer in convolutions] == [
        (5, 5, 1, 64), (5, 5, 64, 128), (5, 5, 128, 256), (5, 5, 256, 512)
    ]
    assert critic.get_layer(index=1).output.shape == (None, 32, 32, 1)
    assert convolutions[-1].output.shape == (None, 2, 2, 512)
    # Four 5x5 convolutions on 32x32 and a dense score: the example critic's parameter count.
    expected = sum(_conv_params(5, a, b) for a, b in [(1, 64), (64, 128), (128, 256), (256, 512)])
    assert critic.count_params() == expected + 2 * 2 * 512 + 1
    images = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    # Dropout acts in training only: inference scores are deterministic, training ones are not.
    np.testing.assert_array_equal(critic(images), critic(images))
    assert not np.allclose(critic(images, training=True), critic(images, training=True))


def test_zero_padding_is_centred():
    critic = networks.build_critic((28, 28, 1), stages=4, padded_size=32, normalization=None)
    padding = critic.get_layer(index=1)
    images = np.ones((1, 28, 28, 1), "float32")
    padded = np.asarray(padding(images))[0, :, :, 0]
    assert padded.sum() == 28 * 28
    np.testing.assert_array_equal(padded[2:30, 2:30], 1.0)


def test_generator_options_build_the_kerasio_example_generator():
    generator = networks.build_generator(
        (28, 28, 1), latent_dim=128, kernel_size=3, upsampling="nearest", padded_size=32
    )
    kinds = [type(layer).__name__ for layer in generator.layers]
    assert "Conv2DTranspose" not in kinds
    assert kinds.count("UpSampling2D") == 3 and kinds.count("Cropping2D") == 1
    assert generator.get_layer("padded_images").output.shape == (None, 32, 32, 1)
    convolutions = [layer for layer in generator.layers if type(layer).__name__ == "Conv2D"]
    assert [layer.kernel.shape for layer in convolutions] == [
        (3, 3, 256, 128), (3, 3, 128, 64), (3, 3, 64, 1)
    ]
    latent = np.random.default_rng(0).standard_normal((2, 128)).astype("float32")
    padded = keras.Model(generator.input, generator.get_layer("padded_images").output)(latent)
    # The output is the centre of the 32x32 images the generator makes.
    np.testing.assert_allclose(generator(latent), np.asarray(padded)[:, 2:30, 2:30], atol=1e-6)


def test_uneven_padding_puts_the_extra_row_after():
    generator = networks.build_generator((27, 26, 2), latent_dim=4, base_filters=4, padded_size=32)
    critic = networks.build_critic((27, 26, 2), base_filters=4, padded_size=32)
    images = generator(np.zeros((2, 4), "float32"))
    assert images.shape == (2, 27, 26, 2)
    assert generator.get_layer("images").cropping == ((2, 3), (3, 3))
    assert critic(images).shape == (2, 1)


def test_default_networks_are_unchanged():
    generator = networks.build_generator((28, 28, 1), latent_dim=8, base_filters=4)
    critic = networks.build_critic((28, 28, 1), base_filters=4)
    kinds = [type(layer).__name__ for layer in generator.layers + critic.layers]
    assert not {"UpSampling2D", "Cropping2D", "ZeroPadding2D", "Dropout"} & set(kinds)
    transposed = [layer for layer in generator.layers if type(layer).__name__ == "Conv2DTranspose"]
    assert [layer.kernel.shape for layer in transposed] == [(4, 4, 4, 8), (4, 4, 1, 4)]
    convolutions = [layer for layer in critic.layers if type(layer).__name__ == "Conv2D"]
    assert [layer.kernel.shape for layer in convolutions] == [(4, 4, 1, 4), (4, 4, 4, 8)]


def test_padded_networks_keep_float32_outputs_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        generator = networks.build_generator(
            (28, 28, 1), latent_dim=4, base_filters=4, upsampling="nearest", padded_size=32
        )
        critic = networks.build_critic((28, 28, 1), base_filters=4, padded_size=32, dropout=0.2)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    images = generator(np.zeros((2, 4), "float32"))
    assert images.dtype == "float32" and critic(images).dtype == "float32"
    assert generator.get_layer("padded_images").compute_dtype == "float32"


@pytest.mark.parametrize(
    "builder, kwargs, message",
    [
        ("critic", {"kernel_size": 0}, "kernel_size=0"),
        ("generator", {"kernel_size": 2.5}, "kernel_size=2.5"),
        ("generator", {"upsampling": "bilinear"}, "upsampling='bilinear'"),
        ("critic", {"padded_size": 16}, "padded_size=16"),
        ("generator", {"padded_size": (32,)}, r"padded_size=\(32,\)"),
        ("critic", {"padded_size": "32"}, "padded_size='32'"),
        ("critic", {"stages": 0}, "stages=0"),
        ("critic", {"stages": 6}, "stages=6"),
        ("critic", {"dropout": 1.0}, "dropout=1.0"),
        ("critic", {"dropout": -0.1}, "dropout=-0.1"),
    ],
)
def test_builder_options_are_checked(builder, kwargs, message):
    build = networks.build_critic if builder == "critic" else networks.build_generator
    with pytest.raises(ValueError, match=message):
        build((28, 28, 1), **kwargs)
