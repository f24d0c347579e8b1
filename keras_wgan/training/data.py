"""A run's training data, loaded as its `TrainConfig` says, and the batches `fit` reads."""

import numpy as np

from keras_wgan import data as data_lib
from keras_wgan import evaluation as evaluation_lib
from keras_wgan import run_config


class TooFewSamplesError(ValueError):
    """The training data holds fewer samples (or distinct ones) than the settings need: one
    generator step's worth, or one per cluster."""


def load_training_data(config):
    """The training samples, in [-1, 1] for images.

    Returns:
        digits, mnist5k: an array of images `[n, h, w, 1]` (`conditional`: a tuple `(images,
        labels)`; `clusters`: a tuple `(images, cluster_ids)`, the ids of
        `keras_wgan.data.cluster_images` seeded by `config.seed`); toys: an array of points
        `[n, 2]` (`clusters`: `(points, cluster_ids)`); TFDS and folder datasets: an unbatched
        `tf.data.Dataset` of images (labels dropped), read lazily.

    Raises:
        keras_wgan.data.DatasetNotPreparedError: a TFDS dataset not prepared in `data_dir`.
    """
    if config.dataset in run_config.CLASSIFIER_DATASETS:
        # Always the evaluation's split: the held-out images that score the generator must
        # never be trained on.
        images, labels = evaluation_lib.load_split(config.dataset, "train")
        if config.num_samples:
            images, labels = images[: config.num_samples], labels[: config.num_samples]
        if config.clusters:
            return images, cluster_ids(config, images)
        return (images, labels) if config.conditional else images
    if config.is_image:
        if config.dataset == "folder":
            images = data_lib.load_image_folder(
                config.image_dir, config.image_size, channels=config.channels
            )
        else:
            images = data_lib.load_tfds(
                config.dataset, "train", data_dir=config.data_dir, image_size=config.image_size
            )
        if isinstance(images.element_spec, tuple):
            images = images.map(lambda image, label: image)
        return images.take(config.num_samples) if config.num_samples else images
    sampler = data_lib.TOY_DATASETS[config.dataset]
    points = sampler(config.num_samples, seed=config.seed)
    if config.clusters:
        return points, cluster_ids(config, points)
    return points


def cluster_ids(config, samples):
    """The k-means cluster of each sample (`keras_wgan.data.cluster_images`, seeded by
    `config.seed`).

    Raises:
        TooFewSamplesError: fewer samples, or distinct ones, than `config.clusters`.
    """
    try:
        return data_lib.cluster_images(samples, config.clusters, seed=config.seed)[0]
    except ValueError as error:
        raise TooFewSamplesError(str(error)) from error


def split_training_data(config, real):
    """`(samples, cluster_frequencies)`: `load_training_data`'s samples without their labels or
    cluster ids, and with `config.clusters` each cluster's share of them, else `None`."""
    samples = real[0] if isinstance(real, tuple) else real
    if not config.clusters:
        return samples, None
    return samples, data_lib.cluster_frequencies(real[1], config.clusters)


def size_and_shape(samples):
    """`(number of samples, shape of one sample)` of an array or an unbatched dataset."""
    if isinstance(samples, np.ndarray):
        return len(samples), tuple(samples.shape[1:])
    count = int(samples.cardinality())
    if count < 0:  # unknown (e.g. after a filter): count once
        count = int(samples.reduce(0, lambda total, _: total + 1))
    shape = tuple(samples.element_spec.shape)
    if None in shape:
        shape = tuple(next(iter(samples.take(1))).shape)
    return count, shape


def num_classes_of(config):
    """The classes the run's networks embed: `clusters`, 10 (`conditional`) or `None`."""
    if config.clusters:
        return config.clusters
    return evaluation_lib.NUM_CLASSES if config.conditional else None


def batches_after(config, real, step=0):
    """The run's batches from generator step `step` on: one seeded stream over all epochs,
    reshuffled every pass, so that a resumed run sees the batches an uninterrupted one would.

    A new dataset on every call: iterating the same one again would continue its shuffle
    sequence (`reshuffle_each_iteration`), not start it over.
    """
    stream = data_lib.make_dataset(
        real, config.batch_size, critic_steps=config.critic_steps, seed=config.seed,
        repeat=True, num_classes=num_classes_of(config),
    )
    return stream.skip(step)
