"""Scores you can trust: every quality score beside references computed in the same run.

A score alone says little: classifier-FID depends on the features, on n and on the held-out set.
So each score here comes with two references computed with the same features, the same held-out
set and the same n (see `/work/shared/EVALUATION.md`):

- `floor`: a subset of real training images scored against the held-out images, i.e. what a
  perfect generator would get;
- `degraded`: the same kind of real subset with the classes `DEGRADED_CLASSES` (0, 1 and 2)
  removed, i.e. a sharp generator that dropped three modes.

A good generator sits near the floor. The features are those of a small convolutional digits
classifier (`train_digits_classifier`, version `CLASSIFIER_VERSION`), trained once on
`load_digits("train")` and cached on disk; its held-out accuracy is reported with every score.

For the 2-D toys, `score_toy` gives the mode metrics (VEEGAN protocol) and the exact W1 beside a
floor of real samples against real samples at the same n.
"""

import os

import keras
import numpy as np

from keras_wgan import data as data_lib
from keras_wgan import metrics as metrics_lib

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
    """The v1 architecture: two 3x3 convolutions, a 64-unit feature layer, a softmax over 10."""
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


def _image_scores(candidate, heldout):
    """Scores of one candidate set; `candidate`, `heldout`: (features, probabilities)."""
    fake_features, fake_probabilities = candidate
    real_features, _ = heldout
    coverage = metrics_lib.class_coverage(np.argmax(fake_probabilities, axis=1), NUM_CLASSES)
    scores = {
        "fid": metrics_lib.frechet_distance(fake_features, real_features),
        "kid": metrics_lib.kernel_distance(fake_features, real_features),
        "classifier_score": metrics_lib.classifier_score(fake_probabilities),
        "classes_covered": coverage["classes_covered"],
        "class_kl": coverage["class_kl"],
    }
    scores.update(
        metrics_lib.precision_recall(real_features, fake_features, k=PRECISION_RECALL_K)
    )
    scores.update(
        metrics_lib.density_coverage(real_features, fake_features, k=DENSITY_COVERAGE_K)
    )
    return scores, coverage["class_histogram"]


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


def score_images(
    generated,
    real_train,
    real_heldout,
    classifier,
    num_samples=None,
    seed=0,
    accuracy=None,
):
    """Scores generated digits beside a `floor` and a `degraded` reference, at one n.

    Candidates (generated, floor, degraded) all have the same size
    `n = min(num_samples or len(generated), len(generated), real images outside
    DEGRADED_CLASSES)` (about 910 for the 1297 training digits) and are all scored against the
    whole held-out set, in the penultimate features and probabilities of one classifier:

    - `floor`: n real training images drawn without replacement (seeded);
    - `degraded`: n real training images drawn only from the classes not in
      `DEGRADED_CLASSES` (0, 1, 2), i.e. a real set missing three classes.

    Scores: classifier-FID, KID (unbiased, cubic kernel), classifier score (10 at best), classes
    covered (of 10) and class KL to uniform (0 at best), precision/recall (k=3, real = held out)
    and density/coverage (k=5).

    Args:
        generated: array `[n_gen, 8, 8, 1]` in [-1, 1]. Generated images.
        real_train: tuple `(images, labels)`. Real images not in the held-out set (the labels
            choose the degraded subset), e.g. `load_digits("train")`.
        real_heldout: tuple `(images, labels)`, e.g. `load_digits("test")`.
        classifier: `keras.Model` from `train_digits_classifier`.
        num_samples: int or `None`. Largest n; `None` for `len(generated)`.
        seed: int. Seed of the subsets.
        accuracy: float or `None`. The classifier's held-out accuracy; `None` to compute it
            on `real_heldout`.

    Returns:
        A dict: `feature_extractor` (str), `num_samples` (the n used), `num_heldout`,
        `degraded_classes`, `class_histogram` (of the generated images) and `scores`:
        `{name: {"generated", "floor", "degraded", "higher_is_better", "closer_to",
        "position", "verdict"}}`.
    """
    train_images, train_labels = (np.asarray(a) for a in real_train)
    heldout_images, heldout_labels = (np.asarray(a) for a in real_heldout)
    generated = np.asarray(generated, dtype="float32")
    if not np.all(np.isfinite(generated)):
        raise ValueError("`generated` holds NaN or Inf values; cannot score it.")
    kept = np.flatnonzero(~np.isin(train_labels, DEGRADED_CLASSES))
    n = min(len(generated), len(kept), num_samples or len(generated))
    if n <= DENSITY_COVERAGE_K:
        raise ValueError(f"Need more than {DENSITY_COVERAGE_K} samples. Received: n={n}")
    rng = np.random.default_rng(seed)
    candidates = {
        "generated": generated[rng.permutation(len(generated))[:n]],
        "floor": train_images[rng.permutation(len(train_images))[:n]],
        "degraded": train_images[rng.permutation(kept)[:n]],
    }
    heldout = _outputs(classifier, heldout_images)
    if accuracy is None:
        accuracy = float(np.mean(np.argmax(heldout[1], axis=1) == heldout_labels))
    results = {}
    histogram = None
    for name, images in candidates.items():
        results[name], hist = _image_scores(_outputs(classifier, images), heldout)
        if name == "generated":
            histogram = hist
    scores = {}
    for score, higher in HIGHER_IS_BETTER.items():
        values = {name: float(results[name][score]) for name in candidates}
        closer, position, text = verdict(
            values["generated"], values["floor"], values["degraded"], higher
        )
        scores[score] = dict(
            values, higher_is_better=higher, closer_to=closer, position=position, verdict=text
        )
    return {
        "feature_extractor": describe_features(classifier, accuracy),
        "classifier_heldout_accuracy": accuracy,
        "num_samples": int(n),
        "num_heldout": int(len(heldout_images)),
        "degraded_classes": list(DEGRADED_CLASSES),
        "class_histogram": histogram,
        "scores": scores,
    }


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


def generate(generator, num_samples, seed=0, batch_size=500):
    """`num_samples` samples of `generator` for seeded standard-normal latents, as NumPy."""
    latent_dim = int(generator.inputs[0].shape[-1])
    latent = np.random.default_rng(seed).standard_normal((num_samples, latent_dim))
    latent = latent.astype("float32")
    return np.concatenate([
        keras.ops.convert_to_numpy(generator(latent[i : i + batch_size], training=False))
        for i in range(0, num_samples, batch_size)
    ])


def score_generator(generator, dataset, num_samples=None, seed=0, classifier=None):
    """Draws samples of `generator` and scores them: `score_images` or `score_toy`.

    Args:
        generator: `keras.Model` from latents to images `[n, 8, 8, 1]` or points `[n, 2]`.
        dataset: str. `"digits"` or a toy name.
        num_samples: int or `None`. `None` for 1000 (digits) or 2500 (toys).
        seed: int. Seed of the latents and of the reference subsets.
        classifier: `keras.Model` or `None` (digits): `None` for the cached
            `train_digits_classifier()`.

    Returns:
        The dict of `score_images` or `score_toy`, with `dataset` added.
    """
    if dataset == "digits":
        samples = generate(generator, num_samples or IMAGE_SAMPLES, seed=seed)
        classifier = classifier or train_digits_classifier()
        result = score_images(
            samples,
            data_lib.load_digits("train", seed=SPLIT_SEED),
            data_lib.load_digits("test", seed=SPLIT_SEED),
            classifier,
            seed=seed,
        )
    else:
        samples = generate(generator, num_samples or TOY_SAMPLES, seed=seed)
        result = score_toy(samples, dataset, seed=seed)
    return {"dataset": dataset, **result}


def format_table(result):
    """A text table: one row per score with its references and verdict."""
    lines = []
    if "feature_extractor" in result:
        lines.append(f"features: {result['feature_extractor']}")
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
