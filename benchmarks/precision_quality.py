"""WGAN-GP quality under float32 and under `mixed_bfloat16`, side by side (run by hand).

Trains the measured WGAN-GP recipes once per (dataset, precision, seed), each run in its own
subprocess so a precision policy can never leak into the next run:

- grid of 25: the recipe of `toy_quality.py` (MLPs 3x256, latent 2, Adam(0.5, 0.9) 2e-4 for the
  generator and 2e-3 for the critic, both decaying linearly to 5%, batch 256, 5 critic steps,
  3,000 generator steps), scored with the VEEGAN protocol on 2,500 samples (modes captured,
  high-quality fraction, reverse KL) and the exact W1 against 1,000 real samples;
- digits: the WGAN-GP recipe of `gan_family.py` (DCGAN networks at 8x8, critic with layer
  normalization, latent 64, same optimizers and schedule, batch 64, 5 critic steps, 1,200
  generator steps), scored by `keras_wgan.evaluation.score_generator` (classifier-FID, KID,
  class coverage) beside its in-run references (real-vs-real floor, three classes removed).

Under `mixed_bfloat16` the global policy is set before the networks are built (their output
layers are float32 by construction) and reset to float32 before scoring. Every run appends one
JSON line (metrics, wall time, CPU model and flags, cores, versions, oneDNN, threads, the policy
and the compute dtypes the networks actually got, and its variant: `default`, or
`float32_critic` with `--float32-critic`) to `benchmarks/results/precision_quality.jsonl`; after
every run the variant's section of `precision_quality.md` is rewritten from the lines of this
invocation.

Usage:
    python benchmarks/precision_quality.py                    # full: 2 datasets x 2 x 3 seeds
    python benchmarks/precision_quality.py --quick            # tiny check, written to /tmp
    python benchmarks/precision_quality.py --table-only RUN_ID  # rebuild the table from the JSON
    python benchmarks/precision_quality.py --datasets grid25 --float32-critic  # f32 critic
"""

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import time

import records  # benchmarks/, the script's directory

PRECISIONS = ("float32", "mixed_bfloat16")
DATASETS = ("digits", "grid25")
CRITIC_STEPS = 5
FULL_STEPS = {"grid25": 3000, "digits": 1200}
QUICK_STEPS = {"grid25": 100, "digits": 8}
# (name in the JSON, label in the table, higher is better)
METRICS = {
    "grid25": (
        ("modes_captured", "modes captured (of 25)", True),
        ("high_quality_fraction", "high-quality fraction", True),
        ("reverse_kl", "reverse KL", False),
        ("w1", "W1", False),
    ),
    "digits": (
        ("fid", "classifier-FID", False),
        ("kid", "KID", False),
        ("classes_covered", "classes covered (of 10)", True),
        ("class_kl", "class KL to uniform", False),
    ),
}
CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")


# --------------------------------------------------------------------------------------------
# Machine description
# --------------------------------------------------------------------------------------------


def cpu_description():
    """CPU model, the flags that matter for bfloat16, and the core count, from `lscpu`."""
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        text = ""
    fields = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in text.splitlines())
    )
    flags = fields.get("Flags", "").split()
    return {
        "cpu_model": fields.get("Model name", "unknown"),
        "cpu_flags": {flag: flag in flags for flag in CPU_FLAGS},
        "cores": os.cpu_count(),
    }


def runtime_description():
    """TensorFlow and Keras versions, oneDNN state and thread settings of this process."""
    import keras
    import tensorflow as tf

    try:
        from tensorflow.python.util import _pywrap_util_port

        onednn = bool(_pywrap_util_port.IsMklEnabled())
    except ImportError:  # the private module moved
        onednn = None
    return {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
        "onednn_enabled": onednn,
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
    }


def code_state():
    """The library code a run used: HEAD and a hash of the uncommitted diff of `keras_wgan/`
    (other people may edit the working tree while a long benchmark runs)."""
    import hashlib

    import keras_wgan

    root = os.path.dirname(os.path.dirname(os.path.abspath(keras_wgan.__file__)))

    def git(*arguments):
        try:
            return subprocess.run(
                ["git", "-C", root, *arguments], capture_output=True, text=True, check=True
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            return None

    head, diff = git("rev-parse", "HEAD"), git("diff", "HEAD", "--", "keras_wgan")
    return {
        "git_head": head.strip() if head else None,
        "library_diff_sha1": hashlib.sha1(diff.encode()).hexdigest()[:12] if diff else None,
    }


def compute_dtypes(network):
    """How many layers of `network` compute in each dtype, e.g. `{"bfloat16": 7, "float32": 2}`."""
    counts = {}
    for layer in network.layers:
        if layer.weights:  # layers with weights: the ones whose matmuls/convolutions count
            counts[layer.compute_dtype] = counts.get(layer.compute_dtype, 0) + 1
    return counts


# --------------------------------------------------------------------------------------------
# One run (in a worker subprocess)
# --------------------------------------------------------------------------------------------


def build_networks(dataset, float32_critic=False):
    """The dataset's networks under the global policy; the critic under float32 if asked."""
    import keras

    import keras_wgan

    if dataset == "grid25":
        generator = keras_wgan.networks.build_mlp_generator(
            2, latent_dim=2, hidden_units=(256,) * 3
        )
    else:
        generator = keras_wgan.networks.build_generator((8, 8, 1), latent_dim=64)
    policy = keras.mixed_precision.global_policy()
    if float32_critic:
        keras.mixed_precision.set_global_policy("float32")
    try:
        if dataset == "grid25":
            critic = keras_wgan.networks.build_mlp_critic(2, hidden_units=(256,) * 3)
        else:
            critic = keras_wgan.networks.build_critic((8, 8, 1), normalization="layer")
    finally:
        keras.mixed_precision.set_global_policy(policy)
    return generator, critic


def real_stream(dataset, seed):
    """`(dataset, steps_per_epoch)` as toy_quality.py (grid) and gan_family.py (digits) make
    them."""
    import keras_wgan

    if dataset == "grid25":
        steps_per_epoch, batch = 50, 256
        data = keras_wgan.data.grid25(batch * CRITIC_STEPS * steps_per_epoch, seed=seed)
        stream = keras_wgan.data.make_dataset(data, batch, critic_steps=CRITIC_STEPS, seed=seed)
        return stream, steps_per_epoch, batch
    batch = 64
    images, _ = keras_wgan.data.load_digits("train", seed=seed)
    steps_per_epoch = len(images) // (batch * CRITIC_STEPS)
    stream = keras_wgan.data.make_dataset(images, batch, CRITIC_STEPS, seed=seed, repeat=True)
    return stream, steps_per_epoch, batch


def score(model, dataset, seed):
    """The scores of `toy_quality.py` (grid) or `gan_family.py` (digits), same seeds."""
    import numpy as np

    import keras_wgan
    from keras_wgan import evaluation

    if dataset == "grid25":
        means, std = keras_wgan.data.toy_modes("grid25")
        latent = np.random.default_rng(seed + 1000).standard_normal((2500, 2)).astype("float32")
        samples = model.generator.predict(latent, batch_size=2500, verbose=0)
        real = keras_wgan.data.grid25(1000, seed=seed + 2000)
        result = evaluation.mode_metrics(samples, means, std)
        result.pop("mode_histogram")
        result["w1"] = evaluation.wasserstein1(samples[:1000], real)
        # Reference at the same n: another real set against the same real set.
        result["w1_floor"] = evaluation.wasserstein1(
            keras_wgan.data.grid25(1000, seed=seed + 3000), real
        )
        result["samples_finite"] = bool(np.all(np.isfinite(samples)))
        return {k: float(v) if not isinstance(v, bool) else v for k, v in result.items()}
    scored = evaluation.score_generator(model.generator, "digits", seed=seed)
    result = {name: value["generated"] for name, value in scored["scores"].items()}
    result["references"] = {
        name: {"floor": value["floor"], "degraded": value["degraded"]}
        for name, value in scored["scores"].items()
    }
    result["feature_extractor"] = scored["feature_extractor"]
    result["num_samples"] = scored["num_samples"]
    return result


def run_one(dataset, precision, seed, steps, float32_critic=False):
    """Trains and scores one model; returns its JSON record."""
    import keras

    import keras_wgan
    from keras_wgan import run_config
    from keras_wgan import training

    state = code_state()  # at import time; compared with the end of the run below
    keras.mixed_precision.set_global_policy(precision)
    try:
        keras.utils.set_random_seed(seed)
        generator, critic = build_networks(dataset, float32_critic)
        policy = keras.mixed_precision.global_policy().name
        model = keras_wgan.WGANGP(generator, critic, critic_steps=CRITIC_STEPS, seed=seed)
        # The toy recipe's optimizers (keras_wgan.run_config), on both datasets.
        recipe = run_config.TrainConfig(dataset="grid25", critic_steps=CRITIC_STEPS)
        model.compile(*training.make_optimizers(recipe, steps))
        stream, steps_per_epoch, batch = real_stream(dataset, seed)
        load_before = os.getloadavg()
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        history = model.fit(
            stream,
            epochs=max(1, steps // steps_per_epoch),
            steps_per_epoch=steps_per_epoch,
            verbose=0,
        )
        seconds = time.perf_counter() - start
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        load_after = os.getloadavg()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    cpu_seconds = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    return {
        "dataset": dataset,
        "model": "wgan-gp",
        "policy": precision,
        "policy_at_build": policy,
        "generator_compute_dtypes": compute_dtypes(model.generator),
        "critic_compute_dtypes": compute_dtypes(model.critic),
        "variable_dtypes": sorted({v.dtype for v in model.trainable_variables}),
        "seed": seed,
        "generator_steps": int(model.generator_optimizer.iterations),
        "batch_size": batch,
        "critic_steps": CRITIC_STEPS,
        "generator_lr": recipe.generator_lr,
        "critic_lr": recipe.critic_lr,
        "decay": "linear to 5%",
        "train_seconds": round(seconds, 1),
        "train_cpu_seconds": round(cpu_seconds, 1),
        "cores_busy": round(cpu_seconds / seconds, 2),
        "loadavg_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "final_critic_loss": float(history.history["critic_loss"][-1]),
        "final_generator_loss": float(history.history["generator_loss"][-1]),
        **score(model, dataset, seed),
        "policy_after_reset": keras.mixed_precision.global_policy().name,
        **cpu_description(),
        **runtime_description(),
        **state,
        "library_changed_during_run": code_state() != state,
    }


def worker(args):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras_wgan  # noqa: F401  (sets oneDNN before TensorFlow loads)

    record = run_one(args.dataset, args.precision, args.seed, args.steps, args.float32_critic)
    print("RESULT " + json.dumps(record), flush=True)


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------


def fmt(name, value):
    if value is None:
        return "-"
    if name in ("modes_captured", "classes_covered"):
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    if name == "high_quality_fraction":
        return f"{100 * value:.1f}%"
    if name == "train_seconds":
        return f"{value:.0f}"
    if name == "kid":
        return f"{value:.1f}"
    if name in ("fid",):
        return f"{value:.1f}"
    return f"{value:.3f}"


def verdict(bf16_values, float32_values, higher_is_better):
    """Is bf16's mean inside float32's closed seed range [min, max]? With the side if not."""
    if not bf16_values or len(float32_values) < 2:
        return "not enough runs"
    mean = sum(bf16_values) / len(bf16_values)
    low, high = min(float32_values), max(float32_values)
    if low <= mean <= high:
        return "**inside** float32's range"
    better = (mean > high) == higher_is_better
    gap = mean - high if mean > high else low - mean
    width = high - low
    ratio = f", {gap / width:.2f}x the range's width" if width > 0 else ""
    return f"**outside**, {'better' if better else 'worse'} by {gap:.3g}{ratio}"


def table(records, supplement=()):
    """The markdown page: the runs of one invocation, then optional extra seeds, pooled."""
    lines = []
    first = records[0]
    flags = ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in first["cpu_flags"].items())
    lines += [
        f"`{first['command'].strip()}` on {first['date']}: {first['cpu_model']} ({flags}), "
        f"{first['cores']} cores, "
        f"TensorFlow {first['tensorflow']}, Keras {first['keras']}, oneDNN "
        f"{'on' if first['onednn_enabled'] else 'off'} (TF_ENABLE_ONEDNN_OPTS="
        f"{first['TF_ENABLE_ONEDNN_OPTS']}), intra/inter-op threads "
        f"{first['intra_op_threads']}/{first['inter_op_threads']} (0 = TensorFlow's default). "
        "Each run in its own subprocess; under `mixed_bfloat16` the policy is set before the "
        "networks are built and reset to float32 before scoring. Raw lines (with each run's "
        "policy and the compute dtypes its layers got): `precision_quality.jsonl`, run "
        f"`{first['run_id']}`.",
        "",
        "Verdict rule: bf16 is **inside** when the mean of its seeds lies in the closed interval "
        "[min, max] of float32's seeds for the same metric; otherwise the line says on which side "
        "(better or worse) and how far, also as a multiple of float32's range width.",
        "",
        "Wall time: the 2 cores may be shared with other jobs (see the load averages and cores "
        "busy under each table), so the bf16/float32 ratio of train seconds is no speed "
        "measurement; speed belongs to the step benchmark on a quiet machine.",
        "",
    ]
    lines += sections(records, "##")
    if supplement:
        extra_datasets = {r["dataset"] for r in supplement}
        pooled = [r for r in records if r["dataset"] in extra_datasets] + list(supplement)
        lines += [
            "## More seeds, pooled with the runs above",
            "",
            "The same recipe and command with more `--seeds` (runs "
            + ", ".join(f"`{i}`" for i in sorted({r["run_id"] for r in supplement}))
            + "), pooled with the table above; same verdict rule over all seeds.",
            "",
        ]
        lines += sections(pooled, "###", compact=True)
    return "\n".join(lines) + "\n"


def sections(records, level, compact=False):
    """One table per dataset: per-seed values, mean, min-max per precision, and the verdict."""
    lines = []
    cores = records[0]["cores"]
    for dataset in DATASETS:
        runs = [r for r in records if r["dataset"] == dataset]
        if not runs:
            continue
        seeds = sorted({r["seed"] for r in runs})
        by = {(r["policy"], r["seed"]): r for r in runs}
        steps = sorted({r["generator_steps"] for r in runs})
        if dataset == "grid25":
            lines += [
                f"{level} Grid of 25 (MLPs 3x256, batch 256, 5 critic steps, "
                f"{', '.join(map(str, steps))} generator steps)",
                "",
                "VEEGAN protocol on 2,500 samples (a perfect sampler: 25 modes, 98.9% high "
                "quality, reverse KL ~0); exact W1 on 1,000 samples against 1,000 real (real vs "
                "real at the same n: "
                + ", ".join(fmt("w1", by[(p, s)]["w1_floor"]) for p, s in sorted(by)[:len(seeds)])
                + " for the seeds).",
                "",
            ]
        else:
            feature = runs[0].get("feature_extractor", "")
            lines += [
                f"{level} Digits (DCGAN 8x8, layer-normalized critic, batch 64, 5 critic steps, "
                f"{', '.join(map(str, steps))} generator steps)",
                "",
                f"Features: {feature}. n = {runs[0].get('num_samples')} per set; the floor (real "
                "train subset vs held out) and degraded (classes 0, 1, 2 removed) references "
                "depend only on the seed, so they are the same for both precisions.",
                "",
            ]
        header = "| metric |"
        rule = "|---|"
        for precision in PRECISIONS:
            if compact:
                header += f" {short(precision)} seeds {', '.join(map(str, seeds))} |"
                rule += "---|"
            for seed in [] if compact else seeds:
                header += f" {short(precision)} s{seed} |"
                rule += "---|"
            header += f" {short(precision)} mean | {short(precision)} min-max |"
            rule += "---|---|"
        header += " verdict |"
        rule += "---|"
        lines += [header, rule]
        rows = list(METRICS[dataset]) + [("train_seconds", "train wall s", None)]
        for name, label, higher in rows:
            line = f"| {label} |"
            values = {}
            for precision in PRECISIONS:
                values[precision] = [
                    by[(precision, s)][name] for s in seeds if (precision, s) in by
                ]
                cells = [
                    fmt(name, by[(precision, seed)][name]) if (precision, seed) in by else "-"
                    for seed in seeds
                ]
                line += f" {', '.join(cells)} |" if compact else "".join(f" {c} |" for c in cells)
                vals = values[precision]
                if vals:
                    line += (
                        f" {fmt(name, sum(vals) / len(vals))} |"
                        f" {fmt(name, min(vals))}-{fmt(name, max(vals))} |"
                    )
                else:
                    line += " - | - |"
            if higher is None:
                f32, bf16 = values["float32"], values["mixed_bfloat16"]
                ratio = (sum(bf16) / len(bf16)) / (sum(f32) / len(f32)) if f32 and bf16 else None
                line += f" bf16/float32 = {ratio:.2f} (shared machine) |" if ratio else " - |"
            else:
                line += f" {verdict(values['mixed_bfloat16'], values['float32'], higher)} |"
            lines.append(line)
            if dataset == "digits" and higher is not None and not compact:
                cells = []
                for precision in PRECISIONS:
                    for seed in seeds:
                        ref = (
                            by[(precision, seed)]["references"][name]
                            if (precision, seed) in by
                            else None
                        )
                        cells.append(
                            f"{fmt(name, ref['floor'])} / {fmt(name, ref['degraded'])}"
                            if ref
                            else "-"
                        )
                    cells += ["", ""]
                lines.append("| ...floor / degraded | " + " | ".join(cells) + " | |")
        busy = {
            p: [by[(p, s)]["cores_busy"] for s in seeds if (p, s) in by] for p in PRECISIONS
        }
        loads = [v for r in runs for v in r["loadavg_1min_before_after"]]
        lines += [
            "",
            "Cores busy during fit (process CPU s / wall s): "
            + "; ".join(f"{short(p)} {', '.join(f'{v:.2f}' for v in busy[p])}" for p in PRECISIONS)
            + f". 1-minute load average around the runs: {min(loads):.1f} to {max(loads):.1f} "
            f"on {cores} cores.",
            "",
        ]
    return lines


def short(precision):
    return "bf16" if precision == "mixed_bfloat16" else "f32"


def write_table(results, variant, run_id, supplement_ids=()):
    everything = records.read("precision_quality", variant, results=results)
    rows = [r for r in everything if r.get("run_id") == run_id]
    supplement = [r for r in everything if r.get("run_id") in supplement_ids]
    if rows:
        records.write_section("precision_quality", variant, table(rows, supplement),
                              "WGAN-GP quality under float32 and mixed_bfloat16, measured",
                              results=results)


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def plan(datasets, seeds):
    """(dataset, precision, seed) in an order that pairs precisions under similar load: both
    precisions of a seed run back to back, the first of the pair alternating with the seed."""
    order = []
    for dataset in datasets:
        for index, seed in enumerate(seeds):
            pair = PRECISIONS if index % 2 == 0 else PRECISIONS[::-1]
            order += [(dataset, precision, seed) for precision in pair]
    return order


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--precisions", nargs="+", choices=PRECISIONS, default=list(PRECISIONS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true", help="tiny budgets, seed 0, out to /tmp")
    parser.add_argument("--table-only", metavar="RUN_ID", help="rebuild the table and exit")
    parser.add_argument(
        "--float32-critic", action="store_true",
        help="build the critic under float32 whatever the policy (bf16 generator, f32 critic)",
    )
    parser.add_argument(
        "--supplement", nargs="+", default=(), metavar="RUN_ID",
        help="with --table-only: runs with more seeds, pooled in a second section",
    )
    # Worker mode (one run), used by the driver.
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--precision", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    results = "/tmp/precision_quality_quick" if args.quick else records.RESULTS
    variant = "float32_critic" if args.float32_critic else "default"
    command = " ".join(["python benchmarks/precision_quality.py", *sys.argv[1:]])
    if args.table_only:
        write_table(results, variant, args.table_only, args.supplement)
        return
    seeds = [args.seeds[0]] if args.quick else args.seeds
    budgets = QUICK_STEPS if args.quick else FULL_STEPS
    run_id = datetime.datetime.now().strftime("%Y%m%dT%H%M%S")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    for dataset, precision, seed in plan(args.datasets, seeds):
        if precision not in args.precisions:
            continue
        print(f"[{time.strftime('%H:%M:%S')}] {dataset} {precision} seed {seed}", flush=True)
        completed = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--worker", "--dataset", dataset,
             "--precision", precision, "--seed", str(seed), "--steps", str(budgets[dataset])]
            + (["--float32-critic"] if args.float32_critic else []),
            capture_output=True, text=True, env=env,
        )
        results = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
        if completed.returncode != 0 or not results:
            print(f"run failed (exit {completed.returncode}):\n{completed.stderr[-3000:]}")
            continue
        record = json.loads(results[-1][len("RESULT "):])
        record = {"variant": variant, "run_id": run_id,
                  "date": datetime.date.today().isoformat(), "command": command, **record}
        print(json.dumps({k: v for k, v in record.items() if k != "references"}), flush=True)
        records.append("precision_quality", record, results=results)
        write_table(results, variant, run_id)
    print(f"run_id {run_id}; table: {records.markdown_path('precision_quality', results)}")


if __name__ == "__main__":
    main()
