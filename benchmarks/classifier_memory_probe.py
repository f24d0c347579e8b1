"""Do the digits references score as real digits, or as digits the classifier learned? (by hand)

The digits scores (`keras_wgan.evaluation`) put a generator beside a **floor**: real training
digits against the held-out ones, in the features of a classifier trained on those same training
digits. A classifier knows its training images better than new ones, so the floor may score
better than any set of digits new to it, and generated digits are new to it. This probe splits
the training digits into two stratified halves A and B, trains a probe classifier on each half
(the library's architecture, optimizer and epochs: `keras_wgan.evaluation.build_classifier`),
and, in each probe classifier's features, scores against the held-out digits (as the library
does, one feature space at a time):
- `seen`: the half the classifier was trained on;
- `unseen`: the other half: real digits new to the classifier, as a perfect sampler's would be;
- each trained generator given on the command line (1,000 samples, as a run's metrics.json);
and the same with the shipped classifier (trained on all training digits: `seen` is then every
training digit, and there is no unseen half). Each set is cut to the same n (the smaller half),
so that recall and coverage compare. Appends one JSON line per (classifier, set) to
`benchmarks/results/classifier_memory_probe.jsonl` and writes a Markdown table of medians
beside it.

Usage:
    keras-wgan train --seed 0 --output-dir runs/digits-0     # ... one run per seed
    python benchmarks/classifier_memory_probe.py runs/digits-*/model.keras
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from digits_recipe import cpu_description  # noqa: E402  (benchmarks/, the script's directory)

import keras_wgan  # noqa: E402,F401  (registers the model classes for load_model)
from keras_wgan import evaluation  # noqa: E402
from keras_wgan.evaluation import classifier as classifier_lib  # noqa: E402
from keras_wgan.evaluation import metrics as metrics_lib  # noqa: E402
from keras_wgan.evaluation.references import DENSITY_COVERAGE_K  # noqa: E402
from keras_wgan.evaluation.references import PRECISION_RECALL_K  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
SCORES = ("fid", "precision", "recall", "density", "coverage", "low_confidence", "outside_p95")


def halves(labels, seed):
    """Two stratified halves of the indices of `labels` (each class split in two)."""
    rng = np.random.default_rng(seed)
    first, second = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        first.extend(members[: len(members) // 2])
        second.extend(members[len(members) // 2 :])
    return np.sort(first), np.sort(second)


def fit_probe_classifier(images, labels, seed):
    """The library's classifier, trained as `fit_classifier` trains it, on these images."""
    epochs = classifier_lib.CLASSIFIERS["digits"]["epochs"]
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(len(images)) for _ in range(epochs)])
    classifier = classifier_lib.build_classifier("digits", seed)
    classifier.compile(optimizer=keras.optimizers.Adam(1e-3),
                       loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    classifier.fit(images[order], labels[order], batch_size=32, epochs=1, shuffle=False,
                   verbose=0)
    return classifier


def scores(classifier, images, heldout, n, seed):
    """The scores of `n` of `images` against the held-out features `heldout`."""
    chosen = np.random.default_rng([seed, 1]).permutation(len(images))[:n]
    features, probabilities = classifier_lib.features_and_probabilities(classifier, images[chosen])
    result = {"fid": metrics_lib.frechet_distance(features, heldout)}
    result.update(metrics_lib.precision_recall(heldout, features, k=PRECISION_RECALL_K))
    result.update(metrics_lib.density_coverage(heldout, features, k=DENSITY_COVERAGE_K))
    # The share of images the classifier gives under 0.9 to its most likely class.
    result["low_confidence"] = float(np.mean(probabilities.max(axis=1) < 0.9))
    # How far outside the real balls the imprecise images lie: the 95th percentile over the
    # images of min over held-out digits of (distance / that digit's ball radius); precision
    # counts the images at or under 1.
    radii = metrics_lib._knn_radii(heldout, PRECISION_RECALL_K)
    ratios = metrics_lib._reduce_rows(
        features, heldout, lambda block: np.min(block / radii, axis=1)
    )
    result["outside_p95"] = float(np.quantile(ratios, 0.95))
    return {key: round(float(value), 4) for key, value in result.items()}


def probed(classifier, name, heldout_images, heldout_labels):
    """What every line of a classifier carries: its features of the held-out digits and how
    well it knows them."""
    heldout, probabilities = classifier_lib.features_and_probabilities(classifier, heldout_images)
    return {
        "classifier": classifier, "name": name, "heldout": heldout,
        "accuracy": float(np.mean(probabilities.argmax(axis=1) == heldout_labels)),
        "low_confidence": float(np.mean(probabilities.max(axis=1) < 0.9)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="model.keras files of digits runs")
    parser.add_argument("--split-seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--out-dir", default=RESULTS)
    args = parser.parse_args()
    train_images, train_labels = classifier_lib.load_split("digits", "train")
    heldout_images, heldout_labels = classifier_lib.load_split("digits", "test")
    generated = {}
    for index, path in enumerate(args.models):
        model = keras.models.load_model(path)
        generated[f"generated: {path}"] = evaluation.generate(model, 1000, seed=index)
    run_id = datetime.datetime.now().strftime("%Y%m%dT%H%M%S")
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, cwd=os.path.dirname(os.path.abspath(__file__))).stdout
    common = {"run_id": run_id, "git_head": head.strip(), **cpu_description()}
    lines = []

    def record(probe, sets, n, seed):
        for set_name, images in sets.items():
            line = {
                **common, "classifier": probe["name"],
                "heldout_accuracy": round(probe["accuracy"], 4),
                "heldout_low_confidence": round(probe["low_confidence"], 4),
                "set": set_name, "n": n,
                **scores(probe["classifier"], images, probe["heldout"], n, seed),
            }
            print(json.dumps(line), flush=True)
            lines.append(line)

    for split_seed in args.split_seeds:
        parts = halves(train_labels, split_seed)
        n = min(len(part) for part in parts)
        for name, (trained, other) in (("A", parts), ("B", parts[::-1])):
            classifier = fit_probe_classifier(
                train_images[trained], train_labels[trained], seed=split_seed
            )
            probe = probed(classifier, f"half {name} of split {split_seed}", heldout_images,
                           heldout_labels)
            sets = {"seen": train_images[trained], "unseen": train_images[other], **generated}
            record(probe, sets, n, split_seed)
    probe = probed(classifier_lib.train_classifier("digits"), "shipped", heldout_images,
                   heldout_labels)
    record(probe, {"seen": train_images, **generated}, len(train_images) // 2, 0)

    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "classifier_memory_probe.jsonl"), "a") as file:
        file.writelines(json.dumps(line) + "\n" for line in lines)
    write_table(lines, os.path.join(args.out_dir, "classifier_memory_probe.md"))


def write_table(lines, path):
    """Medians per (probe classifiers or shipped, set kind) over classifiers and generators."""
    rows = {}
    for line in lines:
        kind = "generated" if line["set"].startswith("generated") else line["set"]
        group = "shipped" if line["classifier"] == "shipped" else "probe"
        rows.setdefault((group, kind), []).append(line)
    out = [
        "# The digits references: real digits the classifier learned, or new ones",
        "",
        f"`benchmarks/classifier_memory_probe.py`, run {lines[0]['run_id']} at "
        f"{lines[0]['git_head']}, {lines[0]['cpu_model']} ({', '.join(lines[0]['cpu_flags'])}), "
        f"{lines[0]['cores']} cores. Against the held-out digits, in each "
        "classifier's features; medians over the probe classifiers (each trained on one half of "
        "the training digits) and, for `generated`, over the generators too.",
        "",
        "| classifier | set | rows | held-out accuracy | classifier-FID | precision | recall "
        "| density | coverage | share under 0.9 confidence (held-out digits') "
        "| distance to the nearest real ball, 95th percentile |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (group, kind), members in rows.items():
        cells = [statistics.median(m[key] for m in members) for key in SCORES]
        accuracy = statistics.median(m["heldout_accuracy"] for m in members)
        heldout_low = statistics.median(m["heldout_low_confidence"] for m in members)
        out.append(
            f"| {group} | {kind} | {len(members)} | {accuracy:.3f} | {cells[0]:.2f} | "
            + " | ".join(f"{value:.3f}" for value in cells[1:5])
            + f" | {cells[5]:.3f} ({heldout_low:.3f}) | {cells[6]:.2f} |"
        )
    with open(path, "w") as file:
        file.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
