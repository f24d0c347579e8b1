"""The checks of what the drawing callbacks are given: a fixed latent batch and its labels."""

import numpy as np


def fixed_latent(latent):
    """`latent` as float32 `[num_samples, latent_dim]`, or a `ValueError` naming its shape."""
    latent = np.asarray(latent, dtype="float32")
    if latent.ndim != 2 or len(latent) < 1:
        raise ValueError(
            "`latent` must be a non-empty batch of latent vectors [num_samples, latent_dim]. "
            f"Received: latent with shape {latent.shape}"
        )
    return latent


def class_labels(name, labels, length):
    """`labels` as int32 `[length]` (or `None`); a `ValueError` naming `name` otherwise."""
    if labels is None:
        return None
    labels = np.asarray(labels)
    if labels.shape != (length,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"`{name}` must be {length} integer class indices, one per sample. Received: {name} "
            f"with shape {labels.shape} and dtype {labels.dtype}"
        )
    return labels.astype("int32")
