"""The 2-D toys' recipes (grid of 25, ring of 8) and variants of them, measured (by hand).

The ring's and the grid's recipes (`keras-wgan train --dataset ring8|grid25`) were found and
measured here (aims: the grid >= 80% of samples within 3 std of a mode, the ring >= 90%). This
script trains one variant of the toy model per call (the grid unless `overrides` names another
`dataset`) for a fixed number of generator steps, and scores its
samples with the VEEGAN protocol (`keras_wgan.evaluation.score_toy`: modes captured,
high-quality fraction, reverse KL, W1). A variant is a JSON spec:

- `overrides`: `TrainConfig` fields (`hidden_units`, `batch_size`, `latent_dim`, `model`, rates);
- `extra`: what `TrainConfig` cannot say: `critic_units` (a separate critic width; default
  `hidden_units`, which before the `pack` probes was 3x256 whatever `hidden_units` said), `fourier`
  (that many fixed random sine features `sin(Wx + b)`, W ~ N(0, fscale^2), in front of the
  critic's MLP), `bias_g` / `bias_c` (the first dense layer's biases of the generator / critic
  drawn from U(-s, s) instead of zeros, so that ReLU kinks do not all pass through the origin),
  `pack` (PacGAN's packing: the critic scores that many samples at once, concatenated; the
  penalty's gradient norm stays per sample), `gp_weight` (lambda), `jit` (XLA),
  `every` (score every that many steps: the curve),
  `surface` (save a picture of the critic's values with the samples over it, and the
  generator's x-marginal).

Every run appends a JSON line (its variant: the dataset; scores, curve, wall and CPU seconds,
CPU model) to `benchmarks/results/toy_probe.jsonl`; `--table` rewrites `toy_probe.md` from it.
(The `final_fraction` and `top_k` probes, which changed library globals, are at git revision
ad05621.)

Usage:
    python benchmarks/toy_probe.py '{"name": "u128", "steps": 1500,
        "overrides": {"hidden_units": [128, 128, 128]}, "extra": {"every": 500}}'
    python benchmarks/toy_probe.py --table
"""

import argparse
import datetime
import json
import os
import resource
import time

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from digits_recipe import code_state  # noqa: E402  (benchmarks/ is the script's folder)
from digits_recipe import cpu_description  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
JSONL = os.path.join(RESULTS, "toy_probe.jsonl")
MARKDOWN = os.path.join(RESULTS, "toy_probe.md")


def build_critic(extra):
    """An MLP critic of its own width, optionally behind fixed random sine features."""
    import keras

    x = inputs = keras.Input((2,))
    if extra.get("pack"):
        # PacGAN's packing: the critic scores `pack` samples at once, concatenated.
        packed = 2 * extra["pack"]
        x = keras.layers.Lambda(lambda points: keras.ops.reshape(points, (-1, packed)))(x)
    if extra.get("fourier"):
        features = keras.layers.Dense(
            extra["fourier"], trainable=False,
            kernel_initializer=keras.initializers.RandomNormal(stddev=extra.get("fscale", 1.0)),
            bias_initializer=keras.initializers.RandomUniform(0.0, 6.2832),
        )
        x = keras.ops.sin(features(x))
    for units in extra["critic_units"]:
        x = keras.layers.ReLU()(keras.layers.Dense(units)(x))
    return keras.Model(inputs, keras.layers.Dense(1)(x), name="critic")


def randomize_first_biases(model, generator_scale, critic_scale, seed):
    import keras
    import numpy as np

    rng = np.random.default_rng(seed)
    for network, scale in ((model.generator, generator_scale), (model.critic, critic_scale)):
        first = next(layer for layer in network.layers if isinstance(layer, keras.layers.Dense))
        first.bias.assign(rng.uniform(-scale, scale, first.bias.shape).astype("float32"))


def score(model, dataset, seed, use_ema=False):
    from keras_wgan import evaluation

    samples = evaluation.generate(model, 2500, seed=seed + 2, use_ema=use_ema)
    scores = evaluation.score_toy(samples, dataset, seed=seed + 2)["scores"]
    return samples, {key: round(value["generated"], 3) for key, value in scores.items()}


def draw_surface(model, samples, latent_dim, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    axis = np.linspace(-5, 5, 200).astype("float32")
    xx, yy = np.meshgrid(axis, axis)
    values = model.critic.predict(
        np.stack([xx.ravel(), yy.ravel()], 1), verbose=0, batch_size=4000
    ).reshape(xx.shape)
    latents = np.random.default_rng(0).standard_normal((20000, latent_dim)).astype("float32")
    marginal = model.generator.predict(latents, verbose=0, batch_size=5000)[:, 0]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 5))
    left.contourf(xx, yy, values, 30)
    left.scatter(samples[:, 0], samples[:, 1], s=1, c="w", alpha=0.3)
    left.set_title("critic values, samples in white")
    right.hist(marginal, 200)
    right.set_title("generated x (20,000 samples)")
    figure.savefig(path, dpi=60)
    plt.close(figure)


def run(spec, seed):
    import keras
    import tensorflow as tf

    from keras_wgan import data as data_lib
    from keras_wgan import run_config
    from keras_wgan import training
    from keras_wgan.models import WGANGP

    name, steps = spec["name"], spec["steps"]
    overrides, extra = spec.get("overrides", {}), spec.get("extra", {})
    config = run_config.TrainConfig(**{"dataset": "grid25", **overrides}, seed=seed, verbose=0)
    real = training.load_training_data(config)
    keras.utils.set_random_seed(seed)
    points, frequencies = training.split_training_data(config, real)
    model = training.build_model(config, points.shape[1:], cluster_frequencies=frequencies)
    if "critic_units" in extra or "fourier" in extra or "pack" in extra:
        critic = build_critic({"critic_units": list(config.hidden_units), **extra})
        model = WGANGP(model.generator, critic, critic_steps=config.critic_steps,
                       seed=seed, ema_decay=config.ema_decay)
    if "bias_g" in extra:
        randomize_first_biases(model, extra["bias_g"], extra["bias_c"], seed)
    if "gp_weight" in extra:
        model.penalty_weight = extra["gp_weight"]
    model.compile(*training.make_optimizers(config, steps), jit_compile=extra.get("jit", False))
    stream = data_lib.make_dataset(
        real, config.batch_size, critic_steps=config.critic_steps, seed=seed, repeat=True
    )
    load_before = os.getloadavg()[0]
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    every = extra.get("every", steps)
    curve = []
    for chunk in range(steps // every):
        model.fit(stream, epochs=1, steps_per_epoch=every, verbose=0, shuffle=False)
        if every < steps:  # [generator steps, high quality, modes, W1]
            _, row = score(model, config.dataset, seed)
            curve.append([(chunk + 1) * every, row["high_quality_fraction"],
                          row["modes_captured"], row["w1"]])
            print(curve[-1], flush=True)
    wall = time.perf_counter() - started
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = sum(getattr(usage_after, f) - getattr(usage_before, f) for f in ("ru_utime", "ru_stime"))
    record = {
        "variant": config.dataset,
        "date": datetime.date.today().isoformat(), "name": name, "seed": seed, "steps": steps,
        "overrides": overrides, "extra": extra, "curve": curve, "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1), "loadavg_1min_before_after": [round(load_before, 2),
                                                             round(os.getloadavg()[0], 2)],
    }
    samples, record["raw"] = score(model, config.dataset, seed)
    if model.ema_generator is not None:
        record["ema"] = score(model, config.dataset, seed, use_ema=True)[1]
    if extra.get("surface"):
        draw_surface(model, samples, config.latent_dim,
                     os.path.join(RESULTS, f"toy_probe_{name}.png"))
    record.update(cpu_description(), tensorflow=tf.__version__, **code_state())
    print(json.dumps(record), flush=True)
    with open(JSONL, "a") as file:
        file.write(json.dumps(record) + "\n")


def load_text(record):
    load = record.get("loadavg_1min_before_after")
    if load:
        return f"{max(load):g}"
    return "shared" if record.get("cores_shared") else "alone"


def write_table():
    with open(JSONL) as file:
        records = [json.loads(line) for line in file if line.strip()]
    lines = [
        "# The 2-D toys: probes of WGAN-GP's toy recipe",
        "",
        "`python benchmarks/toy_probe.py SPEC`; raw lines with the CPU in "
        "`toy_probe.jsonl`. Scores of 2,500 samples of the trained generator (VEEGAN "
        "protocol; a perfect sampler: all modes, 98.9%, reverse KL ~0). Curve: high quality at "
        "each scored step. Load: the highest 1-minute load average, or whether another 2-core "
        "benchmark shared the cores; wall seconds are upper bounds when it did.",
        "",
        "| data | probe | seed | changes from the recipe | steps | modes | high quality | "
        "reverse KL | W1 | curve (step: high quality) | wall s | CPU s | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        changes = ", ".join(f"{k}={v}" for k, v in {**r["overrides"], **r["extra"]}.items()
                            if k not in ("every", "surface", "dataset")) or "none"
        curve = " ".join(f"{step}: {hq:.1%}" for step, hq, _, _ in r["curve"]) or "-"
        raw = r["raw"]
        lines.append(
            f"| {r['overrides'].get('dataset', 'grid25')} | {r['name']} | {r['seed']} | "
            f"{changes} | "
            f"{r['steps']} | {raw['modes_captured']:g}/{raw['num_modes']:g} | "
            f"{raw['high_quality_fraction']:.1%} | {raw['reverse_kl']:.3f} | {raw['w1']:.3f} | "
            f"{curve} | {r['wall_s']} | {r['cpu_s']} | {load_text(r)} |"
        )
    with open(MARKDOWN, "w") as file:
        file.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", help="the probe, as JSON")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--table", action="store_true", help="only rewrite the Markdown table")
    args = parser.parse_args()
    if args.spec:
        for seed in args.seeds:
            run(json.loads(args.spec), seed)
    write_table()


if __name__ == "__main__":
    main()
