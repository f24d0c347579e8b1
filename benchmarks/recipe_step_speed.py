"""A recipe's training step, timed under variants of its settings (by hand).

Times `fit` on a recipe's model and data (`keras_wgan.recipes.get(NAME)`, built by
`keras_wgan.training.build`), without callbacks, each variant in its own process (dtype policy
and thread pools are fixed per process), in rounds that alternate the variants, and appends one
JSON line per measurement to `benchmarks/results/recipe_step_speed.jsonl`: wall and CPU
milliseconds per generator step, the first `fit`'s seconds (tracing, and XLA's compilation), the
CPU and the load. With `--parts`, each process also times one step by its parts, each a
`tf.function` timed alone: the critic update (with its penalty), the generator update, the
generator's average (EMA) and one batch of the input pipeline.

A variant is a set of `TrainConfig` settings over the recipe's (`VARIANTS`, or `--set
key=value ...` for a one-off variant named after them), plus `threads` (intra-op, inter-op);
each line records the settings that shape the step (`STEP_FIELDS`) as the variant resolved them.

Usage:
    python benchmarks/recipe_step_speed.py --recipe digits --rounds 3
    python benchmarks/recipe_step_speed.py --recipe mnist5k --variants recipe recipe_bf16 --parts
    python benchmarks/recipe_step_speed.py --recipe mnist5k --set critic_filters=32 --steps 60
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

import digits_recipe
import records

COLUMNS = [("date", "date"), ("recipe", "recipe"), ("variant", "variant"), ("round", "round"),
           ("ISA", "isa"), ("steps", "steps"), ("ms per step", "ms_per_step"),
           ("CPU ms per step", "cpu_ms_per_step"),
           ("first fit, s", "first_fit_s"), ("of steps", "first_fit_steps"),
           ("parts, ms", "parts_ms"), ("step settings", "step_settings"), ("load", "loadavg"),
           ("CPU", "cpu")]
# DCGAN's 28x28 networks of 64 filters, one step per call without XLA: the MNIST-5k recipe
# before it took narrower networks and XLA.
DCGAN64 = {"base_filters": 64, "critic_filters": 64, "jit_compile": False,
           "steps_per_execution": 1}
# The settings that shape the step, recorded with each measurement.
STEP_FIELDS = ("base_filters", "critic_filters", "critic_stages", "precision", "jit_compile",
               "steps_per_execution", "batch_size", "critic_steps", "clusters", "ema_decay")
VARIANTS = {
    "recipe": {},
    "recipe_bf16": {"precision": "mixed_bfloat16"},
    "plain": {"jit_compile": False, "steps_per_execution": 1},
    "plain_bf16": {"jit_compile": False, "steps_per_execution": 1,
                   "precision": "mixed_bfloat16"},
    "xla": {"jit_compile": True, "steps_per_execution": 1},
    "per_call_20": {"jit_compile": False, "steps_per_execution": 20, "steps_per_epoch": 100},
    "xla_per_call_20": {"jit_compile": True, "steps_per_execution": 20, "steps_per_epoch": 100},
    "threads_1_1": {"jit_compile": False, "steps_per_execution": 1, "threads": (1, 1)},
    "dcgan64": DCGAN64,
    "dcgan64_bf16": {**DCGAN64, "precision": "mixed_bfloat16"},
    "dcgan64_g32": {**DCGAN64, "base_filters": 32, "critic_filters": 32},
    "dcgan64_g32_bf16": {**DCGAN64, "base_filters": 32, "critic_filters": 32,
                         "precision": "mixed_bfloat16"},
}


def measure(recipe, settings, steps, parts):
    """Runs in a fresh process: times `fit` of the recipe's model on its data."""
    settings = dict(settings)
    threads = settings.pop("threads", None)
    import keras_wgan  # noqa: F401, I001  (first: oneDNN on, as a run has it)
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads[0])
        tf.config.threading.set_inter_op_parallelism_threads(threads[1])
    from keras_wgan import recipes
    from keras_wgan import training

    run = training.build(recipes.get(recipe, backup_every=steps * 100, **settings))
    per_call = run.model.steps_per_execution
    warm = max(20, per_call)
    started = time.perf_counter()
    run.model.fit(run.dataset, epochs=1, steps_per_epoch=warm, verbose=0)  # traces, compiles
    first_fit = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    run.model.fit(run.dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    row = {"step_settings": {name: getattr(run.config, name) for name in STEP_FIELDS},
           "ms_per_step": round(1000 * wall / steps, 2),
           "cpu_ms_per_step": round(1000 * cpu / steps, 2),
           "first_fit_s": round(first_fit, 2), "first_fit_steps": warm}
    if parts:
        row["parts_ms"] = time_parts(run, tf)
    return row


def time_parts(run, tf):
    """Milliseconds of one step's parts, each a `tf.function` run alone (median of 5)."""
    model, batch = run.model, run.config.batch_size
    iterator = iter(run.dataset)
    # One element holds the step's critic batches (and their labels or clusters).
    real, labels = model.split_real_batches(next(iterator))
    real, labels = real[:, 0], None if labels is None else labels[:, 0]
    functions = {
        "critic_update": lambda: model.update_critic(real, labels),
        "generator_update": lambda: model.update_generator(batch, labels),
    }
    if getattr(model, "ema_decay", None):
        functions["ema"] = model.update_ema
    timed = {name: tf.function(function) for name, function in functions.items()}
    timed["input_batch"] = lambda: next(iterator)
    result = {}
    for name, function in timed.items():
        function()
        times = []
        for _ in range(5):
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        result[name] = round(1000 * statistics.median(times), 2)
    return result


def cpu_description():
    cpu = digits_recipe.cpu_description()  # the benchmark beside this one
    return f"{cpu['cpu_model']} ({', '.join(cpu['cpu_flags'])}), {cpu['cores']} cores"


def parse_settings(pairs):
    """`["critic_filters=32", "precision=mixed_bfloat16"]` to a dict, values read as JSON."""
    settings = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            settings[key] = json.loads(value)
        except json.JSONDecodeError:
            settings[key] = value
    return settings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="digits")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=400, help="timed steps per measurement")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=["recipe"])
    parser.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE",
                        help="a one-off variant: these settings over the recipe's")
    parser.add_argument("--parts", action="store_true", help="also time one step by parts")
    parser.add_argument("--isa-avx2", action="store_true",
                        help="cap oneDNN and XLA to AVX2 in the measured processes")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--table", action="store_true", help="only rewrite the table")
    args = parser.parse_args()
    if args.table:
        return write_table()
    if args.worker:
        row = measure(args.recipe, json.loads(args.worker), args.steps, args.parts)
        print(json.dumps(row))
        return
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    if args.isa_avx2:
        env.update(ONEDNN_MAX_CPU_ISA="AVX2", XLA_FLAGS="--xla_cpu_max_isa=AVX2")
    variants = {name: VARIANTS[name] for name in args.variants}
    if args.set:
        variants = {",".join(args.set): parse_settings(args.set)}
    cpu = cpu_description()
    for round_ in range(args.rounds):
        for name, settings in variants.items():
            command = [sys.executable, __file__, "--recipe", args.recipe, "--worker",
                       json.dumps(settings), "--steps", str(args.steps)]
            process = subprocess.run(command + (["--parts"] if args.parts else []),
                                     capture_output=True, text=True, env=env)
            if process.returncode:
                raise SystemExit(f"{name} failed:\n{process.stderr[-3000:]}")
            line = {"recipe": args.recipe, "date": str(datetime.date.today()), "variant": name,
                    "settings": settings, "round": round_, "steps": args.steps,
                    "isa": "AVX2 (capped)" if args.isa_avx2 else "native",
                    **json.loads(process.stdout.strip().splitlines()[-1]), "cpu": cpu,
                    "loadavg": round(os.getloadavg()[0], 2)}
            records.record("recipe_step_speed", line, write_table)


def write_table():
    records.write_all("recipe_step_speed", "A recipe's step, timed",
                      "`python benchmarks/recipe_step_speed.py`: every line of "
                      "`recipe_step_speed.jsonl`; compare the variants within a round.", COLUMNS)


if __name__ == "__main__":
    main()
