"""WGAN-GP's step against image size, batch and precision: a run's cost, predicted (by hand).

Times `fit` of the model `keras-wgan train` builds for a folder of images (DCGAN networks, the
layer-norm critic, unconditional) on synthetic images in [-1, 1] fed as a repeated
`keras_wgan.data.make_dataset` stream, so nothing is downloaded. Shapes (`SHAPES`): 8x8 and
28x28 grey (digits, MNIST), 32x32 and 64x64 colour (CIFAR-10, CelebA). The step's settings
(critic steps, critic width and stages, the generator average, XLA, steps per call) default to
the MNIST-5k recipe's (`keras_wgan/recipes/mnist5k.json`) and are recorded in every row.

Each (size, batch, precision) runs in its own process (the dtype policy and the thread pools
are process-wide): an untimed `fit` of a few steps (tracing, and XLA's compilation), a short
probe `fit`, then a timed `fit` of at least `--steps` steps lasting about `--seconds`. Rounds
alternate the configurations; a round of the default grid takes roughly 10 to 20 minutes on 2
cores (the 64x64 cells most of it), on cores nothing else uses. Every measurement appends a JSON
line to `results/image_scaling.jsonl` (its `variant`, wall and CPU ms per generator step, real
images per second = batch x critic steps per generator step, peak memory, the CPU, the load,
the versions); the variant's section of `image_scaling.md` shows, per (size, channels, batch),
float32 and `mixed_bfloat16` side by side with the bfloat16 speed-up, medians over the rounds of
each cell's latest run.

Usage:
    python benchmarks/image_scaling.py --rounds 2
    python benchmarks/image_scaling.py --sizes 28 --batches 64 --critic-steps 5 --variant critic5
    python benchmarks/image_scaling.py --sizes 8 --batches 64 --precisions float32 --steps 5 \\
        --rounds 1 --seconds 0 --results /tmp/scaling     # smoke run
"""

import argparse
import datetime
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

import digits_recipe
import recipe_step_speed
import records

BENCHMARK = "image_scaling"
TITLE = "WGAN-GP's training step against image size, batch and precision"
SHAPES = {8: 1, 28: 1, 32: 3, 64: 3}  # image size: channels
PRECISIONS = ("float32", "mixed_bfloat16")
RECIPE = "mnist5k"
# The recipe's fields that shape the step (the flags override the first five).
STEP_FIELDS = ("critic_steps", "critic_filters", "jit_compile", "steps_per_execution",
               "ema_decay", "critic_stages", "base_filters", "latent_dim", "ema_warmup",
               "penalty_weight", "augment", "model")


def recipe_settings():
    from keras_wgan import run_config

    config = run_config.TrainConfig(dataset=RECIPE)
    return {name: getattr(config, name) for name in STEP_FIELDS}


def measure(spec):
    """Runs in a fresh process: times `fit` of one (size, batch, precision) cell."""
    import keras
    import numpy as np
    import tensorflow as tf

    from keras_wgan import data
    from keras_wgan import run_config
    from keras_wgan import training
    from keras_wgan._policy import dtype_policy

    settings, batch = spec["settings"], spec["batch"]
    config = run_config.TrainConfig(
        dataset="folder", image_dir="synthetic", image_size=spec["size"],
        channels=spec["channels"], batch_size=batch, precision=spec["precision"], **settings)
    keras.utils.set_random_seed(config.seed)
    rows = batch * config.critic_steps
    shape = (max(1024, 4 * rows), spec["size"], spec["size"], spec["channels"])
    images = np.random.default_rng(0).uniform(-1.0, 1.0, shape).astype("float32")
    stream = data.make_dataset(images, batch, critic_steps=config.critic_steps,
                               seed=config.seed, repeat=True)
    with dtype_policy(config.precision):  # as `training.build` builds
        model = training.build_model(config, shape[1:])
    per_call = config.steps_per_execution
    generator_optimizer, critic_optimizer = training.make_optimizers(config, 1000)
    model.compile(generator_optimizer=generator_optimizer, critic_optimizer=critic_optimizer,
                  jit_compile=config.jit_compile, steps_per_execution=per_call)

    def whole_calls(steps):
        return per_call * max(1, math.ceil(steps / per_call))

    def timed_fit(steps):
        started, cpu = time.perf_counter(), time.process_time()
        model.fit(stream, epochs=1, steps_per_epoch=steps, verbose=0)
        return time.perf_counter() - started, time.process_time() - cpu

    first_fit, _ = timed_fit(whole_calls(spec["warmup_steps"]))
    probe_steps = whole_calls(spec["warmup_steps"])
    probe, _ = timed_fit(probe_steps)
    steps = whole_calls(max(spec["steps"], math.ceil(spec["seconds"] * probe_steps / probe)))
    wall, cpu = timed_fit(steps)
    return {
        "steps": steps,
        "images_per_step": rows,
        "ms_per_step": round(1000 * wall / steps, 3),
        "cpu_ms_per_step": round(1000 * cpu / steps, 3),
        "images_per_s": round(rows * steps / wall, 1),
        "cores_busy": round(cpu / wall, 2),
        "first_fit_s": round(first_fit, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def cells(args):
    return [(size, batch, precision) for size in args.sizes for batch in args.batches
            for precision in args.precisions]


def main():
    defaults = recipe_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs="+", choices=list(SHAPES), default=list(SHAPES))
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--precisions", nargs="+", choices=PRECISIONS, default=list(PRECISIONS))
    parser.add_argument("--steps", type=int, default=10, help="timed steps, at least")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="timed fit's length, about (more steps where they are fast)")
    parser.add_argument("--warmup-steps", type=int, default=3, help="untimed steps (tracing)")
    parser.add_argument("--critic-steps", type=int, default=defaults["critic_steps"])
    parser.add_argument("--critic-filters", type=int, default=defaults["critic_filters"])
    parser.add_argument("--jit", type=int, choices=(0, 1), default=int(defaults["jit_compile"]),
                        help="1: XLA")
    parser.add_argument("--steps-per-execution", type=int,
                        default=defaults["steps_per_execution"])
    parser.add_argument("--ema-decay", type=float, default=defaults["ema_decay"])
    parser.add_argument("--variant", default="default",
                        help="names the conditions of the run, e.g. another ISA or settings")
    parser.add_argument("--results", default=records.RESULTS, help="folder of the record")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--table", action="store_true", help="only rewrite the table")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(json.loads(args.worker))))
        return
    if args.table:
        return write_table(args.variant, args.results)
    settings = {**defaults, "critic_steps": args.critic_steps,
                "critic_filters": args.critic_filters, "jit_compile": bool(args.jit),
                "steps_per_execution": args.steps_per_execution, "ema_decay": args.ema_decay}
    env = dict(os.environ)
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # as `import keras_wgan` first would set
    cpu, code = recipe_step_speed.cpu_description(), digits_recipe.code_state()
    run = datetime.datetime.now().isoformat(timespec="seconds")
    for round_ in range(args.rounds):
        for size, batch, precision in cells(args):
            spec = {"size": size, "channels": SHAPES[size], "batch": batch,
                    "precision": precision, "settings": settings, "steps": args.steps,
                    "seconds": args.seconds, "warmup_steps": args.warmup_steps}
            process = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)],
                                     capture_output=True, text=True, env=env)
            if process.returncode:
                raise SystemExit(f"{size}x{size} batch {batch} {precision} failed:\n"
                                 f"{process.stderr[-3000:]}")
            row = {"run": run, "variant": args.variant, "round": round_,
                   **{k: spec[k] for k in ("size", "channels", "batch", "precision")},
                   **json.loads(process.stdout.strip().splitlines()[-1]),
                   "loadavg": round(os.getloadavg()[0], 2), "cpu": cpu, "settings": settings,
                   "git_head": code["git_head"], "library_sha1": code["library_sha1"]}
            records.append(BENCHMARK, row, results=args.results)
            write_table(args.variant, args.results)
            print(json.dumps(row), flush=True)


def latest_rows(rows):
    """Each cell's rows from the latest run that measured it."""
    latest = {}
    for row in rows:
        key = cell_key(row) + (row["precision"],)
        latest[key] = max(latest.get(key, ""), row["run"])
    return [row for row in rows if row["run"] == latest[cell_key(row) + (row["precision"],)]]


def cell_key(row):
    return (json.dumps(row["settings"], sort_keys=True), row["size"], row["channels"],
            row["batch"])


def summary(rows):
    """One Markdown row per (size, channels, batch): medians over rounds by precision."""
    median = {}
    for precision in PRECISIONS:
        chosen = [row for row in rows if row["precision"] == precision]
        if chosen:
            median[precision] = {key: statistics.median(row[key] for row in chosen)
                                 for key in ("ms_per_step", "cpu_ms_per_step", "images_per_s")}
    first = rows[0]

    def value(precision, key):
        if precision not in median:
            return "-"
        number = median[precision][key]
        return f"{number:.3g}" if number < 100 else f"{number:,.0f}"

    speedup = "-"
    if len(median) == 2:
        speedup = "{:.2f}x / {:.2f}x".format(*(
            median["float32"][key] / median["mixed_bfloat16"][key]
            for key in ("ms_per_step", "cpu_ms_per_step")))
    rounds = "/".join(str(sum(row["precision"] == p for row in rows)) for p in PRECISIONS)
    return (f"| {first['size']}x{first['size']} | {first['channels']} | {first['batch']} | "
            f"{first['images_per_step']} | {value('float32', 'ms_per_step')} | "
            f"{value('mixed_bfloat16', 'ms_per_step')} | {value('float32', 'cpu_ms_per_step')} | "
            f"{value('mixed_bfloat16', 'cpu_ms_per_step')} | {value('float32', 'images_per_s')} | "
            f"{value('mixed_bfloat16', 'images_per_s')} | {speedup} | {rounds} |")


def write_table(variant, results):
    rows = latest_rows(records.read(BENCHMARK, variant, results=results))
    by_settings = {}
    for row in sorted(rows, key=lambda r: (r["size"], r["batch"])):
        by_settings.setdefault(json.dumps(row["settings"], sort_keys=True), {}).setdefault(
            cell_key(row), []).append(row)
    lines = [
        "`python benchmarks/image_scaling.py`: the model `keras-wgan train` builds for a folder "
        "of images, on synthetic images; medians over rounds of each cell's latest run. Images "
        "per second: real images the critic consumes (batch x critic steps per generator step).",
        "",
        "CPU: " + "; ".join(sorted({row["cpu"] for row in rows})) + ". TensorFlow "
        + ", ".join(sorted({row["tensorflow"] for row in rows})) + ", Keras "
        + ", ".join(sorted({row["keras"] for row in rows})) + ". 1-minute load "
        + (f"{min(r['loadavg'] for r in rows)} to {max(r['loadavg'] for r in rows)}; "
           if rows else "")
        + "runs " + ", ".join(sorted({row["run"] for row in rows})) + ".",
    ]
    for settings, groups in by_settings.items():
        lines += [
            "", "Settings: " + ", ".join(f"{k} {v}" for k, v in json.loads(settings).items()),
            "",
            "| image | channels | batch | images per step | float32 ms per step | "
            "bfloat16 ms per step | float32 CPU ms | bfloat16 CPU ms | float32 images/s | "
            "bfloat16 images/s | bfloat16 speed-up (wall / CPU) | rounds (float32/bfloat16) |",
            "|" + "---|" * 12,
        ]
        lines += [summary(group) for group in groups.values()]
    records.write_section(BENCHMARK, variant, "\n".join(lines) + "\n", TITLE, results=results)


if __name__ == "__main__":
    main()
