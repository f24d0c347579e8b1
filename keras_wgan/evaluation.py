"""Scores you can trust: every quality score beside references computed in the same run.

A score alone says little: classifier-FID depends on the features, on n and on the held-out set.
So each score here comes with two references computed with the same features, the same held-out
set and the same n (see `/work/shared/EVALUATION.md`):

- `floor`: a subset of real training images scored against the held-out images, i.e. what a
  perfect generator would get;
- `degraded`: the same kind of real subset with the classes `DEGRADED_CLASSES` (0, 1 and 2)
  removed, i.e. a sharp generator that dropped three modes.

A good generator sits near the floor. The features come from a pluggable extractor:

- `DigitsClassifierFeatures` (`"digits_classifier"`, the default): a small convolutional digits
  classifier (`train_digits_classifier`, version `CLASSIFIER_VERSION`), trained once on
  `load_digits("train")` and cached on disk; its held-out accuracy is reported with every score,
  and its class probabilities give the classifier score, class coverage and, for conditional
  generators, the conditional accuracy;
- `InceptionV3Features` (`"inception_v3"`): Inception-v3's 2048-d pool features, the usual FID
  features, when its ImageNet weights are in the Keras cache or can be downloaded (offline it
  fails at once with `FeatureWeightsUnavailableError`, saying what to do).

Every result names its features (`features`, `feature_extractor`); `check_comparable` refuses to
put side by side scores of different features or n. `ImageScorer` computes the references once
and scores generators again and again (as `keras_wgan.callbacks.QualityScores` does during
`fit`).

For the 2-D toys, `score_toy` gives the mode metrics (VEEGAN protocol) and the exact W1 beside a
floor of real samples against real samples at the same n.
"""

import contextlib
import os
import socket

import keras
import numpy as np

from keras_wgan import data as data_lib
from keras_wgan import metrics as metrics_lib
from keras_wgan._checks import check_positive_int

# Bump when the architecture, the training recipe or the data split of the classifier changes:
# it is part of the cache file name and of every `feature_extractor` string.
CLASSIFIER_VERSION = "digits-classifier-v1"
CLASSIFIER_EPOCHS = 40
FEATURES_LAYER = "features"
FEATURE_DIM = 64
# The train/held-out split the classifier and the references use (`load_digits(seed=...)`).
SPLIT_SEED = 0
# The classes removed from the `degraded` reference.
DEGRADED_CLASSES = (0, 1, 2)
NUM_CLASSES = 10
PRECISION_RECALL_K = 3
DENSITY_COVERAGE_K = 5
# Default number of generated samples scored (images) and drawn (toys, VEEGAN protocol).
IMAGE_SAMPLES = 1000
TOY_SAMPLES = 2500
# Whether a higher value is better, per image score.
HIGHER_IS_BETTER = {
    "fid": False,
    "kid": False,
    "classifier_score": True,
    "classes_covered": True,
    "class_kl": False,
    "precision": True,
    "recall": True,
    "density": True,
    "coverage": True,
}
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
    with _float32_policy():
        return _build_digits_classifier(seed)


@contextlib.contextmanager
def _float32_policy():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


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
    `classifier_path(seed, epochs, directory)` and loaded from there on later calls. Takes a few
    seconds on CPU; held-out accuracy is about 98%.

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
    >>> keras_wgan.evaluation.heldout_accuracy(classifier)
    0.98...
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


def _outputs(classifier, images, batch_size=1024):
    """(penultimate features, probabilities) of `images`, as float64 NumPy arrays."""
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
    return _outputs(classifier, images)[0]


def probabilities(classifier, images):
    """Class probabilities `[n, 10]` of `images` `[n, 8, 8, 1]`."""
    return _outputs(classifier, images)[1]


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


# --------------------------------------------------------------------------------------------
# Feature extractors
# --------------------------------------------------------------------------------------------


class FeatureWeightsUnavailableError(RuntimeError):
    """Raised when a feature extractor's pretrained weights can be neither found nor downloaded."""


class DigitsClassifierFeatures:
    """Features of the cached digits classifier: 64-d penultimate features and class probabilities.

    The default extractor: trained in seconds, offline, on `load_digits("train")` (see
    `train_digits_classifier`); it knows only 8x8 grey digits. Its probabilities give the
    classifier score, the class coverage and the conditional accuracy.

    Args:
        classifier: `keras.Model` or `None`. A classifier from `train_digits_classifier`;
            `None` for the cached default one.

    Example:

    >>> extractor = keras_wgan.evaluation.DigitsClassifierFeatures()
    >>> features, probabilities = extractor(images)  # [n, 64], [n, 10]
    """

    name = "digits_classifier"
    num_classes = NUM_CLASSES

    def __init__(self, classifier=None):
        self.classifier = classifier if classifier is not None else train_digits_classifier()
        self._description = None

    def __call__(self, images):
        """`(features [n, 64], probabilities [n, 10])` of images `[n, 8, 8, 1]` in [-1, 1]."""
        return _outputs(self.classifier, images)

    def describe(self, accuracy=None):
        """What the features are, with the classifier's held-out accuracy."""
        if accuracy is not None:
            return describe_features(self.classifier, accuracy)
        if self._description is None:
            self._description = describe_features(self.classifier)
        return self._description


class InceptionV3Features:
    """Inception-v3 pool features (2048-d), the features of the usual FID and KID.

    `keras.applications.InceptionV3(include_top=False, pooling="avg")`: the 2048-d global
    average pool before the classifier, as in the FID papers' code. Images in [-1, 1] are mapped
    to [0, 255], resized bilinearly to `image_size` x `image_size` (299 by default), grey images
    repeated to 3 channels, then `keras.applications.inception_v3.preprocess_input` (the
    Inception way: `x / 127.5 - 1`). Scores on these features are not comparable with published
    FIDs unless the weights and the resizing are the same (TF-Slim/TTUR weights differ from
    Keras's); state both, as `describe()` does. There are no class probabilities
    (`include_top=False`): the classifier score, class coverage and conditional accuracy are
    then not computed.

    The ImageNet weights (87 MB) are downloaded once into the Keras cache
    (`~/.keras/models/`, or `$KERAS_HOME/models/`). Without them and without internet, building
    the extractor fails at once with `FeatureWeightsUnavailableError`, saying what to do.

    Args:
        weights: `"imagenet"` (the Keras cache, downloaded if missing), a path to a weights file
            of the same architecture (e.g. the cached
            `inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5` copied from a machine with
            internet), or `None` for random weights (tests only: such features mean nothing).
        image_size: int. Side the images are resized to; 299 (Inception's) for real scores, at
            least 75.
        batch_size: int. Images per forward pass.
        download_timeout: float. Seconds a stalled download may wait before failing.

    Example:

    >>> extractor = keras_wgan.evaluation.InceptionV3Features()
    >>> features, _ = extractor(images)  # [n, 2048]
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
        with _float32_policy():
            self.model = keras.applications.InceptionV3(
                include_top=False,
                weights=None,
                pooling="avg",
                input_shape=(image_size, image_size, 3),
            )
        if path is not None:
            self.model.load_weights(path)

    def __call__(self, images):
        """`(features [n, 2048], None)` of images `[n, h, w, 1 or 3]` in [-1, 1]."""
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
        """Images in [-1, 1] to Inception's input: [0, 255], resized, 3 channels, preprocessed."""
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
    """The cached (or freshly downloaded) no-top Inception-v3 weights; fails at once offline."""
    from keras.src.applications import inception_v3

    cached = os.path.join(_keras_cache_dir(), "models", InceptionV3Features.WEIGHTS_FILE)
    if os.path.isfile(cached):
        return cached
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)  # a stalled connection fails instead of hanging
    try:
        return keras.utils.get_file(
            InceptionV3Features.WEIGHTS_FILE,
            inception_v3.WEIGHTS_PATH_NO_TOP,
            cache_subdir="models",
        )
    except Exception as error:  # urllib and Keras raise several types for a failed download
        raise FeatureWeightsUnavailableError(
            f"The Inception-v3 weights are not in the Keras cache ({cached}) and downloading "
            f"them from {inception_v3.WEIGHTS_PATH_NO_TOP} failed ({error}). Either run, on a "
            "machine with internet, `python -c \"import keras; keras.applications.InceptionV3("
            "include_top=False, weights='imagenet')\"` and copy the file it caches, "
            f"~/.keras/models/{InceptionV3Features.WEIGHTS_FILE}, to {cached}; or pass its path "
            "(`InceptionV3Features(weights=PATH)`, `keras-wgan evaluate --inception-weights "
            "PATH`); or score with the digits classifier's features, which need no download."
        ) from None
    finally:
        socket.setdefaulttimeout(previous)


def _keras_cache_dir():
    """Where Keras caches downloads: `$KERAS_HOME`, else `~/.keras` (as `keras.utils.get_file`)."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


FEATURE_EXTRACTORS = {
    DigitsClassifierFeatures.name: DigitsClassifierFeatures,
    InceptionV3Features.name: InceptionV3Features,
}


def get_extractor(extractor=None, **kwargs):
    """A feature extractor from its name, a digits classifier or an extractor; `None`: digits.

    Args:
        extractor: `None` (the cached digits classifier), a name in `FEATURE_EXTRACTORS`
            (`"digits_classifier"`, `"inception_v3"`), a `keras.Model` from
            `train_digits_classifier`, or an extractor object (returned as is).
        **kwargs: passed to the extractor's class when built from a name (e.g. `weights=`).
    """
    if extractor is None:
        extractor = DigitsClassifierFeatures.name
    if isinstance(extractor, str):
        if extractor not in FEATURE_EXTRACTORS:
            raise ValueError(
                f"`extractor` must be one of {sorted(FEATURE_EXTRACTORS)}. "
                f"Received: extractor={extractor!r}"
            )
        return FEATURE_EXTRACTORS[extractor](**kwargs)
    if isinstance(extractor, keras.Model):
        return DigitsClassifierFeatures(extractor)
    if not (callable(extractor) and hasattr(extractor, "name") and hasattr(extractor, "describe")):
        raise ValueError(
            "`extractor` must be a name, a digits classifier or an object with `name`, "
            f"`describe()` and `__call__(images)`. Received: extractor={extractor!r}"
        )
    return extractor


# --------------------------------------------------------------------------------------------
# Image scores
# --------------------------------------------------------------------------------------------


def _image_scores(candidate, heldout, names=None):
    """Scores of one candidate set; `candidate`, `heldout`: (features, probabilities or None).

    `names`: the scores wanted (`None`: all); the others are not computed.
    """
    fake_features, fake_probabilities = candidate
    real_features, _ = heldout
    wanted = set(HIGHER_IS_BETTER if names is None else names).__contains__
    scores = {}
    if wanted("fid"):
        scores["fid"] = metrics_lib.frechet_distance(fake_features, real_features)
    if wanted("kid"):
        scores["kid"] = metrics_lib.kernel_distance(fake_features, real_features)
    histogram = None
    if fake_probabilities is not None:
        coverage = metrics_lib.class_coverage(
            np.argmax(fake_probabilities, axis=1), fake_probabilities.shape[1]
        )
        histogram = coverage["class_histogram"]
        scores.update(
            classifier_score=metrics_lib.classifier_score(fake_probabilities),
            classes_covered=coverage["classes_covered"],
            class_kl=coverage["class_kl"],
        )
    if wanted("precision") or wanted("recall"):
        scores.update(
            metrics_lib.precision_recall(real_features, fake_features, k=PRECISION_RECALL_K)
        )
    if wanted("density") or wanted("coverage"):
        scores.update(
            metrics_lib.density_coverage(real_features, fake_features, k=DENSITY_COVERAGE_K)
        )
    return scores, histogram


def verdict(value, floor, degraded, higher_is_better):
    """Where `value` sits between its references: `(closer_to, position, text)`.

    `position = (value - floor) / (degraded - floor)`: 0 at the floor, 1 at the degraded
    reference, below 0 better than the floor, above 1 worse than the degraded reference.
    """
    gap = degraded - floor
    scale = max(abs(floor), abs(degraded), 1e-12)
    if abs(gap) <= 0.05 * scale:
        # The references do not separate on this score (e.g. precision: both are real images).
        better = value >= floor if higher_is_better else value <= floor
        closer = "floor" if better or abs(value - floor) <= 0.05 * scale else "degraded"
        text = "references do not separate on this score; " + (
            "at the floor" if closer == "floor" else "worse than both references"
        )
        return closer, None, text
    position = (value - floor) / gap
    if position <= 0:
        text = "at or better than the floor"
    elif position < 0.5:
        text = "closer to the floor"
    elif position <= 1:
        text = "closer to degraded"
    else:
        text = "beyond degraded (worse than a real set missing three classes)"
    return ("floor" if position < 0.5 else "degraded"), float(position), text


def _row(generated, floor, degraded, higher_is_better):
    closer, position, text = verdict(generated, floor, degraded, higher_is_better)
    return dict(
        generated=float(generated), floor=float(floor), degraded=float(degraded),
        higher_is_better=higher_is_better, closer_to=closer, position=position, verdict=text,
    )


class ImageScorer:
    """Scores sets of generated images beside a `floor` and a `degraded` reference, at one n.

    The references and the held-out features are computed once, when the scorer is made, so
    that scoring a generator again (every few epochs, see `keras_wgan.callbacks.QualityScores`)
    costs only the generated images' features and the scores. All sets have the same size
    `n = min(num_samples, real images outside DEGRADED_CLASSES)` (about 910 for the 1297
    training digits) and are scored against the whole held-out set with one extractor:

    - `floor`: n real training images drawn without replacement (seeded);
    - `degraded`: n real training images drawn only from the classes not in
      `DEGRADED_CLASSES` (0, 1, 2), i.e. a real set missing three classes.

    Scores: classifier-FID (`fid`) and KID (unbiased, cubic kernel) on the extractor's
    features, precision/recall (k=3, real = held out), density/coverage (k=5) and, when the
    extractor gives class probabilities (the digits classifier, not Inception-v3), the
    classifier score (10 at best), classes covered (of 10) and the class KL to uniform (0 at
    best). Each result names its features (`features`, `feature_extractor`): scores of different
    extractors are never comparable (see `check_comparable`).

    Args:
        real_train: tuple `(images, labels)`. Real images not in the held-out set (the labels
            choose the degraded subset), e.g. `load_digits("train")`.
        real_heldout: tuple `(images, labels)`, e.g. `load_digits("test")`.
        extractor: an extractor (`DigitsClassifierFeatures`, `InceptionV3Features`), its name,
            a digits classifier `keras.Model`, or `None` for the cached digits classifier.
        num_samples: int. Largest n.
        seed: int. Seed of the reference subsets and of the generated subset.
        accuracy: float or `None`. The classifier's held-out accuracy; `None` to compute it on
            `real_heldout` (extractors with probabilities only).

    Example:

    >>> scorer = keras_wgan.evaluation.ImageScorer(load_digits("train"), load_digits("test"))
    >>> scorer.score(generated)["scores"]["fid"]
    {'generated': ..., 'floor': ..., 'degraded': ..., 'verdict': ..., ...}
    """

    def __init__(
        self, real_train, real_heldout, extractor=None, num_samples=IMAGE_SAMPLES, seed=0,
        accuracy=None,
    ):
        self.extractor = get_extractor(extractor)
        train_images, train_labels = (np.asarray(a) for a in real_train)
        heldout_images, heldout_labels = (np.asarray(a) for a in real_heldout)
        kept = np.flatnonzero(~np.isin(train_labels, DEGRADED_CLASSES))
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)):
            raise ValueError(f"`num_samples` must be an int. Received: num_samples={num_samples!r}")
        # Generated images to draw (`score_generator`); n may be smaller.
        self.num_generated = int(num_samples)
        self.num_samples = int(min(len(kept), num_samples))
        if self.num_samples <= DENSITY_COVERAGE_K:
            raise ValueError(
                f"Need more than {DENSITY_COVERAGE_K} samples. Received: n={self.num_samples}"
            )
        self.seed = seed
        rng = np.random.default_rng(seed)
        references = {
            "floor": train_images[rng.permutation(len(train_images))[: self.num_samples]],
            "degraded": train_images[rng.permutation(kept)[: self.num_samples]],
        }
        self.heldout = self.extractor(heldout_images)
        self.num_heldout = len(heldout_images)
        self.heldout_labels = heldout_labels
        self.accuracy = accuracy
        if accuracy is None and self.heldout[1] is not None:
            predicted = np.argmax(self.heldout[1], axis=1)
            self.accuracy = float(np.mean(predicted == heldout_labels))
        self.references = {
            name: _image_scores(self.extractor(images), self.heldout)[0]
            for name, images in references.items()
        }
        self.description = self.extractor.describe(self.accuracy)

    @property
    def score_names(self):
        """The scores this scorer gives (the probability scores only with probabilities)."""
        return [name for name in HIGHER_IS_BETTER if name in self.references["floor"]]

    def score(self, generated, labels=None, names=None):
        """Scores generated images; `labels`: the classes asked of a conditional generator.

        Args:
            generated: array `[n_gen, height, width, channels]` in [-1, 1], `n_gen >= n`.
            labels: int array `[n_gen]` or `None`. For a conditional generator, the class each
                image was generated for: adds `conditional_accuracy` (extractors with
                probabilities only).
            names: list of str or `None`. Compute only these scores (`None`: all of
                `score_names`); precision/recall and density/coverage cost the most.

        Returns:
            A dict: `features` (the extractor's name), `feature_extractor` (what the features
            are), `classifier_heldout_accuracy` (or `None`), `num_samples` (n), `num_heldout`,
            `degraded_classes`, `class_histogram` (of the generated images, or `None`) and
            `scores`: `{name: {"generated", "floor", "degraded", "higher_is_better",
            "closer_to", "position", "verdict"}}`.
        """
        generated = np.asarray(generated, dtype="float32")
        if not np.all(np.isfinite(generated)):
            raise ValueError("`generated` holds NaN or Inf values; cannot score it.")
        if len(generated) < self.num_samples:
            raise ValueError(
                f"Need at least n={self.num_samples} generated images (the references' n). "
                f"Received: {len(generated)}"
            )
        chosen = np.random.default_rng([self.seed, 1]).permutation(len(generated))
        chosen = chosen[: self.num_samples]
        outputs = self.extractor(generated[chosen])
        values, histogram = _image_scores(outputs, self.heldout, names)
        scores = {
            name: _row(
                values[name], self.references["floor"][name],
                self.references["degraded"][name], HIGHER_IS_BETTER[name],
            )
            for name in self.score_names
            if name in values
        }
        if labels is not None:
            if outputs[1] is None:
                raise ValueError(
                    f"`labels` need class probabilities, which {self.extractor.name!r} features "
                    "do not give. Score conditional generators with the digits classifier."
                )
            scores["conditional_accuracy"] = self._conditional_accuracy(
                outputs[1], np.asarray(labels)[chosen]
            )
        return {
            "features": self.extractor.name,
            "feature_extractor": self.description,
            "classifier_heldout_accuracy": self.accuracy,
            "num_samples": self.num_samples,
            "num_heldout": int(self.num_heldout),
            "degraded_classes": list(DEGRADED_CLASSES),
            "class_histogram": histogram,
            "scores": scores,
        }

    def _conditional_accuracy(self, probabilities, labels):
        """Share of images classified as the class asked for, beside real-image references.

        `floor`: the classifier's class-balanced accuracy on the held-out images (a generator
        that draws real digits of the asked class); `degraded`: the same with the classes
        `DEGRADED_CLASSES` counted wrong (one that draws another class for three of them).
        """
        predicted = np.argmax(self.heldout[1], axis=1)
        classes = np.unique(self.heldout_labels)
        per_class = np.array(
            [np.mean(predicted[self.heldout_labels == c] == c) for c in classes]
        )
        wrong = np.isin(classes, DEGRADED_CLASSES)
        generated = float(np.mean(np.argmax(probabilities, axis=1) == labels))
        return _row(generated, per_class.mean(), np.where(wrong, 0.0, per_class).mean(), True)


def score_images(
    generated,
    real_train,
    real_heldout,
    extractor=None,
    num_samples=None,
    seed=0,
    accuracy=None,
):
    """Scores generated images beside a `floor` and a `degraded` reference, at one n.

    One-off use of `ImageScorer` (see there for the references and scores), with
    `n = min(num_samples or len(generated), len(generated), real images outside
    DEGRADED_CLASSES)`.

    Args:
        generated: array `[n_gen, height, width, channels]` in [-1, 1]. Generated images.
        real_train: tuple `(images, labels)`, e.g. `load_digits("train")`.
        real_heldout: tuple `(images, labels)`, e.g. `load_digits("test")`.
        extractor: an extractor, its name, a digits classifier `keras.Model` (as from
            `train_digits_classifier`) or `None` for the cached digits classifier.
        num_samples: int or `None`. Largest n; `None` for `len(generated)`.
        seed: int. Seed of the subsets.
        accuracy: float or `None`. The classifier's held-out accuracy; `None` to compute it.

    Returns:
        The dict of `ImageScorer.score`.
    """
    generated = np.asarray(generated, dtype="float32")
    if not np.all(np.isfinite(generated)):
        raise ValueError("`generated` holds NaN or Inf values; cannot score it.")
    n = min(len(generated), num_samples or len(generated))
    scorer = ImageScorer(
        real_train, real_heldout, extractor, num_samples=n, seed=seed, accuracy=accuracy
    )
    return scorer.score(generated)


def check_comparable(*results):
    """Raises `ValueError` unless all results were scored on the same features and n.

    Scores of different feature extractors (e.g. digits-classifier FID and Inception FID), or
    of different weights or resizing, measure different things; FID and precision/recall also
    depend on n. Call this before putting two results side by side.

    Args:
        *results: dicts of `score_images`, `ImageScorer.score` or `score_generator`.
    """
    keys = [(r.get("features"), r.get("feature_extractor"), r.get("num_samples")) for r in results]
    if len(set(keys)) > 1:
        described = "; ".join(f"features={k[0]!r} ({k[1]}), n={k[2]}" for k in keys)
        raise ValueError(
            "Cannot compare scores computed on different features or at different n. "
            f"Received: {described}"
        )


def score_toy(samples, dataset, seed=0):
    """Mode metrics and exact W1 of 2-D samples, beside a real-vs-real floor at the same n.

    Two fresh, independent real sets of `len(samples)` points are drawn (seeds `seed + 1000`,
    `seed + 1001`): `W1(generated, real_a)` is compared with `W1(real_b, real_a)` (both with
    `wasserstein1`'s subsampling to at most 1000 points), and for `ring8`/`grid25` the mode
    metrics of the samples with those of `real_b` (a perfect sampler: 98.9% high quality).

    Args:
        samples: array `[n, 2]`. Generated points.
        dataset: str. `"ring8"`, `"grid25"` or `"swissroll"`.
        seed: int. Seed of the real sets.

    Returns:
        A dict: `num_samples`, `scores`: `{name: {"generated", "floor"}}` for `w1` and, for the
        mixtures, `modes_captured`, `num_modes`, `high_quality_fraction` and `reverse_kl`, and
        `mode_histogram` (generated).
    """
    if dataset not in data_lib.TOY_DATASETS:
        raise ValueError(
            f"`dataset` must be one of {sorted(data_lib.TOY_DATASETS)}. Received: "
            f"dataset={dataset!r}"
        )
    samples = np.asarray(samples, dtype="float64")
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(f"Expected samples of shape [n, 2]. Received: {samples.shape}")
    sampler = data_lib.TOY_DATASETS[dataset]
    real_a = sampler(len(samples), seed=seed + 1000)
    real_b = sampler(len(samples), seed=seed + 1001)
    scores = {
        "w1": {
            "generated": metrics_lib.wasserstein1(samples, real_a, seed=seed),
            "floor": metrics_lib.wasserstein1(real_b, real_a, seed=seed),
            "higher_is_better": False,
        }
    }
    result = {"num_samples": int(len(samples)), "scores": scores}
    if dataset in ("ring8", "grid25"):
        means, std = data_lib.toy_modes(dataset)
        fake = metrics_lib.mode_metrics(samples, means, std)
        real = metrics_lib.mode_metrics(real_b, means, std)
        for name, higher in (("modes_captured", True), ("num_modes", True),
                             ("high_quality_fraction", True), ("reverse_kl", False)):
            scores[name] = {
                "generated": float(fake[name]), "floor": float(real[name]),
                "higher_is_better": higher,
            }
        result["mode_histogram"] = fake["mode_histogram"]
    return result


def num_classes_of(generator):
    """Classes of a conditional generator (inputs `[latent, labels]`), read from its label
    embedding; `None` for an unconditional generator."""
    if len(generator.inputs) < 2:
        return None
    for layer in generator.layers:
        if isinstance(layer, keras.layers.Embedding):
            return int(layer.input_dim)
    raise ValueError(
        "Cannot tell the number of classes of the conditional generator "
        f"{generator.name!r}: it has no Embedding layer. Pass `labels` explicitly."
    )


def balanced_labels(num_samples, num_classes):
    """Labels `0, 1, ..., num_classes - 1, 0, 1, ...` (int32 `[num_samples]`): balanced classes."""
    return (np.arange(num_samples) % num_classes).astype("int32")


def generate(generator, num_samples, seed=0, batch_size=500, labels=None):
    """`num_samples` samples of `generator` for seeded standard-normal latents, as NumPy.

    The latents depend only on `(seed, num_samples, latent_dim)`. A conditional generator
    (inputs `[latent, labels]`) gets `labels`, by default `balanced_labels` over its classes.
    """
    latent_dim = int(generator.inputs[0].shape[-1])
    latent = np.random.default_rng(seed).standard_normal((num_samples, latent_dim))
    latent = latent.astype("float32")
    num_classes = num_classes_of(generator)
    if num_classes is not None and labels is None:
        labels = balanced_labels(num_samples, num_classes)
    if num_classes is None and labels is not None:
        raise ValueError("`labels` were given for an unconditional generator (one input).")

    def batch(start):
        inputs = latent[start : start + batch_size]
        if labels is not None:
            inputs = [inputs, np.asarray(labels, dtype="int32")[start : start + batch_size]]
        return keras.ops.convert_to_numpy(generator(inputs, training=False))

    return np.concatenate([batch(i) for i in range(0, num_samples, batch_size)])


def digits_scorer(extractor=None, num_samples=IMAGE_SAMPLES, seed=0):
    """An `ImageScorer` on the digits: references from `load_digits("train")`, held out
    `load_digits("test")` (split seed `SPLIT_SEED`)."""
    return ImageScorer(
        data_lib.load_digits("train", seed=SPLIT_SEED),
        data_lib.load_digits("test", seed=SPLIT_SEED),
        extractor,
        num_samples=num_samples,
        seed=seed,
    )


def score_generator(
    generator, dataset, num_samples=None, seed=0, extractor=None, scorer=None, names=None
):
    """Draws samples of `generator` and scores them: `ImageScorer.score` or `score_toy`.

    A conditional generator is sampled with balanced labels, and its result also holds
    `conditional_accuracy`: the share of samples the classifier assigns to the class asked for.

    Args:
        generator: `keras.Model` from latents (and labels) to images `[n, 8, 8, 1]` or points
            `[n, 2]`.
        dataset: str. `"digits"` or a toy name.
        num_samples: int or `None`. `None` for 1000 (digits) or 2500 (toys).
        seed: int. Seed of the latents and of the reference subsets.
        extractor: (digits) an extractor, its name (`"digits_classifier"`, `"inception_v3"`),
            a digits classifier `keras.Model`, or `None` for the cached digits classifier.
        scorer: `ImageScorer` or `None` (digits): one made earlier, to reuse its references;
            `num_samples` and `extractor` are then its own.
        names: list of str or `None` (digits). Compute only these image scores (`None`: all).

    Returns:
        The dict of `ImageScorer.score` or `score_toy`, with `dataset` added.
    """
    if dataset == "digits":
        if scorer is None:
            scorer = digits_scorer(extractor, num_samples or IMAGE_SAMPLES, seed=seed)
        elif extractor is not None and get_extractor_name(extractor) != scorer.extractor.name:
            raise ValueError(
                f"`extractor` ({get_extractor_name(extractor)!r}) differs from the scorer's "
                f"({scorer.extractor.name!r}); scores of different features are never mixed."
            )
        samples = generate(generator, num_samples or scorer.num_generated, seed=seed)
        labels = None
        if num_classes_of(generator) is not None:
            labels = balanced_labels(len(samples), num_classes_of(generator))
        result = scorer.score(samples, labels=labels, names=names)
    else:
        samples = generate(generator, num_samples or TOY_SAMPLES, seed=seed)
        result = score_toy(samples, dataset, seed=seed)
    return {"dataset": dataset, **result}


def get_extractor_name(extractor):
    """The `features` name of an extractor given as a name, a classifier or an object."""
    if extractor is None or isinstance(extractor, keras.Model):
        return DigitsClassifierFeatures.name
    return extractor if isinstance(extractor, str) else extractor.name


def format_table(result):
    """A text table: one row per score with its references and verdict."""
    lines = []
    if "feature_extractor" in result:
        lines.append(f"features: {result['features']}: {result['feature_extractor']}")
        lines.append(
            f"n = {result['num_samples']} per set vs {result['num_heldout']} held-out images; "
            f"degraded = real images without classes {result['degraded_classes']}"
        )
        header = f"{'score':<22}{'generated':>11}{'floor':>11}{'degraded':>11}  verdict"
    else:
        lines.append(f"n = {result['num_samples']} samples; floor = real vs real at the same n")
        header = f"{'score':<22}{'generated':>11}{'floor':>11}"
    lines.append(header)
    for name, row in result["scores"].items():
        arrow = "(higher better)" if row["higher_is_better"] else "(lower better)"
        line = f"{name:<22}{row['generated']:>11.4g}{row['floor']:>11.4g}"
        if "degraded" in row:
            line += f"{row['degraded']:>11.4g}  {row['verdict']}"
        lines.append(f"{line}  {arrow}" if "degraded" not in row else line)
    return "\n".join(lines)


def compact(result):
    """Flat `{score: generated value}` plus `{score}_floor` (and `_degraded`) floats."""
    flat = {}
    for name, row in result["scores"].items():
        flat[name] = row["generated"]
        flat[f"{name}_floor"] = row["floor"]
        if "degraded" in row:
            flat[f"{name}_degraded"] = row["degraded"]
    return flat
