"""Samples of a generator for scoring: seeded latents, and balanced labels for conditional ones."""

import keras
import numpy as np

from keras_wgan import config
from keras_wgan._checks import check_positive_float
from keras_wgan._generators import generator_for_sampling
from keras_wgan.networks.clusters import cluster_entries


def num_classes_of(generator):
    """Classes of a conditional generator (from its Embedding), `None` if unconditional."""
    if len(generator.inputs) < 2:
        return None
    for layer in generator.layers:
        if isinstance(layer, keras.layers.Embedding):
            return int(layer.input_dim)
    raise ValueError(
        "Cannot tell the number of classes of the conditional generator "
        f"{generator.name!r}: it has no Embedding layer. Pass `labels` explicitly."
    )


def balanced_labels(num_samples, num_classes):
    """Labels `0, 1, ..., num_classes - 1, 0, 1, ...`, int32 `[num_samples]`."""
    return (np.arange(num_samples) % num_classes).astype("int32")


def generate(
    generator, num_samples, seed=0, batch_size=500, labels=None, use_ema=None, truncation=None
):
    """`num_samples` samples of `generator` for seeded standard-normal latents, as NumPy.

    The latents are `np.random.default_rng(seed).standard_normal((num_samples, latent_dim))`.
    With `truncation` (BigGAN's trick), entries outside `[-truncation, truncation]` are drawn
    again (at most `config.TRUNCATION_ROUNDS` times, then clipped); a cluster sampler keeps its
    cluster entries untruncated.

    Args:
        generator: `keras.Model` from latents (and labels), or a GAN model: its averaged
            generator when it keeps one, unless `use_ema=False`.
        labels: int array `[num_samples]` or `None`. Conditional generators only; `None` for
            `balanced_labels`.
        truncation: positive float or `None`. Bound of the latents.

    Raises:
        ValueError: for `labels` of an unconditional generator or a bad `truncation`.
    """
    generator = generator_for_sampling(generator, use_ema)
    latent_dim = int(generator.inputs[0].shape[-1])
    latent = seeded_latent(
        num_samples, latent_dim, seed, truncation, cluster_entries(generator)
    )
    num_classes = num_classes_of(generator)
    if num_classes is not None and labels is None:
        labels = balanced_labels(num_samples, num_classes)
    if num_classes is None and labels is not None:
        raise ValueError(
            "`labels` were given for an unconditional generator (one input). "
            f"Received: labels.shape={np.shape(labels)}"
        )

    def batch(start):
        inputs = latent[start : start + batch_size]
        if labels is not None:
            inputs = [inputs, np.asarray(labels, dtype="int32")[start : start + batch_size]]
        return keras.ops.convert_to_numpy(generator(inputs, training=False))

    return np.concatenate([batch(i) for i in range(0, num_samples, batch_size)])


def seeded_latent(num_samples, latent_dim, seed, truncation, untruncated_entries=0):
    """The latents of `generate`, float32 `[num_samples, latent_dim]` (see there)."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal((num_samples, latent_dim))
    if truncation is None:
        return latent.astype("float32")
    bound = check_positive_float("truncation", truncation)
    plain = latent[:, :untruncated_entries].copy()
    for _ in range(config.TRUNCATION_ROUNDS):
        outside = np.abs(latent) > bound
        if not outside.any():
            break
        latent[outside] = rng.standard_normal(int(outside.sum()))
    latent = np.clip(latent, -bound, bound)
    latent[:, :untruncated_entries] = plain
    return latent.astype("float32")
