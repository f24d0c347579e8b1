"""Image scores beside references with the same features, held-out set and n.

`floor`: real training images (a perfect generator); `degraded`: real images without the classes
`DEGRADED_CLASSES` (a sharp generator that dropped modes).
"""

import numpy as np

from keras_wgan.evaluation.classes import class_coverage
from keras_wgan.evaluation.classes import classifier_score
from keras_wgan.evaluation.classifier import load_split
from keras_wgan.evaluation.distances import frechet_distance
from keras_wgan.evaluation.distances import kernel_distance
from keras_wgan.evaluation.extractors import dataset_extractor_name
from keras_wgan.evaluation.extractors import get_extractor
from keras_wgan.evaluation.manifold import DENSITY_COVERAGE_K
from keras_wgan.evaluation.manifold import density_coverage
from keras_wgan.evaluation.manifold import precision_recall

DEGRADED_CLASSES = (0, 1, 2)
IMAGE_SAMPLES = 1000
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
    """`(scores, class histogram)` of `candidate` against `heldout`, each `(features, probs)`."""
    fake_features, fake_probabilities = candidate
    real_features, _ = heldout
    wanted = set(HIGHER_IS_BETTER if names is None else names).__contains__
    scores = {}
    if wanted("fid"):
        scores["fid"] = frechet_distance(fake_features, real_features)
    if wanted("kid"):
        scores["kid"] = kernel_distance(fake_features, real_features)
    histogram = None
    if fake_probabilities is not None:
        coverage = class_coverage(
            np.argmax(fake_probabilities, axis=1), fake_probabilities.shape[1]
        )
        histogram = coverage["class_histogram"]
        scores.update(
            classifier_score=classifier_score(fake_probabilities),
            classes_covered=coverage["classes_covered"],
            class_kl=coverage["class_kl"],
        )
    if wanted("precision") or wanted("recall"):
        scores.update(precision_recall(real_features, fake_features))
    if wanted("density") or wanted("coverage"):
        scores.update(density_coverage(real_features, fake_features))
    return scores, histogram


def _check_generated(generated):
    generated = np.asarray(generated, dtype="float32")
    if not np.all(np.isfinite(generated)):
        raise ValueError("`generated` holds NaN or Inf values; cannot score it.")
    return generated


DEGRADED_TEXT = "a real set missing three classes"


def verdict(value, floor, degraded, higher_is_better, degraded_text=DEGRADED_TEXT):
    """Where `value` sits between its references: `(closer_to, position, text)`.

    `position = (value - floor) / (degraded - floor)`: 0 at the floor, 1 at `degraded`; `None`
    when the references do not separate. `degraded_text` says what the degraded set is.
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
        text = f"beyond degraded (worse than {degraded_text})"
    return ("floor" if position < 0.5 else "degraded"), float(position), text


def _row(generated, floor, degraded, higher_is_better, degraded_text=DEGRADED_TEXT):
    closer, position, text = verdict(generated, floor, degraded, higher_is_better, degraded_text)
    return dict(
        generated=float(generated), floor=float(floor), degraded=float(degraded),
        higher_is_better=higher_is_better, closer_to=closer, position=position, verdict=text,
    )


class ImageScorer:
    """Scores sets of generated images beside a `floor` and a `degraded` reference, at one n.

    The references are computed once, so scoring again costs only the generated features.
    Every set has `n = min(num_samples, real images outside degraded_classes)` images and is
    scored against the whole held-out set. `state()` and `from_state` save and restore the
    references without the images.

    Args:
        real_train: tuple `(images, labels)`. Real images not held out (the labels choose the
            degraded subset), e.g. `load_split("digits", "train")`.
        real_heldout: tuple `(images, labels)`, e.g. `load_split("digits", "test")`.
        extractor: as for `get_extractor`.
        num_samples: int. Largest n.
        seed: int. Seed of the reference subsets and of the generated subset.
        accuracy: float or `None`. The classifier's held-out accuracy; `None` to compute it on
            `real_heldout` (extractors with probabilities only).
        degraded_classes: sequence of int. The labels the degraded reference leaves out.
        degraded_text: str. What the degraded reference is, in the verdicts.
        degraded_reference: str or `None`. What it is, for the result's `degraded_reference`.

    Raises:
        ValueError: if `num_samples` is not an int or n is at most `DENSITY_COVERAGE_K`.

    Example:

    >>> scorer = keras_wgan.evaluation.ImageScorer(train, heldout)  # (images, labels) each
    >>> scorer.score(generated)["scores"]["fid"]
    {'generated': ..., 'floor': ..., 'degraded': ..., 'verdict': ..., ...}
    """

    def __init__(
        self, real_train, real_heldout, extractor=None, num_samples=IMAGE_SAMPLES, seed=0,
        accuracy=None, degraded_classes=DEGRADED_CLASSES, degraded_text=DEGRADED_TEXT,
        degraded_reference=None,
    ):
        self.extractor = get_extractor(extractor)
        self.degraded_classes = [int(label) for label in degraded_classes]
        self.degraded_text = degraded_text
        self.degraded_reference = degraded_reference
        train_images, train_labels = (np.asarray(a) for a in real_train)
        heldout_images, heldout_labels = (np.asarray(a) for a in real_heldout)
        kept = np.flatnonzero(~np.isin(train_labels, self.degraded_classes))
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)):
            raise ValueError(f"`num_samples` must be an int. Received: num_samples={num_samples!r}")
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

    def state(self):
        """`(arrays, values)`: what `from_state` needs, as NumPy arrays and JSON values."""
        arrays = {"heldout_features": self.heldout[0], "heldout_labels": self.heldout_labels}
        if self.heldout[1] is not None:
            arrays["heldout_probabilities"] = self.heldout[1]
        names = ("num_generated", "num_samples", "seed", "num_heldout", "accuracy",
                 "references", "description", "degraded_classes", "degraded_text",
                 "degraded_reference")
        return arrays, {name: getattr(self, name) for name in names}

    @classmethod
    def from_state(cls, extractor, arrays, values):
        """An `ImageScorer` of `extractor` from a `state()`, without computing any features."""
        scorer = cls.__new__(cls)
        scorer.extractor = get_extractor(extractor)
        scorer.__dict__.update(values)
        probabilities = arrays.get("heldout_probabilities")
        scorer.heldout = (arrays["heldout_features"], probabilities)
        scorer.heldout_labels = arrays["heldout_labels"]
        return scorer

    @property
    def score_names(self):
        return [name for name in HIGHER_IS_BETTER if name in self.references["floor"]]

    def score(self, generated, labels=None, names=None):
        """Scores generated images (n of them, drawn seeded) beside the references.

        Args:
            generated: array `[n_gen, height, width, channels]` in [-1, 1], `n_gen >= n`.
            labels: int array `[n_gen]` or `None`. The classes asked of a conditional
                generator: adds `conditional_accuracy` (extractors with probabilities only).
            names: list of str or `None`. Compute only these scores (`None`: all).

        Returns:
            A dict: `features`, `feature_extractor`, `classifier_heldout_accuracy`,
            `num_samples` (n), `num_heldout`, `degraded_classes`, `class_histogram` and
            `scores`: `{name: {"generated", "floor", "degraded", "higher_is_better",
            "closer_to", "position", "verdict"}}`.

        Raises:
            ValueError: for non-finite or too few images, or `labels` without probabilities.
        """
        generated = _check_generated(generated)
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
                self.references["degraded"][name], HIGHER_IS_BETTER[name], self.degraded_text,
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
        described = {} if self.degraded_reference is None else {
            "degraded_reference": self.degraded_reference
        }
        return {
            "features": self.extractor.name,
            "feature_extractor": self.description,
            "classifier_heldout_accuracy": self.accuracy,
            "num_samples": self.num_samples,
            "num_heldout": int(self.num_heldout),
            "degraded_classes": list(self.degraded_classes),
            "class_histogram": histogram,
            "scores": scores,
            **described,
        }

    def _conditional_accuracy(self, probabilities, labels):
        # floor: the held-out class-balanced accuracy; degraded: its left-out classes counted wrong.
        predicted = np.argmax(self.heldout[1], axis=1)
        classes = np.unique(self.heldout_labels)
        per_class = np.array(
            [np.mean(predicted[self.heldout_labels == c] == c) for c in classes]
        )
        wrong = np.isin(classes, self.degraded_classes)
        generated = float(np.mean(np.argmax(probabilities, axis=1) == labels))
        return _row(
            generated, per_class.mean(), np.where(wrong, 0.0, per_class).mean(), True,
            self.degraded_text,
        )


def score_images(
    generated,
    real_train,
    real_heldout,
    extractor=None,
    num_samples=None,
    seed=0,
    accuracy=None,
):
    """`ImageScorer(...).score(generated)`, with `num_samples=None` for `len(generated)`."""
    generated = _check_generated(generated)
    n = min(len(generated), num_samples or len(generated))
    scorer = ImageScorer(
        real_train, real_heldout, extractor, num_samples=n, seed=seed, accuracy=accuracy
    )
    return scorer.score(generated)


def check_comparable(*results):
    """Raises `ValueError` unless all results were scored on the same features and n."""
    keys = [(r.get("features"), r.get("feature_extractor"), r.get("num_samples")) for r in results]
    if len(set(keys)) > 1:
        described = "; ".join(f"features={k[0]!r} ({k[1]}), n={k[2]}" for k in keys)
        raise ValueError(
            "Cannot compare scores computed on different features or at different n. "
            f"Received: {described}"
        )


def dataset_scorer(dataset, extractor=None, num_samples=IMAGE_SAMPLES, seed=0):
    """An `ImageScorer` on `load_split(dataset, ...)`; `extractor=None`: the dataset's own."""
    if extractor is None:
        extractor = dataset_extractor_name(dataset)
    return ImageScorer(
        load_split(dataset, "train"),
        load_split(dataset, "test"),
        extractor,
        num_samples=num_samples,
        seed=seed,
    )
