import keras
import numpy as np
import pytest

from keras_wgan.networks import stacked
from tests.helpers import config_round_trip


def test_builders_make_both_resolutions():
    networks = stacked.build_stacked_networks(
        (8, 8, 1), num_classes=3, noise_dim=4, condition_dim=2, generator_filters=4,
        critic_filters=4, residual_blocks=1,
    )
    labels = keras.ops.convert_to_tensor(np.array([0, 1, 2, 1, 0], "int32"))
    noise = keras.ops.zeros((5, 2))
    low = networks["stage1_generator"]([keras.ops.zeros((5, 4)), labels, noise])
    full = networks["stage2_generator"]([low, labels, noise])
    assert low.shape == (5, 4, 4, 1)
    assert full.shape == (5, 8, 8, 1)
    assert networks["stage1_critic"]([low, labels]).shape == (5, 1)
    assert networks["stage2_critic"]([full, labels]).shape == (5, 1)
    assert np.all(np.abs(keras.ops.convert_to_numpy(full)) <= 1.0)


def test_conditioning_augmentation_is_mean_plus_sigma_times_noise():
    layer = stacked.ConditioningAugmentation(num_classes=3, condition_dim=2)
    labels = np.array([2, 0, 1], "int32")
    noise = np.random.default_rng(0).standard_normal((3, 2)).astype("float32")
    layer([keras.ops.convert_to_tensor(labels), keras.ops.convert_to_tensor(noise)])
    table = np.array(
        [[0.5, -1.0, 0.1, -0.2], [2.0, 0.0, -0.5, 0.3], [-1.5, 1.0, 0.0, 0.7]], "float32"
    )
    layer.means.set_weights([table[:, :2]])
    layer.log_sigmas.set_weights([table[:, 2:]])
    condition = layer([keras.ops.convert_to_tensor(labels), keras.ops.convert_to_tensor(noise)])
    expected = table[labels, :2] + np.exp(table[labels, 2:]) * noise
    np.testing.assert_allclose(condition, expected, rtol=1e-6)
    mean, log_sigma = layer.moments(keras.ops.convert_to_tensor(labels))
    np.testing.assert_allclose(mean, table[labels, :2])
    np.testing.assert_allclose(log_sigma, table[labels, 2:])
    restored = config_round_trip(layer)
    assert (restored.num_classes, restored.condition_dim) == (3, 2)


def test_stage2_refines_its_input_image():
    generator = stacked.build_stage2_generator(
        (8, 8, 1), (4, 4, 1), num_classes=2, condition_dim=2, base_filters=4, residual_blocks=1
    )
    labels = keras.ops.zeros((2,), "int32")
    noise = keras.ops.zeros((2, 2))
    low = keras.ops.convert_to_tensor(
        np.random.default_rng(0).uniform(-1, 1, (2, 4, 4, 1)).astype("float32")
    )
    first = keras.ops.convert_to_numpy(generator([low, labels, noise]))
    second = keras.ops.convert_to_numpy(generator([-low, labels, noise]))
    assert np.max(np.abs(first - second)) > 1e-4


def test_builders_refuse_bad_arguments():
    with pytest.raises(ValueError, match="2 or 4 times"):
        stacked.build_stage2_generator((12, 12, 1), (8, 8, 1), num_classes=3)
    with pytest.raises(ValueError, match="num_classes=None"):
        stacked.build_stage1_generator((4, 4, 1), num_classes=None)
    with pytest.raises(ValueError, match="condition_dim=0"):
        stacked.build_stage1_generator((4, 4, 1), num_classes=3, condition_dim=0)
    with pytest.raises(ValueError, match="normalization='batch'"):
        stacked.build_stage_critic((8, 8, 1), num_classes=3, normalization="batch")
    with pytest.raises(ValueError, match="residual_blocks=-1"):
        stacked.build_stage2_generator((8, 8, 1), (4, 4, 1), num_classes=3, residual_blocks=-1)
    with pytest.raises(ValueError, match="image_shape=\\(9, 9, 1\\)"):
        stacked.build_stacked_networks((9, 9, 1), num_classes=3)
