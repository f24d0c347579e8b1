"""Spectral normalization of a network's layers (Miyato et al., 2018)."""

import keras
from keras import layers

# Layers whose kernel Keras's wrapper normalizes as SNGAN does: reshaped to (-1, units). An
# Embedding is left as it is: the wrapper casts its output to the dtype of the integer labels.
NORMALIZED_LAYERS = (layers.Dense, layers.Conv2D)


def spectrally_normalized(network, power_iterations=1):
    """A copy of `network` whose `Dense` and `Conv2D` layers are spectrally normalized.

    Each (`UnrolledConv2D` too) is wrapped in `keras.layers.SpectralNormalization`: every
    training call divides its kernel, reshaped to `(-1, units)`, by the largest singular value
    a power iteration estimates. The copy keeps `network`'s weights, layer names and dtypes.

    Args:
        network: a Functional `keras.Model`.
        power_iterations: int >= 1. Power iterations per training call (SNGAN's 1).

    Returns:
        A Functional `keras.Model`, its outputs equal to `network`'s until a training call.

    Raises:
        ValueError: `network` is not Functional, or `power_iterations` not an int >= 1.
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
