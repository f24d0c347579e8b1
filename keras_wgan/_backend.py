"""The Keras backend keras_wgan runs on: TensorFlow only (tapes, `tf.data`, `tf.distribute`)."""

import json
import os
import sys

__all__ = ["backend_error", "configured_backend"]


def configured_backend():
    """The backend Keras runs on, or will run on once imported: the loaded Keras's, else
    `KERAS_BACKEND`, else the `backend` of `$KERAS_HOME/keras.json`, else `"tensorflow"`."""
    if "keras" in sys.modules and hasattr(sys.modules["keras"], "backend"):
        return sys.modules["keras"].backend.backend()
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    try:
        with open(os.path.join(home, "keras.json")) as file:
            return json.load(file).get("backend") or "tensorflow"
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def backend_error():
    """The message refusing another backend than TensorFlow, or `None` on TensorFlow."""
    backend = configured_backend()
    if backend == "tensorflow":
        return None
    return (
        f"keras_wgan needs Keras's TensorFlow backend (its training step uses tf.GradientTape, "
        f"tf.data and tf.distribute). Received: backend={backend!r}. Set "
        "KERAS_BACKEND=tensorflow (and `\"backend\": \"tensorflow\"` in keras.json)."
    )
