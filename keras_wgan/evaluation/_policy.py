"""`float32_policy()`: build the evaluation's networks in float32, whatever the global policy.

The digits classifier and Inception-v3 measure the generators; a run under `mixed_bfloat16` must
not build (and so train and cache) them in bfloat16. Shared by `classifier` and `extractors`.
"""

import contextlib

import keras


@contextlib.contextmanager
def float32_policy():
    """Sets the global Keras dtype policy to float32 inside the `with` block, then restores it."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
