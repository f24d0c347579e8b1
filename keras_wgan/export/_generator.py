"""What a generator must be to be exported: its inputs, its output, and the argument checks."""

import numbers

import keras

from keras_wgan._framework import flatten_layers
from keras_wgan._generators import generator_for_sampling


def resolve_generator(model_or_generator, use_ema=None):
    """Returns the `keras.Model` that samples for `model_or_generator`, or a `ValueError`."""
    generator = generator_for_sampling(model_or_generator, use_ema)
    if isinstance(generator, keras.Model):
        return generator
    raise ValueError(
        "`model_or_generator` must be a generator `keras.Model` or a GAN model with a "
        "`generator` attribute holding one. "
        f"Received: model_or_generator={model_or_generator!r} "
        f"(type {type(model_or_generator).__name__})"
    )


def check_generator(generator):
    """Returns `(latent_dim, labels_rank, makes_images)`.

    `labels_rank` is None for one input, else 1 or 2; `makes_images` tells images
    `(batch, H, W, C)` from vectors `(batch, features)`.
    """
    try:
        inputs = list(generator.inputs)
        outputs = list(generator.outputs)
    except (AttributeError, ValueError, TypeError):
        inputs, outputs = None, None
    if not inputs or not outputs:
        raise ValueError(
            "The generator must have defined inputs and outputs (a Functional model, or a "
            "Sequential model that starts with `keras.Input`). "
            f"Received: generator={generator.name!r} of type {type(generator).__name__}"
        )
    if len(inputs) not in (1, 2):
        raise ValueError(
            "The generator must have 1 input (latent) or 2 inputs (latent, labels). "
            f"Received: generator={generator.name!r} with {len(inputs)} inputs, shapes "
            f"{[tuple(x.shape) for x in inputs]}"
        )
    latent_shape = tuple(inputs[0].shape)
    if len(latent_shape) != 2 or not isinstance(latent_shape[1], int):
        raise ValueError(
            "The generator's (first) input must be the latent, of shape (batch, latent_dim). "
            f"Received: generator={generator.name!r} with input shape {latent_shape}"
        )
    labels_rank = None
    if len(inputs) == 2:
        labels_shape = tuple(inputs[1].shape)
        if labels_shape not in ((None,), (None, 1)):
            raise ValueError(
                "A conditional generator's second input must be the labels, of shape "
                f"(batch,) or (batch, 1). Received: generator={generator.name!r} with labels "
                f"input shape {labels_shape}"
            )
        labels_rank = len(labels_shape)
    image_shape = tuple(outputs[0].shape)
    if len(outputs) != 1 or len(image_shape) not in (2, 4):
        raise ValueError(
            "The generator must have one output: images of shape (batch, H, W, C) or vectors of "
            "shape (batch, features). "
            f"Received: generator={generator.name!r} with output shapes "
            f"{[tuple(y.shape) for y in outputs]}"
        )
    return latent_shape[1], labels_rank, len(image_shape) == 4


def is_int(value):
    """Whether `value` is an integer (NumPy's included), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def embedded_classes(generator):
    """The classes a conditional generator embeds: the smallest `input_dim` of its `Embedding`
    layers (a label at or beyond it fails, or wraps to another class), `None` if it has none."""
    sizes = [
        layer.input_dim
        for layer in flatten_layers(generator)
        if isinstance(layer, keras.layers.Embedding)
    ]
    return min(sizes) if sizes else None
