"""Reference statistics of real images computed once: an `ImageScorer`'s state, cached on disk."""

import hashlib
import json
import os

import numpy as np

from keras_wgan.evaluation.classifier import cache_dir
from keras_wgan.evaluation.extractors import InceptionV3Features
from keras_wgan.evaluation.references import ImageScorer

REFERENCE_VERSION = "reference-statistics-v1"
CACHE_SUBDIR = "reference_statistics"


def file_hash(path):
    """A SHA-256 hex digest of the file at `path`."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def extractor_fingerprint(extractor):
    """What identifies `extractor`'s features, or `None` when they cannot be cached.

    An extractor's own `fingerprint` attribute wins; Inception-v3 is named by the hash of its
    weights file and its input size; random Inception weights, or other extractors, are not cached.
    """
    fingerprint = getattr(extractor, "fingerprint", None)
    if fingerprint:
        return str(fingerprint)
    if isinstance(extractor, InceptionV3Features) and extractor.weights_path is not None:
        return f"{extractor.name}:{file_hash(extractor.weights_path)}:{extractor.image_size}"
    return None


def reference_key(data_hash, extractor, **settings):
    """The cache key of reference statistics, or `None` if the extractor cannot be cached.

    It holds all they depend on: the images' content, the features (name, version, weights)
    and the settings.

    Args:
        data_hash: str. The real images' `content_hash`.
        extractor: the extractor the statistics use.
        **settings: JSON values they also depend on (n, seed, image shape, degraded classes).
    """
    fingerprint = extractor_fingerprint(extractor)
    if fingerprint is None:
        return None
    described = {"version": REFERENCE_VERSION, "data": data_hash, "features": fingerprint,
                 **settings}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:24]


def reference_path(key, directory=None):
    """The cache file of the statistics of `key`: `cache_dir()/reference_statistics/KEY.npz`."""
    return os.path.join(directory or os.path.join(cache_dir(), CACHE_SUBDIR), f"{key}.npz")


def cached_scorer(build, extractor, key, directory=None, refresh=False, log=None):
    """An `ImageScorer` whose references are read from the cache, or built and cached.

    Args:
        build: callable. Makes the `ImageScorer` (called only when the cache misses).
        extractor: the scorer's extractor, given to the scorer read from the cache.
        key: str or `None`. From `reference_key`; `None` builds without any cache.
        directory: str or `None`. Cache folder; `None` for `cache_dir()/reference_statistics`.
        refresh: bool. Build again (and overwrite the cache) even when cached.
        log: callable or `None`. Called with one line saying where the statistics come from.
    """
    log = log or (lambda line: None)
    if key is None:
        return build()
    path = reference_path(key, directory)
    if os.path.exists(path) and not refresh:
        try:
            with np.load(path, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files if name != "values"}
                values = json.loads(str(stored["values"]))
        except (OSError, ValueError, KeyError) as error:  # cut short or not ours: build again
            log(f"Cannot read the cached reference statistics {path} ({error}); computing them")
        else:
            log(f"Reusing cached reference statistics from {path}")
            return ImageScorer.from_state(extractor, arrays, values)
    scorer = build()
    arrays, values = scorer.state()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "wb") as file:  # atomic: a concurrent reader never sees half a file
        np.savez(file, values=np.array(json.dumps(values, default=_plain)), **arrays)
    os.replace(temporary, path)
    log(f"Computed the reference statistics; cached at {path}")
    return scorer


def _plain(value):
    return value.item() if isinstance(value, np.generic) else str(value)
