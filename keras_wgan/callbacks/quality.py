"""`QualityScores`: the generator scored every few epochs (FID, KID, ...), into the epoch's logs."""

import time

import keras

from keras_wgan import evaluation as evaluation_lib
from keras_wgan._checks import check_positive_int
from keras_wgan._generators import generator_for_sampling
from keras_wgan.callbacks._schedule import epoch_is_due
from keras_wgan.data.toys import TOY_DATASETS


class QualityScores(keras.callbacks.Callback):
    """Scores the generator every `every` epochs and writes the scores into the epoch's logs.

    Samples come from a fixed seed, so epochs compare, and are scored as `keras_wgan.evaluation`
    scores a finished run (images: an `evaluation.ImageScorer`, balanced labels and
    `conditional_accuracy` for a conditional generator; 2-D toys: `evaluation.score_toy`).
    Place a `JsonHistory` after this callback to keep the scores; full results are kept in
    `results` (`{epoch: result}`, 1-based).

    Args:
        dataset: str. A dataset with a classifier (`"digits"`, `"mnist5k"`; see
            `evaluation.CLASSIFIERS`), or a 2-D toy: `"ring8"`, `"grid25"`, `"swissroll"`.
            Ignored when `scorer` is given.
        every: int. Score every `every` epochs (and always after the last epoch).
        names: tuple of str or `None`. The scores to log; `None`: `DEFAULT_NAMES` of the kind.
        num_samples: int or `None`. Generated samples per scoring; `None` for 1000 (images) or
            2500 (toys).
        seed: int. Seed of the latent vectors and of the reference subsets.
        extractor: the features for images (see `evaluation.get_extractor`): `None` for the
            dataset's classifier, `"inception_v3"`, or an extractor object.
        scorer: `evaluation.ImageScorer` or `None`. Scores images against your own real data
            (its extractor, n and references); `None` for `dataset`'s own.
        prefix: str. Put before each log name (e.g. `"quality_"`); empty by default.
        use_ema: bool or `None`. As for `SampleGrid`.

    Example:

    >>> scores = keras_wgan.callbacks.QualityScores("digits", every=10)
    >>> history = model.fit(data, epochs=100, callbacks=[scores])
    >>> history.history["fid"]  # one value per 10 epochs
    """

    DEFAULT_NAMES = {
        "image": ("fid", "kid", "classes_covered"),
        "mixture": ("w1", "modes_captured", "high_quality_fraction"),
        "swissroll": ("w1",),
    }

    def __init__(
        self, dataset="digits", every=1, names=None, num_samples=None, seed=0, extractor=None,
        scorer=None, prefix="", use_ema=None,
    ):
        super().__init__()
        if scorer is None and dataset not in evaluation_lib.CLASSIFIERS and (
            dataset not in TOY_DATASETS
        ):
            raise ValueError(
                f"`dataset` must be one of {sorted(evaluation_lib.CLASSIFIERS)} or a toy "
                f"({sorted(TOY_DATASETS)}), or pass a `scorer` for other images. "
                f"Received: dataset={dataset!r}"
            )
        if scorer is not None and extractor is not None:
            raise ValueError(
                "Pass `extractor` or `scorer`, not both: a scorer has its own extractor. "
                f"Received: extractor={extractor!r}"
            )
        if names is not None and (
            isinstance(names, str) or not all(isinstance(name, str) for name in names)
        ):
            raise ValueError(f"`names` must be a tuple of score names. Received: names={names!r}")
        self.dataset = None if scorer is not None else dataset
        self.every = check_positive_int("every", every)
        self.names = None if names is None else tuple(names)
        self.num_samples = num_samples
        self.seed = seed
        self.extractor = extractor
        self.scorer = scorer
        self.prefix = str(prefix)
        self.use_ema = use_ema
        self.results = {}
        self.seconds = []  # wall time of each scoring

    @property
    def is_toy(self):
        return self.dataset in TOY_DATASETS

    def on_epoch_end(self, epoch, logs=None):
        if not epoch_is_due(epoch, self.every, self.params):
            return
        started = time.perf_counter()
        result = self.score()
        self.seconds.append(time.perf_counter() - started)
        self.results[epoch + 1] = result
        if logs is not None:
            logs.update(self.logged(result))

    def score(self):
        """Scores the generator now; returns the full result (scores with references)."""
        generator = generator_for_sampling(self.model, self.use_ema)
        if self.is_toy:
            return evaluation_lib.score_generator(
                generator, self.dataset, num_samples=self.num_samples, seed=self.seed
            )
        if self.scorer is None:
            self.scorer = evaluation_lib.dataset_scorer(
                self.dataset, self.extractor, self.num_samples or evaluation_lib.IMAGE_SAMPLES,
                seed=self.seed,
            )
        num_classes = evaluation_lib.num_classes_of(generator)
        count = self.num_samples or self.scorer.num_generated
        labels = None if num_classes is None else evaluation_lib.balanced_labels(count, num_classes)
        samples = evaluation_lib.generate(generator, count, seed=self.seed, labels=labels)
        names = self._names(conditional=labels is not None)
        result = self.scorer.score(samples, labels=labels, names=names)
        return {"dataset": self.dataset or "images", **result}

    def _names(self, conditional=False):
        if self.names is not None:
            return self.names
        if self.is_toy:
            kind = "swissroll" if self.dataset == "swissroll" else "mixture"
            return self.DEFAULT_NAMES[kind]
        names = self.DEFAULT_NAMES["image"]
        if self.scorer is not None:
            names = tuple(n for n in names if n in self.scorer.score_names)
        return names + (("conditional_accuracy",) if conditional else ())

    def logged(self, result):
        """`{prefix + name: generated value}` of the chosen scores of `result`."""
        names = self._names(conditional="conditional_accuracy" in result["scores"])
        missing = [name for name in names if name not in result["scores"]]
        if missing:
            raise ValueError(
                f"Scores {missing} are not computed here (features: "
                f"{result.get('features', 'none')}). Available: {sorted(result['scores'])}. "
                f"Received: names={self.names!r}"
            )
        return {self.prefix + name: result["scores"][name]["generated"] for name in names}

