"""`score_generator`: draws samples of a trained generator and scores them, images or 2-D toys.

Datasets with a classifier (digits, mnist5k) go to an `ImageScorer` (scores beside their
`floor` and `degraded` references), toys to `score_toy` (scores beside a real-vs-real floor).
`keras-wgan evaluate` and the metrics.json of a training run score generators with it.
"""

from keras_wgan._generators import generator_for_sampling
from keras_wgan.evaluation.classifier import CLASSIFIERS
from keras_wgan.evaluation.extractors import get_extractor_name
from keras_wgan.evaluation.references import IMAGE_SAMPLES
from keras_wgan.evaluation.references import dataset_scorer
from keras_wgan.evaluation.sampling import balanced_labels
from keras_wgan.evaluation.sampling import generate
from keras_wgan.evaluation.sampling import num_classes_of
from keras_wgan.evaluation.toys import score_toy

# Default number of points drawn from a generator of a 2-D toy (VEEGAN protocol).
TOY_SAMPLES = 2500


def score_generator(
    generator, dataset, num_samples=None, seed=0, extractor=None, scorer=None, names=None,
    use_ema=None, truncation=None,
):
    """Draws samples of `generator` and scores them: `ImageScorer.score` or `score_toy`.

    A conditional generator is sampled with balanced labels, and its result also holds
    `conditional_accuracy`: the share of samples the classifier assigns to the class asked for.

    Args:
        generator: `keras.Model` from latents (and labels) to images (`[n, 8, 8, 1]` for digits,
            `[n, 28, 28, 1]` for mnist5k) or points `[n, 2]`, or a GAN model (its averaged
            generator when it keeps one: see `use_ema`).
        dataset: str. `"digits"`, `"mnist5k"` (images scored by their classifier, see
            `keras_wgan.evaluation.CLASSIFIERS`) or a toy name.
        num_samples: int or `None`. `None` for 1000 (images) or 2500 (toys).
        seed: int. Seed of the latents and of the reference subsets.
        extractor: (images) an extractor, its name (`"digits_classifier"`,
            `"mnist5k_classifier"`, `"inception_v3"`), a classifier `keras.Model`, or `None` for
            the dataset's cached classifier.
        scorer: `ImageScorer` or `None` (images): one made earlier, to reuse its references;
            `num_samples` and `extractor` are then its own.
        names: list of str or `None` (images). Compute only these image scores (`None`: all).
        use_ema: bool or `None`. For a GAN model: score its averaged generator (`True`) or the
            trained one (`False`); `None`: the averaged one when it keeps one.
        truncation: positive float or `None`. Draw the latents from a normal truncated at
            `[-truncation, truncation]` (see `generate`); `None`: the plain normal.

    Returns:
        The dict of `ImageScorer.score` or `score_toy`, with `dataset` added.
    """
    generator = generator_for_sampling(generator, use_ema)
    if dataset in CLASSIFIERS:
        if scorer is None:
            scorer = dataset_scorer(dataset, extractor, num_samples or IMAGE_SAMPLES, seed=seed)
        elif extractor is not None and get_extractor_name(extractor) != scorer.extractor.name:
            raise ValueError(
                f"`extractor` ({get_extractor_name(extractor)!r}) differs from the scorer's "
                f"({scorer.extractor.name!r}); scores of different features are never mixed."
            )
        samples = generate(
            generator, num_samples or scorer.num_generated, seed=seed, truncation=truncation
        )
        labels = None
        if num_classes_of(generator) is not None:
            labels = balanced_labels(len(samples), num_classes_of(generator))
        result = scorer.score(samples, labels=labels, names=names)
    else:
        samples = generate(generator, num_samples or TOY_SAMPLES, seed=seed, truncation=truncation)
        result = score_toy(samples, dataset, seed=seed)
    return {"dataset": dataset, **result}
