"""A catalogue of bad inputs and the message each must get: the next one is one row to add.

Each row: an id, a function making the call, and a regular expression the `ValueError` must
match (it names the bad value, and where there is one, the fix).
"""

import numpy as np
import pytest
import tensorflow as tf

import keras_wgan
from keras_wgan import callbacks
from keras_wgan import data
from keras_wgan import networks
from tests.helpers import tiny_image_model
from tests.helpers import tiny_mlp_pair
from tests.helpers import tiny_model

IMAGES = np.zeros((40, 8, 8, 1), "float32")
LABELS = np.arange(40, dtype="int32") % 10
POINTS = np.zeros((40, 2), "float32")


def make(labels, **kwargs):
    return lambda: data.make_dataset((IMAGES, labels), batch_size=8, **kwargs)


def build(cls, **kwargs):
    return lambda: cls(*tiny_mlp_pair(), **kwargs)


def conditional_model():
    """A compiled conditional WGAN on 2-D points, 3 classes, critic_steps=2."""
    generator = networks.build_mlp_generator(2, latent_dim=2, hidden_units=(4,), num_classes=3)
    critic = networks.build_mlp_critic(2, hidden_units=(4,), num_classes=3)
    model = keras_wgan.WGAN(generator, critic, critic_steps=2, seed=0)
    model.compile()
    return model


def fit(make_data, make_model=lambda: tiny_model(critic_steps=2), eagerly=False, **options):
    """`fit` of a fresh model (unconditional 2-D, critic_steps=2 by default) on `make_data()`,
    a dataset or the `(x, y)` arrays, with `fit`'s `options`. `eagerly`: for a check made in the
    step, which gives the same message in a graph (tests/models/test_wgan.py,
    test_conditional.py) but traces slowly."""

    def call():
        made = make_data()
        x, y = made if isinstance(made, tuple) else (made, None)
        model = make_model()
        if eagerly:
            model.compile(run_eagerly=True)
        model.fit(x, y, verbose=0, **options)

    return call


def batches(samples, labels=None, size=8):
    """A hand-made dataset (no make_dataset checks): `Dataset.batch(size)`."""
    return lambda: tf.data.Dataset.from_tensor_slices(
        samples if labels is None else (samples, labels)
    ).batch(size)


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
    ("divergence threshold as a string", lambda: callbacks.WarnOnDivergence(threshold="1e6"),
     r"`threshold` must be a positive finite float\. Received: threshold='1e6'"),
    # The data contract at `fit`.
    ("batch not a multiple of critic_steps", fit(batches(POINTS, size=15), eagerly=True),
     r"Received a batch of 15 samples, not a multiple of 2\. Build batches with "
     r"keras_wgan\.data\.make_dataset\(x, batch_size, critic_steps=model\.critic_steps\)"),
    ("dataset made for other critic_steps",
     fit(lambda: data.make_dataset(POINTS, batch_size=4, critic_steps=5)),
     r"make_dataset\(\.\.\., batch_size=4, critic_steps=5\): batches of 20 samples, but the "
     r"model makes critic_steps=2 .* each would get 10 samples instead of 4"),
    ("fit on images in 0-255", fit(lambda: IMAGES + 255, tiny_image_model),
     r"\[-1, 1\].*Found values in \[255, 255\].*rescale_images"),
    ("fit on NaN arrays", fit(lambda: np.full((40, 2), np.nan, "float32")),
     r"80 non-finite values"),
    ("fit on labels beyond the model's classes",
     fit(lambda: (POINTS, np.arange(40) % 5), conditional_model),
     r"in \[0, 3\)\. Received: labels from 0 to 4 \(16 outside, e\.g\. \[3, 4, 3\]"),
    # `fit` on arrays: make_dataset's checks, and the arguments a GAN refuses.
    ("fit on too few arrays for one step", fit(lambda: POINTS),
     r"A batch of 64 samples \(batch_size=32 x critic_steps=2\) is larger than the data "
     r"\(40 samples\)"),
    ("fit with batch_size 0", fit(lambda: POINTS, batch_size=0),
     r"`batch_size` must be a positive int\. Received: batch_size=0"),
    ("fit with labels for an unconditional model", fit(lambda: (POINTS, LABELS)),
     r"WGANGP is unconditional: it trains on samples only\. Drop the labels, or build "
     r"conditional networks .*Received: labels=an array of shape \(40,\)"),
    ("fit without labels for a conditional model", fit(lambda: POINTS, conditional_model,
                                                       batch_size=4),
     r"trains on \(samples, labels\) pairs\. Received: samples without labels; pass "
     r"fit\(samples, labels\)"),
    ("fit with validation_data", fit(lambda: POINTS, validation_data=POINTS),
     r"no validation loss.*`validation_data` is not supported\. .*keras_wgan\.callbacks\."
     r"QualityScores.*Received: validation_data=an array of shape \(40, 2\)"),
    ("fit with validation_split", fit(lambda: POINTS, validation_split=0.2),
     r"`validation_split` is not supported\. .*Received: validation_split=0\.2"),
    ("fit with sample_weight", fit(lambda: POINTS, sample_weight=np.ones(40)),
     r"`sample_weight` is not supported\. .*Received: sample_weight=an array of shape \(40,\)"),
    ("fit with class_weight", fit(lambda: POINTS, class_weight={0: 2.0}),
     r"`class_weight` is not supported\. .*Received: class_weight=\{0: 2\.0\}"),
    # Labels at the first step of a conditional model, from a hand-made dataset.
    ("fractional labels at the first step",
     fit(batches(POINTS, np.arange(40) % 3 + 0.5), conditional_model),
     r"integer class indices .*Received: labels of dtype float64"),
    ("negative labels at the first step",
     fit(batches(POINTS, np.arange(40) % 3 - 1), conditional_model, eagerly=True),
     r"in \[0, 3\)\. Received: labels from -1 to 1 in a batch \(3 outside, e\.g\. \[-1 -1 -1\]"),
    ("labels beyond num_classes at the first step",
     fit(batches(POINTS, np.arange(40) % 5), conditional_model, eagerly=True),
     r"in \[0, 3\)\. Received: labels from 0 to 4 in a batch \(2 outside, e\.g\. \[3 4\]"),
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
