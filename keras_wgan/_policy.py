"""`dtype_policy(name)`: build networks under a Keras dtype policy, then restore the global one."""

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
