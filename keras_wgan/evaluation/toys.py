"""Scores of 2-D toy samples: the mode metrics (VEEGAN protocol) and the exact W1, beside a floor.

`score_toy` compares generated points of `"ring8"`, `"grid25"` or `"swissroll"` with fresh real
samples, and puts each score beside a floor of real samples against real samples at the same n.
"""

import numpy as np

from keras_wgan import data as data_lib
from keras_wgan.evaluation import metrics as metrics_lib


def score_toy(samples, dataset, seed=0):
    """Mode metrics and exact W1 of 2-D samples, beside a real-vs-real floor at the same n.

    Two fresh, independent real sets of `len(samples)` points are drawn (seeds `seed + 1000`,
    `seed + 1001`): `W1(generated, real_a)` is compared with `W1(real_b, real_a)` (both with
    `wasserstein1`'s subsampling to at most 1000 points), and for `ring8`/`grid25` the mode
    metrics of the samples with those of `real_b` (a perfect sampler: 98.9% high quality).

    Args:
        samples: array `[n, 2]`. Generated points.
        dataset: str. `"ring8"`, `"grid25"` or `"swissroll"`.
        seed: int. Seed of the real sets.

    Returns:
        A dict: `num_samples`, `scores`: `{name: {"generated", "floor"}}` for `w1` and, for the
        mixtures, `modes_captured`, `num_modes`, `high_quality_fraction` and `reverse_kl`, and
        `mode_histogram` (generated).
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
            "generated": metrics_lib.wasserstein1(samples, real_a, seed=seed),
            "floor": metrics_lib.wasserstein1(real_b, real_a, seed=seed),
            "higher_is_better": False,
        }
    }
    result = {"num_samples": int(len(samples)), "scores": scores}
    if dataset in ("ring8", "grid25"):
        means, std = data_lib.toy_modes(dataset)
        fake = metrics_lib.mode_metrics(samples, means, std)
        real = metrics_lib.mode_metrics(real_b, means, std)
        for name, higher in (("modes_captured", True), ("num_modes", True),
                             ("high_quality_fraction", True), ("reverse_kl", False)):
            scores[name] = {
                "generated": float(fake[name]), "floor": float(real[name]),
                "higher_is_better": higher,
            }
        result["mode_histogram"] = fake["mode_histogram"]
    return result
