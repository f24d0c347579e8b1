"""Feature extractors: callables `extractor(images) -> (features, probabilities or None)`.

Each has a `name` (a result's `features`) and `describe(accuracy=None)` (its `feature_extractor`).
"""

import functools
import os
import socket

import keras
import numpy as np

from keras_wgan._checks import check_positive_int
from keras_wgan._framework import inception_v3_weights_url
from keras_wgan._policy import dtype_policy
from keras_wgan.evaluation.classifier import CLASSIFIERS
from keras_wgan.evaluation.classifier import NUM_CLASSES
from keras_wgan.evaluation.classifier import check_dataset
from keras_wgan.evaluation.classifier import classifier_dataset
from keras_wgan.evaluation.classifier import describe_features
from keras_wgan.evaluation.classifier import features_and_probabilities
from keras_wgan.evaluation.classifier import train_classifier


class FeatureWeightsUnavailableError(RuntimeError):
    """Raised when a feature extractor's pretrained weights can be neither found nor downloaded."""


class ClassifierFeatures:
    """A dataset's classifier's 64-d penultimate features and class probabilities.

    Args:
        dataset: str. A key of `CLASSIFIERS`; the extractor's name is `"<dataset>_classifier"`.
        classifier: `keras.Model` or `None`. A classifier from `train_classifier(dataset)`;
            `None` for the default one.

    Example:

    >>> features, probabilities = ClassifierFeatures("mnist5k")(images)  # [n, 64], [n, 10]
    """

    num_classes = NUM_CLASSES

    def __init__(self, dataset="digits", classifier=None):
        self.dataset = check_dataset(dataset)
        self.name = dataset_extractor_name(dataset)
        self.classifier = classifier if classifier is not None else train_classifier(dataset)
        self._description = None

    def __call__(self, images):
        return features_and_probabilities(self.classifier, images)

    def describe(self, accuracy=None):
        if accuracy is not None:
            return describe_features(self.classifier, accuracy)
        if self._description is None:
            self._description = describe_features(self.classifier)
        return self._description


class InceptionV3Features:
    """Inception-v3 pool features (2048-d), the features of the usual FID and KID.

    Images in [-1, 1] are mapped to [0, 255], resized bilinearly, grey repeated to 3 channels,
    then `preprocess_input`. Scores match published FIDs only with the same weights and resizing.

    Args:
        weights: `"imagenet"` (the Keras cache, downloaded if missing), the path of a weights
            file of this architecture, or `None` for random weights (tests only).
        image_size: int. Side the images are resized to, at least 75; 299 for real scores.
        batch_size: int. Images per forward pass.
        download_timeout: float. Seconds a stalled download may wait before failing.

    Raises:
        ValueError: for an `image_size`, `batch_size` or `weights` out of range.
        FeatureWeightsUnavailableError: offline, without cached ImageNet weights.
    """

    name = "inception_v3"
    num_classes = None
    FEATURE_DIM = 2048
    WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
    MIN_IMAGE_SIZE = 75

    def __init__(self, weights="imagenet", image_size=299, batch_size=32, download_timeout=30.0):
        if isinstance(image_size, bool) or not isinstance(image_size, int) or (
            image_size < self.MIN_IMAGE_SIZE
        ):
            raise ValueError(
                f"`image_size` must be an int >= {self.MIN_IMAGE_SIZE} (Inception-v3's smallest "
                f"input). Received: image_size={image_size!r}"
            )
        check_positive_int("batch_size", batch_size)
        if weights not in ("imagenet", None) and not os.path.isfile(os.fspath(weights)):
            raise ValueError(
                "`weights` must be 'imagenet', None or the path of a weights file. "
                f"Received: weights={weights!r} (no such file)"
            )
        self.image_size = image_size
        self.batch_size = batch_size
        self.weights = weights if weights in ("imagenet", None) else os.fspath(weights)
        path = _inception_weights_path(download_timeout) if weights == "imagenet" else self.weights
        self.weights_path = path
        with dtype_policy("float32"):
            self.model = keras.applications.InceptionV3(
                include_top=False,
                weights=None,
                pooling="avg",
                input_shape=(image_size, image_size, 3),
            )
        if path is not None:
            self.model.load_weights(path)

    def __call__(self, images):
        images = np.asarray(images, dtype="float32")
        if images.ndim != 4 or images.shape[-1] not in (1, 3) or len(images) == 0:
            raise ValueError(
                "Expected images of shape [n, height, width, 1 or 3]. "
                f"Received: images.shape={images.shape}"
            )
        features = []
        for start in range(0, len(images), self.batch_size):
            batch = self.preprocess(images[start : start + self.batch_size])
            features.append(keras.ops.convert_to_numpy(self.model(batch, training=False)))
        return np.concatenate(features).astype("float64"), None

    def preprocess(self, images):
        pixels = (np.clip(images, -1.0, 1.0) + 1.0) * 127.5
        pixels = keras.ops.image.resize(
            pixels, (self.image_size, self.image_size), interpolation="bilinear"
        )
        if pixels.shape[-1] == 1:
            pixels = keras.ops.repeat(pixels, 3, axis=-1)
        return keras.applications.inception_v3.preprocess_input(pixels)

    def describe(self, accuracy=None):
        if self.weights in ("imagenet", None):
            weights = "ImageNet (Keras)" if self.weights else "random (not for real scores)"
        else:
            weights = f"from {os.path.basename(self.weights)}"
        return (
            f"InceptionV3 2048-d average pool, {weights} weights, images resized bilinearly to "
            f"{self.image_size}x{self.image_size}, grey repeated to 3 channels"
        )


def _inception_weights_path(timeout):

    cached = os.path.join(_keras_cache_dir(), "models", InceptionV3Features.WEIGHTS_FILE)
    if os.path.isfile(cached):
        return cached
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)  # a stalled connection fails instead of hanging
    try:
        return keras.utils.get_file(
            InceptionV3Features.WEIGHTS_FILE,
            inception_v3_weights_url(),
            cache_subdir="models",
        )
    except Exception as error:  # urllib and Keras raise several types for a failed download
        raise FeatureWeightsUnavailableError(
            f"The Inception-v3 weights are not in the Keras cache ({cached}) and downloading "
            f"them from {inception_v3_weights_url()} failed ({error}). Either run, on a "
            "machine with internet, `python -c \"import keras; keras.applications.InceptionV3("
            "include_top=False, weights='imagenet')\"` and copy the file it caches, "
            f"~/.keras/models/{InceptionV3Features.WEIGHTS_FILE}, to {cached}; or pass its path "
            "(`InceptionV3Features(weights=PATH)`, `keras-wgan evaluate --inception-weights "
            "PATH`); or score with a classifier's features (a dataset's, or data_classifier "
            "for your labelled images), which need no download."
        ) from None
    finally:
        socket.setdefaulttimeout(previous)


def _keras_cache_dir():
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def dataset_extractor_name(dataset):
    """The name of `dataset`'s own classifier features: `"<dataset>_classifier"`."""
    return f"{check_dataset(dataset)}_classifier"


FEATURE_EXTRACTORS = {
    **{
        dataset_extractor_name(dataset): functools.partial(ClassifierFeatures, dataset)
        for dataset in CLASSIFIERS
    },
    InceptionV3Features.name: InceptionV3Features,
}
DEFAULT_EXTRACTOR = dataset_extractor_name("digits")


def get_extractor(extractor=None, **kwargs):
    """A feature extractor from its name, a classifier or an extractor.

    Args:
        extractor: `None` (the digits classifier), a name in `FEATURE_EXTRACTORS`, a
            `keras.Model` from `train_classifier`, or an extractor object (returned as is).
        **kwargs: passed to the extractor's class when built from a name (e.g. `weights=`).

    Raises:
        ValueError: for an unknown name or an object that is not an extractor.
    """
    if extractor is None:
        extractor = DEFAULT_EXTRACTOR
    if isinstance(extractor, str):
        if extractor not in FEATURE_EXTRACTORS:
            raise ValueError(
                f"`extractor` must be one of {sorted(FEATURE_EXTRACTORS)}. "
                f"Received: extractor={extractor!r}"
            )
        return FEATURE_EXTRACTORS[extractor](**kwargs)
    if isinstance(extractor, keras.Model):
        return ClassifierFeatures(classifier_dataset(extractor), extractor)
    if not (callable(extractor) and hasattr(extractor, "name") and hasattr(extractor, "describe")):
        raise ValueError(
            "`extractor` must be a name, a classifier or an object with `name`, "
            f"`describe()` and `__call__(images)`. Received: extractor={extractor!r}"
        )
    return extractor


def get_extractor_name(extractor):
    """The `features` name of an extractor given as a name, a classifier or an object."""
    if extractor is None:
        return DEFAULT_EXTRACTOR
    if isinstance(extractor, keras.Model):
        return dataset_extractor_name(classifier_dataset(extractor))
    return extractor if isinstance(extractor, str) else extractor.name
