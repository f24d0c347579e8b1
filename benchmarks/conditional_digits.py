r"""Class-conditional WGAN-GP on the bundled 8x8 digits: does G(z, y) draw digit y? (run by hand)

Trains a conditional WGAN-GP (label embedding in the generator, projection head in the critic),
then asks the digits classifier of `keras_wgan.evaluation` (held-out accuracy printed beside) to
classify 1,000 samples, 100 per class: the conditional accuracy is the share it assigns to the
class the generator was asked for. Writes a grid (one row per class, `conditional_digits.png`),
appends one JSON line to `benchmarks/results/conditional_digits.jsonl` (variant
`papers_settings`: this script's model, the papers' optimizer) and rewrites the table
`conditional_digits.md`, one section per variant. Whole `keras-wgan train --conditional` commands
are recorded there by hand as variant `recipe_command` (their metrics.json scores).

Usage:
    python benchmarks/conditional_digits.py --epochs 300
    python benchmarks/conditional_digits.py --table     # only rewrite the table
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
import records  # noqa: E402  (benchmarks/, the script's directory)
import tensorflow as tf  # noqa: E402

import keras_wgan  # noqa: E402
from keras_wgan import evaluation  # noqa: E402

VARIANT = "papers_settings"
SCORES = ("fid", "precision", "recall", "density", "coverage", "classes_covered",
          "conditional_accuracy")


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


def write_table():
    """One section per variant: seed, steps, time and the scores each line has."""
    rows = records.read("conditional_digits")
    for variant in dict.fromkeys(row["variant"] for row in rows):
        header = ["date", "command", "seed", "generator steps", "seconds", *SCORES]
        lines = ["| " + " | ".join(header) + " |",
                 "|" + "---|" * (5 + len(SCORES))]
        for row in rows:
            if row["variant"] != variant:
                continue
            scores = row.get("scores") or row.get("metrics", {}).get("scores", {})
            values = [scores[key]["generated"] if key in scores else None for key in SCORES]
            if scores == {} and "conditional_accuracy" in row:
                values[-1] = row["conditional_accuracy"]
            seed = row.get("seed", row.get("command", "").rpartition("--seed ")[2] or "-")
            cells = ["-" if v is None else f"{v:.3g}" for v in values]
            lines.append(
                f"| {row.get('date', '-')} | {row.get('command', 'conditional_digits.py')} | "
                f"{seed} | "
                f"{row.get('generator_steps', '-')} | "
                f"{row.get('train_seconds', row.get('wall_seconds', '-'))} | "
                + " | ".join(cells) + " |"
            )
        records.write_section("conditional_digits", variant, "\n".join(lines) + "\n",
                              "Conditional digits, measured")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--grid", default=os.path.join(records.RESULTS, "conditional_digits.png"))
    parser.add_argument("--table", action="store_true", help="only rewrite the table")
    args = parser.parse_args()
    if args.table:
        return write_table()

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

    classifier = evaluation.train_classifier("digits")
    wanted = np.repeat(np.arange(10, dtype="int32"), 100)
    latent = np.random.default_rng(args.seed + 1).standard_normal((1000, 64)).astype("float32")
    samples = keras.ops.convert_to_numpy(
        model.generate(tf.constant(latent), tf.constant(wanted))
    )
    predicted = np.argmax(evaluation.probabilities(classifier, samples), axis=1)
    per_class = [float(np.mean(predicted[wanted == c] == c)) for c in range(10)]
    result = {
        "variant": VARIANT,
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
    records.append("conditional_digits", result)
    write_table()
    order = np.concatenate([np.arange(c * 100, c * 100 + 10) for c in range(10)])
    save_grid(samples[order], args.grid)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
