"""A run's whole command, timed against a variant in alternated rounds (by hand).

Runs `keras-wgan train --seed 0` (the default run; `--main "--dataset mnist5k"` for another
recipe's) and a variant (by default an earlier digits recipe: `--generator-lr 2e-4 --critic-lr
2e-4 --epochs 20`; `--no-variant`: none), one after the other, for `--rounds` rounds, each in its
own process and output directory, and appends one JSON line per run to
`benchmarks/results/run_timing.jsonl`: wall and CPU seconds of the command, the seconds it
prints ("Trained N generator steps in S s": data, training with its scorings and drawings,
export, final scores), Python warnings, Keras epoch lines and whole-run progress lines in its
output, the run's scores (`metrics.json`), the CPU and the load; each line names its `variant`
(`default` or `variant`), and the table `run_timing.md` is rewritten from all the lines. Compare
the variants as ratios of the same rounds; run it on a quiet machine.

With `--variant-tree DIR` the variant runs the library found in DIR (`PYTHONPATH=DIR`: a
checkout, or `git archive REV keras_wgan | tar -x -C DIR`) instead of this one, and its
arguments default to none: the default run of another revision, side by side. With
`--variant-env KEY=VALUE ...` the variant runs with these environment variables set (and its
arguments default to none): other numerics for the same command, e.g. oneDNN and XLA capped to
AVX2 (`ONEDNN_MAX_CPU_ISA=AVX2 XLA_FLAGS=--xla_cpu_max_isa=AVX2`: the kernels of an AVX2-only
CPU at this CPU's clock and caches) or TensorFlow's own kernels (`TF_ENABLE_ONEDNN_OPTS=0`).
`--seeds` runs both commands for each seed in each round (`--seed S`; 0 by default).

Usage:
    python benchmarks/run_timing.py --rounds 2
    python benchmarks/run_timing.py --variant --epochs 30 --rounds 1
    python benchmarks/run_timing.py --variant-tree /tmp/old --rounds 3
    python benchmarks/run_timing.py --rounds 1 --seeds 0 1 2 3 4 \
        --variant-env ONEDNN_MAX_CPU_ISA=AVX2 XLA_FLAGS=--xla_cpu_max_isa=AVX2
    python benchmarks/run_timing.py --main "--dataset mnist5k" --no-variant --seeds 0 1 2 3 4
    python benchmarks/run_timing.py --table      # only rewrite the table
"""

import argparse
import datetime
import json
import os
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time

import digits_recipe
import records

COLUMNS = [("date", "date"), ("variant", "variant"), ("round", "round"), ("command", "command"),
           ("code", "git"), ("wall s", "wall_s"), ("CPU s", "cpu_s"), ("train s", "train_s"),
           ("classifier-FID", "fid"), ("precision", "precision"), ("recall", "recall"),
           ("density", "density"), ("coverage", "coverage"), ("CPU", "cpu")]
BEFORE = ["--generator-lr", "2e-4", "--critic-lr", "2e-4", "--epochs", "20"]


def cpu_description():
    cpu = digits_recipe.cpu_description()  # the benchmark beside this one
    return f"{cpu['cpu_model']} ({', '.join(cpu['cpu_flags'])}), {cpu['cores']} cores"


def run(arguments, workdir, tree=None, extra_env=None, seed=0, read_scores=True):
    command = [sys.executable, "-m", "keras_wgan", "train", "--seed", str(seed), *arguments,
               "--output-dir", os.path.join(workdir, "run"),
               "--saved-models-dir", os.path.join(workdir, "export")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    env = {**os.environ, **(extra_env or {})}
    if tree is not None:
        env["PYTHONPATH"] = os.path.abspath(tree)
    # Run in `workdir`: `python -m` puts the working directory first on the path, and a checkout
    # there would shadow the tree asked for.
    process = subprocess.run(command, capture_output=True, text=True, env=env, cwd=workdir)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = process.stdout + process.stderr
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{output[-3000:]}")
    trained = re.search(r"Trained \d+ generator steps in ([\d.]+) s", output)
    scores = {}
    if read_scores:
        with open(os.path.join(workdir, "run", "metrics.json")) as file:
            scores = json.load(file)["scores"]
    return {
        "command": "".join(f"{key}={value} " for key, value in (extra_env or {}).items())
        + f"keras-wgan train --seed {seed}" + "".join(f" {a}" for a in arguments),
        "wall_s": round(wall, 1),
        "cpu_s": round(sum(getattr(after, f) - getattr(before, f)
                           for f in ("ru_utime", "ru_stime")), 1),
        "train_s": float(trained.group(1)) if trained else None,
        "python_warnings": len(re.findall(r"\w+Warning: ", output)),
        "progress_lines": output.count("Epoch "),
        "run_progress_lines": len(re.findall(r"^run: ", output, re.M)),
        "loadavg": round(os.getloadavg()[0], 2),
        **{name: round(value["generated"], 3) for name, value in scores.items()
           if isinstance(value, dict)},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--variant-tree", default=None, metavar="DIR",
                        help="run the variant with the library in DIR (its arguments default to "
                        "none)")
    parser.add_argument("--variant", nargs=argparse.REMAINDER, default=None,
                        help="the other command's arguments (last on the command line); "
                        f"default: {' '.join(BEFORE)}, or none with --variant-tree or "
                        "--variant-env")
    parser.add_argument("--variant-env", nargs="+", default=(), metavar="KEY=VALUE",
                        help="environment variables of the variant's process")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--main", default="", metavar="ARGUMENTS",
                        help='the main command\'s arguments, one string (e.g. "--dataset mnist5k")')
    parser.add_argument("--no-variant", action="store_true", help="run the main command only")
    parser.add_argument("--table", action="store_true", help="only rewrite the table")
    args = parser.parse_args()
    if args.table:
        return write_table()
    if args.variant is None:
        args.variant = [] if args.variant_tree or args.variant_env else BEFORE
    variant_env = {}
    for item in args.variant_env:
        key, separator, value = item.partition("=")
        if not separator or not key:
            parser.error(f"--variant-env wants KEY=VALUE. Received: {item!r}")
        variant_env[key] = value
    cpu = cpu_description()
    # Which default run this was: the library's tree, as `git describe` names it.
    here = os.path.dirname(os.path.abspath(__file__))
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                            text=True, cwd=here).stdout.strip()
    runs = [(round_, seed) for round_ in range(args.rounds) for seed in args.seeds]
    for round_, seed in runs:
        commands = [("default", shlex.split(args.main))]
        commands += [] if args.no_variant else [("variant", args.variant)]
        for name, arguments in commands:
            tree = args.variant_tree if name == "variant" else None
            env = variant_env if name == "variant" else {}
            with tempfile.TemporaryDirectory() as workdir:
                line = {"date": str(datetime.date.today()), "variant": name, "round": round_,
                        **run(arguments, workdir, tree, env, seed), "cpu": cpu,
                        "git": commit if tree is None else _tree_name(tree)}
            records.record("run_timing", line, write_table)


def write_table():
    records.write_all("run_timing", "A run's whole command, timed",
                      "`python benchmarks/run_timing.py`: every line of `run_timing.jsonl` (before "
                      "its rename, `default_run_timing.py`); compare `default` and `variant` "
                      "within a round.", COLUMNS)


def _tree_name(tree):
    """What the variant's tree says it is: its SNAPSHOT_OF file (written beside a `git archive`
    by hand) or its directory."""
    path = os.path.join(tree, "SNAPSHOT_OF")
    if os.path.exists(path):
        with open(path) as file:
            return f"snapshot of {file.read().strip()}"
    return os.path.abspath(tree)


if __name__ == "__main__":
    main()
