"""Export a generator for runtimes other than TensorFlow: ONNX and TFLite.

Both files hold the deterministic `serving_default` function of the SavedModel that
`keras_wgan.export.export_generator` writes, with its names:

    Inputs:  `latent`: float32 `[N, D]`.
             `labels`: int32 `[N]` (conditional generators only).
    Outputs: `images`: float32 `[N, H, W, C]` in `[-1, 1]` (`samples`: float32 `[N, features]`
             for a generator of vectors).

The batch `N` is dynamic. The seeded `sample` signatures are not converted: draw the latent in the
client (e.g. `keras_wgan.export.sample_latent`, or any standard normal draw). The SavedModel's
checks of the inputs (labels in range, one label per latent row) are not in these files: the
runtimes check dtypes and ranks, not values.

`export_onnx` converts with tf2onnx (`pip install "keras-wgan[onnx]"`), which is also what
Keras's `model.export(format="onnx")` calls under TensorFlow; calling tf2onnx on the serving
function gives the SavedModel's input and output names and label dtype, where Keras's export
gives the generator's own (e.g. float32 labels `[N, 1]`, output `Identity:0`). `export_tflite`
converts the SavedModel with `tf.lite.TFLiteConverter`, part of TensorFlow; run the file with
the LiteRT interpreter (`ai_edge_litert.interpreter.Interpreter`, `pip install
"keras-wgan[tflite]"`) or the deprecated `tf.lite.Interpreter`.

Example:

```python
keras_wgan.export_formats.export_onnx(gan, "generator.onnx")
session = onnxruntime.InferenceSession("generator.onnx")
images = session.run(["images"], {"latent": latent})[0]

keras_wgan.export_formats.export_tflite(gan, "generator.tflite")
runner = Interpreter("generator.tflite").get_signature_runner("serving_default")
images = runner(latent=latent)["images"]
```
"""

import os
import tempfile

import tensorflow as tf

from keras_wgan import export

ONNX_EXTRA = 'pip install "keras-wgan[onnx]"'


def export_onnx(model_or_generator, path, use_ema=None, opset=None):
    """Writes the generator's serving function as an ONNX model.

    Converts `keras_wgan.export.serving_function` with `tf2onnx.convert.from_function`, so the
    ONNX model has the inputs `latent` (and `labels`) and the output `images` (or `samples`)
    of the SavedModel's `serving_default` (see the module docstring). The file is written to a
    temporary name beside `path` and renamed when complete; an existing file is replaced.

    Args:
        model_or_generator: `keras.Model` or GAN model, as for `export_generator`.
        path: str or path-like. The `.onnx` file to write; its folder is created if missing.
        use_ema: bool or `None`, as for `export_generator`.
        opset: Optional int. The ONNX opset; defaults to tf2onnx's (15 for tf2onnx 1.17).

    Returns:
        `path`, a str.

    Raises:
        ImportError: tf2onnx or onnx is not installed; the message names the extra.

    Example:

    ```python
    keras_wgan.export_formats.export_onnx(gan, "generator.onnx")
    ```
    """
    tf2onnx = require_onnx()
    serve = export.serving_function(model_or_generator, use_ema)
    model_proto, _ = tf2onnx.convert.from_function(
        serve, input_signature=serve.input_signature, opset=opset
    )
    return _write_atomically(path, model_proto.SerializeToString())


def require_onnx():
    """Returns the `tf2onnx` module; an `ImportError` naming the extra when it is missing.

    Raises:
        ImportError: tf2onnx or onnx is not installed. The message says
            `pip install "keras-wgan[onnx]"`.
    """
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

    Exports the SavedModel with `keras_wgan.export.export_generator` into a temporary folder and
    converts its `serving_default` signature with `tf.lite.TFLiteConverter.from_saved_model`,
    with the default options (float32, no quantization). The `.tflite` file keeps the signature:
    `get_signature_runner("serving_default")` takes `latent` (and `labels`) and returns `images`
    (or `samples`). The file is written to a temporary name beside `path` and renamed when
    complete; an existing file is replaced.

    Args:
        model_or_generator: `keras.Model` or GAN model, as for `export_generator`.
        path: str or path-like. The `.tflite` file to write; its folder is created if missing.
        use_ema: bool or `None`, as for `export_generator`.

    Returns:
        `path`, a str.

    Example:

    ```python
    keras_wgan.export_formats.export_tflite(gan, "generator.tflite")
    ```
    """
    with tempfile.TemporaryDirectory(prefix="keras_wgan_tflite_") as temp_dir:
        saved_model = export.export_generator(model_or_generator, temp_dir, use_ema=use_ema)
        converter = tf.lite.TFLiteConverter.from_saved_model(
            saved_model, signature_keys=[export.SERVING_SIGNATURE_KEY]
        )
        flatbuffer = converter.convert()
    return _write_atomically(path, flatbuffer)


def _write_atomically(path, content):
    """Writes `content` to `path` through a temporary file beside it, renamed when complete."""
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
