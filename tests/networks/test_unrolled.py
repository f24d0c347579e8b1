import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import networks
from keras_wgan.networks import UnrolledConv2D
from tests.helpers import config_round_trip
from tests.helpers import keras_file_round_trip

# (input height, width, channels, filters, kernel, strides, padding)
CASES = [
    (4, 4, 3, 5, 5, 2, "same"),  # the keras.io critic's last layer, scaled down
    (3, 5, 2, 4, 4, 2, "same"),  # odd and unequal sides
    (4, 4, 2, 3, 3, 1, "valid"),
    (5, 4, 2, 3, 5, 1, "same"),
    (2, 2, 3, 2, 4, 2, "same"),
    (6, 6, 2, 3, (3, 2), (2, 1), "valid"),  # unequal kernel sides and strides
]


def _pair(case):
    height, width, channels, filters, kernel, strides, padding = case
    reference = keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding)
    unrolled = UnrolledConv2D(filters, kernel, strides=strides, padding=padding)
    shape = (3, height, width, channels)
    reference.build(shape)
    unrolled.build(shape)
    rng = np.random.default_rng(0)
    unrolled.set_weights(
        [rng.normal(size=w.shape).astype("float32") for w in reference.get_weights()]
    )
    reference.set_weights(unrolled.get_weights())
    inputs = tf.constant(rng.normal(size=shape), tf.float32)
    return reference, unrolled, inputs


def _penalty_and_gradients(layer, inputs):
    """A gradient penalty through `layer`: needs its first and second derivatives."""
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(inputs)
            # A smooth activation, so that the penalty depends on the bias too.
            scores = tf.reduce_sum(tf.nn.softplus(layer(inputs)), axis=[1, 2, 3])
            total = tf.reduce_sum(scores)
        input_gradients = inner.gradient(total, inputs)
        norms = tf.sqrt(tf.reduce_sum(tf.square(input_gradients), axis=[1, 2, 3]))
        penalty = tf.reduce_mean(tf.square(norms - 1.0))
    return scores, input_gradients, outer.gradient(penalty, layer.trainable_variables)


@pytest.mark.parametrize("case", CASES)
def test_matches_conv2d_with_first_and_second_derivatives(case):
    reference, unrolled, inputs = _pair(case)
    assert unrolled(inputs).shape == reference(inputs).shape
    expected = _penalty_and_gradients(reference, inputs)
    received = _penalty_and_gradients(unrolled, inputs)
    np.testing.assert_allclose(received[0], expected[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(received[1], expected[1], rtol=1e-5, atol=1e-5)
    for got, want in zip(received[2], expected[2]):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_matches_conv2d_under_xla():
    reference, unrolled, inputs = _pair(CASES[0])
    compiled = tf.function(_penalty_and_gradients, jit_compile=True)
    expected = _penalty_and_gradients(reference, inputs)
    received = compiled(unrolled, inputs)
    for got, want in zip(received[2], expected[2]):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_matches_conv2d_in_bfloat16():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        reference, unrolled, inputs = _pair(CASES[0])
    finally:
        keras.mixed_precision.set_global_policy("float32")
    received, expected = unrolled(inputs), reference(inputs)
    assert received.dtype == tf.bfloat16
    scale = float(tf.reduce_max(tf.abs(tf.cast(expected, tf.float32))))
    np.testing.assert_allclose(
        tf.cast(received, tf.float32), tf.cast(expected, tf.float32), atol=0.02 * scale
    )


def test_skips_the_taps_on_zero_padding():
    # 4x4 input, 5x5 kernel, stride 2, "same": one row of padding before and two after. Output
    # row 0 sees input rows 0-3 and row 1 rows 1-3: 7 (row, output row) pairs per axis, so 49
    # of the 16 x 4 (input pixel, output pixel) pairs carry a tap, each exactly once.
    layer = UnrolledConv2D(1, 5, strides=2, padding="same")
    layer.build((None, 4, 4, 1))
    joined = layer._taps != 25
    assert layer._taps.shape == (16, 4)
    assert joined.sum() == 49
    # Input pixel (0, 0) meets output (0, 0) at tap (1, 1): offset 0 - (0 * 2 - 1) = 1.
    assert layer._taps[0, 0] == 1 * 5 + 1


def test_refuses_what_it_does_not_support():
    with pytest.raises(ValueError, match="data_format='channels_first'"):
        UnrolledConv2D(2, 3, data_format="channels_first")
    with pytest.raises(ValueError, match=r"dilation_rate=\(2, 2\)"):
        UnrolledConv2D(2, 3, dilation_rate=2)
    with pytest.raises(ValueError, match=r"input_shape=\(None, None, None, 3\)"):
        UnrolledConv2D(2, 3).build((None, None, None, 3))


def test_critic_builder_unrolls_only_maps_no_larger_than_the_kernel(tmp_path):
    options = dict(base_filters=4, normalization=None, kernel_size=5, stages=4, padded_size=32)
    critic = networks.build_critic((28, 28, 1), **options)
    convolutions = [layer for layer in critic.layers if isinstance(layer, keras.layers.Conv2D)]
    # Inputs 32x32, 16x16, 8x8 and 4x4 under a 5x5 kernel: only the last has <= 25 pixels.
    assert [type(layer).__name__ for layer in convolutions] == ["Conv2D"] * 3 + ["UnrolledConv2D"]
    plain = networks.build_critic((28, 28, 1), unroll_small_maps=False, **options)
    assert all(type(layer) is keras.layers.Conv2D for layer in plain.layers if "conv" in layer.name)
    # Same weights, same scores.
    plain.set_weights(critic.get_weights())
    images = np.random.default_rng(1).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(critic(images), plain(images), rtol=1e-5, atol=1e-6)
    # The layer survives a .keras round trip.
    loaded = keras_file_round_trip(critic, tmp_path)
    config_round_trip(convolutions[-1])  # the layer alone, through JSON
    assert sum(isinstance(layer, UnrolledConv2D) for layer in loaded.layers) == 1
    np.testing.assert_array_equal(loaded(images), critic(images))
    with pytest.raises(ValueError, match="unroll_small_maps=1"):
        networks.build_critic((28, 28, 1), unroll_small_maps=1)
