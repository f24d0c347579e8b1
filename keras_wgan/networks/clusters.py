"""Unconditional sampling from a generator conditioned on clusters of its training images.

A self-conditioned GAN (Liu et al., 2020, "Diverse Image Generation via Self-Conditioned GANs")
trains class-conditional networks on cluster ids, then samples unconditionally by drawing each
sample's cluster with the clusters' frequencies. The sampler is a Functional model whose latent's
first entry picks the cluster, so every path that samples an unconditional generator (drawings,
scores, exports) samples it unchanged.
"""

import itertools
import math
import statistics

import keras
from keras import layers
from keras import ops


def check_cluster_frequencies(frequencies):
    """Checks the clusters' frequencies (at least 2 positive numbers); returns them summing to 1."""
    try:
        values = [float(value) for value in frequencies]
    except (TypeError, ValueError):
        values = None
    if not values or len(values) < 2 or not all(0 < v < math.inf for v in values) or any(
        isinstance(value, bool) for value in frequencies
    ):
        raise ValueError(
            "`cluster_frequencies` must be a list of at least 2 positive numbers, one per "
            f"cluster. Received: cluster_frequencies={frequencies!r}"
        )
    total = sum(values)
    return [value / total for value in values]


@keras.saving.register_keras_serializable(package="keras_wgan")
class ClusterChoice(layers.Layer):
    """Splits a latent vector into a cluster id and the generator's latent.

    For `z` of `[batch, latent_dim + 1]`, the cluster is the first whose cumulative frequency
    exceeds `Phi(z[:, 0])` (the standard normal's CDF), so a standard normal draw picks cluster
    `c` with probability `frequencies[c]`; outputs `(z[:, 1:], cluster int32)`. It compares
    `z[:, 0]` with precomputed normal quantiles, which every export format runs (TFLite has no
    `erf`).

    Args:
        frequencies: list of floats. The clusters' frequencies (normalized to sum to 1).
    """

    def __init__(self, frequencies, **kwargs):
        super().__init__(**kwargs)
        self.frequencies = check_cluster_frequencies(frequencies)
        normal = statistics.NormalDist()
        # Phi(z) >= c  <=>  z >= Phi^-1(c); the clip keeps rounding off the infinite quantiles.
        cumulative = itertools.accumulate(self.frequencies)
        self.bounds = [normal.inv_cdf(min(max(c, 1e-12), 1 - 1e-12)) for c in cumulative][:-1]

    def call(self, latent):
        latent = ops.convert_to_tensor(latent)
        bounds = ops.convert_to_tensor(self.bounds, "float32")
        first = ops.cast(latent[:, 0], "float32")
        cluster = ops.sum(ops.cast(first[:, None] >= bounds[None, :], "int32"), axis=1)
        return latent[:, 1:], cluster

    def compute_output_spec(self, latent):
        batch, size = latent.shape
        return (
            keras.KerasTensor((batch, size - 1), dtype=latent.dtype),
            keras.KerasTensor((batch,), dtype="int32"),
        )

    def get_config(self):
        return {**super().get_config(), "frequencies": list(self.frequencies)}


def build_cluster_sampler(generator, frequencies, name=None):
    """An unconditional sampler of a generator conditioned on cluster ids.

    Args:
        generator: `keras.Model` with inputs `[latent, labels]`, the labels int cluster ids.
        frequencies: list of floats. Each cluster's share of the training images.
        name: str or `None`. The sampler's name; `None`: the generator's with `_sampler`.

    Returns:
        A Functional `keras.Model` from a latent of `[batch, latent_dim + 1]` to the
        generator's samples (see `ClusterChoice`).
    """
    inputs = list(getattr(generator, "inputs", None) or [])
    if len(inputs) != 2:
        raise ValueError(
            "`generator` must be conditional, with inputs [latent, labels]. Received: "
            f"generator={getattr(generator, 'name', generator)!r} with {len(inputs)} input(s)"
        )
    latent_dim = int(inputs[0].shape[-1])
    latent = keras.Input((latent_dim + 1,), name="latent")
    generator_latent, cluster = ClusterChoice(frequencies, name="cluster_choice")(latent)
    samples = generator([generator_latent, cluster])
    return keras.Model(latent, samples, name=name or f"{generator.name}_sampler")


def cluster_entries(generator):
    """The leading latent entries of `generator` that pick a cluster: 1 for a cluster sampler.

    Truncation leaves them as drawn, so it truncates the noise, not the cluster (as BigGAN
    truncates the noise, not the class): clusters keep their frequencies.
    """
    return int(any(isinstance(layer, ClusterChoice) for layer in getattr(generator, "layers", ())))
