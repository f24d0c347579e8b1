"""`dtype_policy(name)`: build networks under a Keras dtype policy, then restore the global one.

Training builds its networks under the run's precision (`TrainConfig.precision`); the evaluation
builds the networks that measure generators (the digits classifier, Inception-v3) in float32
whatever the global policy, so that a `mixed_bfloat16` run does not train and cache them in
bfloat16.
"""

import contextlib

import keras


@contextlib.contextmanager
def dtype_policy(name):
    """Sets the global Keras dtype policy to `name` inside the `with` block, then restores it."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
