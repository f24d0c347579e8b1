"""The WGAN-GP paper's ResNets beside DCGAN's networks, measured by hand: cost and quality.

Two parts:

- `speed`: WGAN-GP generator steps on the same random 32x32x1 images in [-1, 1] (batch 64, 5
  critic updates per generator update, float32, no XLA), in one process, built as `keras-wgan
  train` builds them: DCGAN with `base_filters=64` and a layer-normalized critic, the ResNets
  at the paper's width (128). Each round times `fit` over `--steps` generator steps on each model
  in turn, after one untimed `fit` that traces the step. One JSON line per model and round in
  `benchmarks/results/resnet_step_speed.jsonl`: wall and CPU milliseconds per generator step.
- `quality`: `keras-wgan train --dataset mnist5k` (the MNIST-5k recipe: DCGAN networks,
  3,100 generator steps) beside the same recipe on the ResNets (`--architecture resnet`, the
  28x28 digits padded to 32x32 inside the networks, the recipe's widths), given
  `--resnet-epochs` epochs of 100 steps: by default about the DCGAN run's CPU seconds (equal
  CPU time). Each run in its own process, scored by the run's own evaluation (classifier-FID,
  recall, coverage against the floor and the degraded reference). The library runs from a copy
  of the committed `keras_wgan` (`git archive HEAD`). One JSON line per run in
  `benchmarks/results/resnet_quality.jsonl`, rendered as `resnet_quality.md`.

Usage:
    nice -n 19 python benchmarks/resnet.py --part speed --steps 3 --rounds 2
    python benchmarks/resnet.py --part quality --seeds 0 1 2
    python benchmarks/resnet.py --part quality --seeds 0 --only "resnet equal steps"
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import tempfile
import time

import numpy as np
import records
import run_timing
import small_data

BENCHMARK = "resnet_step_speed"
QUALITY = "resnet_quality"


def cpu_model():
    """The CPU's model name, as `lscpu` prints it."""
    try:
        with open("/proc/cpuinfo") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def build_models(shape, critic_steps):
    import keras_wgan
    from keras_wgan import networks

    pairs = {
        "dcgan": (networks.build_generator(shape, 128, base_filters=64),
                  networks.build_critic(shape, base_filters=64, normalization="layer")),
        "resnet": (networks.build_resnet_generator(shape, 128),
                   networks.build_resnet_critic(shape)),
    }
    models = {}
    for name, (generator, critic) in pairs.items():
        model = keras_wgan.WGANGP(generator, critic, critic_steps=critic_steps, seed=0)
        model.compile()
        models[name] = model
    return models


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("speed", "quality"), default="speed")
    parser.add_argument("--steps", type=int, default=3, help="speed: timed steps per round")
    parser.add_argument("--rounds", type=int, default=2, help="speed: rounds")
    parser.add_argument("--batch-size", type=int, default=64, help="speed: the batch")
    parser.add_argument("--critic-steps", type=int, default=5, help="speed: critic steps")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="quality: seeds")
    parser.add_argument("--resnet-epochs", type=int, default=4,
                        help="quality: the ResNet's epochs of 100 steps at equal CPU time")
    parser.add_argument("--only", nargs="+", default=None, help="quality: these settings only")
    parser.add_argument("--table", action="store_true", help="quality: only rewrite the table")
    args = parser.parse_args()
    if args.table:
        return write_quality_table()
    if args.part == "quality":
        return measure_quality(args)
    measure_speed(args)


def quality_settings(resnet_epochs):
    """`(setting, train arguments)` of the quality part, seeds aside."""
    resnet = ["--dataset", "mnist5k", "--architecture", "resnet"]
    return [("dcgan", ["--dataset", "mnist5k"]),
            ("resnet equal CPU", [*resnet, "--epochs", str(resnet_epochs)]),
            ("resnet equal steps", resnet)]


def measure_quality(args):
    """Trains every setting (`--only` those) for every seed, one process after another."""
    cpu = run_timing.cpu_description()
    settings = [(name, arguments) for name, arguments in quality_settings(args.resnet_epochs)
                if (args.only is None and name != "resnet equal steps")
                or (args.only is not None and name in args.only)]
    with tempfile.TemporaryDirectory() as workdir:
        tree = os.path.join(workdir, "library")
        os.makedirs(tree)
        commit = small_data.frozen_library(tree)
        for seed in args.seeds:
            for name, arguments in settings:
                with tempfile.TemporaryDirectory(dir=workdir) as rundir:
                    trained = run_timing.run(arguments, rundir, tree=tree, seed=seed)
                    with open(os.path.join(rundir, "run", "metrics.json")) as file:
                        metrics = json.load(file)
                line = {"date": str(datetime.date.today()), "variant": "quality",
                        "setting": name, "seed": seed, "command": trained["command"],
                        "steps": metrics["run"]["generator_steps"], "n": metrics["num_samples"],
                        "train_s": trained["train_s"], "wall_s": trained["wall_s"],
                        "cpu_s": trained["cpu_s"], "loadavg": trained["loadavg"],
                        **small_data.flatten(metrics), "cpu": cpu, "git": commit}
                records.record(QUALITY, line, write_quality_table)


def write_quality_table():
    """Rewrites resnet_quality.md: every run, then the median of each setting over seeds."""
    rows = records.read(QUALITY)
    summary = []
    for setting in dict.fromkeys(row["setting"] for row in rows):
        group = [row for row in rows if row["setting"] == setting]
        line = {"setting": f"**{setting} (median)**",
                "seed": " ".join(str(row["seed"]) for row in group)}
        for name in ("steps", "cpu_s", "train_s", "fid", "fid_floor", "fid_degraded", "recall",
                     "recall_degraded", "coverage", "coverage_degraded"):
            values = [row[name] for row in group if row.get(name) is not None]
            line[name] = statistics.median(values) if values else None
        summary.append(line)
    columns = [("setting", "setting"), ("seed", "seed"), ("generator steps", "steps"),
               ("CPU s", "cpu_s"), ("training s", "train_s"), ("classifier-FID", "fid"),
               ("floor", "fid_floor"), ("degraded", "fid_degraded"), ("recall", "recall"),
               ("recall degraded", "recall_degraded"), ("coverage", "coverage"),
               ("coverage degraded", "coverage_degraded")]
    cpus = sorted({row["cpu"] for row in rows})
    note = ("`python benchmarks/resnet.py --part quality`: the MNIST-5k recipe on DCGAN's networks "
            "and on the paper's ResNets (padded to 32x32), scored at the run's end; every run in "
            f"resnet_quality.jsonl with its command. CPU: {'; '.join(cpus)}.")
    with open(records.markdown_path(QUALITY), "w") as file:
        file.write("# The paper's ResNets beside DCGAN on MNIST-5k\n\n" + note + "\n\n"
                   + records.table(rows + summary, columns))


def measure_speed(args):
    """Times generator steps of both networks in this process (the `speed` part)."""
    import keras

    import keras_wgan

    keras.utils.set_random_seed(0)
    shape = (32, 32, 1)
    images = np.random.default_rng(0).uniform(-1, 1, (2048, *shape)).astype("float32")
    dataset = keras_wgan.data.make_dataset(
        images, args.batch_size, critic_steps=args.critic_steps, seed=0, repeat=True
    )
    models = build_models(shape, args.critic_steps)
    for model in models.values():
        model.fit(dataset, epochs=1, steps_per_epoch=1, verbose=0)
    timings = {name: [] for name in models}
    for round_ in range(args.rounds):
        for name, model in models.items():
            wall, cpu = time.perf_counter(), time.process_time()
            model.fit(dataset, epochs=1, steps_per_epoch=args.steps, verbose=0)
            wall = (time.perf_counter() - wall) * 1000 / args.steps
            cpu = (time.process_time() - cpu) * 1000 / args.steps
            timings[name].append(wall)
            records.append(BENCHMARK, {
                "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "variant": name, "round": round_, "steps": args.steps,
                "batch_size": args.batch_size, "critic_steps": args.critic_steps,
                "image_shape": list(shape), "ms_per_step": round(wall, 1),
                "cpu_ms_per_step": round(cpu, 1),
                "params": {"generator": model.generator.count_params(),
                           "critic": model.critic.count_params()},
                "loadavg": os.getloadavg()[0], "cpu": cpu_model(),
                "cores": os.cpu_count(),
            })
            print(f"round {round_} {name}: {wall:.0f} ms per generator step (CPU {cpu:.0f} ms)")
    dcgan, resnet = (statistics.median(timings[name]) for name in ("dcgan", "resnet"))
    print(f"median ms per generator step: dcgan {dcgan:.0f}, resnet {resnet:.0f} "
          f"({resnet / dcgan:.1f}x) on {cpu_model()}")


if __name__ == "__main__":
    main()
