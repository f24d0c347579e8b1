"""One classifier per dataset, whose features and class probabilities score generated images.

The default ones ship with the package, so every CPU scores with the same weights.
"""

import json
import os

import keras
import numpy as np

from keras_wgan import data as data_lib
from keras_wgan._policy import dtype_policy

FEATURES_LAYER = "features"
FEATURE_DIM = 64
SPLIT_SEED = 0
NUM_CLASSES = 10
CACHE_ENV = "KERAS_WGAN_CACHE"
# Written by `tools/train_packaged_classifiers.py`, with each file's held-out accuracy.
PACKAGED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
PACKAGED_MANIFEST = "classifiers.json"
# Bump `version` when a classifier changes: it names its files. 28x28 images: stride 2 first.
CLASSIFIERS = {
    "digits": {
        "version": "digits-classifier-v1", "image_shape": (8, 8, 1), "epochs": 40,
        "first_stride": 1, "load": data_lib.load_digits,
    },
    "mnist5k": {
        "version": "mnist5k-classifier-v1", "image_shape": (28, 28, 1), "epochs": 8,
        "first_stride": 2, "load": data_lib.load_mnist_5k,
    },
}


def check_dataset(dataset):
    """Returns `dataset`; raises `ValueError` unless it is a key of `CLASSIFIERS`."""
    if dataset not in CLASSIFIERS:
        raise ValueError(
            f"`dataset` must be one of {sorted(CLASSIFIERS)}. Received: dataset={dataset!r}"
        )
    return dataset


def load_split(dataset, split):
    """`(images, labels)` of `dataset`'s `"train"` or `"test"` split, as its classifier's."""
    return CLASSIFIERS[check_dataset(dataset)]["load"](split, seed=SPLIT_SEED)


def classifier_dataset(classifier):
    """The key of `CLASSIFIERS` whose images `classifier` takes (by input shape)."""
    shape = tuple(classifier.inputs[0].shape[1:])
    for dataset, spec in CLASSIFIERS.items():
        if spec["image_shape"] == shape:
            return dataset
    raise ValueError(
        "`classifier` must take the images of one of "
        f"{ {name: spec['image_shape'] for name, spec in CLASSIFIERS.items()} }. "
        f"Received: a classifier of input shape {shape}"
    )


def cache_dir():
    """The classifier cache: `$KERAS_WGAN_CACHE`, else `~/.cache/keras_wgan`."""
    return os.environ.get(CACHE_ENV) or os.path.join(
        os.path.expanduser("~"), ".cache", "keras_wgan"
    )


def classifier_path(seed=0, epochs=None, directory=None, dataset="digits"):
    """The cache file of `dataset`'s classifier: one per (version, seed, epochs)."""
    spec = CLASSIFIERS[check_dataset(dataset)]
    epochs = _epochs(spec, epochs)
    name = f"{spec['version']}_split{SPLIT_SEED}_seed{seed}_epochs{epochs}.keras"
    return os.path.join(directory or cache_dir(), name)


def packaged_classifier_path(dataset="digits"):
    """The shipped file of `dataset`'s default classifier, named as in the cache."""
    return classifier_path(0, None, PACKAGED_DIR, dataset)


def packaged_accuracy(dataset="digits"):
    """The held-out accuracy recorded for `dataset`'s shipped classifier, or `None`."""
    name = os.path.basename(packaged_classifier_path(dataset))
    path = os.path.join(PACKAGED_DIR, PACKAGED_MANIFEST)
    if not os.path.exists(path):
        return None
    with open(path) as file:
        entry = json.load(file).get(name)
    return None if entry is None else entry["heldout_accuracy"]


def build_classifier(dataset="digits", seed=0):
    """Two 3x3 convolutions, a 64-unit feature layer, a softmax over 10, for `dataset`'s images.

    Always float32: a mixed-precision run must not cache a bfloat16 classifier.
    """
    spec = CLASSIFIERS[check_dataset(dataset)]
    with dtype_policy("float32"):
        return _build_classifier(spec, seed)


def _build_classifier(spec, seed):
    return build_image_classifier(
        spec["image_shape"], NUM_CLASSES, seed, spec["first_stride"],
        spec["version"].replace("-", "_"),
    )


def build_image_classifier(image_shape, num_classes, seed=0, first_stride=1, name="classifier"):
    """The classifier of `build_classifier` for any image shape and class count (float32 caller).

    Images larger than 32 pixels a side are average-pooled to at most 32 first, so the feature
    layer stays small.
    """
    init = lambda offset: keras.initializers.GlorotUniform(seed=seed * 100 + offset)  # noqa: E731
    inputs = keras.Input(tuple(image_shape))
    x = inputs
    pool = max(image_shape[0], image_shape[1]) // 32
    if pool > 1:
        x = keras.layers.AveragePooling2D(pool, padding="same")(x)
    x = keras.layers.Conv2D(
        32, 3, strides=first_stride, padding="same", activation="relu",
        kernel_initializer=init(1),
    )(x)
    x = keras.layers.Conv2D(
        64, 3, strides=2, padding="same", activation="relu", kernel_initializer=init(2)
    )(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(
        FEATURE_DIM, activation="relu", kernel_initializer=init(3), name=FEATURES_LAYER
    )(x)
    outputs = keras.layers.Dense(
        num_classes, activation="softmax", kernel_initializer=init(4), name="probabilities"
    )(x)
    return keras.Model(inputs, outputs, name=name)


def train_classifier(dataset="digits", seed=0, epochs=None, directory=None, verbose=0):
    """The classifier whose features `dataset`'s image scores use: shipped, cached or trained.

    Looked up first among the files shipped with the package (so every CPU scores with the same
    weights), then in the cache; else trained (`fit_classifier`) and cached.

    Args:
        dataset: str. A key of `CLASSIFIERS` (`"digits"`, `"mnist5k"`).
        seed: int. Seed of the initial weights and of the shuffling.
        epochs: int or `None`. Passes over the training images; `None` for the dataset's
            default (`CLASSIFIERS[dataset]["epochs"]`).
        directory: str or `None`. Cache directory; `None` for `cache_dir()`.
        verbose: int. `fit` verbosity when training.

    Returns:
        A `keras.Model` from images in [-1, 1] to class probabilities `[n, 10]`; its layer
        `"features"` gives the 64-d penultimate features.

    Raises:
        ValueError: if `dataset` has no classifier.
    """
    path = classifier_path(seed, epochs, directory, dataset)
    packaged = os.path.join(PACKAGED_DIR, os.path.basename(path))
    for found in (packaged, path):
        if os.path.exists(found):
            return keras.models.load_model(found)
    classifier = fit_classifier(dataset, seed, epochs, verbose)
    save_atomically(classifier, path)
    return classifier


def fit_classifier(dataset="digits", seed=0, epochs=None, verbose=0):
    """Trains `dataset`'s classifier (arguments as `train_classifier`), without any cache.

    Seeded, without global random state: `(version, seed, epochs)` names one model.
    """
    epochs = _epochs(CLASSIFIERS[check_dataset(dataset)], epochs)
    images, labels = load_split(dataset, "train")
    return fit_images(build_classifier(dataset, seed), images, labels, seed, epochs, verbose)


def fit_images(classifier, images, labels, seed, epochs, verbose=0):
    """Fits `classifier` on `(images, labels)`, `epochs` passes shuffled by `seed`; returns it."""
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(len(images)) for _ in range(epochs)])
    classifier.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    # One pass over `epochs` copies shuffled by `rng`, not by TensorFlow.
    classifier.fit(
        images[order], labels[order], batch_size=32, epochs=1, shuffle=False, verbose=verbose
    )
    return classifier


def _epochs(spec, epochs):
    return spec["epochs"] if epochs is None else epochs


def save_atomically(classifier, path):
    """Saves `classifier` at `path` (`.keras`) through a temporary file."""
    # Atomic: a concurrent reader never sees half a file.
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temporary = f"{path[: -len('.keras')]}.tmp{os.getpid()}.keras"
    classifier.save(temporary)
    os.replace(temporary, path)


def features_and_probabilities(classifier, images, batch_size=1024):
    """`(features [n, 64], probabilities [n, 10])`, float64, of images in [-1, 1]."""
    images = np.asarray(images, dtype="float32")
    shape = tuple(classifier.inputs[0].shape[1:])
    if images.ndim != 4 or images.shape[1:] != shape:
        raise ValueError(
            f"Expected images of shape [n, {', '.join(map(str, shape))}] (the classifier's). "
            f"Received: images.shape={images.shape}"
        )
    both = keras.Model(
        classifier.inputs[0], [classifier.get_layer(FEATURES_LAYER).output, classifier.outputs[0]]
    )
    features, probabilities = [], []
    for start in range(0, len(images), batch_size):
        f, p = both(images[start : start + batch_size], training=False)
        features.append(keras.ops.convert_to_numpy(f))
        probabilities.append(keras.ops.convert_to_numpy(p))
    features = np.concatenate(features).astype("float64")
    probabilities = np.concatenate(probabilities).astype("float64")
    probabilities /= probabilities.sum(axis=1, keepdims=True)  # float32 round-off
    return features, probabilities


def features(classifier, images):
    """Penultimate-layer (`"features"`, 64-d) features of `images` (e.g. `[n, 8, 8, 1]`)."""
    return features_and_probabilities(classifier, images)[0]


def probabilities(classifier, images):
    """Class probabilities `[n, 10]` of `images` (e.g. `[n, 8, 8, 1]`)."""
    return features_and_probabilities(classifier, images)[1]


def heldout_accuracy(classifier):
    """Accuracy of `classifier` on its dataset's held-out split (`load_split(..., "test")`)."""
    images, labels = load_split(classifier_dataset(classifier), "test")
    return float(np.mean(np.argmax(probabilities(classifier, images), axis=1) == labels))


def describe_features(classifier, accuracy=None):
    """The `feature_extractor` string: which features, and how good the classifier is."""
    if accuracy is None:
        accuracy = heldout_accuracy(classifier)
    dim = classifier.get_layer(FEATURES_LAYER).output.shape[-1]
    version = CLASSIFIERS[classifier_dataset(classifier)]["version"]
    return (
        f"{version} ({classifier.name}) penultimate layer '{FEATURES_LAYER}' "
        f"({dim}-d ReLU), held-out accuracy {accuracy:.3f}"
    )
