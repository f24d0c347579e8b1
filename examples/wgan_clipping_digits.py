"""The original WGAN, with weight clipping, on scikit-learn's bundled 8x8 digits.

Weight clipping (Arjovsky, Chintala and Bottou, 2017) keeps the critic Lipschitz by clipping
every critic weight to [-0.01, 0.01] after each update, with RMSprop(5e-5) for both networks.
The model logs `clipped_fraction`, the share of critic weights sitting at the bound: near 1 the
clip dominates the critic (the capacity problem the WGAN-GP paper fixes), near 0 it is loose.
This script prints it every epoch and keeps the whole history in `history.json`.

    python examples/wgan_clipping_digits.py --output-dir runs/clipping
    python examples/wgan_clipping_digits.py --smoke --output-dir /tmp/clipping   # seconds

Writes into `--output-dir`: `samples/epoch_XXX.png`, `history.json`, `wgan_clipping_digits.keras`.
"""

import argparse
import os

# oneDNN must be chosen before TensorFlow is imported (see keras_wgan/__init__.py).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_wgan  # noqa: E402
from keras_wgan import callbacks  # noqa: E402


class PrintClippedFraction(keras.callbacks.Callback):
    """Prints the fraction of critic weights at the clip bound after each epoch."""

    def on_epoch_end(self, epoch, logs=None):
        print(f"epoch {epoch + 1}: clipped_fraction={logs['clipped_fraction']:.3f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--clip-value", type=float, default=keras_wgan.config.CLIP_VALUE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="a few steps of tiny networks")
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(args.seed)

    # 1. Data: digits in [-1, 1], batches of critic_steps * batch_size images.
    images, _ = keras_wgan.data.load_digits("train", seed=args.seed)
    critic_steps = keras_wgan.config.CRITIC_STEPS
    batch_size = 16 if args.smoke else args.batch_size
    dataset = keras_wgan.data.make_dataset(images, batch_size, critic_steps, seed=args.seed)

    # 2. Networks: DCGAN generator and critic (clipping allows any normalisation).
    latent_dim, filters = (16, 8) if args.smoke else (64, 64)
    generator = keras_wgan.networks.build_generator((8, 8, 1), latent_dim, base_filters=filters)
    critic = keras_wgan.networks.build_critic((8, 8, 1), base_filters=filters)

    # 3. Model: the WGAN gives every critic variable a WeightClip constraint, applied by the
    #    optimizer right after each critic update. compile() defaults to RMSprop(5e-5).
    model = keras_wgan.WGAN(
        generator, critic, critic_steps=critic_steps, clip_value=args.clip_value, seed=args.seed
    )
    model.compile()

    # 4. Train; the logs hold critic_loss, generator_loss, wasserstein_estimate and
    #    clipped_fraction.
    latent = np.random.default_rng(args.seed).standard_normal((64, latent_dim)).astype("float32")
    model.fit(
        dataset,
        epochs=1 if args.smoke else args.epochs,
        steps_per_epoch=2 if args.smoke else None,
        callbacks=[
            callbacks.SampleGrid(latent, os.path.join(args.output_dir, "samples"), every=10),
            callbacks.JsonHistory(os.path.join(args.output_dir, "history.json")),
            PrintClippedFraction(),
        ],
        verbose=0,
    )

    # 5. Every critic weight now lies within the clip bound.
    largest = max(float(np.abs(w).max()) for w in critic.get_weights())
    print(f"largest critic weight: {largest:.4f} (clip_value={args.clip_value})")
    model.save(os.path.join(args.output_dir, "wgan_clipping_digits.keras"))


if __name__ == "__main__":
    main()
