"""The spread of `tests/test_quality.py`'s own runs over seeds and CPU numerics (run by hand).

A fixed seed fixes a training run for one CPU's rounding only. This runs the quality test's
`train_toy` for several seeds with oneDNN on and off (`TF_ENABLE_ONEDNN_OPTS=1` and `0`, each in
its own process, since TensorFlow reads the variable once): two sets of numerics, as two CPUs
would give. The test's thresholds must sit well below the worst run. Appends one JSON line per run
to --out and rewrites the Markdown table beside it from all the lines there.

Usage:
    python benchmarks/quality_test_spread.py --dataset ring8 --seeds 0 1 2 3 4
    python benchmarks/quality_test_spread.py --dataset grid25 --seeds 0 1 2 3 4 --onednn 1
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def cpu_name():
    flags, name = [], "unknown CPU"
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and name == "unknown CPU":
                name = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line.split(":", 1)[1].split()
    except OSError:
        pass
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
    return f"{name} ({', '.join(flag for flag in wanted if flag in flags)})"


def worker(dataset, seeds):
    """Runs in a child process whose environment already holds TF_ENABLE_ONEDNN_OPTS."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, str(ROOT))
    import tensorflow as tf

    from keras_wgan import config as paper
    from keras_wgan import run_config
    from keras_wgan._platform import onednn_enabled
    from tests.test_quality import RECIPES
    from tests.test_quality import train_toy

    steps, hidden_units = RECIPES[dataset]
    # The penalty weight the test's config resolves to (the recipe's, else the paper's).
    penalty_weight = run_config.TrainConfig(dataset=dataset).penalty_weight
    penalty_weight = paper.PENALTY_WEIGHT if penalty_weight is None else penalty_weight
    clusters = run_config.TrainConfig(dataset=dataset).clusters
    for seed in seeds:
        start = time.perf_counter()
        result = train_toy(dataset, seed)
        result.pop("mode_histogram", None)
        print(json.dumps({
            "variant": dataset, "dataset": dataset, "seed": seed, "generator_steps": steps,
            "hidden_units": list(hidden_units), "penalty_weight": penalty_weight,
            "clusters": clusters, **result,
            "seconds": round(time.perf_counter() - start, 1),
            "TF_ENABLE_ONEDNN_OPTS": os.environ["TF_ENABLE_ONEDNN_OPTS"],
            "onednn_enabled": onednn_enabled(), "tensorflow": tf.__version__,
            "cpu": cpu_name(), "cores": os.cpu_count(),
        }), flush=True)


def table(lines):
    """Markdown: one row per (dataset, penalty weight, clusters, CPU, oneDNN), with the per-seed
    values and their range. Lines written before the weight or the clusters were recorded had
    the paper's 10 and none."""
    groups = {}
    for row in lines:
        key = (row["dataset"], row.get("penalty_weight", 10.0), row.get("clusters", 0),
               row["cpu"], row["TF_ENABLE_ONEDNN_OPTS"])
        groups.setdefault(key, []).append(row)
    out = [
        "| dataset | penalty weight | clusters | CPU | oneDNN | seeds | modes per seed | "
        "worst modes | high quality per seed | worst high quality | seconds per run |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (dataset, penalty_weight, clusters, cpu, onednn), rows in sorted(groups.items()):
        rows.sort(key=lambda row: row["seed"])
        modes = [row["modes_captured"] for row in rows]
        quality = [row["high_quality_fraction"] for row in rows]
        seconds = [row["seconds"] for row in rows]
        num_modes = rows[0]["num_modes"]
        out.append(
            f"| {dataset} | {penalty_weight:g} | {clusters or '-'} | {cpu} | "
            f"{'on' if onednn == '1' else 'off'} | "
            f"{', '.join(str(row['seed']) for row in rows)} | "
            f"{', '.join(f'{m}/{num_modes}' for m in modes)} | {min(modes)} | "
            f"{', '.join(f'{q:.1%}' for q in quality)} | {min(quality):.1%} | "
            f"{min(seconds):.0f}-{max(seconds):.0f} |"
        )
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["ring8", "grid25"], default="ring8")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--onednn", choices=["0", "1"], nargs="+", default=["1", "0"])
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/quality_test_spread.jsonl"))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.dataset, args.seeds)
        return

    for onednn in args.onednn:
        command = [sys.executable, __file__, "--worker", "--dataset", args.dataset,
                   "--seeds", *map(str, args.seeds)]
        env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=onednn)
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
            for line in process.stdout:
                if line.startswith("{"):
                    print(line, end="", flush=True)
                    with open(args.out, "a") as file:
                        file.write(line)
        if process.returncode:
            sys.exit(f"the worker with TF_ENABLE_ONEDNN_OPTS={onednn} failed")

    lines = [json.loads(line) for line in open(args.out) if line.strip()]
    markdown = pathlib.Path(args.out).with_suffix(".md")
    machines = sorted(
        {f"{row['cpu']}: {row['cores']} cores, TF {row['tensorflow']}" for row in lines}
    )
    markdown.write_text(
        "# The quality test's spread over seeds and CPU numerics\n\n"
        "`python benchmarks/quality_test_spread.py` runs `tests/test_quality.py`'s `train_toy` "
        "per seed with oneDNN on and off. Modes captured and the high-quality fraction (VEEGAN "
        "protocol, 2,500 samples). Raw lines: `quality_test_spread.jsonl`.\n\n"
        f"Machines: {'; '.join(machines)}.\n\n{table(lines)}\n"
    )
    print(table(lines))


if __name__ == "__main__":
    main()
