"""`load_tfds`: mocked TFDS datasets, and offline without prepared data."""

import time

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from keras_wgan import data  # noqa: E402
from tests.helpers import first_examples  # noqa: E402


@pytest.mark.parametrize(
    "name, shape, labelled",
    [
        ("mnist", (28, 28, 1), True),
        ("fashion_mnist", (28, 28, 1), True),
        ("cifar10", (32, 32, 3), True),
        ("celeb_a", (218, 178, 3), False),
    ],
)
def test_load_tfds_scales_images_to_unit_range(name, shape, labelled):
    with tfds.testing.mock_data(num_examples=8):
        examples = first_examples(data.load_tfds(name), 8)
    assert len(examples) == 8
    for example in examples:
        image = example[0] if labelled else example
        assert image.shape == shape and image.dtype == np.float32
        assert -1.0 <= image.min() and image.max() <= 1.0
        if labelled:
            assert example[1].dtype == np.int32 and 0 <= example[1] < 10


def test_load_tfds_resizes_celeb_a_with_a_center_crop():
    with tfds.testing.mock_data(num_examples=4):
        images = first_examples(data.load_tfds("celeb_a", image_size=64), 4)
    assert {image.shape for image in images} == {(64, 64, 3)}
    assert all(-1.0 <= image.min() and image.max() <= 1.0 for image in images)


def test_load_tfds_feeds_make_dataset():
    with tfds.testing.mock_data(num_examples=64):
        batches = data.make_dataset(data.load_tfds("mnist"), batch_size=8, critic_steps=4)
        images, labels = next(iter(batches))
    assert tuple(images.shape) == (32, 28, 28, 1) and tuple(labels.shape) == (32,)


def test_load_tfds_without_prepared_data_fails_fast(tmp_path):
    start = time.monotonic()
    with pytest.raises(data.DatasetNotPreparedError) as info:
        data.load_tfds("mnist", data_dir=tmp_path)
    assert time.monotonic() - start < 10  # no download attempted, no network timeout
    message = str(info.value)
    assert "'mnist'" in message and str(tmp_path) in message
    assert "download_and_prepare()" in message and "data_dir" in message
    assert isinstance(info.value, ValueError)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert not any(tmp_path.iterdir())  # nothing downloaded or created


def test_load_tfds_with_an_empty_version_folder_fails_fast(tmp_path):
    (tmp_path / "mnist" / "3.0.1").mkdir(parents=True)
    with pytest.raises(data.DatasetNotPreparedError, match="not prepared"):
        data.load_tfds("mnist", data_dir=tmp_path)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"name": "imagenet"}, "`name` must be one of"),
        ({"name": "mnist", "image_size": 0}, "`image_size` must be"),
        ({"name": "mnist", "image_size": (8, 8, 1)}, "`image_size` must be"),
    ],
)
def test_load_tfds_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.load_tfds(**kwargs)
