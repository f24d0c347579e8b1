"""Images in [-1, 1]: the digits' scaling and split, and `rescale_images`."""

import numpy as np

from keras_wgan import data


def test_digits_are_scaled_and_split_stratified():
    train_x, train_y = data.load_digits("train")
    test_x, test_y = data.load_digits("test")
    assert train_x.shape == (1297, 8, 8, 1) and test_x.shape == (500, 8, 8, 1)
    assert train_x.min() == -1.0 and train_x.max() == 1.0
    assert np.all(np.bincount(test_y) >= 48)  # about 50 of each class held out


def test_rescale_images_maps_uint8_to_unit_range():
    np.testing.assert_allclose(data.rescale_images(np.array([0, 255], "uint8")), [-1.0, 1.0])
