"""Argument checks shared across the package (a keras-free leaf): "Received: name=value"."""

import math
import numbers

from keras_wgan import config


def check_positive_int(name, value):
    """`value`, checked to be a positive int (not a bool), `name` the argument's name."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive int. Received: {name}={value!r}")
    return value


def check_positive_float(name, value):
    """`value` as a float, checked to be a positive finite number (not a bool)."""
    if not _is_real(value) or not 0 < value < math.inf:
        raise ValueError(f"`{name}` must be a positive finite float. Received: {name}={value!r}")
    return float(value)


def check_nonnegative_float(name, value):
    """`value` as a float, checked to be a finite number >= 0 (not a bool)."""
    if not _is_real(value) or not 0 <= value < math.inf:
        raise ValueError(f"`{name}` must be a finite float >= 0. Received: {name}={value!r}")
    return float(value)


def _is_real(value):
    """Whether `value` is a real number (NumPy scalars included, no NumPy import), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


# The models' hyperparameters: one check each, for the models and the run's settings.


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
    """`ema_decay` as a float, checked to be in [0, 1), or `None` (no generator average)."""
    if value is None:
        return None
    if not _is_real(value) or not 0 <= value < 1:
        raise ValueError(
            f"`ema_decay` must be a float in [0, 1) or None. Received: ema_decay={value!r}"
        )
    return float(value)


def check_ema_warmup(value):
    """`ema_warmup`, checked to be the warm-up's W (an int >= 1), or `False` (no warm-up)."""
    if value is False:
        return False
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(
            "`ema_warmup` must be an int >= 1 (the warm-up's W) or False (no warm-up). "
            f"Received: ema_warmup={value!r}"
        )
    return int(value)


def check_augment_policy(name, policy):
    """The transformations of an augmentation policy such as `"color,translation,cutout"`
    (names from `config.AUGMENT_POLICY_NAMES`, each at most once), in the order applied; a
    `ValueError` naming `name` for an empty policy, an unknown or a repeated name."""
    names = [part.strip() for part in policy.split(",")] if isinstance(policy, str) else []
    known = config.AUGMENT_POLICY_NAMES
    if not names or any(part not in known for part in names) or len(set(names)) < len(names):
        raise ValueError(
            f"`{name}` must list, separated by commas, names from {sorted(known)}, each at most "
            f"once. Received: {name}={policy!r}"
        )
    return tuple(step for part in names for step in known[part])
