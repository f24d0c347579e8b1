"""The private Keras and TensorFlow APIs keras_wgan needs, one wrapper each (a leaf module that
loads neither at import; `tests/test_framework.py` checks each API is still there)."""


def flatten_layers(layer):
    """Every layer inside `layer` (itself included), nested models' layers too."""
    # `Model.layers` lists one level only; Keras has no public recursive walk.
    return list(layer._flatten_layers())


def in_multi_worker_mode(strategy):
    """Whether `strategy` is a `MultiWorkerMirroredStrategy` spanning several workers."""
    import tensorflow as tf

    # Keras reduces `fit`'s logs differently in this mode and decides by this private method;
    # no public API tells a one-worker strategy from a multi-worker one.
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and (
        strategy.extended._in_multi_worker_mode()
    )


def maybe_merge_call(function, strategy, *args):
    """Calls `function(strategy, *args)` in cross-replica context, from a replica or not."""
    import tensorflow as tf

    # The public `merge_call` fails outside a replica context; this is what Keras's own
    # optimizers call to update variables in both contexts.
    return tf.__internal__.distribute.interim.maybe_merge_call(function, strategy, *args)


def write_weights_h5(model, file):
    """Writes the `.weights.h5` content of `model.save_weights` into a binary file object."""
    from keras.src.saving import saving_lib

    # `save_weights` takes a path only; this is its own code with an in-memory file.
    store = saving_lib.H5IOStore(file, mode="w")
    try:
        saving_lib._save_state(
            model, weights_store=store, assets_store=None, inner_path="", visited_saveables=set()
        )
    finally:
        store.close()


def inception_v3_weights_url():
    """The URL of Keras's no-top Inception-v3 ImageNet weights."""
    from keras.src.applications import inception_v3

    # `keras.applications.InceptionV3` downloads without a timeout; the URL is not public.
    return inception_v3.WEIGHTS_PATH_NO_TOP


def onednn_enabled():
    """Whether this TensorFlow build runs with oneDNN, or `None` if it cannot tell."""
    try:
        # TensorFlow has no public oneDNN query; its own tests read this flag.
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:
        return None
    return bool(_pywrap_util_port.IsMklEnabled())
