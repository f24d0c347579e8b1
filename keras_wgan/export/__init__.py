"""Export a trained generator: a SavedModel for TF Serving, ONNX and TFLite files.

The SavedModel runs without Keras or `keras_wgan`; see `keras_wgan.export.signatures`.

Example:

```python
path = keras_wgan.export.export_generator(gan, "saved_models/wgan_gp_digits")
loaded = tf.saved_model.load(path)
out = loaded.signatures["sample"](num_samples=tf.constant(16), seed=tf.constant(7, tf.int64))
out["images"]  # uint8 [16, H, W, C]
```
"""

from keras_wgan.export.errors import ExportError
from keras_wgan.export.formats import export_onnx
from keras_wgan.export.formats import export_tflite
from keras_wgan.export.formats import require_onnx
from keras_wgan.export.savedmodel import export_generator
from keras_wgan.export.savedmodel import remove_partial_exports
from keras_wgan.export.signatures import SAMPLE_SIGNATURE_KEY
from keras_wgan.export.signatures import SAMPLE_TRUNCATED_SIGNATURE_KEY
from keras_wgan.export.signatures import SERVING_SIGNATURE_KEY
from keras_wgan.export.signatures import sample_latent
from keras_wgan.export.signatures import serving_function
from keras_wgan.export.signatures import to_uint8

__all__ = [
    "ExportError",
    "SAMPLE_SIGNATURE_KEY",
    "SAMPLE_TRUNCATED_SIGNATURE_KEY",
    "SERVING_SIGNATURE_KEY",
    "export_generator",
    "export_onnx",
    "export_tflite",
    "remove_partial_exports",
    "require_onnx",
    "sample_latent",
    "serving_function",
    "to_uint8",
]
