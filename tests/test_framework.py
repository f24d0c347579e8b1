"""The private Keras and TensorFlow APIs of `keras_wgan._framework`: each test fails with a clear
message when an upgrade removes or changes the API its wrapper needs."""

import io

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import _framework


def require(owner, name, api):
    assert hasattr(owner, name), (
        f"{api} is gone in this Keras/TensorFlow version: keras_wgan._framework needs a "
        "replacement."
    )


def tiny_nested_model():
    inner = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="inner_dense")])
    inputs = keras.Input((2,))
    outputs = keras.layers.Dense(1, name="outer_dense")(inner(inputs))
    return keras.Model(inputs, outputs, name="outer")


def test_flatten_layers_walks_nested_models():
    model = tiny_nested_model()
    require(model, "_flatten_layers", "keras.Layer._flatten_layers")
    names = [layer.name for layer in _framework.flatten_layers(model)]
    assert names[0] == "outer" and "inner_dense" in names and "outer_dense" in names


def test_in_multi_worker_mode_is_false_without_several_workers():
    # The strategy's extended class, not a strategy: making one would configure collective ops
    # for the whole test process (tests/models/test_multi_worker.py runs the real case).
    from tensorflow.python.distribute import collective_all_reduce_strategy

    extended = collective_all_reduce_strategy.CollectiveAllReduceExtended
    require(extended, "_in_multi_worker_mode", "CollectiveAllReduceExtended._in_multi_worker_mode")
    assert _framework.in_multi_worker_mode(tf.distribute.get_strategy()) is False
    assert _framework.in_multi_worker_mode(tf.distribute.OneDeviceStrategy("/cpu:0")) is False


def test_maybe_merge_call_updates_a_variable_in_and_out_of_a_replica():
    interim = getattr(getattr(tf.__internal__, "distribute", None), "interim", None)
    require(interim, "maybe_merge_call", "tf.__internal__.distribute.interim.maybe_merge_call")
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    with strategy.scope():
        variable = tf.Variable(1.0)

    def add(strategy_, value):
        strategy_.extended.update(variable, lambda v, x: v.assign_add(x), args=(value,))

    _framework.maybe_merge_call(add, strategy, 2.0)
    strategy.run(lambda: _framework.maybe_merge_call(add, tf.distribute.get_strategy(), 3.0))
    assert float(variable.numpy()) == 6.0


def test_write_weights_h5_writes_what_load_weights_reads(tmp_path):
    from keras.src.saving import saving_lib

    for name in ("H5IOStore", "_save_state"):
        require(saving_lib, name, f"keras.src.saving.saving_lib.{name}")
    model = tiny_nested_model()
    buffer = io.BytesIO()
    _framework.write_weights_h5(model, buffer)
    path = tmp_path / "model.weights.h5"
    path.write_bytes(buffer.getvalue())
    assert h5py.is_hdf5(path)
    other = tiny_nested_model()
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_inception_v3_weights_url_is_keras_own():
    url = _framework.inception_v3_weights_url()
    assert url.startswith("https://") and url.endswith("_notop.h5"), (
        "keras.src.applications.inception_v3.WEIGHTS_PATH_NO_TOP changed: "
        f"keras_wgan._framework needs a replacement. Received: {url!r}"
    )


def test_onednn_enabled_reads_the_build_flag():
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:
        pytest.fail(
            "tensorflow.python.util._pywrap_util_port is gone: "
            "keras_wgan._framework.onednn_enabled "
            "needs a replacement (it returns None until then)."
        )
    require(_pywrap_util_port, "IsMklEnabled", "_pywrap_util_port.IsMklEnabled")
    assert _framework.onednn_enabled() in (True, False)
