"""Samples along paths: great circles between latents, straight lines between class embeddings."""

import keras
import numpy as np

from keras_wgan._checks import check_positive_int
from keras_wgan._generators import generator_for_sampling
from keras_wgan.evaluation.sampling import num_classes_of
from keras_wgan.evaluation.sampling import seeded_latent
from keras_wgan.networks.clusters import cluster_entries

LATENT_ROWS = 8


def slerp(start, end, fractions):
    """Spherical interpolation (Shoemake, 1985; White, 2016 for GAN latents): a straight line
    between Gaussian latents passes near the origin, a great circle does not.

    Returns float32 `[..., len(fractions), d]` for `start` and `end` `[..., d]` and 1-D
    `fractions` in [0, 1]: exactly `start` at 0 and `end` at 1.
    """
    start = np.asarray(start, "float64")[..., None, :]
    end = np.asarray(end, "float64")[..., None, :]
    fractions = np.asarray(fractions, "float64")[:, None]
    norms = np.linalg.norm(start, axis=-1, keepdims=True) * np.linalg.norm(
        end, axis=-1, keepdims=True
    )
    cosine = np.sum(start * end, axis=-1, keepdims=True) / np.maximum(norms, 1e-12)
    angle = np.arccos(np.clip(cosine, -1.0, 1.0))
    sine = np.sin(angle)
    straight = sine < 1e-6  # (anti)parallel ends: no unique circle, so a straight line
    sine = np.where(straight, 1.0, sine)
    start_weight = np.where(straight, 1.0 - fractions, np.sin((1.0 - fractions) * angle) / sine)
    end_weight = np.where(straight, fractions, np.sin(fractions * angle) / sine)
    return (start_weight * start + end_weight * end).astype("float32")


def interpolate(
    generator, steps, rows=None, seed=0, classes=None, use_ema=None, truncation=None,
    batch_size=500,
):
    """Rows of samples along interpolation paths, `[rows, steps, *sample_shape]` NumPy.

    Latent paths (unconditional generators, or one class): row `r` runs along the great circle
    (`slerp`) from `latents[r, 0]` to `latents[r, 1]`, `latents = seeded_latent(2 * rows,
    latent_dim, seed, truncation).reshape(rows, 2, -1)`. A cluster sampler keeps each row in
    the cluster of its start.

    Class paths (two or more `classes`): row `r` keeps `latents[r, 0]` and moves the label's
    embedding along the straight line from `classes[r % n]` to `classes[(r + 1) % n]`. This
    feeds the generator's `Embedding` output, so it needs a Functional Keras generator (not a
    reloaded SavedModel). Both ends of a row are the generator's samples at their inputs.

    Args:
        generator: as for `generate`.
        steps: int >= 2. Samples per row, both ends included.
        rows: int or `None`. `None`: 8 latent paths, or `len(classes)` class paths.
        classes: list of int or `None`. Conditional generators only; `None` for every class.
            One class gives latent paths within it.
        seed, use_ema, truncation, batch_size: as for `generate`.

    Raises:
        ValueError: for `steps < 2`, a bad `rows` or `classes`, or class paths of a generator
            without a reachable `Embedding`.

    Example:

    >>> rows = keras_wgan.evaluation.interpolate(model, steps=9, rows=4, seed=1)
    >>> rows.shape  # [4, 9, 8, 8, 1] for the digits generator
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
        raise ValueError(f"`steps` must be an int >= 2. Received: steps={steps!r}")
    generator = generator_for_sampling(generator, use_ema)
    classes = _check_classes(classes, num_classes_of(generator))
    class_paths = classes is not None and len(classes) > 1
    if rows is None:
        rows = len(classes) if class_paths else LATENT_ROWS
    check_positive_int("rows", rows)
    latent_dim = int(generator.inputs[0].shape[-1])
    fixed = cluster_entries(generator)
    latents = seeded_latent(2 * rows, latent_dim, seed, truncation, fixed)
    latents = latents.reshape(rows, 2, latent_dim)
    fractions = np.linspace(0.0, 1.0, steps)
    if class_paths:
        starts = np.asarray([classes[r % len(classes)] for r in range(rows)])
        ends = np.asarray([classes[(r + 1) % len(classes)] for r in range(rows)])
        network, table = _from_embedding(generator)
        embedded = (1.0 - fractions[:, None]) * table[starts][:, None] + (
            fractions[:, None] * table[ends][:, None]
        )
        latent = np.repeat(latents[:, 0], steps, axis=0)
        inputs = [latent, embedded.reshape(rows * steps, -1).astype("float32")]
    else:
        path = slerp(latents[:, 0, fixed:], latents[:, 1, fixed:], fractions)
        kept = np.broadcast_to(latents[:, None, 0, :fixed], (rows, steps, fixed))
        inputs = [np.concatenate([kept, path], axis=-1).reshape(rows * steps, latent_dim)]
        if classes is not None:
            inputs.append(np.full(rows * steps, classes[0], dtype="int32"))
        network = generator
    samples = _run(network, inputs if len(inputs) > 1 else inputs[0], batch_size)
    return samples.reshape(rows, steps, *samples.shape[1:])


def _check_classes(classes, num_classes):
    if classes is None:
        return None if num_classes is None else list(range(num_classes))
    if num_classes is None:
        raise ValueError(
            "`classes` were given for an unconditional generator (one input). "
            f"Received: classes={classes!r}"
        )
    values = list(np.atleast_1d(classes))
    if not values or any(
        isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, np.integer))
        or not 0 <= c < num_classes for c in values
    ):
        raise ValueError(
            f"`classes` must be a non-empty list of class indices in [0, {num_classes - 1}]. "
            f"Received: classes={classes!r}"
        )
    return [int(c) for c in values]


def _from_embedding(generator):
    """`(network, table)`: the generator from `[latent, embedded label]`, and the embeddings."""
    embedding = next(
        (layer for layer in getattr(generator, "layers", ())
         if isinstance(layer, keras.layers.Embedding)),
        None,
    )
    try:
        network = keras.Model([generator.inputs[0], embedding.output], generator.outputs)
    except Exception as error:  # Keras raises several types for a graph it cannot cut
        raise ValueError(
            "Class paths feed the label embedding of the generator directly, which needs a "
            "Functional Keras generator with an Embedding of its labels input. Received: "
            f"{type(generator).__name__} {getattr(generator, 'name', generator)!r}"
            + ("" if embedding is None else f" ({error})")
        ) from error
    return network, keras.ops.convert_to_numpy(embedding.embeddings).astype("float64")


def _run(network, inputs, batch_size):
    parts = inputs if isinstance(inputs, list) else [inputs]
    batches = []
    for start in range(0, len(parts[0]), batch_size):
        batch = [part[start : start + batch_size] for part in parts]
        output = network(batch if isinstance(inputs, list) else batch[0], training=False)
        output = output[0] if isinstance(output, (list, tuple)) else output
        batches.append(keras.ops.convert_to_numpy(output))
    return np.concatenate(batches)
