r"""Class-conditional WGAN-GP on the bundled 8x8 digits: does G(z, y) draw digit y? (run by hand)

Trains a conditional WGAN-GP (label embedding in the generator, projection head in the critic),
then asks the digits classifier of `keras_wgan.evaluation` (held-out accuracy printed beside) to
classify 1,000 samples, 100 per class: the conditional accuracy is the share it assigns to the
class the generator was asked for. Writes a grid (one row per class) and appends one JSON line.

Usage:
    python benchmarks/conditional_digits.py --epochs 300 \
        --out benchmarks/results/conditional_digits.jsonl
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


def save_grid(images, path, rows=10):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = len(images) // rows
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 0.6, rows * 0.6))
    for axis, image in zip(axes.ravel(), images):
        axis.imshow(image[..., 0], cmap="gray", vmin=-1, vmax=1)
        axis.axis("off")
    figure.suptitle("conditional WGAN-GP: row y = samples of G(z, y)", fontsize=8)
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="benchmarks/results/conditional_digits.jsonl")
    parser.add_argument("--grid", default="benchmarks/results/conditional_digits.png")
    args = parser.parse_args()

    keras.utils.set_random_seed(args.seed)
    images, labels = keras_wgan.data.load_digits("train", seed=args.seed)
    generator = keras_wgan.networks.build_generator((8, 8, 1), latent_dim=64, num_classes=10)
    critic = keras_wgan.networks.build_critic((8, 8, 1), num_classes=10)
    model = keras_wgan.WGANGP(generator, critic, seed=args.seed)
    model.compile()
    dataset = keras_wgan.data.make_dataset(
        (images, labels), args.batch, critic_steps=model.critic_steps, seed=args.seed
    )
    start = time.perf_counter()
    model.fit(dataset, epochs=args.epochs, verbose=0)
    seconds = time.perf_counter() - start

    classifier = evaluation.train_digits_classifier()
    wanted = np.repeat(np.arange(10, dtype="int32"), 100)
    latent = np.random.default_rng(args.seed + 1).standard_normal((1000, 64)).astype("float32")
    samples = keras.ops.convert_to_numpy(
        model.generate(tf.constant(latent), tf.constant(wanted))
    )
    predicted = np.argmax(evaluation.probabilities(classifier, samples), axis=1)
    per_class = [float(np.mean(predicted[wanted == c] == c)) for c in range(10)]
    result = {
        "model": "conditional WGAN-GP (embedding + projection)",
        "epochs": args.epochs,
        "generator_steps": int(model.generator_optimizer.iterations),
        "train_seconds": round(seconds, 1),
        "conditional_accuracy": float(np.mean(predicted == wanted)),
        "per_class_accuracy": [round(a, 3) for a in per_class],
        "classifier_heldout_accuracy": evaluation.heldout_accuracy(classifier),
        "seed": args.seed,
        "tensorflow": tf.__version__,
    }
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "a") as f:
        f.write(json.dumps(result) + "\n")
    order = np.concatenate([np.arange(c * 100, c * 100 + 10) for c in range(10)])
    save_grid(samples[order], args.grid)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
