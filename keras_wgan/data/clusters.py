"""Cluster ids for unlabelled images: the pseudo-labels of a self-conditioned GAN."""

import numpy as np

from keras_wgan._checks import check_positive_int

KMEANS_RESTARTS = 10  # scikit-learn's `n_init`: the best of this many is kept


def cluster_images(images, clusters, seed=0):
    """k-means clusters of images by their pixels, and each cluster's share of the images.

    Args:
        images: array `[n, height, width, channels]` (or any `[n, ...]`).
        clusters: int >= 2. How many clusters; at most `n`.
        seed: int. Seed of k-means's initialisations.

    Returns:
        A tuple `(cluster_ids, frequencies)`: int32 `[n]` in `[0, clusters)`, and a list of
        `clusters` floats summing to 1.
    """
    from sklearn.cluster import KMeans

    images = np.asarray(images, dtype="float32")
    if isinstance(clusters, bool) or not isinstance(clusters, int) or clusters < 2:
        raise ValueError(f"`clusters` must be an int >= 2. Received: clusters={clusters!r}")
    check_positive_int("len(images)", len(images))
    if clusters > len(images):
        raise ValueError(
            f"`clusters` must be at most the number of images ({len(images)}). "
            f"Received: clusters={clusters}"
        )
    flat = images.reshape(len(images), -1)
    kmeans = KMeans(clusters, n_init=KMEANS_RESTARTS, random_state=seed)
    cluster_ids = kmeans.fit_predict(flat).astype("int32")
    frequencies = cluster_frequencies(cluster_ids, clusters)
    if min(frequencies) == 0:  # k-means leaves a cluster empty only among duplicate images
        raise ValueError(
            f"k-means found only {sum(f > 0 for f in frequencies)} distinct clusters among the "
            f"{len(images)} images: ask for fewer. Received: clusters={clusters}"
        )
    return cluster_ids, frequencies


def cluster_frequencies(cluster_ids, clusters):
    """Each cluster's share of `cluster_ids` (ints in `[0, clusters)`), as `clusters` floats."""
    counts = np.bincount(np.asarray(cluster_ids), minlength=clusters)
    return [float(count) / len(cluster_ids) for count in counts]
