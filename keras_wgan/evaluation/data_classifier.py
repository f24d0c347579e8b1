"""A small classifier trained on your labelled images once, cached by their content."""

import hashlib
import json
import os

import keras
import numpy as np

from keras_wgan._policy import dtype_policy
from keras_wgan.evaluation.classifier import FEATURE_DIM
from keras_wgan.evaluation.classifier import FEATURES_LAYER
from keras_wgan.evaluation.classifier import build_image_classifier
from keras_wgan.evaluation.classifier import cache_dir
from keras_wgan.evaluation.classifier import features_and_probabilities
from keras_wgan.evaluation.classifier import fit_images
from keras_wgan.evaluation.classifier import save_atomically

# Bump when the architecture or the training changes: it is part of every cache key.
DATA_CLASSIFIER_VERSION = "data-classifier-v1"
DATA_CLASSIFIER_NAME = "data_classifier"
CACHE_SUBDIR = "data_classifiers"
# Images seen in training (the MNIST-5k classifier's 8 passes over 4,000), within these passes.
TRAINING_IMAGES = 32000
MIN_EPOCHS, MAX_EPOCHS = 2, 40


def content_hash(images, labels=None):
    """A SHA-256 hex digest of the images' shape and bytes (float32) and of the labels."""
    digest = hashlib.sha256()
    images = np.ascontiguousarray(images, dtype="float32")
    digest.update(repr(images.shape).encode())
    digest.update(images.tobytes())
    if labels is not None:
        digest.update(np.ascontiguousarray(labels, dtype="int64").tobytes())
    return digest.hexdigest()


def data_classifier_epochs(num_images):
    """Passes over `num_images` training images: about `TRAINING_IMAGES` images seen."""
    return int(np.clip(-(-TRAINING_IMAGES // max(num_images, 1)), MIN_EPOCHS, MAX_EPOCHS))


def data_classifier_key(images, labels, num_classes, seed=0, data_hash=None):
    """The cache key of the classifier of `(images, labels)`: content, settings and version."""
    settings = {
        "version": DATA_CLASSIFIER_VERSION, "data": data_hash or content_hash(images, labels),
        "num_classes": int(num_classes), "seed": int(seed),
        "epochs": data_classifier_epochs(len(images)),
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:20]


def data_classifier_path(key, directory=None):
    """The cache file of the classifier of `key`, under `cache_dir()` unless `directory`."""
    folder = directory or os.path.join(cache_dir(), CACHE_SUBDIR)
    return os.path.join(folder, f"{DATA_CLASSIFIER_VERSION}_{key}.keras")


def train_data_classifier(
    images, labels, num_classes, seed=0, directory=None, refresh=False, data_hash=None, log=None
):
    """The classifier of your labelled images: loaded from the cache, else trained and cached.

    The design of the digits and MNIST-5k classifiers (larger images average-pooled to 32 a
    side first), trained with a seeded shuffle for `data_classifier_epochs(len(images))` passes.

    Args:
        images: float32 array `[n, height, width, channels]` in [-1, 1].
        labels: int array `[n]` in `[0, num_classes)`.
        num_classes: int >= 2.
        seed: int. Seed of the initial weights and of the shuffling.
        directory: str or `None`. Cache folder; `None` for `cache_dir()/data_classifiers`.
        refresh: bool. Train again even when cached.
        data_hash: str or `None`. `content_hash(images, labels)`, if known.
        log: callable or `None`. Called with one line when training or loading.

    Returns:
        `(classifier, key)`: a `keras.Model` from images to probabilities `[n, num_classes]`,
        and its cache key.

    Raises:
        ValueError: for fewer than 2 classes or labels out of range.
    """
    images = np.asarray(images, dtype="float32")
    labels = np.asarray(labels)
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(
            f"`num_classes` must be an int >= 2. Received: num_classes={num_classes!r}"
        )
    if labels.shape != (len(images),) or labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(
            f"`labels` must be {len(images)} ints in [0, {num_classes}). Received: labels of "
            f"shape {labels.shape} in [{labels.min()}, {labels.max()}]"
        )
    key = data_classifier_key(images, labels, num_classes, seed, data_hash)
    path = data_classifier_path(key, directory)
    log = log or (lambda line: None)
    if os.path.exists(path) and not refresh:
        log(f"Reusing the classifier trained on these images, cached at {path}")
        return keras.models.load_model(path), key
    epochs = data_classifier_epochs(len(images))
    log(f"Training a classifier on the {len(images)} training images ({num_classes} classes, "
        f"{epochs} passes; once: cached at {path})")
    first_stride = 1 if min(images.shape[1:3]) < 16 else 2
    with dtype_policy("float32"):
        classifier = build_image_classifier(
            images.shape[1:], num_classes, seed, first_stride, DATA_CLASSIFIER_NAME
        )
    fit_images(classifier, images, labels.astype("int32"), seed, epochs)
    save_atomically(classifier, path)
    return classifier, key


class DataClassifierFeatures:
    """The features and class probabilities of a classifier from `train_data_classifier`.

    Args:
        classifier: `keras.Model`. From `train_data_classifier`.
        key: str. Its cache key, named in `describe()`.
    """

    name = DATA_CLASSIFIER_NAME

    def __init__(self, classifier, key):
        self.classifier = classifier
        self.key = key
        self.num_classes = int(classifier.outputs[0].shape[-1])
        weights = hashlib.sha256(b"".join(w.tobytes() for w in classifier.get_weights()))
        # Its weights, not only its key: a classifier trained again may differ in round-off.
        self.fingerprint = f"{DATA_CLASSIFIER_VERSION}:{key}:{weights.hexdigest()[:16]}"

    def __call__(self, images):
        return features_and_probabilities(self.classifier, images)

    def describe(self, accuracy=None):
        held_out = "" if accuracy is None else f", held-out accuracy {accuracy:.3f}"
        return (
            f"{DATA_CLASSIFIER_VERSION} trained on your images (key {self.key}), "
            f"penultimate layer '{FEATURES_LAYER}' ({FEATURE_DIM}-d ReLU), "
            f"{self.num_classes} classes{held_out}"
        )
