"""The WGAN-GP paper's ResNets against the authors' code (igul222/improved_wgan_training)."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_wgan import WGANGP
from keras_wgan import networks
from keras_wgan.run_config import TrainConfig
from keras_wgan.training.builders import build_model
from tests.helpers import keras_file_round_trip

# The authors' variable names translated to our layers' (`_ours`).
LAYERS = {("Generator", "Input"): "dense", ("Generator", "OutputN"): "output_norm",
          ("Generator", "Output"): "images", ("Discriminator", "Input"): "input_conv",
          ("Discriminator", "Output"): "scores"}
PIECES = {"Shortcut": "shortcut", "Conv1": "conv1", "Conv2": "conv2", "N1": "norm1",
          "N2": "norm2", "BN1": "norm1", "BN2": "norm2"}
VARIABLES = {"W": "kernel", "b": "bias", "Filters": "kernel", "Biases": "bias",
             "offset": "beta", "scale": "gamma"}


def _ours(name):
    network, *parts, variable = name.split(".")
    if (network, parts[0]) in LAYERS:
        layer = LAYERS[network, parts[0]]
    else:
        layer = f"block{parts[0].removeprefix('Res')}_{PIECES[parts[1]]}"
    return f"{layer}/{VARIABLES[variable]}"


def _up_block_32(n):
    """`ResidualBlock('Generator.n', 128, 128, 3, resample='up')` of gan_cifar_resnet.py."""
    p = f"Generator.{n}"
    return [(f"{p}.Shortcut.Filters", (1, 1, 128, 128)), (f"{p}.Shortcut.Biases", (128,)),
            (f"{p}.N1.offset", (128,)), (f"{p}.N1.scale", (128,)),
            (f"{p}.Conv1.Filters", (3, 3, 128, 128)), (f"{p}.Conv1.Biases", (128,)),
            (f"{p}.N2.offset", (128,)), (f"{p}.N2.scale", (128,)),
            (f"{p}.Conv2.Filters", (3, 3, 128, 128)), (f"{p}.Conv2.Biases", (128,))]


def _convs_32(n, channels_in=128, shortcut=False):
    """A critic block of gan_cifar_resnet.py (no normalization): two 3x3 convolutions, and a
    1x1 shortcut unless it is the identity."""
    p = f"Discriminator.{n}"
    rows = [(f"{p}.Conv1.Filters", (3, 3, channels_in, 128)), (f"{p}.Conv1.Biases", (128,)),
            (f"{p}.Conv2.Filters", (3, 3, 128, 128)), (f"{p}.Conv2.Biases", (128,))]
    if shortcut:
        rows += [(f"{p}.Shortcut.Filters", (1, 1, channels_in, 128)),
                 (f"{p}.Shortcut.Biases", (128,))]
    return rows


# gan_cifar_resnet.py, unconditional, DIM_G = DIM_D = 128, CIFAR-10's 3 channels.
AUTHORS_GENERATOR_32 = [
    ("Generator.Input.W", (128, 2048)), ("Generator.Input.b", (2048,)),
    *_up_block_32(1), *_up_block_32(2), *_up_block_32(3),
    ("Generator.OutputN.offset", (128,)), ("Generator.OutputN.scale", (128,)),
    ("Generator.Output.Filters", (3, 3, 128, 3)), ("Generator.Output.Biases", (3,)),
]
AUTHORS_CRITIC_32 = [
    *_convs_32(1, channels_in=3, shortcut=True), *_convs_32(2, shortcut=True),
    *_convs_32(3), *_convs_32(4),
    ("Discriminator.Output.W", (128, 1)), ("Discriminator.Output.b", (1,)),
]


def _block_64(network, n, c_in, c_out):
    """`ResidualBlock` of gan_64x64.py: Conv1 without bias, normalizations on its input and
    on Conv1's output."""
    p, mid = f"{network}.Res{n}", c_out if network == "Generator" else c_in
    return [(f"{p}.Shortcut.Filters", (1, 1, c_in, c_out)), (f"{p}.Shortcut.Biases", (c_out,)),
            (f"{p}.BN1.offset", (c_in,)), (f"{p}.BN1.scale", (c_in,)),
            (f"{p}.Conv1.Filters", (3, 3, c_in, mid)),
            (f"{p}.BN2.offset", (mid,)), (f"{p}.BN2.scale", (mid,)),
            (f"{p}.Conv2.Filters", (3, 3, mid, c_out)), (f"{p}.Conv2.Biases", (c_out,))]


# gan_64x64.py, GoodGenerator and GoodDiscriminator (MODE = "wgan-gp": layer normalization in
# the critic), DIM = 64.
AUTHORS_GENERATOR_64 = [
    ("Generator.Input.W", (128, 8192)), ("Generator.Input.b", (8192,)),
    *_block_64("Generator", 1, 512, 512), *_block_64("Generator", 2, 512, 256),
    *_block_64("Generator", 3, 256, 128), *_block_64("Generator", 4, 128, 64),
    ("Generator.OutputN.offset", (64,)), ("Generator.OutputN.scale", (64,)),
    ("Generator.Output.Filters", (3, 3, 64, 3)), ("Generator.Output.Biases", (3,)),
]
AUTHORS_CRITIC_64 = [
    ("Discriminator.Input.Filters", (3, 3, 3, 64)), ("Discriminator.Input.Biases", (64,)),
    *_block_64("Discriminator", 1, 64, 128), *_block_64("Discriminator", 2, 128, 256),
    *_block_64("Discriminator", 3, 256, 512), *_block_64("Discriminator", 4, 512, 512),
    ("Discriminator.Output.W", (8192, 1)), ("Discriminator.Output.b", (1,)),
]


def _trainable_shapes(model):
    return {variable.path: tuple(variable.shape) for variable in model.trainable_variables}


def _count(rows):
    return sum(int(np.prod(shape)) for _, shape in rows)


@pytest.mark.parametrize(
    "side, generator_rows, critic_rows, totals",
    [(32, AUTHORS_GENERATOR_32, AUTHORS_CRITIC_32, (1_204_483, 1_053_825)),
     (64, AUTHORS_GENERATOR_64, AUTHORS_CRITIC_64, (8_540_483, 7_491_841))],
)
def test_every_variable_has_the_authors_shape(side, generator_rows, critic_rows, totals):
    generator = networks.build_resnet_generator((side, side, 3))
    critic = networks.build_resnet_critic((side, side, 3))
    assert _trainable_shapes(generator) == {_ours(name): shape for name, shape in generator_rows}
    assert _trainable_shapes(critic) == {_ours(name): shape for name, shape in critic_rows}
    assert (_count(generator_rows), _count(critic_rows)) == totals
    assert (generator.count_params() - _count(generator_rows)) == sum(
        int(np.prod(v.shape)) for v in generator.non_trainable_variables
    )
    # Only batch normalization's moving statistics are not trained; the critic has none.
    assert all("moving" in v.path for v in generator.non_trainable_variables)
    assert critic.non_trainable_variables == []


@pytest.mark.parametrize(
    "shape, padded_size", [((32, 32, 3), None), ((28, 28, 1), 32), ((64, 64, 3), None)]
)
def test_outputs_have_the_image_shape_and_range(shape, padded_size):
    generator = networks.build_resnet_generator(
        shape, latent_dim=16, base_filters=4, padded_size=padded_size
    )
    critic = networks.build_resnet_critic(shape, base_filters=4, padded_size=padded_size)
    images = generator.predict(np.random.default_rng(0).normal(size=(3, 16)), verbose=0)
    assert images.shape == (3, *shape)
    assert np.all(np.abs(images) <= 1.0) and np.std(images) > 0
    scores = critic.predict(images, verbose=0)
    assert scores.shape == (3, 1) and scores.dtype == np.float32
    assert critic.layers[-1].get_config()["activation"] == "linear"


def test_conditional_networks_take_labels():
    generator = networks.build_resnet_generator((32, 32, 1), 8, base_filters=4, num_classes=3)
    critic = networks.build_resnet_critic((32, 32, 1), base_filters=4, num_classes=3)
    labels = np.array([0, 1, 2], "int32")
    images = generator.predict([np.zeros((3, 8), "float32"), labels], verbose=0)
    assert critic.predict([images, labels], verbose=0).shape == (3, 1)


def test_channel_layer_normalization_is_the_authors_layernorm():
    layer = networks.ChannelLayerNormalization()
    x = np.random.default_rng(1).normal(2.0, 3.0, (2, 4, 4, 5)).astype("float32")
    layer.build(x.shape)
    layer.gamma.assign(np.arange(1, 6, dtype="float32"))
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    variance = x.var(axis=(1, 2, 3), keepdims=True)
    expected = (x - mean) / np.sqrt(variance + 1e-5) * np.arange(1, 6)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-4, atol=1e-5)
    assert [tuple(v.shape) for v in layer.weights] == [(5,), (5,)]


def test_a_wgan_gp_on_the_resnets_round_trips_through_a_keras_file(tmp_path):
    generator = networks.build_resnet_generator((32, 32, 1), 8, base_filters=4)
    critic = networks.build_resnet_critic((32, 32, 1), base_filters=4, normalization="layer")
    model = WGANGP(generator, critic, critic_steps=1, seed=0)
    model.compile()
    restored = keras_file_round_trip(model, tmp_path)
    noise = np.random.default_rng(2).normal(size=(2, 8)).astype("float32")
    np.testing.assert_array_equal(restored.generator(noise), model.generator(noise))
    images = model.generator(noise)
    np.testing.assert_allclose(restored.critic(images), model.critic(images), rtol=1e-6)


@pytest.mark.parametrize(
    "arguments, named",
    [({"image_shape": (48, 48, 3)}, "image_shape"),
     ({"image_shape": (32, 32, 3), "padded_size": 16}, "padded_size"),
     ({"image_shape": (40, 40, 3), "padded_size": 32}, "image_shape"),
     ({"image_shape": (32, 32, 3), "normalization": "group"}, "normalization='group'"),
     ({"image_shape": (32, 32, 3), "base_filters": 0}, "base_filters")],
)
def test_builders_refuse_what_the_networks_cannot_take(arguments, named):
    with pytest.raises(ValueError, match=named):
        networks.build_resnet_critic(**arguments)


@pytest.mark.parametrize(
    "settings, named",
    [({"dataset": "ring8"}, "dataset='ring8'"),
     ({"dataset": "folder", "image_dir": "x", "image_size": 128}, "image_size=128")],
)
def test_config_refuses_resnet_where_it_cannot_train(settings, named):
    with pytest.raises(ValueError, match=named):
        TrainConfig(architecture="resnet", **settings)


def test_a_config_builds_the_resnets_padding_smaller_images():
    config = TrainConfig(dataset="digits", architecture="resnet", base_filters=4, clusters=0)
    model = build_model(config, (8, 8, 1))
    assert tuple(model.generator.outputs[0].shape[1:]) == (8, 8, 1)
    kinds = [type(layer).__name__ for layer in model.critic.layers]
    assert "ZeroPadding2D" in kinds and "GlobalAveragePooling2D" in kinds


def test_cli_smoke_run_trains_the_resnet_at_32x32(tmp_path):
    from PIL import Image

    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index in range(8):
        Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(
            folder / f"{index}.png"
        )
    output_dir = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-m", "keras_wgan", "train", "--smoke", "--architecture", "resnet",
         "--dataset", "folder", "--image-dir", str(folder), "--image-size", "32",
         "--batch-size", "2", "--critic-steps", "2", "--backup-every", "0", "--clusters", "0",
         "--output-dir", str(output_dir), "--saved-models-dir", str(tmp_path / "sm")],
        capture_output=True, text=True, timeout=300,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    history = json.loads((output_dir / "history.json").read_text())
    assert len(history["critic_loss"]) == 1
    model = keras.models.load_model(output_dir / "model.keras")
    assert tuple(model.generator.outputs[0].shape[1:]) == (32, 32, 3)
    assert "block3_shortcut" in [layer.name for layer in model.generator.layers]
    assert "block1_shortcut_pool" in [layer.name for layer in model.critic.layers]


def test_spectral_norm_wraps_the_resnet_critic_in_place_of_its_normalization():
    config = TrainConfig(dataset="folder", image_dir="x", image_size=64, architecture="resnet",
                         spectral_norm=True, clusters=0, base_filters=4, critic_filters=4)
    critic = build_model(config, (64, 64, 1)).critic
    kinds = {type(layer).__name__ for layer in critic.layers}
    # The 64x64 critic's layer normalization (the paper's) gives way to the wrapper.
    assert "SpectralNormalization" in kinds and "ChannelLayerNormalization" not in kinds
    assert not {"Conv2D", "Dense"} & kinds
    assert critic(np.zeros((2, 64, 64, 1), "float32")).shape == (2, 1)
