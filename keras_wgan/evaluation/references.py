"""Image scores beside references computed in the same run: `ImageScorer` and its verdicts.

A score alone says little: classifier-FID depends on the features, on n and on the held-out set.
So each image score comes with two references computed with the same features, the same held-out
set and the same n (see `/work/shared/EVALUATION.md`):

- `floor`: a subset of real training images scored against the held-out images, i.e. what a
  perfect generator would get;
- `degraded`: the same kind of real subset with the classes `DEGRADED_CLASSES` (0, 1 and 2)
  removed, i.e. a sharp generator that dropped three modes.

A good generator sits near the floor; `verdict` says where a value sits between the two.
`ImageScorer` computes the references once and scores generated sets again and again;
`score_images` is its one-off use, `dataset_scorer` the scorer on a dataset's own split with
its own classifier (`digits_scorer` the digits'), and `check_comparable` refuses to put side by
side scores of different features or n.
"""

import numpy as np

from keras_wgan.evaluation import metrics as metrics_lib
from keras_wgan.evaluation.classifier import load_split
from keras_wgan.evaluation.extractors import dataset_extractor_name
from keras_wgan.evaluation.extractors import get_extractor

# The classes removed from the `degraded` reference.
DEGRADED_CLASSES = (0, 1, 2)
# The neighbour k of precision/recall and of density/coverage.
PRECISION_RECALL_K = 3
DENSITY_COVERAGE_K = 5
# Default number of generated images scored.
IMAGE_SAMPLES = 1000
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
        extractor: an extractor (`ClassifierFeatures`, `InceptionV3Features`), its name,
            a classifier `keras.Model`, or `None` for the cached digits classifier.
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
                f"Received: len(generated)={len(generated)}"
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
                    "do not give. Score conditional generators with a dataset's classifier."
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


def digits_scorer(extractor=None, num_samples=IMAGE_SAMPLES, seed=0):
    """An `ImageScorer` on the digits: references from `load_digits("train")`, held out
    `load_digits("test")` (split seed `SPLIT_SEED`)."""
    return dataset_scorer("digits", extractor, num_samples=num_samples, seed=seed)


def dataset_scorer(dataset, extractor=None, num_samples=IMAGE_SAMPLES, seed=0):
    """An `ImageScorer` on a dataset with a classifier, on the classifier's split.

    References from `load_split(dataset, "train")`, held out `load_split(dataset, "test")`
    (split seed `SPLIT_SEED`): for `"mnist5k"`, 4,000 training and 1,000 held-out digits.

    Args:
        dataset: str. A key of `keras_wgan.evaluation.CLASSIFIERS` (`"digits"`, `"mnist5k"`).
        extractor: as for `ImageScorer`; `None` for the dataset's own cached classifier.
        num_samples: int. Largest n.
        seed: int. Seed of the reference subsets and of the generated subset.

    Example:

    >>> scorer = keras_wgan.evaluation.dataset_scorer("mnist5k")
    >>> scorer.score(generated)["scores"]["fid"]["floor"]
    """
    if extractor is None:
        extractor = dataset_extractor_name(dataset)
    return ImageScorer(
        load_split(dataset, "train"),
        load_split(dataset, "test"),
        extractor,
        num_samples=num_samples,
        seed=seed,
    )
