"""Multilayer perceptrons for vector data, as in the WGAN-GP paper's toy experiments."""

import keras
from keras import layers

from keras_wgan.networks import conditioning
from keras_wgan.networks._layers import check_normalization
from keras_wgan.networks.spectral_norm import spectrally_normalized


def _check_units(hidden_units):
    units = tuple(hidden_units) if isinstance(hidden_units, (tuple, list)) else None
    if not units or not all(isinstance(u, int) and u > 0 for u in units):
        raise ValueError(
            "`hidden_units` must be a non-empty sequence of positive ints. "
            f"Received: hidden_units={hidden_units!r}"
        )
    return units


def _hidden(x, hidden_units, normalization):
    for units in _check_units(hidden_units):
        x = layers.Dense(units)(x)
        if normalization == "layer":
            x = layers.LayerNormalization()(x)
        elif normalization == "batch":
            x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    return x


def build_mlp_generator(
    output_dim=2,
    latent_dim=2,
    hidden_units=(512, 512, 512),
    normalization=None,
    num_classes=None,
    name="generator",
):
    """MLP generator: latent vectors to vectors (linear output).

    Args:
        output_dim: int. Size of a generated sample.
        latent_dim: int. Size of the latent vector.
        hidden_units: sequence of ints. Units of each hidden ReLU layer.
        normalization: `None`, `"layer"` or `"batch"` after each hidden layer.
        num_classes: int or `None`. Class-conditional: inputs `[latent, labels]`.
        name: str. The model's name.

    Returns:
        A Functional `keras.Model` from `[batch, latent_dim]` to `[batch, output_dim]`.
    """
    check_normalization(normalization)
    conditioning.check_num_classes(num_classes)
    inputs, x = conditioning.generator_inputs(latent_dim, num_classes)
    x = _hidden(x, hidden_units, normalization)
    samples = layers.Dense(output_dim, dtype="float32", name="samples")(x)
    return keras.Model(inputs, samples, name=name)


def build_mlp_critic(
    input_dim=2, hidden_units=(512, 512, 512), normalization=None, num_classes=None,
    spectral_norm=False, name="critic",
):
    """MLP critic: vectors to one linear score each (no sigmoid).

    Args:
        input_dim: int. Size of a sample.
        hidden_units: sequence of ints. Units of each hidden ReLU layer.
        normalization: `None`, `"layer"` or `"batch"` (refused by `WGANGP`).
        num_classes: int or `None`. Class-conditional: inputs `[samples, labels]`, projection head.
        spectral_norm: bool. Spectral normalization of every dense layer (`spectrally_normalized`).
        name: str. The model's name.

    Returns:
        A Functional `keras.Model` from `[batch, input_dim]` to `[batch, 1]`.
    """
    check_normalization(normalization)
    if not isinstance(spectral_norm, bool):
        raise ValueError(
            f"`spectral_norm` must be a bool. Received: spectral_norm={spectral_norm!r}"
        )
    conditioning.check_num_classes(num_classes)
    samples = keras.Input((input_dim,), name="samples")
    x = _hidden(samples, hidden_units, normalization)
    critic = conditioning.critic_from_features(samples, x, num_classes, name)
    return spectrally_normalized(critic) if spectral_norm else critic
