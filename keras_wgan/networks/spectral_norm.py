"""Spectral normalization of a network's layers (Miyato et al., 2018)."""

import keras
from keras import layers

# Layers whose kernel Keras's wrapper normalizes as SNGAN does: reshaped to (-1, units). An
# Embedding is left as it is: the wrapper casts its output to the dtype of the integer labels.
NORMALIZED_LAYERS = (layers.Dense, layers.Conv2D)


def spectrally_normalized(network, power_iterations=1):
    """A copy of `network` with its dense and convolution layers spectrally normalized.

    Each `Dense` and `Conv2D` (`UnrolledConv2D` included) is wrapped in
    `keras.layers.SpectralNormalization`, which in every training call divides the kernel,
    reshaped to `(-1, units)`, by its largest singular value, estimated by power iteration
    from the previous call's vector. The copy starts from `network`'s weights and keeps its
    layer names; its outputs equal `network`'s until a training call normalizes the kernels.

    Args:
        network: a Functional `keras.Model`.
        power_iterations: int >= 1. Power iterations per training call (SNGAN: 1).

    Returns:
        A Functional `keras.Model` with the same inputs, outputs and name.

    Raises:
        ValueError: `network` is not a Functional model, or `power_iterations` is not an
            int >= 1.

    Example:

    >>> critic = keras_wgan.networks.spectrally_normalized(
    ...     keras_wgan.networks.build_mlp_critic(2, normalization=None))
    """
    if not isinstance(network, keras.Model) or not _has_inputs(network):
        raise ValueError(
            f"`network` must be a Functional keras.Model. Received: network={network!r}"
        )
    if (
        isinstance(power_iterations, bool)
        or not isinstance(power_iterations, int)
        or power_iterations < 1
    ):
        raise ValueError(
            "`power_iterations` must be an int >= 1. "
            f"Received: power_iterations={power_iterations!r}"
        )

    def wrap(layer):
        copy = type(layer).from_config(layer.get_config())
        if not isinstance(layer, NORMALIZED_LAYERS):
            return copy
        return layers.SpectralNormalization(
            copy, power_iterations, name=layer.name, dtype=layer.dtype_policy
        )

    normalized = keras.models.clone_model(network, clone_function=wrap)
    for layer in network.layers:
        copy = normalized.get_layer(layer.name)
        target = copy.layer if isinstance(copy, layers.SpectralNormalization) else copy
        target.set_weights(layer.get_weights())
    return normalized


def _has_inputs(network):
    try:
        return bool(network.inputs)
    except (AttributeError, ValueError):
        return False
