"""Tests of the dataset loaders: TFDS (mocked, and offline without data) and image folders."""

import time

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from keras_wgan import data  # noqa: E402


def _first(dataset, count):
    return list(dataset.take(count).as_numpy_iterator())


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
        examples = _first(data.load_tfds(name), 8)
    assert len(examples) == 8
    for example in examples:
        image = example[0] if labelled else example
        assert image.shape == shape and image.dtype == np.float32
        assert -1.0 <= image.min() and image.max() <= 1.0
        if labelled:
            assert example[1].dtype == np.int32 and 0 <= example[1] < 10


def test_load_tfds_resizes_celeb_a_with_a_center_crop():
    with tfds.testing.mock_data(num_examples=4):
        images = _first(data.load_tfds("celeb_a", image_size=64), 4)
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


def _write_pngs(folder, count, size=(12, 10), seed=0):
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for index in range(count):
        pixels = rng.integers(0, 256, size=(*size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"image_{index}.png")


def test_load_image_folder_without_subfolders_yields_images(tmp_path):
    _write_pngs(tmp_path, 5)
    images = _first(data.load_image_folder(tmp_path, image_size=8), 10)
    assert len(images) == 5
    assert {image.shape for image in images} == {(8, 8, 3)}
    assert all(image.dtype == np.float32 for image in images)
    assert all(-1.0 <= image.min() and image.max() <= 1.0 for image in images)


def test_load_image_folder_labels_subfolders_and_feeds_make_dataset(tmp_path):
    _write_pngs(tmp_path / "cats", 4, seed=1)
    _write_pngs(tmp_path / "dogs", 4, seed=2)
    dataset = data.load_image_folder(tmp_path, image_size=(8, 8), channels=1)
    examples = _first(dataset, 10)
    assert len(examples) == 8
    assert {image.shape for image, _ in examples} == {(8, 8, 1)}
    assert sorted(int(label) for _, label in examples) == [0] * 4 + [1] * 4
    images, labels = next(iter(data.make_dataset(dataset, batch_size=2, critic_steps=2)))
    assert tuple(images.shape) == (4, 8, 8, 1) and tuple(labels.shape) == (4,)


def test_load_image_folder_refuses_a_missing_folder(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        data.load_image_folder(tmp_path / "missing", image_size=8)


def test_load_image_folder_refuses_a_folder_without_images(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(ValueError, match="holds no images"):
        data.load_image_folder(tmp_path, image_size=8)
    (tmp_path / "empty_class").mkdir()
    with pytest.raises(ValueError, match="holds no images"):
        data.load_image_folder(tmp_path, image_size=8)


def test_load_image_folder_rejects_bad_channels(tmp_path):
    _write_pngs(tmp_path, 1)
    with pytest.raises(ValueError, match="`channels` must be 1, 3 or 4"):
        data.load_image_folder(tmp_path, image_size=8, channels=2)
