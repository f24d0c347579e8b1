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


# The models' hyperparameters: one check each, shared by the models and the run's settings.


def check_critic_steps(value):
    """Checks `critic_steps` (critic updates per generator update): a positive int."""
    return check_positive_int("critic_steps", value)


def check_clip_value(value):
    """Checks WGAN's `clip_value`: a positive finite float, or `None` for no clipping."""
    return None if value is None else check_positive_float("clip_value", value)


def check_penalty_weight(value):
    """Checks WGAN-GP's `penalty_weight` (lambda): a finite float >= 0."""
    return check_nonnegative_float("penalty_weight", value)


def check_penalty_target(value):
    """Checks WGAN-GP's `penalty_target` (the gradient norm aimed at): a positive finite float."""
    return check_positive_float("penalty_target", value)


def check_ema_decay(value):
    """Checks `ema_decay`: a float in [0, 1), or `None` for no generator average.

    Raises:
        ValueError: "`ema_decay` must be a float in [0, 1) or None. Received: ema_decay=value".
    """
    if value is None:
        return None
    if not _is_real(value) or not 0 <= value < 1:
        raise ValueError(
            f"`ema_decay` must be a float in [0, 1) or None. Received: ema_decay={value!r}"
        )
    return float(value)


def check_ema_warmup(value):
    """Checks `ema_warmup`: the warm-up's W, an int >= 1, or `False` for no warm-up.

    Raises:
        ValueError: "`ema_warmup` must be an int >= 1 (the warm-up's W) or False (no warm-up).
            Received: ema_warmup=value".
    """
    if value is False:
        return False
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(
            "`ema_warmup` must be an int >= 1 (the warm-up's W) or False (no warm-up). "
            f"Received: ema_warmup={value!r}"
        )
    return int(value)
