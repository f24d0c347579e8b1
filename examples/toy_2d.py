"""WGAN-GP on the 2-D toys, drawn like Figure 1 of the WGAN-GP paper: samples over the critic.

The toys are a ring of 8 Gaussians (`ring8`), a 5x5 grid of Gaussians (`grid25`) and a swiss roll
(`swissroll`). The networks: MLPs of three 256-unit ReLU layers (the paper's 512 units were
unstable at this short budget in our runs), a 2-D latent.

The recipe is the command line's for the toys (`keras_wgan.run_config`, measured in
`benchmarks/results/toy_quality.md`): the critic learns 10x faster than the generator, Adam(2e-4)
for the generator and Adam(2e-3) for the critic, betas (0.5, 0.9), both rates decaying linearly
to 5% of their start over the run, 60 epochs of 50 generator steps. The critic's schedule counts
critic updates, `critic_steps` per generator step, so its decay runs over `critic_steps` times
more updates. `keras_wgan.training.make_optimizers` builds both optimizers from a `TrainConfig`.

    python examples/toy_2d.py --dataset grid25 --output-dir runs/grid25
    python examples/toy_2d.py --smoke --output-dir /tmp/toy      # seconds: a check

Writes into `--output-dir`: `<dataset>.png` (real points in grey, generated in red, the critic's
value as filled contours) and, for ring8 and grid25, `<dataset>_modes.json` (mode coverage).
"""

import argparse
import json
import os

# oneDNN must be chosen before TensorFlow is imported (see keras_wgan/__init__.py).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import matplotlib  # noqa: E402
import numpy as np  # noqa: E402

import keras_wgan  # noqa: E402
from keras_wgan import evaluation  # noqa: E402
from keras_wgan import run_config  # noqa: E402
from keras_wgan import training  # noqa: E402

matplotlib.use("Agg")
from matplotlib import pyplot  # noqa: E402


def draw(generator, critic, real, path, title, num_samples=2500, seed=0):
    """Real points, generated points and the critic's contours in one figure; returns samples."""
    latent = np.random.default_rng(seed).standard_normal(
        (num_samples, generator.inputs[0].shape[1])
    ).astype("float32")
    samples = keras.ops.convert_to_numpy(generator(latent, training=False))

    low, high = real.min(axis=0), real.max(axis=0)
    low, high = low - 0.25 * (high - low), high + 0.25 * (high - low)
    xs, ys = np.meshgrid(np.linspace(low[0], high[0], 120), np.linspace(low[1], high[1], 120))
    points = np.stack([xs.ravel(), ys.ravel()], axis=1).astype("float32")
    scores = keras.ops.convert_to_numpy(critic.predict(points, batch_size=4096, verbose=0))

    figure, axes = pyplot.subplots(figsize=(5, 5))
    contours = axes.contourf(xs, ys, scores.reshape(xs.shape), levels=20, cmap="viridis")
    figure.colorbar(contours, ax=axes, fraction=0.046, pad=0.04, label="critic(x)")
    axes.scatter(*real[:num_samples].T, s=2, c="0.85", label="real")
    axes.scatter(*samples.T, s=2, c="tab:red", label="generated")
    axes.set_xlim(low[0], high[0])
    axes.set_ylim(low[1], high[1])
    axes.set_aspect("equal")
    axes.legend(loc="upper right", fontsize=8, markerscale=4)
    axes.set_title(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return samples


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(keras_wgan.data.TOY_DATASETS), default="ring8")
    parser.add_argument("--output-dir", required=True)
    toy = run_config.KIND_DEFAULTS["toy"]
    parser.add_argument("--epochs", type=int, default=toy["epochs"])
    parser.add_argument("--steps-per-epoch", type=int, default=run_config.TOY_STEPS_PER_EPOCH,
                        help="generator updates")
    parser.add_argument("--batch-size", type=int, default=toy["batch_size"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="a few steps of tiny networks")
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    os.makedirs(args.output_dir, exist_ok=True)
    epochs, steps = (1, 3) if args.smoke else (args.epochs, args.steps_per_epoch)
    units = (32, 32) if args.smoke else run_config.HIDDEN_UNITS

    # 1. Data: 100,000 points of the mixture, batches of critic_steps * batch_size, repeated.
    critic_steps = keras_wgan.config.CRITIC_STEPS
    real = keras_wgan.data.TOY_DATASETS[args.dataset](100_000, seed=args.seed)
    dataset = keras_wgan.data.make_dataset(
        real, args.batch_size, critic_steps, seed=args.seed, repeat=True
    )

    # 2. Networks and model: 2-D latent, MLPs, gradient penalty with weight 10.
    generator = keras_wgan.networks.build_mlp_generator(2, latent_dim=2, hidden_units=units)
    critic = keras_wgan.networks.build_mlp_critic(2, hidden_units=units)
    model = keras_wgan.WGANGP(generator, critic, critic_steps=critic_steps, seed=args.seed)

    # 3. The recipe: critic rate 10x the generator's, both decaying linearly to 5%.
    total = epochs * steps
    config = run_config.TrainConfig(dataset=args.dataset, critic_steps=critic_steps)
    generator_optimizer, critic_optimizer = training.make_optimizers(config, total)
    model.compile(generator_optimizer=generator_optimizer, critic_optimizer=critic_optimizer)
    model.fit(dataset, epochs=epochs, steps_per_epoch=steps, verbose=2)

    # 4. Figure 1 of the paper: where the critic is high, the generator moves its samples.
    path = os.path.join(args.output_dir, f"{args.dataset}.png")
    samples = draw(generator, critic, real, path, f"{args.dataset}, {total} generator steps")
    print(f"figure: {path}")

    # 5. Mode coverage (VEEGAN protocol) for the mixtures.
    if args.dataset in ("ring8", "grid25"):
        scores = evaluation.mode_metrics(samples, *keras_wgan.data.toy_modes(args.dataset))
        with open(os.path.join(args.output_dir, f"{args.dataset}_modes.json"), "w") as file:
            json.dump(scores, file, indent=1, default=float)
        print(
            f"modes captured: {scores['modes_captured']}/{scores['num_modes']}, "
            f"high quality: {scores['high_quality_fraction']:.1%}"
        )


if __name__ == "__main__":
    main()
