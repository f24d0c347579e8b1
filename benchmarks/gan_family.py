"""WGAN, WGAN-GP, minimax GAN, non-saturating GAN, and spectral normalization with WGAN-GP and the
hinge loss side by side (run by hand).

Same networks, budget, seed and schedule for all: 5 critic (discriminator) updates per
generator update, the critic's learning rate 10x the generator's, both decaying linearly to 5%.
With a critic that strong the discriminator of a GAN sits near its optimum, the regime in which
the WGAN paper shows the minimax generator's gradient vanishing; every model logs the norm of its
generator's gradient, plotted over training. Scores: grid of 25 (VEEGAN protocol, W1) and digits
(classifier features, each score beside its real-vs-real floor and three-classes-removed
reference). One figure per dataset and one JSON line per run in benchmarks/results/.
A spectrally normalized critic ("-sn") wraps every dense and convolution layer
(`keras_wgan.networks.spectrally_normalized`) and drops the digits critic's layer normalization,
as `keras-wgan train --spectral-norm` does.

Usage:
    python benchmarks/gan_family.py --dataset grid25 --steps 3000
    python benchmarks/gan_family.py --dataset digits --steps 1200
    python benchmarks/gan_family.py --dataset grid25 --models wgan-gp wgan-gp-sn hinge-sn \
        --seeds 0 1 2 --figure benchmarks/results/gan_family_lipschitz_grid25.png
"""

import argparse
import json
import os
import subprocess
import time

# oneDNN must be chosen before TensorFlow loads (import keras_wgan would, but keras loads first).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_wgan  # noqa: E402
from keras_wgan import evaluation  # noqa: E402
from keras_wgan.models.hinge import HingeGAN  # noqa: E402

CRITIC_STEPS = 5
MODELS = {
    # name: (class, extra arguments, optimizer factory, generator learning rate)
    "wgan": (keras_wgan.WGAN, {}, keras.optimizers.RMSprop, 5e-5),
    "wgan-gp": (keras_wgan.WGANGP, {}, lambda rate: keras.optimizers.Adam(rate, 0.5, 0.9), 2e-4),
    "gan-minimax": (
        keras_wgan.GAN,
        {"loss": "minimax"},
        lambda rate: keras.optimizers.Adam(rate, 0.5, 0.9),
        2e-4,
    ),
    "gan-non-saturating": (
        keras_wgan.GAN,
        {"loss": "non_saturating"},
        lambda rate: keras.optimizers.Adam(rate, 0.5, 0.9),
        2e-4,
    ),
    "wgan-gp-sn": (keras_wgan.WGANGP, {}, lambda rate: keras.optimizers.Adam(rate, 0.5, 0.9), 2e-4),
    "hinge-sn": (HingeGAN, {}, lambda rate: keras.optimizers.Adam(rate, 0.5, 0.9), 2e-4),
}
SPECTRAL_NORM = ("wgan-gp-sn", "hinge-sn")
FAMILY = [name for name in MODELS if name not in SPECTRAL_NORM]


def decaying(optimizer, rate, updates):
    return optimizer(
        keras.optimizers.schedules.PolynomialDecay(rate, updates, end_learning_rate=rate / 20)
    )


def networks(dataset, spectral_norm=False):
    if dataset == "grid25":
        return (
            keras_wgan.networks.build_mlp_generator(2, latent_dim=2, hidden_units=(256,) * 3),
            keras_wgan.networks.build_mlp_critic(
                2, hidden_units=(256,) * 3, spectral_norm=spectral_norm
            ),
        )
    return (
        keras_wgan.networks.build_generator((8, 8, 1), latent_dim=64),
        keras_wgan.networks.build_critic(
            (8, 8, 1), normalization=None if spectral_norm else "layer",
            spectral_norm=spectral_norm,
        ),
    )


def cpu_model():
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    names = [line.partition(":")[2].strip() for line in text.splitlines()
             if line.startswith("Model name")]
    return names[0] if names else "unknown"


def real_data(dataset, seed):
    if dataset == "grid25":
        return keras_wgan.data.grid25(256 * CRITIC_STEPS * 50, seed=seed), 256, 50
    images, _ = keras_wgan.data.load_digits("train", seed=seed)
    return images, 64, len(images) // (64 * CRITIC_STEPS)


def score(model, dataset, seed):
    if dataset == "grid25":
        latent = np.random.default_rng(seed + 1).standard_normal((2500, 2)).astype("float32")
        samples = model.generator.predict(latent, batch_size=2500, verbose=0)
        result = evaluation.mode_metrics(samples, *keras_wgan.data.toy_modes("grid25"))
        result.pop("mode_histogram")
        real = keras_wgan.data.grid25(1000, seed + 2)
        result["w1"] = evaluation.wasserstein1(samples[:1000], real)
        return result
    scored = evaluation.score_generator(model.generator, "digits", seed=seed)
    return {name: value["generated"] for name, value in scored["scores"].items()} | {
        "references": {
            name: {"floor": value["floor"], "degraded": value["degraded"]}
            for name, value in scored["scores"].items()
        },
        "feature_extractor": scored["feature_extractor"],
    }


def run(name, dataset, steps, seed):
    keras.utils.set_random_seed(seed)
    cls, extra, optimizer, rate = MODELS[name]
    generator, critic = networks(dataset, spectral_norm=name in SPECTRAL_NORM)
    model = cls(generator, critic, critic_steps=CRITIC_STEPS, seed=seed, **extra)
    model.compile(
        generator_optimizer=decaying(optimizer, rate, steps),
        critic_optimizer=decaying(optimizer, 10 * rate, steps * CRITIC_STEPS),
    )
    data, batch, steps_per_epoch = real_data(dataset, seed)
    stream = keras_wgan.data.make_dataset(data, batch, CRITIC_STEPS, seed=seed, repeat=True)
    start = time.perf_counter()
    history = model.fit(
        stream, epochs=max(1, steps // steps_per_epoch), steps_per_epoch=steps_per_epoch, verbose=0
    )
    seconds = time.perf_counter() - start
    return {
        "variant": dataset,
        "dataset": dataset,
        "model": name,
        "seed": seed,
        "spectral_norm": name in SPECTRAL_NORM,
        "cpu": cpu_model(),
        "generator_steps": int(model.generator_optimizer.iterations),
        "train_seconds": round(seconds, 1),
        "generator_gradient_norm": [float(v) for v in history.history["generator_gradient_norm"]],
        **score(model, dataset, seed),
    }


def plot(results, dataset, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4))
    for result in results:
        norms = result["generator_gradient_norm"]
        if dataset == "grid25":
            label = (f"{result['model']} (seed {result['seed']}): "
                     f"{result['modes_captured']}/25 modes, "
                     f"HQ {result['high_quality_fraction']:.0%}, W1 {result['w1']:.2f}")
        else:
            label = (f"{result['model']} (seed {result['seed']}): FID {result['fid']:.1f}, "
                     f"{int(result['classes_covered'])} classes")
        axis.plot(np.arange(1, len(norms) + 1), norms, label=label)
    axis.set_yscale("log")
    axis.set_xlabel("epoch")
    axis.set_ylabel("generator gradient norm (epoch mean)")
    axis.set_title(f"{dataset}: same networks, budget, seed; critic 10x faster, 5 updates per step")
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["grid25", "digits"], default="grid25")
    parser.add_argument("--steps", type=int, default=3000, help="generator updates per model")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--models", nargs="+", default=FAMILY, choices=list(MODELS))
    parser.add_argument("--out-dir", default="benchmarks/results")
    parser.add_argument("--figure", default=None,
                        help="default: <out-dir>/gan_family_<dataset>.png")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    results = []
    for seed in args.seeds:
        for name in args.models:
            result = run(name, args.dataset, args.steps, seed)
            results.append(result)
            print(json.dumps({k: v for k, v in result.items() if k != "generator_gradient_norm"}))
            with open(os.path.join(args.out_dir, "gan_family.jsonl"), "a") as f:
                f.write(json.dumps(result) + "\n")
    figure = args.figure or os.path.join(args.out_dir, f"gan_family_{args.dataset}.png")
    plot(results, args.dataset, figure)
    print(f"tensorflow {tf.__version__}")


if __name__ == "__main__":
    main()
