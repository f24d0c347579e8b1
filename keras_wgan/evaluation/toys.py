"""Scores of 2-D toy samples, each beside a floor of real samples against real samples."""

import numpy as np

from keras_wgan import data as data_lib
from keras_wgan.evaluation.distances import wasserstein1
from keras_wgan.evaluation.modes import mode_metrics


def score_toy(samples, dataset, seed=0):
    """Exact W1 and, for mixtures, mode metrics of 2-D samples, beside a real-vs-real floor.

    `W1(generated, real_a)` sits beside `W1(real_b, real_a)`, both real sets fresh and of n points.

    Args:
        samples: array `[n, 2]`. Generated points.
        dataset: str. `"ring8"`, `"grid25"` or `"swissroll"`.
        seed: int. Seed of the real sets.

    Returns:
        A dict: `num_samples`, `scores` (`{name: {"generated", "floor", "higher_is_better"}}`)
        and, for the mixtures, `mode_histogram`.

    Raises:
        ValueError: for an unknown `dataset` or samples not of shape `[n, 2]`.
    """
    if dataset not in data_lib.TOY_DATASETS:
        raise ValueError(
            f"`dataset` must be one of {sorted(data_lib.TOY_DATASETS)}. Received: "
            f"dataset={dataset!r}"
        )
    samples = np.asarray(samples, dtype="float64")
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(
            f"Expected samples of shape [n, 2]. Received: samples.shape={samples.shape}"
        )
    sampler = data_lib.TOY_DATASETS[dataset]
    real_a = sampler(len(samples), seed=seed + 1000)
    real_b = sampler(len(samples), seed=seed + 1001)
    scores = {
        "w1": {
            "generated": wasserstein1(samples, real_a, seed=seed),
            "floor": wasserstein1(real_b, real_a, seed=seed),
            "higher_is_better": False,
        }
    }
    result = {"num_samples": int(len(samples)), "scores": scores}
    if dataset in ("ring8", "grid25"):
        means, std = data_lib.toy_modes(dataset)
        fake = mode_metrics(samples, means, std)
        real = mode_metrics(real_b, means, std)
        for name, higher in (("modes_captured", True), ("num_modes", True),
                             ("high_quality_fraction", True), ("reverse_kl", False)):
            scores[name] = {
                "generated": float(fake[name]), "floor": float(real[name]),
                "higher_is_better": higher,
            }
        result["mode_histogram"] = fake["mode_histogram"]
    return result
