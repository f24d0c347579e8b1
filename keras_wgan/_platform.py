"""Facts about the TensorFlow runtime that decide training speed on CPU."""

import os
import warnings


def onednn_enabled():
    """Whether this TensorFlow process runs with oneDNN, or `None` if it cannot tell."""
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:  # the private module moved
        return None
    return bool(_pywrap_util_port.IsMklEnabled())


def warn_if_onednn_off():
    """Warns once if oneDNN is off without the user having asked for it."""
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0" or onednn_enabled() is not False:
        return
    warnings.warn(
        "TensorFlow runs without oneDNN, which made our GAN steps about 5x slower on CPU. Set "
        "TF_ENABLE_ONEDNN_OPTS=1 before TensorFlow is imported (import keras_wgan first, or set "
        "it in the shell), or TF_ENABLE_ONEDNN_OPTS=0 to silence this warning.",
        stacklevel=3,
    )
