"""The default run's training step, timed under XLA and several steps per call (by hand).

The digits recipe (`keras_wgan/recipes/digits.json`) trains networks so small that a step's
cost is TensorFlow's overhead per op and per call, not arithmetic. This benchmark times `fit` on
the recipe's model and data, without callbacks, under variants of the compile options and the
thread pools, each variant in its own process (thread pools are fixed when TensorFlow starts),
in rounds that alternate the variants, and appends one JSON line per measurement to
`benchmarks/results/digits_step_speed.jsonl`: wall and CPU milliseconds per generator step,
the first `fit`'s seconds (tracing, and XLA's compilation), the CPU and the load.

Variants (`--variants`): `plain` (no XLA, one step per call), `xla`, `per_call_20` (20 steps per
call), `xla_per_call_20`, `threads_1_1` (one intra-op and one inter-op thread, no XLA). With
`--isa-avx2` each process caps oneDNN and XLA to AVX2 (`ONEDNN_MAX_CPU_ISA=AVX2`,
`XLA_FLAGS=--xla_cpu_max_isa=AVX2`): the kernels an AVX2-only CPU would run, at this CPU's clock.

Usage:
    python benchmarks/digits_step_speed.py --rounds 3
    python benchmarks/digits_step_speed.py --rounds 2 --isa-avx2 --variants plain xla
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time

import digits_recipe
import records

COLUMNS = [("date", "date"), ("variant", "variant"), ("round", "round"), ("ISA", "isa"),
           ("steps", "steps"), ("ms per step", "ms_per_step"),
           ("CPU ms per step", "cpu_ms_per_step"),
           ("first fit of 100 steps, s", "first_fit_of_100_steps_s"), ("load", "loadavg"),
           ("CPU", "cpu")]
VARIANTS = {
    "plain": {},
    "xla": {"jit_compile": True},
    "per_call_20": {"steps_per_execution": 20},
    "xla_per_call_20": {"jit_compile": True, "steps_per_execution": 20},
    "threads_1_1": {"threads": (1, 1)},
}


def measure(variant, steps):
    """Runs in a fresh process: times `fit` of the recipe's model on the digits."""
    options = dict(VARIANTS[variant])
    threads = options.pop("threads", None)
    import tensorflow as tf

    import keras_wgan  # noqa: F401  (oneDNN on, as a run has it)

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads[0])
        tf.config.threading.set_inter_op_parallelism_threads(threads[1])
    import keras

    from keras_wgan import data
    from keras_wgan import run_config
    from keras_wgan import training

    config = run_config.TrainConfig(jit_compile=False, steps_per_execution=1)
    keras.utils.set_random_seed(0)
    real = training.load_training_data(config)
    samples, frequencies = training.split_training_data(config, real)
    stream = data.make_dataset(real, config.batch_size, critic_steps=config.critic_steps,
                               seed=0, repeat=True, num_classes=training.num_classes_of(config))
    model = training.build_model(config, samples.shape[1:], cluster_frequencies=frequencies)
    model.compile(*training.make_optimizers(config, steps), jit_compile=options.get(
        "jit_compile", False), steps_per_execution=options.get("steps_per_execution", 1))
    started = time.perf_counter()
    model.fit(stream, epochs=1, steps_per_epoch=100, verbose=0)  # traces (and compiles)
    first_fit = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    model.fit(stream, epochs=1, steps_per_epoch=steps, verbose=0)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"ms_per_step": round(1000 * wall / steps, 2),
            "cpu_ms_per_step": round(1000 * cpu / steps, 2),
            "first_fit_of_100_steps_s": round(first_fit, 2)}


def cpu_description():
    cpu = digits_recipe.cpu_description()  # the benchmark beside this one
    return f"{cpu['cpu_model']} ({', '.join(cpu['cpu_flags'])}), {cpu['cores']} cores"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=400, help="timed steps per measurement")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--isa-avx2", action="store_true",
                        help="cap oneDNN and XLA to AVX2 in the measured processes")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--table", action="store_true", help="only rewrite the table")
    args = parser.parse_args()
    if args.table:
        return write_table()
    if args.worker:
        print(json.dumps(measure(args.worker, args.steps)))
        return
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    if args.isa_avx2:
        env.update(ONEDNN_MAX_CPU_ISA="AVX2", XLA_FLAGS="--xla_cpu_max_isa=AVX2")
    cpu = cpu_description()
    for round_ in range(args.rounds):
        for variant in args.variants:
            process = subprocess.run(
                [sys.executable, __file__, "--worker", variant, "--steps", str(args.steps)],
                capture_output=True, text=True, env=env,
            )
            if process.returncode:
                raise SystemExit(f"{variant} failed:\n{process.stderr[-3000:]}")
            line = {"date": str(datetime.date.today()), "variant": variant, "round": round_,
                    "steps": args.steps, "isa": "AVX2 (capped)" if args.isa_avx2 else "native",
                    **json.loads(process.stdout.strip().splitlines()[-1]), "cpu": cpu,
                    "loadavg": round(os.getloadavg()[0], 2)}
            records.append("digits_step_speed", line)
            write_table()
            print(json.dumps(line), flush=True)


def write_table():
    with open(records.markdown_path("digits_step_speed"), "w") as file:
        file.write("# The digits recipe's step, timed\n\n"
                   "`python benchmarks/digits_step_speed.py`: every line of "
                   "`digits_step_speed.jsonl`; compare the variants within a round.\n\n"
                   + records.table(records.read("digits_step_speed"), COLUMNS))


if __name__ == "__main__":
    main()
