"""WGAN, WGAN-GP, minimax GAN and non-saturating GAN side by side (run by hand).

Same networks, budget, seed and schedule for all four: 5 critic (discriminator) updates per
generator update, the critic's learning rate 10x the generator's, both decaying linearly to 5%.
With a critic that strong the discriminator of a GAN sits near its optimum, the regime in which
the WGAN paper shows the minimax generator's gradient vanishing; every model logs the norm of its
generator's gradient, plotted over training. Scores: grid of 25 (VEEGAN protocol, W1) and digits
(classifier features, each score beside its real-vs-real floor and three-classes-removed
reference). One figure per dataset and one JSON line per run in benchmarks/results/.

Usage:
    python benchmarks/gan_family.py --dataset grid25 --steps 3000
    python benchmarks/gan_family.py --dataset digits --steps 1200
"""

import argparse
import json
import os
import time

# oneDNN must be chosen before TensorFlow loads (import keras_wgan would, but keras loads first).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_wgan  # noqa: E402
from keras_wgan import evaluation  # noqa: E402

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
}


def decaying(optimizer, rate, updates):
    return optimizer(
        keras.optimizers.schedules.PolynomialDecay(rate, updates, end_learning_rate=rate / 20)
    )


def networks(dataset):
    if dataset == "grid25":
        return (
            keras_wgan.networks.build_mlp_generator(2, latent_dim=2, hidden_units=(256,) * 3),
            keras_wgan.networks.build_mlp_critic(2, hidden_units=(256,) * 3),
        )
    return (
        keras_wgan.networks.build_generator((8, 8, 1), latent_dim=64),
        keras_wgan.networks.build_critic((8, 8, 1), normalization="layer"),
    )


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
    generator, critic = networks(dataset)
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
            label = (f"{result['model']}: {result['modes_captured']}/25 modes, "
                     f"HQ {result['high_quality_fraction']:.0%}, W1 {result['w1']:.2f}")
        else:
            label = (f"{result['model']}: FID {result['fid']:.1f}, "
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
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--out-dir", default="benchmarks/results")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    results = []
    for name in args.models:
        result = run(name, args.dataset, args.steps, args.seed)
        results.append(result)
        print(json.dumps({k: v for k, v in result.items() if k != "generator_gradient_norm"}))
        with open(os.path.join(args.out_dir, "gan_family.jsonl"), "a") as f:
            f.write(json.dumps(result) + "\n")
    plot(results, args.dataset, os.path.join(args.out_dir, f"gan_family_{args.dataset}.png"))
    print(f"tensorflow {tf.__version__}")


if __name__ == "__main__":
    main()
