"""A catalogue of bad inputs and the message each must get: the next one is one row to add.

Each row: an id, a function making the call, and a regular expression the `ValueError` must
match (it names the bad value, and where there is one, the fix).
"""

import numpy as np
import pytest

import keras_wgan
from keras_wgan import data
from tests.helpers import tiny_mlp_pair

IMAGES = np.zeros((40, 8, 8, 1), "float32")
LABELS = np.arange(40, dtype="int32") % 10


def make(labels, **kwargs):
    return lambda: data.make_dataset((IMAGES, labels), batch_size=8, **kwargs)


def build(cls, **kwargs):
    return lambda: cls(*tiny_mlp_pair(), **kwargs)


CASES = [
    ("negative label", make(np.where(LABELS == 9, -1, LABELS)),
     r"class indices in >= 0\. Received: labels from -1 to 8 \(4 outside, e\.g\. \[-1, -1, -1\]"),
    ("fractional labels", make(LABELS + 0.7),
     r"integer class indices .*dtype float64, e\.g\. \[0\.7, 1\.7, 2\.7\]"),
    ("one-hot labels", make(np.eye(10, dtype="int32")[LABELS]),
     r"labels\.argmax\(axis=1\)\. Received: labels of shape \(40, 10\)"),
    ("label beyond num_classes", make(LABELS, num_classes=5),
     r"in \[0, 5\)\. Received: labels from 0 to 9 \(20 outside, e\.g\. \[5, 6, 7\]"),
    ("num_classes not positive", make(LABELS, num_classes=0), r"num_classes=0"),
    ("labels and samples of other lengths", make(LABELS[:30]),
     r"40 samples but 30 labels"),
    ("images in 0-255", lambda: data.make_dataset(IMAGES + 255, batch_size=8),
     r"\[-1, 1\].*rescale_images"),
    ("NaN in the data", lambda: data.make_dataset(np.full((40, 2), np.nan), batch_size=8),
     r"80 non-finite values"),
    ("batch larger than the data", lambda: data.make_dataset(IMAGES, batch_size=8,
                                                             critic_steps=6),
     r"A batch of 48 samples .* larger than the data \(40 samples\)"),
    ("clip_value as a string", build(keras_wgan.WGAN, clip_value="0.01"),
     r"`clip_value` must be a positive finite float\. Received: clip_value='0\.01'"),
    ("infinite clip_value", build(keras_wgan.WGAN, clip_value=float("inf")), r"clip_value=inf"),
    ("infinite penalty_weight", build(keras_wgan.WGANGP, penalty_weight=float("inf")),
     r"`penalty_weight` must be a finite float >= 0\. Received: penalty_weight=inf"),
    ("NaN penalty_weight", build(keras_wgan.WGANGP, penalty_weight=float("nan")),
     r"penalty_weight=nan"),
    ("infinite penalty_target", build(keras_wgan.WGANGP, penalty_target=float("inf")),
     r"`penalty_target` must be a positive finite float\. Received: penalty_target=inf"),
    ("penalty_target as a string", build(keras_wgan.WGANGP, penalty_target="1"),
     r"penalty_target='1'"),
]


@pytest.mark.parametrize("call, message", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_bad_input_is_refused_with_a_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_good_labels_reach_the_batches_as_int32():
    batch = next(iter(data.make_dataset((IMAGES, LABELS.astype("int64")), 8, num_classes=10)))
    assert batch[1].dtype == "int32" and batch[1].shape == (8,)
    listed = next(iter(data.make_dataset((IMAGES, LABELS.tolist()), 8, shuffle=False)))
    np.testing.assert_array_equal(listed[1], LABELS[:8])
