"""The stacked networks' checks and their composition into one generator."""

import keras

from keras_wgan._framework import flatten_layers
from keras_wgan.models._networks import check_without_batch_normalization
from keras_wgan.networks.stacked import ConditioningAugmentation


def augmentation_layers(network):
    """The `ConditioningAugmentation` layers of `network`."""
    return [
        layer for layer in flatten_layers(network) if isinstance(layer, ConditioningAugmentation)
    ]


def shapes_of(network, argument):
    """`(input shapes, output shape)` of a Functional model."""
    try:
        inputs = [tuple(x.shape) for x in network.inputs]
        output = tuple(network.output.shape)
    except (AttributeError, ValueError, TypeError) as error:
        raise ValueError(
            f"`{argument}` must be a Functional model with known inputs and one output. "
            f"Received: {argument}={network.name!r} of type {type(network).__name__}"
        ) from error
    return inputs, output


def check_stacked_networks(stage1_generator, stage2_generator, stage1_critic, stage2_critic):
    """Checks that the four networks fit together; returns `(noise_dim, condition_dims)`."""
    shapes = {
        name: shapes_of(network, name)
        for name, network in (
            ("stage1_generator", stage1_generator),
            ("stage2_generator", stage2_generator),
            ("stage1_critic", stage1_critic),
            ("stage2_critic", stage2_critic),
        )
    }
    for name in ("stage1_generator", "stage2_generator"):
        inputs, _ = shapes[name]
        first = "noise" if name == "stage1_generator" else "low_resolution_images"
        if len(inputs) != 3 or inputs[1] not in ((None,), (None, 1)) or len(inputs[2]) != 2:
            raise ValueError(
                f"`{name}` must take [{first}, labels (batch,), condition_noise (batch, "
                f"condition_dim)]. Received: {name} with input shapes {inputs}"
            )
    for name in ("stage1_critic", "stage2_critic"):
        inputs, output = shapes[name]
        if len(inputs) != 2 or output[1:] not in ((1,), ()):
            raise ValueError(
                f"`{name}` must take [images, labels] and give one score each, [batch, 1]. "
                f"Received: {name} with input shapes {inputs}, output shape {output}"
            )
    check_without_batch_normalization("stage1_critic", stage1_critic)
    check_without_batch_normalization("stage2_critic", stage2_critic)
    low = shapes["stage1_generator"][1][1:]
    full = shapes["stage2_generator"][1][1:]
    pairs = (
        ("stage2_generator's low-resolution input", shapes["stage2_generator"][0][0][1:], low),
        ("stage1_critic's input", shapes["stage1_critic"][0][0][1:], low),
        ("stage2_critic's input", shapes["stage2_critic"][0][0][1:], full),
    )
    for what, taken, made in pairs:
        if taken != made:
            raise ValueError(
                f"The {what} has shape {taken} but the generator feeding it makes {made}. "
                f"Received: stage1_generator output {low}, stage2_generator output {full}"
            )
    noise_dim = shapes["stage1_generator"][0][0][1]
    condition_dims = (shapes["stage1_generator"][0][2][1], shapes["stage2_generator"][0][2][1])
    return noise_dim, condition_dims


def compose_generator(stage1_generator, stage2_generator, noise_dim, condition_dims):
    """The full generator `[latent, labels] -> images` over the two stages (shared layers)."""
    latent = keras.Input((noise_dim + sum(condition_dims),), name="latent")
    labels = keras.Input(stage1_generator.inputs[1].shape[1:], dtype="int32", name="labels")
    first, second = condition_dims
    noise = latent[:, :noise_dim]
    low = stage1_generator([noise, labels, latent[:, noise_dim : noise_dim + first]])
    images = stage2_generator([low, labels, latent[:, noise_dim + first :]])
    return keras.Model([latent, labels], images, name="stacked_generator")
