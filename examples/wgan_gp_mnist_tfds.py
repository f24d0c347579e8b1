r"""WGAN-GP on MNIST read through TensorFlow Datasets, with a DCGAN generator and critic.

`keras_wgan.data.load_tfds` never downloads: prepare MNIST once on a machine with internet,

    python -c "import tensorflow_datasets as tfds; \
        tfds.builder('mnist', data_dir='/data/tfds').download_and_prepare()"

then train where the data is (an unprepared dataset stops at once with that command):

    python examples/wgan_gp_mnist_tfds.py --data-dir /data/tfds --output-dir runs/mnist

`--smoke` runs a few steps of tiny networks on *fake* MNIST: it wraps the loading in
`tfds.testing.mock_data`, which serves random images of MNIST's shape and dtype without any
files, so the check runs offline and in seconds. Its pictures are noise by design.

Writes into `--output-dir`: `samples/epoch_XXX.png` and `wgan_gp_mnist.keras`.
"""

import argparse
import contextlib
import os
import sys

# oneDNN must be chosen before TensorFlow is imported (see keras_wgan/__init__.py).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_wgan  # noqa: E402
from keras_wgan import callbacks  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="TFDS data directory holding mnist")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--smoke", action="store_true", help="tiny networks on fake MNIST (tfds mock_data)"
    )
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(args.seed)

    if args.smoke:
        import tensorflow_datasets as tfds

        # Random stand-in examples with MNIST's features; no files, no network.
        source = tfds.testing.mock_data(num_examples=64)
    else:
        source = contextlib.nullcontext()

    with source:
        # 1. Data: (image in [-1, 1] [28, 28, 1], label) pairs; make_dataset batches them as
        #    critic_steps * batch_size images (labels ride along and are ignored).
        try:
            train = keras_wgan.data.load_tfds("mnist", "train", data_dir=args.data_dir)
        except keras_wgan.data.DatasetNotPreparedError as error:
            sys.exit(f"error: {error}")
        critic_steps = keras_wgan.config.CRITIC_STEPS
        batch_size = 4 if args.smoke else args.batch_size
        dataset = keras_wgan.data.make_dataset(train, batch_size, critic_steps, seed=args.seed)

        # 2. Networks: 28x28 DCGAN (7x7 -> 14x14 -> 28x28); layer-normalised critic.
        latent_dim, filters = (16, 8) if args.smoke else (128, 64)
        generator = keras_wgan.networks.build_generator(
            (28, 28, 1), latent_dim, base_filters=filters
        )
        critic = keras_wgan.networks.build_critic((28, 28, 1), base_filters=filters)

        # 3. WGAN-GP with the paper's defaults: lambda 10, 5 critic steps, Adam(1e-4, 0.5, 0.9).
        model = keras_wgan.WGANGP(generator, critic, critic_steps=critic_steps, seed=args.seed)
        model.compile()

        # 4. Train, drawing 64 fixed latent vectors every epoch.
        rng = np.random.default_rng(args.seed)
        latent = rng.standard_normal((64, latent_dim)).astype("float32")
        grid = callbacks.SampleGrid(latent, os.path.join(args.output_dir, "samples"))
        model.fit(
            dataset,
            epochs=1 if args.smoke else args.epochs,
            steps_per_epoch=2 if args.smoke else None,
            callbacks=[grid],
            verbose=2,
        )

    path = os.path.join(args.output_dir, "wgan_gp_mnist.keras")
    model.save(path)
    print(f"samples: {grid.paths[-1]}\nmodel: {path}")


if __name__ == "__main__":
    main()
