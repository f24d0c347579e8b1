"""Argument checks shared across the package, with its error messages ("Received: name=value").

A leaf module: it imports nothing from keras_wgan, so any module may use it.
"""

import math
import numbers


def check_positive_int(name, value):
    """Checks that `value` is a positive int (a bool is not) and returns it.

    Returning the value lets a check sit inside an expression, e.g.
    `if check_positive_int("stages", stages) > limit: ...`.

    Args:
        name: str. The argument's name, as the error message shows it.
        value: the argument's value.

    Returns:
        `value`.

    Raises:
        ValueError: "`name` must be a positive int. Received: name=value".
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive int. Received: {name}={value!r}")
    return value


def check_positive_float(name, value):
    """Checks that `value` is a positive finite number (a bool or a string is not) and returns it
    as a float.

    Raises:
        ValueError: "`name` must be a positive finite float. Received: name=value".
    """
    if not _is_real(value) or not 0 < value < math.inf:
        raise ValueError(f"`{name}` must be a positive finite float. Received: {name}={value!r}")
    return float(value)


def check_nonnegative_float(name, value):
    """Checks that `value` is a finite number >= 0 (a bool or a string is not) and returns it as
    a float: for a weight where 0 switches a term off.

    Raises:
        ValueError: "`name` must be a finite float >= 0. Received: name=value".
    """
    if not _is_real(value) or not 0 <= value < math.inf:
        raise ValueError(f"`{name}` must be a finite float >= 0. Received: {name}={value!r}")
    return float(value)


def _is_real(value):
    """Whether `value` is a real number (NumPy scalars included), not a bool.

    NumPy's bool is no `numbers.Real`; its floats and ints are. No NumPy import here: the command
    line checks its arguments before loading anything heavy.
    """
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
