"""Critic-filtered sampling on a self-conditioned digits model, measured (by hand).

Draws `1000 / keep` samples of a trained model's averaged generator, scores each with the critic
at its own cluster, keeps the best-scored `keep` share within each cluster (so the clusters keep
their frequencies) and scores the 1,000 kept samples as a run's metrics.json does (classifier-FID,
precision / recall, density / coverage, classes). A probe of whether the critic can reject the
samples that lower precision; nothing in the library filters samples. Appends one JSON line per
(model, keep) to `benchmarks/results/critic_filter_probe.jsonl`.

Usage:
    keras-wgan train --seed 0 --output-dir runs/digits-0     # ... one run per seed
    python benchmarks/critic_filter_probe.py runs/digits-0/model.keras 0
"""

import json
import os
import sys

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_wgan  # noqa: E402,F401  (registers the model classes for load_model)
from keras_wgan.evaluation.generators import dataset_scorer  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
SCORES = ("fid", "precision", "recall", "density", "coverage", "classes_covered")


def main(path, seed):
    model = keras.models.load_model(path)
    frequencies = np.asarray(model.cluster_frequencies)
    latent_dim = model.generator.input_shape[0][-1]
    scorer = dataset_scorer("digits", None, 1000, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for keep in (1.0, 0.8, 0.6, 0.4):
        count = int(round(1000 / keep))
        latent = rng.standard_normal((count, latent_dim)).astype("float32")
        labels = rng.choice(len(frequencies), size=count, p=frequencies / frequencies.sum())
        labels = labels.astype("int32")
        images = keras.ops.convert_to_numpy(model.ema_generator([latent, labels], training=False))
        scores = keras.ops.convert_to_numpy(model.critic([images, labels], training=False))[:, 0]
        chosen = []
        for cluster in range(len(frequencies)):
            members = np.where(labels == cluster)[0]
            best = members[np.argsort(-scores[members])]
            chosen.extend(best[: int(round(len(members) * keep))])
        result = scorer.score(images[np.array(chosen)[:1000]])["scores"]
        line = {"model": path, "seed": seed, "keep": keep,
                **{name: round(result[name]["generated"], 3) for name in SCORES}}
        print(json.dumps(line), flush=True)
        with open(os.path.join(RESULTS, "critic_filter_probe.jsonl"), "a") as file:
            file.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
