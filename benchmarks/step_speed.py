"""Training-step speed of WGAN-GP and WGAN on CPU beside the keras.io WGAN-GP example (by hand).

Three parts, in one process and one run, so that every ratio compares figures measured side by
side on the same machine (the machines are shared and their CPUs change from run to run):

1. Targets, on the keras.io example's configuration: its networks, rebuilt with our builders
   (critic: zero-pad 28->32, four 5x5 stride-2 convolutions 64..512, dropout; generator: 4x4x256,
   three nearest-upsample + 3x3 convolution stages, crop to 28x28), batch 512, 3 critic steps.
   Our float32 WGAN-GP step, our `mixed_bfloat16` WGAN-GP step, our WGAN (clipping) step on the
   same networks. (Two batched variants of the step, all the critic updates' samples from one
   generator call and real and generated samples scored in one critic call, were measured here
   before; they changed the step's CPU time by less than 1%, so the step keeps the plain form:
   the rows of variant `per-update-samples` / `two-critic-calls` in step_speed.jsonl.) The
   critic's last convolution runs as one matrix product (`UnrolledConv2D`, the builder's
   default for maps no larger than the kernel); the same two WGAN-GP steps with every critic
   layer a `Conv2D` (networks `kerasio-conv`) measure what that gains. With
   `--yardstick PATH` the example script runs too, as a subprocess between our measurements
   (interleaved, `--rounds` times), and every ratio is the median of the per-round ratios.
2. A grid on the DCGAN networks (`build_generator` / `build_critic` defaults): WGAN-GP and WGAN,
   28x28x1 (batch 64 and 512) and 32x32x3 (batch 64), 5 critic steps, float32 and
   `mixed_bfloat16`, XLA off and on (on CPU XLA is slow: on at batch 64 in float32 only, unless
   `--full`).
3. A profile of one step by its parts (critic update without and with the penalty, generator
   update), each part timed alone as a `tf.function`.

Every row records: generator steps/s, real images/s, the step's FLOPs (counted by TensorFlow's
profiler on the traced step) and the achieved rate as a share of a float32 4096x4096 matmul timed
in the same run, cores busy (process CPU time / wall time during the timed steps), trace (and
compile) time, the process's peak resident memory so far, and the environment: CPU model and
flags, cores, TensorFlow and Keras versions, oneDNN state, thread settings, precision policy.
Results: JSON lines appended to benchmarks/results/step_speed.jsonl, a table written to
benchmarks/results/step_speed.md.

Usage:
    python benchmarks/step_speed.py --yardstick PATH/TO/wgan_gp.py   # keras.io's example
    python benchmarks/step_speed.py --quick            # a smoke run, about two minutes
    python benchmarks/step_speed.py --intra-op 2 --inter-op 1 --parts targets
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

# oneDNN must be chosen before TensorFlow loads (import keras_wgan would, but keras loads first).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_wgan  # noqa: E402
from keras_wgan import networks  # noqa: E402
from keras_wgan._platform import onednn_enabled  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
LATENT_DIM = 128
MODELS = {"wgan-gp": keras_wgan.WGANGP, "wgan": keras_wgan.WGAN}


# --------------------------------------------------------------------------------------------
# Networks and models
# --------------------------------------------------------------------------------------------


def kerasio_networks(image_shape, unroll_small_maps=True):
    """The keras.io WGAN-GP example's networks, made with our builders.

    Differences that do not change the convolutions' cost: our generator uses ReLU (theirs
    LeakyReLU 0.2), biases on its convolutions, and no batch normalization on the output layer;
    our critic's last dropout has rate 0.3 (theirs 0.2). By default the critic's last
    convolution (4x4 maps, 5x5 kernel) runs as one matrix product (`UnrolledConv2D`, the
    builder's default): the same function and weights, computed differently.
    """
    generator = networks.build_generator(
        image_shape, LATENT_DIM, base_filters=64, kernel_size=3, upsampling="nearest",
        padded_size=32,
    )
    critic = networks.build_critic(
        image_shape, base_filters=64, normalization=None, kernel_size=5, stages=4,
        padded_size=32, dropout=0.3, unroll_small_maps=unroll_small_maps,
    )
    return generator, critic


def kerasio_conv_networks(image_shape):
    """The same networks with every critic layer a `Conv2D`: the unrolling's ablation."""
    return kerasio_networks(image_shape, unroll_small_maps=False)


def dcgan_networks(image_shape):
    """Our DCGAN builders with their defaults (a layer-normalized critic)."""
    return networks.build_generator(image_shape, LATENT_DIM), networks.build_critic(image_shape)


NETWORKS = {
    "kerasio": kerasio_networks,
    "kerasio-conv": kerasio_conv_networks,
    "dcgan": dcgan_networks,
}


def build_model(model_name, networks_name, image_shape, critic_steps, precision, jit):
    keras.mixed_precision.set_global_policy(precision)
    try:
        keras.utils.set_random_seed(0)
        generator, critic = NETWORKS[networks_name](image_shape)
        model = MODELS[model_name](generator, critic, critic_steps=critic_steps, seed=0)
        model.compile(jit_compile=jit)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    return model


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------


class StepTimer(keras.callbacks.Callback):
    """Wall and process CPU time of every training step."""

    def __init__(self):
        super().__init__()
        self.wall, self.cpu = [], []

    def on_train_batch_begin(self, batch, logs=None):
        self._start = (time.perf_counter(), time.process_time())

    def on_train_batch_end(self, batch, logs=None):
        self.wall.append(time.perf_counter() - self._start[0])
        self.cpu.append(time.process_time() - self._start[1])


class Run:
    """One model on synthetic data, traced once, then timed in rounds."""

    def __init__(self, model_name, networks_name, image_shape, batch, critic_steps, precision,
                 jit):
        self.config = {
            "model": model_name, "networks": networks_name, "image_shape": list(image_shape),
            "batch": batch, "critic_steps": critic_steps, "precision": precision, "jit": jit,
            "variant": "ours",
        }
        self.model = build_model(
            model_name, networks_name, image_shape, critic_steps, precision, jit
        )
        images = np.random.default_rng(0).uniform(-1, 1, (2 * batch * critic_steps, *image_shape))
        self.data = keras_wgan.data.make_dataset(
            images.astype("float32"), batch, critic_steps, seed=0, repeat=True
        )
        self.wall, self.cpu = [], []
        start = time.perf_counter()
        self.model.fit(self.data, steps_per_epoch=1, epochs=1, verbose=0)  # trace (and compile)
        self.first_step = time.perf_counter() - start

    def time_steps(self, steps):
        timer = StepTimer()
        self.model.fit(self.data, steps_per_epoch=steps, epochs=1, verbose=0, callbacks=[timer])
        self.wall += timer.wall
        self.cpu += timer.cpu
        return statistics.median(timer.wall)

    def row(self, flops, matmul_rate):
        step = statistics.median(self.wall)
        row = dict(self.config)
        row.update(
            {
                "steps_timed": len(self.wall),
                "median_s_per_step": round(step, 4),
                # Process CPU time per step: the work done, less sensitive to a busy machine.
                "median_cpu_s_per_step": round(statistics.median(self.cpu), 4),
                "generator_steps_per_s": round(1 / step, 3),
                "real_images_per_s": round(
                    self.config["batch"] * self.config["critic_steps"] / step, 1
                ),
                "cores_busy": round(sum(self.cpu) / sum(self.wall), 2),
                "trace_s": round(max(self.first_step - step, 0.0), 2),
                "peak_rss_mb": peak_rss_mb(),
            }
        )
        if flops:
            rate = flops / step / 1e9
            row.update(
                {
                    "step_gflop": round(flops / 1e9, 1),
                    "achieved_gflops": round(rate, 1),
                    "share_of_float32_matmul": round(rate / matmul_rate, 3),
                }
            )
        return row


def step_flops(model, batch, critic_steps, image_shape):
    """Floating-point operations of one training step, counted on its traced graph."""
    spec = tf.TensorSpec([batch * critic_steps, *image_shape], tf.float32)
    graph = tf.function(model.train_step).get_concrete_function(spec).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return tf.compat.v1.profiler.profile(graph=graph, options=options).total_float_ops


def matmul_gflops(dtype, size=4096, repeats=5):
    """Median rate of a `size` x `size` matmul in `dtype`, in GFLOP/s."""
    a = tf.random.normal((size, size), dtype=tf.float32)
    a, b = tf.cast(a, dtype), tf.cast(tf.transpose(a), dtype)
    matmul = tf.function(lambda: tf.matmul(a, b))
    matmul().numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        matmul().numpy()
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times) / 1e9


def run_yardstick(path, batch, critic_steps, steps):
    result = subprocess.run(
        [sys.executable, path, "--steps", str(steps), "--batch", str(batch),
         "--critic-steps", str(critic_steps)],
        capture_output=True, text=True, env=dict(os.environ), timeout=3600,
    )
    if result.returncode:
        raise RuntimeError(f"The yardstick failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def peak_rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def environment():
    flags, model = set(), platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    return {
        "cpu": model,
        "cpu_flags": sorted(flags & {"avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16"}),
        "cores": os.cpu_count(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset"),
        "onednn_enabled": onednn_enabled(),
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


# --------------------------------------------------------------------------------------------
# The three parts
# --------------------------------------------------------------------------------------------


def targets(args, matmul_rate, emit):
    """Our steps beside the keras.io example's on its configuration, interleaved in rounds."""
    batch, critic_steps, shape = args.batch, args.critic_steps, (28, 28, 1)
    runs = {
        "gp-float32": Run("wgan-gp", "kerasio", shape, batch, critic_steps, "float32", False),
        "gp-bfloat16": Run(
            "wgan-gp", "kerasio", shape, batch, critic_steps, "mixed_bfloat16", False
        ),
        "wgan-float32": Run("wgan", "kerasio", shape, batch, critic_steps, "float32", False),
        # Ablation: every critic layer a Conv2D.
        "gp-float32-conv": Run(
            "wgan-gp", "kerasio-conv", shape, batch, critic_steps, "float32", False
        ),
        "gp-bfloat16-conv": Run(
            "wgan-gp", "kerasio-conv", shape, batch, critic_steps, "mixed_bfloat16", False
        ),
    }
    flops = step_flops(runs["gp-float32"].model, batch, critic_steps, shape)
    wgan_flops = step_flops(runs["wgan-float32"].model, batch, critic_steps, shape)
    conv_flops = step_flops(runs["gp-float32-conv"].model, batch, critic_steps, shape)
    rounds = []
    for index in range(args.rounds):
        # Every other round runs in reverse order, so that a drift in the machine's load does
        # not favour the runs that come first.
        order = (["yardstick"] if args.yardstick else []) + list(runs)
        times = {}
        for name in order if index % 2 == 0 else order[::-1]:
            if name == "yardstick":
                yardstick = run_yardstick(args.yardstick, batch, critic_steps, args.steps)
                times[name] = yardstick["median_s_per_step"]
                emit({"part": "targets", "round": index, "variant": "yardstick", **yardstick})
            else:
                times[name] = runs[name].time_steps(args.steps)
        rounds.append(times)
        print(f"round {index}: " + ", ".join(f"{k} {v:.3f}s" for k, v in times.items()), flush=True)

    def ratio(numerator, denominator):
        values = [r[numerator] / r[denominator] for r in rounds]
        return {
            "median": round(statistics.median(values), 3),
            "rounds": [round(v, 3) for v in values],
        }

    for name, run in runs.items():
        counted = wgan_flops if name.startswith("wgan") else conv_flops if "conv" in name else flops
        emit({"part": "targets", **run.row(counted, matmul_rate)})
    ratios = {
        "gp_step_over_wgan_step": ratio("gp-float32", "wgan-float32"),
        "bfloat16_speedup_over_float32": ratio("gp-float32", "gp-bfloat16"),
        "unrolled_speedup_float32": ratio("gp-float32-conv", "gp-float32"),
        "unrolled_speedup_bfloat16": ratio("gp-bfloat16-conv", "gp-bfloat16"),
    }
    if args.yardstick:
        ratios["float32_speedup_over_yardstick"] = ratio("yardstick", "gp-float32")
        ratios["bfloat16_speedup_over_float32_yardstick"] = ratio("yardstick", "gp-bfloat16")
    emit({"part": "targets", "variant": "ratios", "batch": batch, "critic_steps": critic_steps,
          "ratios": ratios})
    return ratios


def grid(args, matmul_rate, emit):
    """WGAN-GP and WGAN on the DCGAN networks across sizes, batches, precisions and XLA."""
    configs = [((28, 28, 1), 64), ((32, 32, 3), 64)] if args.quick else [
        ((28, 28, 1), 64), ((28, 28, 1), 512), ((32, 32, 3), 64)
    ]
    precisions = ("float32", "mixed_bfloat16")
    for shape, batch in configs:
        for model_name in MODELS:
            flops = None
            for jit in (False, True):
                if jit and (args.quick or (batch > 64 and not args.full)):
                    continue
                for precision in precisions if args.full or not jit else ("float32",):
                    run = Run(model_name, "dcgan", shape, batch, 5, precision, jit)
                    if flops is None:
                        flops = step_flops(run.model, batch, 5, shape)
                    steps = 1 if jit else (2 if batch > 64 else 5)
                    run.time_steps(1 if args.quick else steps)
                    emit({"part": "grid", **run.row(flops, matmul_rate)})
                    del run


def profile(args, emit):
    """One step of the example's configuration by parts, each a `tf.function` timed alone."""
    batch, critic_steps, shape = args.batch, args.critic_steps, (28, 28, 1)
    rows = {}
    for model_name in MODELS:
        model = build_model(model_name, "kerasio", shape, critic_steps, "float32", False)
        real = tf.random.uniform((batch, *shape), -1, 1)
        parts = {
            "critic_update": lambda: model.update_critic(real),
            "generator_update": lambda: model.update_generator(batch),
        }
        for part, function in parts.items():
            function = tf.function(function)
            function()
            times = []
            for _ in range(2 if args.quick else 3):
                start = time.perf_counter()
                function()
                times.append(time.perf_counter() - start)
            rows[(model_name, part)] = statistics.median(times)
    step = {
        name: critic_steps * rows[(name, "critic_update")]
        + rows[(name, "generator_update")]
        for name in MODELS
    }
    for (model_name, part), seconds in rows.items():
        times = critic_steps if part == "critic_update" else 1
        emit({"part": "profile", "model": model_name, "networks": "kerasio", "batch": batch,
              "critic_steps": critic_steps, "component": part, "seconds": round(seconds, 4),
              "share_of_step": round(times * seconds / step[model_name], 3)})
    emit({"part": "profile", "variant": "ratios", "penalty_critic_update_over_clipping":
          round(rows[("wgan-gp", "critic_update")] / rows[("wgan", "critic_update")], 3)})


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def markdown(rows):
    lines = ["# Training-step speed", "", "Written by `benchmarks/step_speed.py`: for each part, "
             "its latest run. Every ratio compares runs measured side by side in one process.", ""]
    for run in sorted({row["run"] for row in rows}):
        parts = sorted({row["part"] for row in rows if row["run"] == run})
        env = next(row["environment"] for row in rows if row["run"] == run)
        lines += [f"Run {run} ({', '.join(parts)}): " + environment_line(env), ""]
    return "\n".join(lines + tables(rows))


def environment_line(env):
    return " ".join([
        f"CPU: {env['cpu']} ({', '.join(env['cpu_flags'])}), {env['cores']} cores; TensorFlow "
        f"{env['tensorflow']}, Keras {env['keras']}; TF_ENABLE_ONEDNN_OPTS="
        f"{env['TF_ENABLE_ONEDNN_OPTS']} (oneDNN {'on' if env['onednn_enabled'] else 'off'}); "
        f"threads intra-op {env['intra_op_threads']}, inter-op {env['inter_op_threads']} "
        "(0: TensorFlow's default); load average at start "
        f"{env['load_average_1min']}, at end {env.get('load_average_1min_at_end')}. Matmul "
        f"4096x4096: float32 {env['matmul_float32_gflops']} GFLOP/s, bfloat16 "
        f"{env['matmul_bfloat16_gflops']} GFLOP/s.",
    ])


def tables(rows):
    lines = []
    ratios = [r for r in rows if r.get("variant") == "ratios" and "ratios" in r]
    if ratios:
        lines += ["## Ratios (medians of per-round ratios, measured interleaved)", "",
                  "| ratio | median | rounds |", "|---|---|---|"]
        for name, value in ratios[-1]["ratios"].items():
            lines.append(f"| {name} | {value['median']} | {value['rounds']} |")
        lines.append("")
    columns = ["part", "model", "networks", "variant", "image_shape", "batch", "critic_steps",
               "precision", "jit", "median_s_per_step", "median_cpu_s_per_step",
               "generator_steps_per_s",
               "real_images_per_s", "step_gflop", "achieved_gflops", "share_of_float32_matmul",
               "cores_busy", "trace_s", "peak_rss_mb"]
    timed = [r for r in rows if "median_s_per_step" in r]
    if timed:
        lines += ["## Steps", "", "| " + " | ".join(columns) + " |",
                  "|" + "---|" * len(columns)]
        for r in timed:
            lines.append("| " + " | ".join(str(r.get(c, "")) for c in columns) + " |")
        lines.append("")
    parts = [r for r in rows if r.get("part") == "profile" and "component" in r]
    if parts:
        lines += ["## One step by parts (each part timed alone)", "",
                  "| model | component | seconds | share of step |", "|---|---|---|---|"]
        for r in parts:
            lines.append(
                f"| {r['model']} | {r['component']} | {r['seconds']} | {r['share_of_step']} |"
            )
        lines.append("")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: small batch, 1 round")
    parser.add_argument("--full", action="store_true",
                        help="XLA at every batch size and under mixed_bfloat16 too")
    parser.add_argument("--yardstick",
                        help="path of the keras.io example script to run beside ours")
    parser.add_argument("--parts", default="targets,grid,profile")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--steps", type=int, default=None, help="timed steps per run and round")
    parser.add_argument("--batch", type=int, default=None, help="batch of the targets' part")
    parser.add_argument("--critic-steps", type=int, default=3)
    parser.add_argument("--intra-op", type=int, default=None, help="TensorFlow intra-op threads")
    parser.add_argument("--inter-op", type=int, default=None, help="TensorFlow inter-op threads")
    parser.add_argument("--output", default=os.path.join(RESULTS, "step_speed"))
    args = parser.parse_args()
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.steps = args.steps or 2
    args.batch = args.batch or (64 if args.quick else 512)
    if args.intra_op is not None:
        tf.config.threading.set_intra_op_parallelism_threads(args.intra_op)
    if args.inter_op is not None:
        tf.config.threading.set_inter_op_parallelism_threads(args.inter_op)

    env = environment()
    env["matmul_float32_gflops"] = round(matmul_gflops(tf.float32), 1)
    env["matmul_bfloat16_gflops"] = round(matmul_gflops(tf.bfloat16), 1)
    print(json.dumps(env), flush=True)
    run_id = time.strftime("%Y-%m-%dT%H:%M:%S")
    rows = []

    def emit(row):
        row = {"run": run_id, "quick": args.quick, **row}
        rows.append(row)
        print(json.dumps(row), flush=True)

    parts = args.parts.split(",")
    if "targets" in parts:
        targets(args, env["matmul_float32_gflops"], emit)
    if "grid" in parts:
        grid(args, env["matmul_float32_gflops"], emit)
    if "profile" in parts:
        profile(args, emit)
    env["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)

    os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
    with open(args.output + ".jsonl", "a") as f:
        for row in rows:
            f.write(json.dumps({**row, "environment": env}) + "\n")
    # The table shows, for each part, the latest full-size run that measured it.
    with open(args.output + ".jsonl") as f:
        recorded = [json.loads(line) for line in f if line.strip()]
    latest = {}
    for row in recorded:
        if not row.get("quick") or args.quick:
            latest[row["part"]] = row["run"]
    shown = [row for row in recorded if latest.get(row["part"]) == row["run"]]
    with open(args.output + ".md", "w") as f:
        f.write(markdown(shown))


if __name__ == "__main__":
    main()
