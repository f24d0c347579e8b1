"""`make_dataset`: batches of `batch_size * critic_steps`, labels, TFDS dicts, input checks."""

import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import data


def test_make_dataset_batches_critic_steps_times_batch_size():
    dataset = data.make_dataset(np.zeros((100, 4, 4, 1), "float32"), 8, critic_steps=3)
    shapes = [batch.shape for batch in dataset]
    assert shapes == [(24, 4, 4, 1)] * 4  # 100 // 24 full batches, the rest dropped
    assert dataset.element_spec.shape[0] == 24


def test_make_dataset_records_its_batching_for_the_models_to_check():
    from keras_wgan._data_contract import recorded_batching

    dataset = data.make_dataset(np.zeros((40, 2), "float32"), 4, critic_steps=3)
    assert recorded_batching(dataset) == (4, 3)
    assert recorded_batching(dataset.take(1)) is None  # a new dataset: unknown
    assert recorded_batching(np.zeros(3)) is None


def test_make_dataset_keeps_labels():
    dataset = data.make_dataset((np.zeros((10, 2)), np.arange(10)), 5, shuffle=False)
    images, labels = next(iter(dataset))
    assert images.shape == (5, 2) and labels.numpy().tolist() == [0, 1, 2, 3, 4]


def test_make_dataset_reads_tfds_style_dicts():
    source = tf.data.Dataset.from_tensor_slices(
        {"image": np.zeros((6, 8, 8, 1), "float32"), "label": np.arange(6)}
    )
    images, labels = next(iter(data.make_dataset(source, 3, shuffle=False)))
    assert images.shape == (3, 8, 8, 1) and labels.shape == (3,)


@pytest.mark.parametrize(
    "samples, kwargs, message",
    [
        (np.zeros((0, 8, 8, 1)), {}, "empty"),
        (
            np.zeros((10, 8, 8, 1)),
            {"batch_size": 4, "critic_steps": 5},
            r"batch of 20 .* \(10 samples\)",
        ),
        (np.full((10, 2), np.nan), {}, "2 non-finite|20 non-finite"),
        (np.full((10, 8, 8, 1), 255.0), {}, r"Found values in \[255, 255\]"),
        (np.zeros((10, 8, 8)), {}, "channel axis"),
        (np.zeros((10, 2)), {"batch_size": 0}, "batch_size=0"),
    ],
)
def test_make_dataset_refuses_bad_input(samples, kwargs, message):
    kwargs = {"batch_size": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        data.make_dataset(samples, **kwargs)


def test_make_dataset_checks_a_tf_dataset_too():
    source = tf.data.Dataset.from_tensor_slices(np.full((10, 4, 4, 1), 2.0, "float32"))
    with pytest.raises(ValueError, match=r"\[2, 2\]"):
        data.make_dataset(source, 2)
    with pytest.raises(ValueError, match="empty"):
        data.make_dataset(source.take(0), 2)
