"""One command for a machine with GPUs: its devices, and how the library runs there (by hand).

`python benchmarks/device_check.py --yardstick PATH/TO/kerasio_wgan_gp.py` measures, in under
8 minutes on a machine with one or more GPUs:

1. the devices: each GPU's name, compute capability and memory; the CPU's model;
2. our WGAN-GP step on the keras.io example's configuration (`step_speed.kerasio_networks`,
   batch 512, 3 critic steps) on one GPU in float32, `mixed_bfloat16` and `mixed_float16`, XLA
   off and on, each beside the keras.io example's float32 step (the `--yardstick` script, run
   first as a subprocess), with the GPU's peak memory;
3. images/s on all GPUs under `tf.distribute.MirroredStrategy` with XLA per replica, beside one
   GPU, and the replica check: N replicas and one device, on the same global batch and seed,
   end a few SGD steps with weights `max_abs_difference` apart;
4. a short MNIST-5k run (`keras_wgan.training.train`, the `mnist5k` recipe) and its
   classifier-FID beside the floor (real against real images).

A figure that needs a GPU is `null` without one, its reason under `absent`: a CPU figure is
never recorded as a GPU one. `--quick` runs every part at tiny sizes (the mirrored part on 2
logical CPU devices when there is no GPU) in about a minute on 2 cores, so that a test keeps the
code working. Each run appends one JSON line to `results/device_check.jsonl` and rewrites its
section (mode and devices) of `device_check.md`.

Usage:
    python benchmarks/device_check.py --yardstick PATH/TO/kerasio_wgan_gp.py
    python benchmarks/device_check.py --quick --output /tmp/device_check
"""

import argparse
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

# oneDNN must be chosen before TensorFlow loads (import keras_wgan would, but keras loads first).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import digits_recipe  # noqa: E402 (benchmarks/, the script's directory)
import keras  # noqa: E402
import numpy as np  # noqa: E402
import records  # noqa: E402
import step_speed  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_wgan  # noqa: E402
from keras_wgan import networks as networks_lib  # noqa: E402
from keras_wgan import training  # noqa: E402
from keras_wgan._policy import dtype_policy  # noqa: E402
from keras_wgan.run_config import TrainConfig  # noqa: E402

BENCHMARK = "device_check"
TITLE = "Device check: the library on this machine's devices"
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
CRITIC_STEPS = 3
NO_GPU = "no GPU visible to TensorFlow"
# Full mode's sizes, and --quick's (tiny networks and few steps, to exercise the code).
SIZES = {
    "full": {"shape": (28, 28, 1), "batch": 512, "steps": 20, "check_batch": 32,
             "mnist": {"epochs": 10}},
    # The MNIST-5k run without the recipe's k-means and XLA, which take most of a short run.
    "quick": {"shape": (8, 8, 1), "batch": 8, "steps": 2, "check_batch": 8,
              "mnist": {"epochs": 1, "steps_per_epoch": 10, "clusters": 0, "jit_compile": False}},
}


# --------------------------------------------------------------------------------------------
# Devices
# --------------------------------------------------------------------------------------------


def configure_devices():
    """GPUs allocate on demand (the yardstick's process shares them); without a GPU, the CPU
    is split into 2 logical devices for the mirrored part. Runs before TensorFlow starts."""
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        tf.config.experimental.set_memory_growth(gpu, True)
    if not gpus:
        cpu = tf.config.list_physical_devices("CPU")[0]
        logical = [tf.config.LogicalDeviceConfiguration()] * 2
        tf.config.set_logical_device_configuration(cpu, logical)
    return [device.name for device in tf.config.list_logical_devices("GPU" if gpus else "CPU")]


def gpu_details():
    """Name, compute capability and memory of each GPU, as TensorFlow and nvidia-smi see it."""
    from tensorflow.python.client import device_lib

    totals = {}
    try:
        query = ["nvidia-smi", "--query-gpu=pci.bus_id,memory.total",
                 "--format=csv,noheader,nounits"]
        listing = subprocess.run(query, capture_output=True, text=True, check=True).stdout
        for line in listing.splitlines():
            bus, _, total = line.partition(",")
            totals[bus.strip().lower()[-12:]] = int(total)
    except (OSError, subprocess.CalledProcessError, ValueError):
        pass
    gpus = []
    for device in device_lib.list_local_devices():
        if device.device_type != "GPU":
            continue
        description = device.physical_device_desc.split(", ")
        fields = dict(part.strip().split(": ", 1) for part in description if ": " in part)
        gpus.append({
            "device": device.name, "name": fields.get("name"),
            "compute_capability": fields.get("compute capability"),
            "memory_mb": totals.get(fields.get("pci bus id", "").lower()[-12:]),
            "memory_mb_for_tensorflow": round(device.memory_limit / 2**20),
        })
    return gpus


def gpu_peak_mb(devices, peaks):
    """Each GPU's peak memory since the last call (MB), also kept as the run's peak in `peaks`."""
    measured = {}
    for device in devices:
        if "GPU" in device:
            name = device.split("device:")[-1]
            measured[name] = round(tf.config.experimental.get_memory_info(name)["peak"] / 2**20)
            tf.config.experimental.reset_memory_stats(name)
            peaks[name] = max(peaks.get(name, 0), measured[name])
    return measured or None


# --------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------


def tiny_networks(image_shape, filters=8):
    """Narrow DCGAN networks, layer-normalized (a replica's batch statistics would differ)."""
    generator = networks_lib.build_generator(
        image_shape, step_speed.LATENT_DIM, base_filters=filters, normalization="layer")
    return generator, networks_lib.build_critic(image_shape, base_filters=filters)


def build(networks, shape, precision, jit, strategy, optimizers=None):
    gc.collect()  # the models measured before, so that their memory goes before the next one's
    with strategy.scope(), dtype_policy(precision):
        keras.utils.set_random_seed(0)
        generator, critic = networks(shape)
        model = keras_wgan.WGANGP(generator, critic, critic_steps=CRITIC_STEPS, seed=0)
        model.compile(jit_compile=jit, **(optimizers() if optimizers else {}))
    return model


def images(count, shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, *shape)).astype("float32")


def time_step(model, shape, batch, steps):
    """Median seconds of a generator step (after a first, traced one) and the trace's seconds."""
    data = keras_wgan.data.make_dataset(images(2 * batch * CRITIC_STEPS, shape), batch,
                                        CRITIC_STEPS, seed=0, repeat=True)
    start = time.perf_counter()
    model.fit(data, steps_per_epoch=1, epochs=1, verbose=0)
    trace = time.perf_counter() - start
    timer = step_speed.StepTimer()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, callbacks=[timer])
    step = statistics.median(timer.wall)
    return {"s_per_step": round(step, 5), "images_per_s": round(batch * CRITIC_STEPS / step, 1),
            "trace_s": round(max(trace - step, 0.0), 2)}


def step_part(args, sizes, devices, peaks, errors):
    """Our step in each precision, XLA off and on, beside the yardstick's float32 step."""
    networks = tiny_networks if args.quick else step_speed.kerasio_networks
    part = {"networks": "tiny" if args.quick else "kerasio", "image_shape": sizes["shape"],
            "batch": sizes["batch"], "critic_steps": CRITIC_STEPS, "device": devices[0],
            "yardstick": None, "rows": []}
    if args.yardstick:
        # First, before our models hold GPU memory.
        yardstick = attempt("yardstick", step_speed.run_yardstick, errors, args.yardstick,
                            sizes["batch"], CRITIC_STEPS, sizes["steps"])
        if yardstick:
            part["yardstick"] = {**yardstick, "images_per_s": round(
                sizes["batch"] * CRITIC_STEPS / yardstick["median_s_per_step"], 1)}
    gpu_peak_mb(devices, peaks)
    strategy = tf.distribute.OneDeviceStrategy(devices[0])
    for precision in PRECISIONS:
        for jit in (False, True):
            row = {"precision": precision, "jit": jit}
            try:
                model = build(networks, sizes["shape"], precision, jit, strategy)
                row.update(time_step(model, sizes["shape"], sizes["batch"], sizes["steps"]))
            except Exception as error:  # noqa: BLE001 (one failed row must not lose the others)
                row["error"] = f"{type(error).__name__}: {str(error)[:500]}"
                errors[f"step {precision} jit={jit}"] = row["error"]
            row["peak_gpu_memory_mb"] = (gpu_peak_mb(devices, peaks) or {}).get(
                devices[0].split("device:")[-1])
            if part["yardstick"] and "s_per_step" in row:
                row["speedup_over_yardstick"] = round(
                    part["yardstick"]["median_s_per_step"] / row["s_per_step"], 3)
            part["rows"].append(row)
            print(json.dumps(row), flush=True)
    return part


def mirrored_part(args, sizes, devices, one_device_row):
    """Images/s on every device, XLA per replica, beside one device (the step part's figure)."""
    networks = tiny_networks if args.quick else step_speed.kerasio_networks
    strategy = tf.distribute.MirroredStrategy(devices)
    replicas = strategy.num_replicas_in_sync
    model = build(networks, sizes["shape"], "float32", True, strategy)
    timed = time_step(model, sizes["shape"], sizes["batch"] * replicas, sizes["steps"])
    one = one_device_row.get("images_per_s")
    return {
        "devices": devices, "replicas": replicas, "precision": "float32", "jit": True,
        "batch_per_replica": sizes["batch"], "one_device_images_per_s": one,
        "all_devices_images_per_s": timed["images_per_s"], "trace_s": timed["trace_s"],
        "scaling_efficiency": round(timed["images_per_s"] / (replicas * one), 3) if one else None,
    }


def replica_check(sizes, devices, steps=3):
    """Weights after `steps` on N replicas and on one device: same global batch, same seed.

    SGD, not Adam: Adam's first updates are near lr * sign(gradient), which turns a rounding
    difference in a near-zero gradient into a difference of lr.
    """
    batch = sizes["check_batch"] * len(devices)
    data = images(batch * CRITIC_STEPS * steps, sizes["shape"], seed=1)

    def weights(strategy):
        def sgd():
            return {"generator_optimizer": keras.optimizers.SGD(0.01),
                    "critic_optimizer": keras.optimizers.SGD(0.01)}

        model = build(tiny_networks, sizes["shape"], "float32", True, strategy, optimizers=sgd)
        model.fit(keras_wgan.data.make_dataset(data, batch, CRITIC_STEPS, shuffle=False),
                  epochs=1, verbose=0)
        return model.get_weights()

    one = weights(tf.distribute.OneDeviceStrategy(devices[0]))
    many = weights(tf.distribute.MirroredStrategy(devices))
    difference = max(float(abs(a - b).max()) for a, b in zip(one, many))
    return {"replicas": len(devices), "global_batch": batch, "steps": steps, "jit": True,
            "optimizer": "SGD(0.01)", "max_abs_difference": difference}


def mnist_part(settings):
    """A short `mnist5k` recipe run through `keras_wgan.training.train`, and its scores.

    `settings`: `TrainConfig` fields over the recipe's.
    """
    with tempfile.TemporaryDirectory() as folder:
        config = TrainConfig(
            dataset="mnist5k", verbose=0, backup_every=0, quality_every=0, **settings,
            saved_models_dir=os.path.join(folder, "saved_models"),
        )
        start = time.perf_counter()
        summary = training.train(config, os.path.join(folder, "run"))
    fid = summary["quality"]["scores"]["fid"]
    return {"generator_steps": summary["generator_steps"], "precision": config.precision,
            "jit": config.jit_compile, "clusters": config.clusters,
            "run_s": round(time.perf_counter() - start, 1),
            "fid": fid["generated"], "fid_floor": fid["floor"], "fid_degraded": fid["degraded"],
            "verdict": fid["verdict"], "num_samples": summary["quality"]["num_samples"]}


# --------------------------------------------------------------------------------------------
# The run and its record
# --------------------------------------------------------------------------------------------


def attempt(name, function, errors, *args, seconds=None):
    """`function(*args)`, or `None` with the error kept under `errors[name]`: a part that fails
    must not lose the others' figures. Its wall time goes to `seconds[name]`."""
    start = time.perf_counter()
    try:
        return function(*args)
    except Exception as error:  # noqa: BLE001
        errors[name] = f"{type(error).__name__}: {str(error)[:1000]}"
        print(f"{name} failed: {errors[name]}", file=sys.stderr, flush=True)
        return None
    finally:
        if seconds is not None:
            seconds[name] = round(time.perf_counter() - start, 1)


def check(args):
    started = time.perf_counter()
    devices = configure_devices()
    mode = "quick" if args.quick else "full"
    sizes = SIZES[mode]
    gpus = gpu_details() if "GPU" in devices[0] else []
    cpu = {**digits_recipe.cpu_description(),
           "platform": platform.processor() or platform.machine()}
    absent, errors, peaks, seconds = {}, {}, {}, {}
    row = {"mode": mode, "measured_on": "GPU" if gpus else "CPU", "devices": devices,
           "cpu": cpu, "gpus": gpus}
    if not gpus:
        stand_in = ("the step and mirrored figures are CPU figures at --quick's tiny sizes"
                    if args.quick else "benchmarks/step_speed.py measures the CPU's step")
        absent.update({"gpus": NO_GPU, "peak_gpu_memory_mb": NO_GPU,
                       "gpu_step": f"{NO_GPU}: {stand_in}",
                       "gpu_mirrored": f"{NO_GPU}: {stand_in}"})
    if not args.yardstick:
        absent["yardstick"] = "no --yardstick PATH given"
    if gpus or args.quick:
        row["step"] = attempt("step", step_part, errors, args, sizes, devices, peaks, errors,
                              seconds=seconds)
        rows = (row["step"] or {}).get("rows", [])
        one = next((r for r in rows if r["precision"] == "float32" and r["jit"]), {})
        row["mirrored"] = attempt("mirrored", mirrored_part, errors, args, sizes, devices, one,
                                  seconds=seconds)
        gpu_peak_mb(devices, peaks)
    else:
        row["step"] = row["mirrored"] = None
    if len(devices) > 1:
        row["replica_check"] = attempt("replica_check", replica_check, errors, sizes, devices,
                                       seconds=seconds)
    else:
        row["replica_check"] = None
        absent["replica_check"] = "one GPU: the check needs 2 or more devices"
    settings = {**sizes["mnist"], **({"epochs": args.mnist_epochs} if args.mnist_epochs else {})}
    row["mnist5k"] = attempt("mnist5k", mnist_part, errors, settings, seconds=seconds)
    gpu_peak_mb(devices, peaks)
    code = digits_recipe.code_state()
    row.update({
        "peak_gpu_memory_mb": peaks or None, "absent": absent, "errors": errors,
        "part_s": seconds,
        "tensorflow": tf.__version__, "keras": keras.__version__,
        "python": platform.python_version(), "git_head": code["git_head"],
        "library_sha1": code["library_sha1"], "wall_s": round(time.perf_counter() - started, 1),
        # The process's CPU time: what the run costs when other processes share the cores.
        "cpu_s": round(time.process_time(), 1),
    })
    return row


def variant_name(row):
    if row["gpus"]:
        return f"{row['mode']}: {len(row['gpus'])}x {row['gpus'][0]['name']}"
    return f"{row['mode']}: CPU {row['cpu']['cpu_model']}"


def markdown(row):
    gpus = "; ".join(f"{g['device']} {g['name']} (compute {g['compute_capability']}, "
                     f"{g['memory_mb']} MB)" for g in row["gpus"]) or "none"
    lines = [f"Run {row['run']} ({row['wall_s']} s, {row['cpu_s']} s of CPU), revision "
             f"{row['git_head']}: CPU {row['cpu']['cpu_model']} ({row['cpu']['cores']} cores); "
             f"GPUs: {gpus}; TensorFlow {row['tensorflow']}, Keras {row['keras']}.", ""]
    if row["mode"] == "quick":
        lines += ["`--quick`: tiny sizes and few steps check the code; not measurements.", ""]
    step = row.get("step")
    if step:
        yardstick = step["yardstick"]
        shape = "x".join(map(str, step["image_shape"]))
        lines += [f"WGAN-GP step, {step['networks']} networks, {shape} images, batch "
                  f"{step['batch']}, {step['critic_steps']} critic steps, on {step['device']}; "
                  "keras.io yardstick " + (f"(float32): {yardstick['median_s_per_step']} s per "
                                           "step." if yardstick else "not run."), "",
                  records.table(step["rows"], [
                      ("precision", "precision"), ("XLA", "jit"), ("s per step", "s_per_step"),
                      ("images/s", "images_per_s"), ("vs yardstick", "speedup_over_yardstick"),
                      ("trace s", "trace_s"), ("peak GPU MB", "peak_gpu_memory_mb"),
                      ("error", "error")])]
    mirrored = row.get("mirrored")
    if mirrored:
        lines += [f"MirroredStrategy, {mirrored['replicas']} replicas, XLA per replica, batch "
                  f"{mirrored['batch_per_replica']} per replica: "
                  f"{mirrored['all_devices_images_per_s']} images/s against "
                  f"{mirrored['one_device_images_per_s']} on one device (scaling efficiency "
                  f"{mirrored['scaling_efficiency']}).", ""]
    check_ = row.get("replica_check")
    if check_:
        lines += [f"Replica check: {check_['replicas']} replicas vs one device, global batch "
                  f"{check_['global_batch']}, {check_['steps']} steps ({check_['optimizer']}, "
                  f"XLA): weights at most {check_['max_abs_difference']:.3g} apart.", ""]
    mnist = row.get("mnist5k")
    if mnist:
        lines += [f"MNIST-5k recipe (clusters {mnist['clusters']}, XLA {mnist['jit']}), "
                  f"{mnist['generator_steps']} generator steps in {mnist['run_s']} s: "
                  f"classifier-FID {mnist['fid']:.4g} (floor {mnist['fid_floor']:.4g}, "
                  f"degraded {mnist['fid_degraded']:.4g}; {mnist['verdict']}).", ""]
    if row["peak_gpu_memory_mb"]:
        lines += [f"Peak GPU memory over the run (MB): {row['peak_gpu_memory_mb']}.", ""]
    lines += [f"- absent: `{name}`: {reason}" for name, reason in row["absent"].items()]
    lines += [f"- failed: `{name}`: {error}" for name, error in row["errors"].items()]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and few steps: checks the code, about a minute on CPU")
    parser.add_argument("--yardstick", help="path of the keras.io example script (float32)")
    parser.add_argument("--mnist-epochs", type=int, help="epochs of the MNIST-5k run "
                        "(default 10 of 100 steps; --quick: 1 of 10 steps)")
    parser.add_argument("--output", default=records.RESULTS, help="folder of the record")
    args = parser.parse_args()
    row = {"run": datetime.datetime.now().isoformat(timespec="seconds"), **check(args)}
    row = {"variant": variant_name(row), **row}
    records.append(BENCHMARK, row, results=args.output)
    records.write_section(BENCHMARK, row["variant"], markdown(row), TITLE, results=args.output)
    print(json.dumps(row), flush=True)
    if row["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
