"""A run's training data, loaded as its `TrainConfig` says, and the batches `fit` reads."""

import numpy as np
import tensorflow as tf

from keras_wgan import data as data_lib
from keras_wgan import evaluation as evaluation_lib
from keras_wgan import run_config


class TooFewSamplesError(ValueError):
    """The training data holds fewer samples (or distinct ones) than the settings need: one
    generator step's worth, one per cluster, or two classes for a conditional run; or, to be
    clustered, more than memory holds."""


def load_training_data(config):
    """The training samples, in [-1, 1] for images.

    A folder's `channels=None` becomes the channels read from its images
    (`keras_wgan.data.image_folder_channels`), set on `config` so that the run records them.

    Returns:
        digits, mnist5k: an array of images `[n, h, w, 1]` (`conditional`: a tuple `(images,
        labels)`; `clusters`: a tuple `(images, cluster_ids)`, the ids of
        `keras_wgan.data.cluster_images` seeded by `config.seed`); toys: an array of points
        `[n, 2]` (`clusters`: `(points, cluster_ids)`); TFDS and folder datasets: an unbatched
        `tf.data.Dataset` of images, read lazily (a folder's `conditional`: of `(image,
        label)`; otherwise labels dropped).

    Raises:
        keras_wgan.data.DatasetNotPreparedError: a TFDS dataset not prepared in `data_dir`.
        TooFewSamplesError: a conditional folder with fewer than two class subfolders; a
            folder to cluster larger than `run_config.FOLDER_CLUSTER_BYTES` of pixels.
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
            num_classes_of(config)  # a conditional run checks its classes first
            images = data_lib.load_image_folder(
                config.image_dir, config.image_size, channels=config.channels
            )
            spec = images.element_spec
            config.channels = int((spec[0] if isinstance(spec, tuple) else spec).shape[-1])
        else:
            images = data_lib.load_tfds(
                config.dataset, "train", data_dir=config.data_dir, image_size=config.image_size
            )
        if isinstance(images.element_spec, tuple) and not config.conditional:
            images = images.map(lambda image, label: image)
        images = images.take(config.num_samples) if config.num_samples else images
        if config.clusters:
            images = folder_in_memory(config, images)
            return images, cluster_ids(config, images)
        return images
    sampler = data_lib.TOY_DATASETS[config.dataset]
    points = sampler(config.num_samples, seed=config.seed)
    if config.clusters:
        return points, cluster_ids(config, points)
    return points


def folder_in_memory(config, images):
    """A folder's images (an unbatched dataset) as one float32 array, to cluster them.

    Raises:
        TooFewSamplesError: they take more than `run_config.FOLDER_CLUSTER_BYTES`.
    """
    count, shape = size_and_shape(images)
    size = count * int(np.prod(shape)) * 4
    if size > run_config.FOLDER_CLUSTER_BYTES:
        raise TooFewSamplesError(
            f"clusters={config.clusters} clusters the folder's images in memory: its {count} "
            f"images of {'x'.join(map(str, shape))} take {size / 2**30:.1f} GiB, over the "
            f"{run_config.FOLDER_CLUSTER_BYTES / 2**30:.0f} GiB allowed. Train without "
            "(--clusters 0), or on fewer or smaller images (--num-samples, --image-size)."
        )
    return np.concatenate(list(images.batch(1024).as_numpy_iterator()))


def cluster_ids(config, samples):
    """The k-means cluster of each sample (`keras_wgan.data.cluster_images`, seeded by
    `config.seed`).

    Raises:
        TooFewSamplesError: fewer samples, or distinct ones, than `config.clusters`.
    """
    try:
        return data_lib.cluster_images(samples, config.clusters, seed=config.seed)[0]
    except ValueError as error:
        raise TooFewSamplesError(f"{error} (--clusters K: K clusters, 0: none)") from error


def split_training_data(config, real):
    """`(samples, cluster_frequencies)`: `load_training_data`'s samples without their labels or
    cluster ids, and with `config.clusters` each cluster's share of them, else `None`."""
    samples = real[0] if isinstance(real, tuple) else real
    if not isinstance(samples, np.ndarray) and isinstance(samples.element_spec, tuple):
        samples = samples.map(lambda image, label: image)
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
    """The classes the run's networks embed, or `None`: `clusters`, or a conditional run's (10
    digits, a folder's class subfolders).

    Raises:
        TooFewSamplesError: a conditional folder with fewer than two class subfolders.
    """
    if config.clusters:
        return config.clusters
    if not config.conditional:
        return None
    if config.dataset != "folder":
        return evaluation_lib.NUM_CLASSES
    classes = data_lib.image_folder_classes(config.image_dir)
    if len(classes) < 2:
        found = f"only the class {classes[0]!r}" if classes else "no class subfolders"
        raise TooFewSamplesError(
            f"A conditional run trains on the class subfolders of its image folder, one per "
            f"class (at least two: {config.image_dir}/CLASS/IMAGE): {config.image_dir!r} holds "
            f"{found}. Sort the images into them, or train without --conditional."
        )
    return len(classes)


def batches_after(config, real, step=0):
    """The run's batches from generator step `step` on: one seeded stream over all epochs,
    reshuffled every pass, so that a resumed run sees the batches an uninterrupted one would.

    A new dataset on every call: iterating the same one again would continue its shuffle
    sequence (`reshuffle_each_iteration`), not start it over. Each worker keeps its replicas'
    slice of every global batch (`DATA` sharding), as one device would split it.
    """
    stream = data_lib.make_dataset(
        real, config.batch_size, critic_steps=config.critic_steps, seed=config.seed,
        repeat=True, num_classes=num_classes_of(config),
    )
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return stream.skip(step).with_options(options)
