"""`load_image_folder`: images with and without class subfolders, and bad folders."""

import numpy as np
import pytest

from keras_wgan import data
from tests.helpers import first_examples


def _write_pngs(folder, count, size=(12, 10), seed=0, channels=3, start=0):
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for index in range(start, start + count):
        pixels = rng.integers(0, 256, size=(*size, channels), dtype=np.uint8)
        Image.fromarray(pixels[..., 0] if channels == 1 else pixels).save(
            folder / f"image_{index:03d}.png"
        )


def test_load_image_folder_without_subfolders_yields_images(tmp_path):
    _write_pngs(tmp_path, 5)
    images = first_examples(data.load_image_folder(tmp_path, image_size=8), 10)
    assert len(images) == 5
    assert {image.shape for image in images} == {(8, 8, 3)}
    assert all(image.dtype == np.float32 for image in images)
    assert all(-1.0 <= image.min() and image.max() <= 1.0 for image in images)


def test_load_image_folder_labels_subfolders_and_feeds_make_dataset(tmp_path):
    _write_pngs(tmp_path / "cats", 4, seed=1)
    _write_pngs(tmp_path / "dogs", 4, seed=2)
    dataset = data.load_image_folder(tmp_path, image_size=(8, 8), channels=1)
    examples = first_examples(dataset, 10)
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


def test_load_image_folder_names_the_files_that_are_not_images(tmp_path):
    _write_pngs(tmp_path / "cats", 2)
    _write_pngs(tmp_path / "dogs", 2)
    (tmp_path / "dogs" / "empty.png").write_bytes(b"")
    (tmp_path / "dogs" / "text.jpg").write_text("not a jpeg")
    with pytest.raises(ValueError, match=r"2 of the 6 image files .*empty\.png.*text\.jpg"):
        data.load_image_folder(tmp_path, image_size=8)
    # A JPEG named .png is fine: TensorFlow decodes by content.
    from PIL import Image

    (tmp_path / "dogs" / "empty.png").unlink()
    (tmp_path / "dogs" / "text.jpg").unlink()
    Image.fromarray(np.zeros((8, 8, 3), "uint8")).save(tmp_path / "dogs" / "x.png", "JPEG")
    assert data.check_image_folder(tmp_path) == ["cats", "dogs"]


def test_load_image_folder_rejects_bad_channels(tmp_path):
    _write_pngs(tmp_path, 1)
    with pytest.raises(ValueError, match="`channels` must be 1, 3 or 4"):
        data.load_image_folder(tmp_path, image_size=8, channels=2)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_load_image_folder_reads_the_images_channels(tmp_path, channels):
    # Grey stays grey; grey with alpha is read as RGBA, so that its alpha is kept.
    _write_pngs(tmp_path, 3, channels=channels)
    expected = {1: 1, 2: 4, 3: 3, 4: 4}[channels]
    assert data.image_folder_channels(tmp_path) == expected
    images = first_examples(data.load_image_folder(tmp_path, image_size=8), 10)
    assert {image.shape for image in images} == {(8, 8, expected)}


def test_load_image_folder_forces_the_channels_given(tmp_path):
    _write_pngs(tmp_path, 2, channels=1)
    for channels in (1, 3, 4):
        images = first_examples(data.load_image_folder(tmp_path, 8, channels=channels), 10)
        assert {image.shape for image in images} == {(8, 8, channels)}


def test_mixed_images_are_read_with_the_most_channels_sampled_over_the_folder(tmp_path):
    # 40 grey images, then one RGB: the files sampled include the last one.
    _write_pngs(tmp_path / "a", 40, channels=1)
    _write_pngs(tmp_path / "b", 1, channels=3)
    assert data.image_folder_channels(tmp_path) == 3
    dataset = data.load_image_folder(tmp_path, image_size=8)
    assert dataset.element_spec[0].shape == (8, 8, 3)
    grey = first_examples(dataset, 1)[0][0]  # a grey image, its value repeated
    np.testing.assert_array_equal(grey[..., 0], grey[..., 2])


def test_image_folder_classes_lists_the_class_subfolders(tmp_path):
    _write_pngs(tmp_path, 1)
    assert data.image_folder_classes(tmp_path) == []
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    assert data.image_folder_classes(tmp_path) == ["a", "b"]
    with pytest.raises(ValueError, match="does not exist"):
        data.image_folder_classes(tmp_path / "missing")


def test_a_folder_holding_a_gif_is_read_as_rgb(tmp_path):
    from PIL import Image

    _write_pngs(tmp_path, 2, channels=1)
    Image.fromarray(np.zeros((8, 8), "uint8")).save(tmp_path / "frame.gif")
    assert data.image_folder_channels(tmp_path) == 3  # TensorFlow decodes GIFs as RGB only
    with pytest.raises(ValueError, match=r"GIF images as RGB only, such as .*frame\.gif"):
        data.load_image_folder(tmp_path, image_size=8, channels=1)
    images = first_examples(data.load_image_folder(tmp_path, image_size=8), 10)
    assert {image.shape for image in images} == {(8, 8, 3)}
