"""Array checks and blockwise pairwise reductions shared by the score modules (NumPy only)."""

import numbers

import numpy as np
from scipy import special

# Entries of a distance or kernel matrix held at once: 2**22 float64 values = 32 MiB.
CHUNK_ELEMENTS = 2**22


def check_features(name, features, min_samples=1):
    """Returns `features` as a finite float64 array of shape (num_samples, num_features)."""
    array = np.asarray(features)
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(
            f"Expected `{name}` to be a 2-D array of shape (num_samples, num_features). "
            f"Received: {name}.shape={array.shape}"
        )
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(
            f"Expected `{name}` to hold real numbers. Received: {name}.dtype={array.dtype}"
        )
    if len(array) < min_samples:
        raise ValueError(
            f"Expected `{name}` to have at least {min_samples} samples. "
            f"Received: {name}.shape={array.shape}"
        )
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"Expected `{name}` to hold finite values. Received: {name} with "
            f"{np.count_nonzero(~np.isfinite(array))} NaN or infinite entries"
        )
    return array


def check_pair(name_a, a, name_b, b, min_samples=1):
    """`check_features` of both arrays, which must have the same number of features."""
    a = check_features(name_a, a, min_samples)
    b = check_features(name_b, b, min_samples)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"Expected `{name_a}` and `{name_b}` to have the same number of features. "
            f"Received: {name_a}.shape={a.shape}, {name_b}.shape={b.shape}"
        )
    return a, b


def check_int(name, value, minimum=1):
    """Returns `value` as an int if it is an integer (not a bool) >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(
            f"Expected `{name}` to be an integer >= {minimum}. Received: {name}={value!r}"
        )
    return int(value)


def pairwise_distances(a, b):
    """Euclidean distances between the rows of `a` and `b`, shape (len(a), len(b))."""
    # ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b, in place in one (len(a), len(b)) buffer.
    squared = np.add.outer(np.einsum("ij,ij->i", a, a), np.einsum("ij,ij->i", b, b))
    squared -= (2.0 * a) @ b.T
    np.maximum(squared, 0.0, out=squared)  # round-off can make near-zero entries negative
    return np.sqrt(squared, out=squared)


def reduce_rows(a, b, reduce, pairwise=pairwise_distances):
    """`reduce(pairwise(block of a, b))` -> one value per row, over blocks of `CHUNK_ELEMENTS`."""
    rows = max(1, CHUNK_ELEMENTS // len(b))
    return np.concatenate([reduce(pairwise(a[i : i + rows], b)) for i in range(0, len(a), rows)])


def kl_to_uniform(counts):
    """KL(counts / sum(counts) || uniform), with 0 * log(0) = 0."""
    probabilities = counts / counts.sum()
    return float(special.rel_entr(probabilities, 1.0 / len(counts)).sum())


def subsample(array, size, generator):
    """`size` rows of `array` drawn without replacement (all rows, in order, if it has `size`)."""
    if len(array) == size:
        return array
    return array[generator.choice(len(array), size, replace=False)]
