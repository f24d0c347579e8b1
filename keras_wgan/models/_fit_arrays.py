"""`fit` on arrays: their `make_dataset` batches (`batch_size` per critic update, as with a
dataset), and the arguments of `keras.Model.fit` a GAN refuses."""

import tensorflow as tf

from keras_wgan.data.pipeline import make_dataset

# Keras's default batch size for arrays.
DEFAULT_BATCH_SIZE = 32


def check_fit_arguments(validation_split, validation_data, class_weight, sample_weight):
    """Refuses the arguments of `keras.Model.fit` that have no meaning for a GAN's `fit`.

    Raises:
        ValueError: naming the argument, its value and what to use instead.
    """
    if validation_data is not None or validation_split:
        name, value = (
            ("validation_data", validation_data) if validation_data is not None
            else ("validation_split", validation_split)
        )
        raise ValueError(
            f"A GAN's `fit` has no validation loss to compute: `{name}` is not supported. To "
            "score the generator during training, pass keras_wgan.callbacks.QualityScores(...) "
            f"in `callbacks`. Received: {name}={_describe(value)}"
        )
    for name, value in (("sample_weight", sample_weight), ("class_weight", class_weight)):
        if value is not None:
            raise ValueError(
                f"A GAN's losses do not weight samples or classes: `{name}` is not supported. "
                "To change how often samples are seen, resample the data before `fit`. "
                f"Received: {name}={_describe(value)}"
            )


def arrays_of(x, y):
    """The `(samples, labels)` arrays `fit` received (`x` and `y`, or `x=(samples, labels)`), or
    `None` when `x` holds no arrays (a dataset, ...)."""
    if isinstance(x, tuple) and len(x) == 2 and y is None:
        x, y = x
    return (x, y) if _is_array(x) else None


def array_batches(model, samples, labels, batch_size, shuffle):
    """The `make_dataset` batches of `samples` (and `labels`) for `model`'s critic updates,
    shuffled with its seed moved by its generator updates (a later `fit` does not replay).

    Raises:
        ValueError: labels given to an unconditional model, or what `make_dataset` refuses.
    """
    if labels is not None and not model.conditional:
        raise ValueError(
            f"{type(model).__name__} is unconditional: it trains on samples only. Drop the "
            "labels, or build conditional networks (`num_classes=...`) to train on them. "
            f"Received: labels={_describe(labels)} (as `y` or `x=(samples, labels)`)"
        )
    return make_dataset(
        samples if labels is None else (samples, labels),
        batch_size=DEFAULT_BATCH_SIZE if batch_size is None else batch_size,
        critic_steps=model.critic_steps,
        shuffle=shuffle,
        seed=_shuffle_seed(model),
        num_classes=model.num_classes,
    )


def _shuffle_seed(model):
    if model.seed is None:
        return None
    optimizer = model.generator_optimizer
    return model.seed + (0 if optimizer is None else int(optimizer.iterations))


def _is_array(value):
    """A NumPy array, a tensor, or what converts to an array (a pandas frame, ...)."""
    return tf.is_tensor(value) or hasattr(value, "__array__")


def _describe(value):
    """A short description of an argument's value, for an error message."""
    if isinstance(value, tf.data.Dataset):
        return "a tf.data.Dataset"
    shape = getattr(value, "shape", None)
    if shape is not None:
        return f"an array of shape {tuple(shape)}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    if value is None or isinstance(value, (bool, int, float, str, dict)):
        return repr(value)
    return f"a {type(value).__name__}"
