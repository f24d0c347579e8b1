"""Self-conditioned sampling (Liu et al., 2020): conditional networks trained on cluster ids,
sampled unconditionally through `keras_wgan.networks.build_cluster_sampler`."""

from keras_wgan.networks.clusters import build_cluster_sampler
from keras_wgan.networks.clusters import check_cluster_frequencies


def check_clusters(cluster_frequencies, conditional, num_classes):
    """`cluster_frequencies` normalized (or `None`), checked against the networks' classes."""
    if cluster_frequencies is None:
        return None
    frequencies = check_cluster_frequencies(cluster_frequencies)
    if not conditional or num_classes not in (None, len(frequencies)):
        networks = (
            f"conditional networks with num_classes={num_classes}" if conditional
            else "unconditional networks"
        )
        raise ValueError(
            "`cluster_frequencies` needs conditional networks with one class per cluster "
            f"(`num_classes={len(frequencies)}`). Received: "
            f"cluster_frequencies={cluster_frequencies!r} ({len(frequencies)} clusters) for "
            f"{networks}"
        )
    return frequencies


class ClusterSamplers:
    """A model's unconditional samplers, one per generator network: a plain object, so that
    Keras does not track them as layers (they hold no weights of their own)."""

    def __init__(self, frequencies):
        self.frequencies = frequencies
        self.models = {}

    def sampler(self, network, key):
        """The sampler around `network` (a conditional generator), cached under `key`."""
        if key not in self.models:
            self.models[key] = build_cluster_sampler(network, self.frequencies)
        return self.models[key]
