"""The digits classifier whose features and class probabilities score generated digits.

Its architecture (`build_digits_classifier`), its training on `load_digits("train",
seed=SPLIT_SEED)` (`train_digits_classifier`), its on-disk cache (`cache_dir`, `classifier_path`:
one file per `(CLASSIFIER_VERSION, seed, epochs)`), and what is read from it: penultimate
features, class probabilities, held-out accuracy and the `feature_extractor` string that names
them (`describe_features`).
"""

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
# The train/held-out split the classifier and the references use (`load_digits(seed=...)`).
SPLIT_SEED = 0
NUM_CLASSES = 10
CACHE_ENV = "KERAS_WGAN_CACHE"


def cache_dir():
    """The classifier cache: `$KERAS_WGAN_CACHE`, else `~/.cache/keras_wgan`."""
    return os.environ.get(CACHE_ENV) or os.path.join(
        os.path.expanduser("~"), ".cache", "keras_wgan"
    )


def classifier_path(seed=0, epochs=CLASSIFIER_EPOCHS, directory=None):
    """The cache file of the classifier defined by (version, seed, epochs)."""
    name = f"{CLASSIFIER_VERSION}_split{SPLIT_SEED}_seed{seed}_epochs{epochs}.keras"
    return os.path.join(directory or cache_dir(), name)


def build_digits_classifier(seed=0):
    """The v1 architecture: two 3x3 convolutions, a 64-unit feature layer, a softmax over 10.

    Always built in float32, whatever the global dtype policy (a run under `mixed_bfloat16`
    must not train, and cache, a bfloat16 classifier).
    """
    with dtype_policy("float32"):
        return _build_digits_classifier(seed)


def _build_digits_classifier(seed):
    init = lambda offset: keras.initializers.GlorotUniform(seed=seed * 100 + offset)  # noqa: E731
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu", kernel_initializer=init(1))(
        inputs
    )
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
    return keras.Model(inputs, outputs, name=CLASSIFIER_VERSION.replace("-", "_"))


def train_digits_classifier(seed=0, epochs=CLASSIFIER_EPOCHS, directory=None, verbose=0):
    """The digits classifier whose features every image score uses; trained once, then cached.

    It is trained on `load_digits("train", seed=SPLIT_SEED)` with Adam, batch 32, a NumPy-seeded
    shuffle (no global random state is touched) and seeded initializers, so a given
    `(CLASSIFIER_VERSION, seed, epochs)` always names the same model. It is saved to
    `classifier_path(seed, epochs, directory)` and loaded from there on later calls.

    Args:
        seed: int. Seed of the initial weights and of the shuffling.
        epochs: int. Passes over the 1297 training images.
        directory: str or `None`. Cache directory; `None` for `cache_dir()`.
        verbose: int. `fit` verbosity when training.

    Returns:
        A `keras.Model` from `[n, 8, 8, 1]` images in [-1, 1] to class probabilities `[n, 10]`,
        whose layer `"features"` gives the 64-d penultimate features.

    Example:

    >>> classifier = keras_wgan.evaluation.train_digits_classifier()
    >>> accuracy = keras_wgan.evaluation.heldout_accuracy(classifier)  # on the held-out digits
    """
    path = classifier_path(seed, epochs, directory)
    if os.path.exists(path):
        return keras.models.load_model(path)
    images, labels = data_lib.load_digits("train", seed=SPLIT_SEED)
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(len(images)) for _ in range(epochs)])
    classifier = build_digits_classifier(seed)
    classifier.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    # One pass over `epochs` shuffled copies: the shuffle comes from `rng`, not from TensorFlow.
    classifier.fit(
        images[order], labels[order], batch_size=32, epochs=1, shuffle=False, verbose=verbose
    )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path[: -len('.keras')]}.tmp{os.getpid()}.keras"
    classifier.save(temporary)
    os.replace(temporary, path)  # atomic: a concurrent reader never sees half a file
    return classifier


def features_and_probabilities(classifier, images, batch_size=1024):
    """`(features [n, 64], probabilities [n, 10])` of digit images `[n, 8, 8, 1]` in [-1, 1].

    Both are float64 NumPy arrays, computed in batches of `batch_size` in one pass; the
    probabilities are renormalized so that each row sums to 1 in float64.
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4 or images.shape[1:] != (8, 8, 1):
        raise ValueError(
            f"Expected digit images of shape [n, 8, 8, 1]. Received: images.shape={images.shape}"
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
    """Penultimate-layer (`"features"`, 64-d) features of `images` `[n, 8, 8, 1]`."""
    return features_and_probabilities(classifier, images)[0]


def probabilities(classifier, images):
    """Class probabilities `[n, 10]` of `images` `[n, 8, 8, 1]`."""
    return features_and_probabilities(classifier, images)[1]


def heldout_accuracy(classifier):
    """Accuracy of `classifier` on the 500 held-out digits (`load_digits("test")`)."""
    images, labels = data_lib.load_digits("test", seed=SPLIT_SEED)
    return float(np.mean(np.argmax(probabilities(classifier, images), axis=1) == labels))


def describe_features(classifier, accuracy=None):
    """The `feature_extractor` string: which features, and how good the classifier is."""
    if accuracy is None:
        accuracy = heldout_accuracy(classifier)
    dim = classifier.get_layer(FEATURES_LAYER).output.shape[-1]
    return (
        f"{CLASSIFIER_VERSION} ({classifier.name}) penultimate layer '{FEATURES_LAYER}' "
        f"({dim}-d ReLU), held-out accuracy {accuracy:.3f}"
    )
