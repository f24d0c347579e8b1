"""Scores on your own images (a folder or a TFDS dataset) beside floor and degraded references.

The images are split once, seeded: a held-out part (the floor compares real training images with
it) and the rest. The degraded reference drops part of the data, as a generator that lost modes
would: the first `DEGRADED_FRACTION` of the classes of labelled data, or for unlabelled data the
k-means clusters (of the pixels) covering about that share of the images.
"""

import dataclasses
import os

import numpy as np

from keras_wgan import data as data_lib
from keras_wgan.evaluation.classifier import SPLIT_SEED
from keras_wgan.evaluation.data_classifier import DataClassifierFeatures
from keras_wgan.evaluation.data_classifier import content_hash
from keras_wgan.evaluation.data_classifier import train_data_classifier
from keras_wgan.evaluation.manifold import DENSITY_COVERAGE_K
from keras_wgan.evaluation.reference_cache import cached_scorer
from keras_wgan.evaluation.reference_cache import reference_key
from keras_wgan.evaluation.references import ImageScorer

HELDOUT_FRACTION = 0.2
DEGRADED_FRACTION = 0.3
DEGRADED_CLUSTERS = 10
CLUSTER_SIDE = 16  # k-means runs on the images block-averaged to at most this side
TFDS_TRAIN_IMAGES = 10000  # the first images of TFDS's "train" and "test" splits
TFDS_HELDOUT_IMAGES = 2000


@dataclasses.dataclass
class OwnData:
    """Your images, split: arrays in [-1, 1], labels `None` when unlabelled."""

    train_images: np.ndarray
    train_labels: np.ndarray | None
    heldout_images: np.ndarray
    heldout_labels: np.ndarray | None
    class_names: list
    source: str
    data_hash: str

    @property
    def num_classes(self):
        return len(self.class_names)

    @property
    def labelled(self):
        return self.num_classes >= 2


def _arrays(dataset, labelled):
    images, labels = [], []
    for batch in dataset.batch(512).as_numpy_iterator():
        images.append(batch[0] if labelled else batch)
        if labelled:
            labels.append(batch[1])
    if not images:
        return None, None
    return np.concatenate(images), (np.concatenate(labels).astype("int32") if labelled else None)


def load_folder_data(directory, image_shape, seed=SPLIT_SEED):
    """The images of `directory` at `image_shape` (centre-cropped, resized), split seeded.

    Class subfolders are the classes (sorted by name). `HELDOUT_FRACTION` of the images, at
    least 2, are held out.

    Raises:
        ValueError: for a missing folder or bad files (`check_image_folder`).
    """
    directory = os.fspath(directory)
    class_names = data_lib.check_image_folder(directory)
    dataset = data_lib.load_image_folder(directory, image_shape[:2], channels=image_shape[2])
    images, labels = _arrays(dataset, bool(class_names))
    order = np.random.default_rng(seed).permutation(len(images))
    heldout = order[: max(2, int(round(HELDOUT_FRACTION * len(images))))]
    train = np.sort(order[len(heldout) :])
    heldout = np.sort(heldout)
    pick = lambda array, rows: None if array is None else array[rows]  # noqa: E731
    return OwnData(
        images[train], pick(labels, train), images[heldout], pick(labels, heldout),
        list(class_names), directory, content_hash(images, labels),
    )


def load_tfds_data(name, data_dir, image_shape):
    """The first `TFDS_TRAIN_IMAGES` of TFDS's "train" split and `TFDS_HELDOUT_IMAGES` of "test".

    Raises:
        DatasetNotPreparedError: the dataset is not prepared in `data_dir`.
        ValueError: the images have other channels than `image_shape`.
    """
    labelled = data_lib.TFDS_DATASETS[name]
    parts = [
        _arrays(data_lib.load_tfds(name, f"{split}[:{count}]", data_dir, image_shape[:2]), labelled)
        for split, count in (("train", TFDS_TRAIN_IMAGES), ("test", TFDS_HELDOUT_IMAGES))
    ]
    (train_images, train_labels), (heldout_images, heldout_labels) = parts
    if train_images.shape[-1] != image_shape[2]:
        raise ValueError(
            f"The {name!r} images have {train_images.shape[-1]} channels; the generator makes "
            f"{image_shape[2]}. Received: image_shape={tuple(image_shape)}"
        )
    num_classes = 0 if not labelled else int(max(train_labels.max(), heldout_labels.max())) + 1
    everything = np.concatenate([train_images, heldout_images])
    all_labels = None if not labelled else np.concatenate([train_labels, heldout_labels])
    return OwnData(
        train_images, train_labels, heldout_images, heldout_labels,
        [str(c) for c in range(num_classes)], f"tfds:{name}", content_hash(everything, all_labels),
    )


def degraded_classes(num_classes):
    """The classes the degraded reference leaves out: the first 30% (rounded), at least one."""
    return list(range(max(1, min(num_classes - 1, round(DEGRADED_FRACTION * num_classes)))))


def cluster_ids(images, seed=0):
    """`(ids, clusters)`: k-means clusters of `images` by their block-averaged pixels."""
    factor = max(1, max(images.shape[1:3]) // CLUSTER_SIDE)
    n, height, width, channels = images.shape
    height, width = height - height % factor, width - width % factor
    small = images[:, :height, :width].reshape(
        n, height // factor, factor, width // factor, factor, channels
    ).mean(axis=(2, 4))
    clusters = max(2, min(DEGRADED_CLUSTERS, n // (DENSITY_COVERAGE_K + 1)))
    return data_lib.cluster_images(small, clusters, seed=seed)[0], clusters


def dropped_clusters(ids, clusters):
    """The first clusters (by id) whose images reach `DEGRADED_FRACTION`, and their share."""
    shares = np.bincount(ids, minlength=clusters) / len(ids)
    count = int(np.searchsorted(np.cumsum(shares), DEGRADED_FRACTION - 1e-9)) + 1
    count = min(count, clusters - 1)
    return list(range(count)), float(shares[:count].sum())


def describe_degraded(data, dropped, clusters=None, share=None):
    """What the degraded reference is, in one phrase."""
    if clusters is None:
        names = [data.class_names[c] for c in dropped]
        return (f"real images without classes {names} (the first {len(dropped)} of "
                f"{data.num_classes}, ~{DEGRADED_FRACTION:.0%})")
    return (f"real images without k-means clusters {dropped} of {clusters} (of the pixels; "
            f"{share:.0%} of the images: a stand-in for dropped modes)")


def own_data_extractor(data, seed=0, refresh=False, log=None):
    """The default features of labelled data: a classifier trained on its training images.

    Cached by their content (`train_data_classifier`); `refresh=True` trains it again.
    """
    classifier, key = train_data_classifier(
        data.train_images, data.train_labels, data.num_classes, seed=seed, refresh=refresh,
        log=log,
    )
    return DataClassifierFeatures(classifier, key)


def own_data_scorer(data, extractor, num_samples, seed=0, use_cache=True, log=None):
    """An `ImageScorer` on `data`; its references from the cache, or computed and cached.

    `use_cache=False` computes them again and overwrites the cache.

    Raises:
        ValueError: too few images for an n above `DENSITY_COVERAGE_K`, or for the held-out set.
    """

    def build():
        if data.labelled:
            labels, dropped = data.train_labels, degraded_classes(data.num_classes)
            described = describe_degraded(data, dropped)
            text = f"a real set missing {len(dropped)} of its {data.num_classes} classes"
        else:
            labels, clusters = cluster_ids(data.train_images, seed)
            dropped, share = dropped_clusters(labels, clusters)
            described = describe_degraded(data, dropped, clusters, share)
            text = f"a real set missing {share:.0%} of its images (k-means clusters)"
        check_enough_images(data, num_samples, int(np.count_nonzero(~np.isin(labels, dropped))))
        heldout_labels = data.heldout_labels
        if heldout_labels is None:
            heldout_labels = np.full(len(data.heldout_images), -1)
        return ImageScorer(
            (data.train_images, labels), (data.heldout_images, heldout_labels), extractor,
            num_samples=num_samples, seed=seed, degraded_classes=dropped, degraded_text=text,
            degraded_reference=described,
        )

    check_enough_images(data, num_samples)
    key = reference_key(
        data.data_hash, extractor, num_samples=int(num_samples), seed=int(seed),
        image_shape=list(data.train_images.shape[1:]), split_seed=SPLIT_SEED,
        heldout=len(data.heldout_images), classes=data.num_classes,
        degraded_fraction=DEGRADED_FRACTION, clusters=DEGRADED_CLUSTERS,
    )
    return cached_scorer(build, extractor, key, refresh=not use_cache, log=log)


def check_enough_images(data, num_samples, kept=None):
    """Raises `ValueError` when `data` (`kept` images outside the degraded part) is too small."""
    train = len(data.train_images)
    n = min(train if kept is None else kept, num_samples)
    if n <= DENSITY_COVERAGE_K or len(data.heldout_images) < 2:
        degraded = "" if kept is None else f" ({kept} in the degraded one)"
        raise ValueError(
            f"Too few images in {data.source}: {train} for the references{degraded} and "
            f"{len(data.heldout_images)} held out give n = {n}; image scores need "
            f"n > {DENSITY_COVERAGE_K} and 2 held out: add images"
        )
