"""Sampling-time truncation, measured: what it buys in precision and costs in recall (by hand).

Scores trained generators (the `model.keras` files that `keras-wgan train` writes) at several
truncation bounds (BigGAN's truncation trick: latents drawn from a normal truncated at
`[-t, t]`, `keras_wgan.evaluation.generate(..., truncation=t)`), with the scores of a run's
metrics.json (`keras_wgan.evaluation.score_generator`, the same seed for every bound):
- digits and mnist5k: classifier-FID, precision / recall, density / coverage, classes covered,
  and, for conditional generators, the conditional accuracy;
- ring8 and grid25: modes captured, high-quality fraction, reverse KL (VEEGAN's protocol), W1.

Appends one JSON line per (model, bound) to `benchmarks/results/truncation.jsonl`, each naming
its `--variant` (the models scored: by default the dataset's name, e.g. `digits_clusters30` for
30-cluster runs), and writes the variant's section of `truncation.md`: medians over the models
of this invocation.

Usage:
    keras-wgan train --seed 0 --output-dir runs/digits-0   # ... one run per seed
    python benchmarks/truncation.py --dataset digits --models runs/digits-*/model.keras \
        --variant digits_ema998
    python benchmarks/truncation.py --dataset grid25 --models runs/grid25-*/model.keras \
        --truncations none 2 1.5 1 0.5
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
import records  # noqa: E402  (benchmarks/, the script's directory)
import tensorflow as tf  # noqa: E402

import keras_wgan  # noqa: E402,F401  (registers the model classes for load_model)
from keras_wgan import evaluation  # noqa: E402

# (key in the score dict, column label, higher is better); the image keys sit under "scores".
IMAGE_COLUMNS = (
    ("fid", "classifier-FID", False),
    ("kid", "KID (x 1000)", False),
    ("classifier_score", "classifier score", True),
    ("class_kl", "class KL", False),
    ("precision", "precision", True),
    ("recall", "recall", True),
    ("density", "density", True),
    ("coverage", "coverage", True),
    ("classes_covered", "classes", True),
    ("conditional_accuracy", "cond. accuracy", True),
)
TOY_COLUMNS = (
    ("modes_captured", "modes", True),
    ("high_quality_fraction", "high quality", True),
    ("reverse_kl", "reverse KL", False),
    ("w1", "W1", False),
)


def cpu_description():
    with open("/proc/cpuinfo") as file:
        lines = file.read().splitlines()
    name = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
                "unknown")
    flags = next((line.split(":", 1)[1].split() for line in lines if line.startswith("flags")), [])
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
    return f"{name} ({', '.join(flag for flag in wanted if flag in flags)})"


def flatten(dataset, result):
    """The table's numbers from `score_generator`'s result."""
    if dataset in evaluation.CLASSIFIERS:
        row = {key: result["scores"][key]["generated"] for key, _, _ in IMAGE_COLUMNS
               if key in result["scores"]}
        if "conditional_accuracy" in result:
            row["conditional_accuracy"] = result["conditional_accuracy"]
        return row
    return {key: result["scores"][key]["generated"] for key, _, _ in TOY_COLUMNS
            if key in result["scores"]}


def references(dataset, result):
    """The floor (real) and degraded references' numbers, for image datasets; else `None`."""
    if dataset not in evaluation.CLASSIFIERS:
        return None
    return {which: {key: result["scores"][key][which] for key, _, _ in IMAGE_COLUMNS
                    if which in result["scores"].get(key, {})}
            for which in ("floor", "degraded")}


def parse_bound(text):
    return None if text == "none" else float(text)


def cell(key, value):
    """One score as the table prints it."""
    if key in ("modes_captured", "classes_covered"):
        return f"{value:.0f}"
    if key == "high_quality_fraction":
        return f"{value:.1%}"
    if key in ("conditional_accuracy", "class_kl", "reverse_kl", "w1"):
        return f"{value:.3f}"
    return f"{value:.1f}" if key in ("fid", "kid") else f"{value:.2f}"


def table(dataset, records):
    columns = IMAGE_COLUMNS if dataset in evaluation.CLASSIFIERS else TOY_COLUMNS
    columns = [c for c in columns if any(c[0] in r["scores"] for r in records)]
    bounds = list(dict.fromkeys(r["truncation"] for r in records))
    lines = [
        "| truncation | models | " + " | ".join(label for _, label, _ in columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for bound in bounds:
        rows = [r["scores"] for r in records if r["truncation"] == bound]
        cells = [cell(key, statistics.median(row[key] for row in rows if key in row))
                 for key, _, _ in columns]
        label = "none" if bound is None else f"{bound:g}"
        lines.append(f"| {label} | {len(rows)} | " + " | ".join(cells) + " |")
    reference = next((r["references"] for r in records if r.get("references")), None)
    for which, label in (("floor", "floor (real)"), ("degraded", "degraded (3 classes missing)")):
        if reference is None:
            break
        cells = [cell(key, reference[which][key]) if key in reference[which] else "-"
                 for key, _, _ in columns]
        lines.append(f"| {label} | - | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True,
                        choices=sorted(evaluation.CLASSIFIERS) + ["ring8", "grid25"])
    parser.add_argument("--models", nargs="+", required=True, help="model.keras files")
    parser.add_argument("--truncations", nargs="+", type=parse_bound,
                        default=[None, 2.0, 1.5, 1.0, 0.75, 0.5], metavar="BOUND|none")
    parser.add_argument("--seed", type=int, default=2, help="seed of the latents and references")
    parser.add_argument("--use-ema", choices=["auto", "yes", "no"], default="auto")
    parser.add_argument("--variant", default=None,
                        help="the models scored, a field of each line and a section of the "
                             "table (default: the dataset's name)")
    parser.add_argument("--results", default=records.RESULTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    variant = args.variant or args.dataset
    use_ema = {"auto": None, "yes": True, "no": False}[args.use_ema]
    git_head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
    if not git_head and os.path.exists("SNAPSHOT_OF"):  # a snapshot of the code (`git archive`)
        with open("SNAPSHOT_OF") as file:
            git_head = f"snapshot of {file.read().strip()}"
    scorer = None
    rows = []
    for path in args.models:
        model = keras.models.load_model(path)
        for bound in args.truncations:
            if args.dataset in evaluation.CLASSIFIERS:
                if scorer is None:
                    scorer = evaluation.dataset_scorer(args.dataset, None,
                                                       evaluation.IMAGE_SAMPLES, seed=args.seed)
                result = evaluation.score_generator(model, args.dataset, seed=args.seed,
                                                    scorer=scorer, use_ema=use_ema,
                                                    truncation=bound)
            else:
                result = evaluation.score_generator(model, args.dataset, seed=args.seed,
                                                    use_ema=use_ema, truncation=bound)
            record = {
                "variant": variant,
                "date": datetime.date.today().isoformat(), "dataset": args.dataset,
                "model": path, "truncation": bound, "use_ema": args.use_ema,
                "scores": flatten(args.dataset, result),
                "references": references(args.dataset, result), "cpu": cpu_description(),
                "tensorflow": tf.__version__, "keras": keras.__version__, "git_head": git_head,
            }
            rows.append(record)
            print(json.dumps(record), flush=True)
            records.append("truncation", record, results=args.results)
    records.write_section("truncation", variant, table(args.dataset, rows),
                          "Sampling-time truncation, measured", results=args.results)


if __name__ == "__main__":
    main()
