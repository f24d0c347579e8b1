"""The generator for runtimes other than TensorFlow: ONNX and TFLite.

Both files hold the SavedModel's `serving_default` function, with its names and a dynamic batch;
not the seeded `sample` signatures nor the checks of input values: draw the latent in the client
(e.g. `keras_wgan.export.sample_latent`).
"""

import os
import tempfile

import tensorflow as tf

from keras_wgan.export.savedmodel import export_generator
from keras_wgan.export.signatures import SERVING_SIGNATURE_KEY
from keras_wgan.export.signatures import serving_function

ONNX_EXTRA = 'pip install "keras-wgan[onnx]"'


def export_onnx(model_or_generator, path, use_ema=None, opset=None):
    """Writes the generator's serving function as an ONNX model.

    Converts `serving_function` with `tf2onnx.convert.from_function`: the inputs and output of
    the SavedModel's `serving_default`. Written beside `path`, then renamed over it.

    Args:
        model_or_generator: `keras.Model` or GAN model, as for `export_generator`.
        path: str or path-like. The `.onnx` file to write; its folder is created if missing.
        use_ema: bool or `None`, as for `export_generator`.
        opset: Optional int. The ONNX opset; defaults to tf2onnx's.

    Returns:
        `path`, a str.

    Raises:
        ImportError: tf2onnx or onnx is not installed; the message names the extra.
    """
    tf2onnx = require_onnx()
    serve = serving_function(model_or_generator, use_ema)
    model_proto, _ = tf2onnx.convert.from_function(
        serve, input_signature=serve.input_signature, opset=opset
    )
    return _write_atomically(path, model_proto.SerializeToString())


def require_onnx():
    """Returns the `tf2onnx` module; an `ImportError` naming the extra when it is missing."""
    try:
        import onnx  # noqa: F401 (tf2onnx needs it; imported here for a clear message)
        import tf2onnx
    except ImportError as error:
        raise ImportError(
            f"ONNX export needs tf2onnx and onnx, which are not installed ({error}). Install "
            f"them with: {ONNX_EXTRA}"
        ) from error
    return tf2onnx


def export_tflite(model_or_generator, path, use_ema=None):
    """Writes the generator's serving function as a TFLite (LiteRT) flatbuffer.

    Converts the `serving_default` signature of an `export_generator` SavedModel with
    `tf.lite.TFLiteConverter` (float32, no quantization). Written beside `path`, then renamed.

    Args:
        model_or_generator: `keras.Model` or GAN model, as for `export_generator`.
        path: str or path-like. The `.tflite` file to write; its folder is created if missing.
        use_ema: bool or `None`, as for `export_generator`.

    Returns:
        `path`, a str.
    """
    with tempfile.TemporaryDirectory(prefix="keras_wgan_tflite_") as temp_dir:
        saved_model = export_generator(model_or_generator, temp_dir, use_ema=use_ema)
        converter = tf.lite.TFLiteConverter.from_saved_model(
            saved_model, signature_keys=[SERVING_SIGNATURE_KEY]
        )
        flatbuffer = converter.convert()
    return _write_atomically(path, flatbuffer)


def _write_atomically(path, content):
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temp_path = f"{path}.tmp-{os.getpid()}"
    try:
        with open(temp_path, "wb") as file:
            file.write(content)
        os.replace(temp_path, path)
    except BaseException:
        if os.path.exists(temp_path):
            os.remove(temp_path)
        raise
    return path
