"""Mode coverage of samples from a Gaussian mixture: the toys' scores (VEEGAN protocol)."""

import math
import numbers

import numpy as np

from keras_wgan.evaluation._arrays import check_pair
from keras_wgan.evaluation._arrays import kl_to_uniform
from keras_wgan.evaluation._arrays import reduce_rows


def mode_metrics(samples, modes, std):
    """Mode coverage of samples from a mixture of isotropic Gaussians (Srivastava et al. 2017).

    A sample is *high quality* within `3 * std` of its nearest mode; a mode is *captured* by at
    least one. `reverse_kl` is KL(histogram of high-quality samples per mode || uniform), `inf`
    when no sample is high quality (worse than any real score).

    Args:
        samples: array-like of shape `(num_samples, dim)`. Generated samples.
        modes: array-like of shape `(num_modes, dim)`. Means of the mixture components.
        std: float. Standard deviation of each (isotropic) component.

    Returns:
        A dict with `modes_captured`, `num_modes`, `high_quality_fraction`, `reverse_kl` and
        `mode_histogram` (list of `num_modes` ints).

    Example:

    >>> result = keras_wgan.evaluation.mode_metrics([[0, 0], [5, 5]], [[0, 0], [2, 0]], 0.05)
    >>> result["modes_captured"], result["mode_histogram"]
    (1, [1, 0])
    """
    samples, modes = check_pair("samples", samples, "modes", modes)
    if isinstance(std, bool) or not isinstance(std, numbers.Real) or not 0 < std < math.inf:
        raise ValueError(f"Expected `std` to be a positive finite number. Received: std={std!r}")
    nearest = reduce_rows(samples, modes, lambda block: np.argmin(block, axis=1))
    high_quality = np.linalg.norm(samples - modes[nearest], axis=1) <= 3.0 * std
    histogram = np.bincount(nearest[high_quality], minlength=len(modes))
    return {
        "modes_captured": int(np.count_nonzero(histogram)),
        "num_modes": len(modes),
        "high_quality_fraction": float(high_quality.mean()),
        "reverse_kl": kl_to_uniform(histogram) if high_quality.any() else math.inf,
        "mode_histogram": histogram.tolist(),
    }
