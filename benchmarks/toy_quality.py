"""Quality of WGAN and WGAN-GP on the 2-D toy mixtures, measured (run by hand).

Trains MLPs on the ring of 8 or the grid of 25 with a fixed seeded budget, then scores 2,500
samples with the VEEGAN protocol (modes captured, high-quality fraction, reverse KL) and the exact
W1 against real samples (n = 1000). Also times one critic update and one generator update alone,
to show how a training step splits between them. Appends one JSON line per run to --out. The
networks are unconditional: the grid recipe's clusters are left out (`benchmarks/toy_probe.py`
measures them); the penalty weight is the dataset's recipe's (`penalty_weight` in each line).

Usage:
    python benchmarks/toy_quality.py --dataset grid25 --model wgan-gp --steps 3000 --seeds 0 1 2
    python benchmarks/toy_quality.py --dataset ring8 --model wgan --generator-lr 5e-5 \
        --critic-lr 5e-5 --steps 3000
"""

import argparse
import json
import os
import platform
import time

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_wgan  # noqa: E402
from keras_wgan import evaluation  # noqa: E402
from keras_wgan import run_config  # noqa: E402
from keras_wgan import training  # noqa: E402


def score(model, dataset, seed):
    means, std = keras_wgan.data.toy_modes(dataset)
    latent = np.random.default_rng(seed + 1000).standard_normal((2500, 2)).astype("float32")
    samples = model.generator.predict(latent, batch_size=2500, verbose=0)
    real = keras_wgan.data.TOY_DATASETS[dataset](1000, seed=seed + 2000)
    result = evaluation.mode_metrics(samples, means, std)
    result.pop("mode_histogram")
    result["w1"] = evaluation.wasserstein1(samples[:1000], real)
    return result


def time_updates(model, batch_size, repeats=50):
    """Median seconds of one critic update and one generator update, each compiled alone."""
    real = tf.constant(keras_wgan.data.grid25(batch_size, seed=0))
    critic_update = tf.function(lambda: model.update_critic(real))
    generator_update = tf.function(lambda: model.update_generator(batch_size))
    medians = {}
    for name, update in (
        ("critic_update_s", critic_update),
        ("generator_update_s", generator_update),
    ):
        update()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            update()
            times.append(time.perf_counter() - start)
        medians[name] = float(np.median(times))
    return medians


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            lines = f.read().splitlines()
    except OSError:
        return platform.processor()
    name = next(
        (line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), ""
    )
    flags = next((line.split(":", 1)[1].split() for line in lines if line.startswith("flags")), [])
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
    return f"{name} ({', '.join(f for f in wanted if f in flags)})"


def run(args, seed):
    """One run of the command line's toy recipe (`keras_wgan.run_config`) with `args`' changes."""
    config = run_config.TrainConfig(
        model=args.model, dataset=args.dataset, batch_size=args.batch, seed=seed,
        hidden_units=(args.units,) * 3, generator_lr=args.generator_lr,
        critic_lr=args.critic_lr, lr_decay=args.decay,
        epochs=args.steps // keras_wgan.run_config.TOY_STEPS_PER_EPOCH,
        clusters=0,  # unconditional MLPs: toy_probe.py measures the grid recipe's clusters
    )
    keras.utils.set_random_seed(seed)
    data = training.load_training_data(config)
    model = training.build_model(config, data.shape[1:])
    model.compile(*training.make_optimizers(config, args.steps))
    dataset = keras_wgan.data.make_dataset(
        data, config.batch_size, critic_steps=config.critic_steps, seed=seed
    )
    start = time.perf_counter()
    model.fit(dataset, epochs=config.epochs, verbose=0)
    seconds = time.perf_counter() - start
    return {
        "dataset": args.dataset,
        "model": args.model,
        "seed": seed,
        "generator_steps": int(model.generator_optimizer.iterations),
        "batch_size": args.batch,
        "hidden_units": args.units,
        "generator_lr": config.generator_lr,
        "critic_lr": config.critic_lr,
        "decay": args.decay,
        "penalty_weight": getattr(model, "penalty_weight", None),
        "train_seconds": round(seconds, 1),
        **score(model, args.dataset, seed),
        **time_updates(model, args.batch),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "tensorflow": tf.__version__,
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["ring8", "grid25"], default="grid25")
    parser.add_argument("--model", choices=["wgan", "wgan-gp"], default="wgan-gp")
    parser.add_argument("--steps", type=int, default=2000, help="generator updates")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--generator-lr", type=float, default=None,
                        help="default: the recipe's (keras_wgan.run_config.TOY_LEARNING_RATES)")
    parser.add_argument("--critic-lr", type=float, default=None, help="default: the recipe's")
    parser.add_argument(
        "--decay", action=argparse.BooleanOptionalAction, default=True,
        help="decay both learning rates linearly to 5%% over the run",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--out", default="benchmarks/results/toy_quality.jsonl")
    args = parser.parse_args()
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    for seed in args.seeds:
        result = {"variant": f"{args.dataset}_{args.model}", **run(args, seed)}
        print(json.dumps(result))
        with open(args.out, "a") as f:
            f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
