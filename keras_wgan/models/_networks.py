"""Checks of the networks a model is given, and what the models read from them.

Every check raises a `ValueError` naming the argument and the value received; each reads only
what a Functional network's shapes tell, and lets a subclassed network through.
"""

import keras

from keras_wgan._checks import check_positive_int
from keras_wgan._framework import flatten_layers


def check_model(argument, network):
    """Checks that `network`, the value of `argument`, is a `keras.Model`."""
    if not isinstance(network, keras.Model):
        raise ValueError(f"`{argument}` must be a keras.Model. Received: {argument}={network!r}")


def input_count(network):
    """The number of inputs of a Functional network; 1 when its inputs are unknown."""
    try:
        return len(network.inputs)
    except (AttributeError, ValueError, TypeError):
        return 1


def latent_dim_of(generator, latent_dim):
    """The size of the generator's latent input: `latent_dim`, checked against the input, or read
    from the input when `None`."""
    inputs = generator.inputs if generator.built and hasattr(generator, "inputs") else None
    found = inputs[0].shape[-1] if inputs else None
    if latent_dim is None:
        if found is None:
            raise ValueError(
                "Could not read `latent_dim` from the generator's input; pass it explicitly. "
                f"Received: latent_dim=None, generator={generator.name}"
            )
        return int(found)
    check_positive_int("latent_dim", latent_dim)
    if found is not None and found != latent_dim:
        raise ValueError(
            f"`latent_dim` does not match the generator's input size {found}. "
            f"Received: latent_dim={latent_dim}"
        )
    return latent_dim


def sample_shape(generator):
    """The generator's sample shape without the batch axis, or None for a subclassed model."""
    try:
        return tuple(generator.output.shape[1:])
    except (AttributeError, ValueError):
        return None


def check_compatible(generator, critic):
    """Checks that the networks fit together, where their Functional shapes tell."""
    made = sample_shape(generator)
    try:
        taken = tuple(critic.inputs[0].shape[1:])
        scores = tuple(critic.output.shape[1:])
    except (AttributeError, ValueError, TypeError):
        return
    if made is not None and made != taken:
        raise ValueError(
            f"The generator makes samples of shape {made} but the critic takes {taken}. "
            f"Received: generator={generator.name}, critic={critic.name}"
        )
    if scores not in ((1,), ()):
        raise ValueError(
            f"The critic must give one linear score per sample, shape [batch, 1]. "
            f"Received: critic output shape {tuple(critic.output.shape)}"
        )


def check_without_batch_normalization(argument, critic):
    """Checks that a critic trained with a gradient penalty has no BatchNormalization layer.

    The penalty is taken per example, and batch statistics make each score depend on the whole
    batch (the WGAN-GP paper uses layer normalization instead).
    """
    if not isinstance(critic, keras.Layer):
        return
    names = [
        layer.name
        for layer in flatten_layers(critic)
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    if names:
        raise ValueError(
            f"A critic trained with a gradient penalty must not use BatchNormalization: the "
            "penalty is taken per example, and batch statistics make each score depend on the "
            "whole batch. Use layer normalization (e.g. build_critic(..., normalization='layer')) "
            f"or none. Received: {argument} with BatchNormalization layers {names}"
        )


def num_classes_of(*networks):
    """The number of classes the networks of a conditional model embed: the smallest `input_dim`
    of their `Embedding` layers (a label at or beyond it fails, or wraps, in that embedding), or
    `None` when they have none (a subclassed or custom network)."""
    sizes = [
        layer.input_dim
        for network in networks
        if isinstance(network, keras.Layer)
        for layer in flatten_layers(network)
        if isinstance(layer, keras.layers.Embedding)
    ]
    return min(sizes) if sizes else None
