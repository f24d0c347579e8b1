"""`score_generator`: draws samples of a trained generator and scores them, images or 2-D toys."""

from keras_wgan._generators import generator_for_sampling
from keras_wgan.data import TOY_DATASETS
from keras_wgan.evaluation.classifier import CLASSIFIERS
from keras_wgan.evaluation.extractors import get_extractor_name
from keras_wgan.evaluation.references import IMAGE_SAMPLES
from keras_wgan.evaluation.references import dataset_scorer
from keras_wgan.evaluation.sampling import balanced_labels
from keras_wgan.evaluation.sampling import generate
from keras_wgan.evaluation.sampling import num_classes_of
from keras_wgan.evaluation.toys import score_toy

TOY_SAMPLES = 2500


def score_generator(
    generator, dataset, num_samples=None, seed=0, extractor=None, scorer=None, names=None,
    use_ema=None, truncation=None,
):
    """Draws samples of `generator` (balanced labels if conditional) and scores them.

    Args:
        generator: as for `generate`; `use_ema` and `truncation` too.
        dataset: str. A key of `CLASSIFIERS` (images) or a toy name; with a `scorer`, any
            name of the images it scores (e.g. `"folder"`).
        num_samples: int or `None`. `None` for `IMAGE_SAMPLES` (images) or `TOY_SAMPLES` (toys).
        seed: int. Seed of the latents and of the reference subsets.
        extractor: images only: as for `get_extractor`; `None` for the dataset's classifier.
        scorer: `ImageScorer` or `None`. One made earlier, to reuse its references, n and
            extractor.
        names: list of str or `None`. Compute only these image scores (`None`: all).

    Returns:
        The dict of `ImageScorer.score` or `score_toy`, with `dataset` added.

    Raises:
        ValueError: if `extractor` differs from the `scorer`'s.
    """
    generator = generator_for_sampling(generator, use_ema)
    if dataset in CLASSIFIERS or (scorer is not None and dataset not in TOY_DATASETS):
        if scorer is None:
            scorer = dataset_scorer(dataset, extractor, num_samples or IMAGE_SAMPLES, seed=seed)
        elif extractor is not None and get_extractor_name(extractor) != scorer.extractor.name:
            raise ValueError(
                f"`extractor` ({get_extractor_name(extractor)!r}) differs from the scorer's "
                f"({scorer.extractor.name!r}); scores of different features are never mixed."
            )
        count = num_samples or scorer.num_generated
        num_classes = num_classes_of(generator)
        labels = None if num_classes is None else balanced_labels(count, num_classes)
        samples = generate(generator, count, seed=seed, labels=labels, truncation=truncation)
        result = scorer.score(samples, labels=labels, names=names)
    else:
        samples = generate(generator, num_samples or TOY_SAMPLES, seed=seed, truncation=truncation)
        result = score_toy(samples, dataset, seed=seed)
    return {"dataset": dataset, **result}
