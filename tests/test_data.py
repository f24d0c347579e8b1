import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import data


def test_ring8_has_eight_distinct_modes_on_the_unit_circle():
    modes = data.ring8_modes()
    assert modes.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(modes, axis=1), 1.0, rtol=1e-6)
    distances = np.linalg.norm(modes[:, None] - modes[None], axis=-1)
    assert np.min(distances + 10 * np.eye(8)) > 0.7  # 2 sin(pi / 8) = 0.765 apart


def test_grid25_modes_are_the_grid_with_spacing_two():
    modes = data.grid25_modes()
    assert sorted(set(modes[:, 0].tolist())) == [-4, -2, 0, 2, 4]
    assert len({tuple(m) for m in modes.tolist()}) == 25


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_toy_mixtures_have_the_defined_std_and_equal_weights(name):
    means, std = data.toy_modes(name)
    samples = data.TOY_DATASETS[name](20_000, seed=0)
    nearest = np.argmin(np.linalg.norm(samples[:, None] - means[None], axis=-1), axis=1)
    offsets = samples - means[nearest]
    np.testing.assert_allclose(offsets.std(axis=0), std, rtol=0.05)
    counts = np.bincount(nearest, minlength=len(means))
    assert counts.min() > 0.8 * len(samples) / len(means)


def test_swiss_roll_matches_the_wgan_gp_toy_scaling():
    samples = data.swiss_roll(20_000, seed=0)
    radius = np.linalg.norm(samples, axis=1)
    # t in [1.5 pi, 4.5 pi], divided by 7.5: radii from 0.63 to 1.88, plus noise 0.25 / 7.5.
    assert 0.5 < radius.min() < 0.7 and 1.8 < radius.max() < 2.0


def test_toy_data_is_seeded():
    np.testing.assert_array_equal(data.grid25(10, seed=3), data.grid25(10, seed=3))


def test_digits_are_scaled_and_split_stratified():
    train_x, train_y = data.load_digits("train")
    test_x, test_y = data.load_digits("test")
    assert train_x.shape == (1297, 8, 8, 1) and test_x.shape == (500, 8, 8, 1)
    assert train_x.min() == -1.0 and train_x.max() == 1.0
    assert np.all(np.bincount(test_y) >= 48)  # about 50 of each class held out


def test_make_dataset_batches_critic_steps_times_batch_size():
    dataset = data.make_dataset(np.zeros((100, 4, 4, 1), "float32"), 8, critic_steps=3)
    shapes = [batch.shape for batch in dataset]
    assert shapes == [(24, 4, 4, 1)] * 4  # 100 // 24 full batches, the rest dropped
    assert dataset.element_spec.shape[0] == 24


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


def test_rescale_images_maps_uint8_to_unit_range():
    np.testing.assert_allclose(data.rescale_images(np.array([0, 255], "uint8")), [-1.0, 1.0])
