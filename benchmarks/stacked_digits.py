"""The stacked (two-stage) GAN on digits upscaled to 16x16: samples and scores of both stages.

Run by hand.

The bundled 8x8 digits are upscaled bilinearly to 16x16; `StackedGAN` learns 8x8 images at stage I
(against the real images average-pooled back to 8x8) and refines them to 16x16 at stage II.
Schedules: `stagewise` (StackGAN: stage I, then stage II with stage I frozen) or `joint` (both
stages at every step).

Scores, for stage I (8x8 as generated) and stage II (16x16 average-pooled to 8x8, the
classifier's resolution), on 1,000 samples, 100 per class:
- conditional accuracy: the share of samples the digits classifier of `keras_wgan.evaluation`
  assigns to the class they were drawn for;
- classifier-FID/KID and the other scores of `evaluation.score_images`, beside its references:
  `floor` (real images) and `degraded` (real images without classes 0-2). The references are the
  real training images taken through the same 8 -> 16 -> 8 round trip as the generated ones, so
  that the floor is what a perfect 16x16 generator would score; the held-out set is the original.
Writes one figure (rows = classes; stage I left, stage II right, same latents) and appends one
JSON line to `stacked_digits.jsonl`.

Usage:
    python benchmarks/stacked_digits.py --stage1-steps 1200 --stage2-steps 600
    python benchmarks/stacked_digits.py --schedule joint --joint-steps 800 \
        --grid stacked_digits.joint.png
"""

import argparse
import json
import os
import platform
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
from keras_wgan.models.stacked import StackedGAN  # noqa: E402
from keras_wgan.networks.stacked import build_stacked_networks  # noqa: E402

CRITIC_STEPS = 5
IMAGE_SHAPE = (16, 16, 1)
SAMPLES_PER_CLASS = 100


def upscale(images):
    """8x8 digits to 16x16, bilinear, kept in [-1, 1]."""
    resized = tf.image.resize(images, IMAGE_SHAPE[:2], method="bilinear")
    return np.clip(resized.numpy(), -1.0, 1.0).astype("float32")


def cpu_name():
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
    except OSError:
        return platform.processor()
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    flags = fields.get("Flags", "").split()
    wanted = [flag for flag in ("avx2", "avx512f", "avx512_bf16") if flag in flags]
    return f"{fields.get('Model name', '?').strip()} ({', '.join(wanted) or 'no avx2'})"


def train(model, dataset, steps, steps_per_epoch):
    start = time.perf_counter()
    history = model.fit(
        dataset, epochs=max(1, steps // steps_per_epoch), steps_per_epoch=steps_per_epoch, verbose=0
    )
    seconds = time.perf_counter() - start
    last = {name: round(float(values[-1]), 4) for name, values in history.history.items()}
    return seconds, last


def conditional_accuracy(classifier, images, wanted):
    predicted = np.argmax(evaluation.probabilities(classifier, images), axis=1)
    per_class = [float(np.mean(predicted[wanted == c] == c)) for c in range(10)]
    return float(np.mean(predicted == wanted)), [round(a, 3) for a in per_class]


def save_grid(low, full, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, columns = 10, len(low) // 10
    figure, axes = plt.subplots(rows, 2 * columns + 1, figsize=((2 * columns + 1) * 0.55, 6.2))
    for row in range(rows):
        for column in range(columns):
            index = row * columns + column
            axes[row, column].imshow(low[index, ..., 0], cmap="gray", vmin=-1, vmax=1)
            axes[row, columns + 1 + column].imshow(
                full[index, ..., 0], cmap="gray", vmin=-1, vmax=1
            )
    for axis in axes.ravel():
        axis.axis("off")
    axes[0, columns // 2].set_title("stage I (8x8)", fontsize=8)
    axes[0, columns + 1 + columns // 2].set_title("stage II (16x16)", fontsize=8)
    figure.suptitle(title, fontsize=8)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedule", choices=["stagewise", "joint"], default="stagewise")
    parser.add_argument("--stage1-steps", type=int, default=1200)
    parser.add_argument("--stage2-steps", type=int, default=600)
    parser.add_argument("--joint-steps", type=int, default=800)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument("--kl-weight", type=float, default=1.0)
    parser.add_argument("--filters", type=int, default=16)
    parser.add_argument("--residual-blocks", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default="benchmarks/results")
    parser.add_argument("--grid", default="stacked_digits.png", help="figure name in --out-dir")
    args = parser.parse_args()

    keras.utils.set_random_seed(args.seed)
    images, labels = keras_wgan.data.load_digits("train", seed=evaluation.SPLIT_SEED)
    heldout = keras_wgan.data.load_digits("test", seed=evaluation.SPLIT_SEED)
    upscaled = upscale(images)
    networks = build_stacked_networks(
        IMAGE_SHAPE,
        num_classes=10,
        noise_dim=64,
        condition_dim=16,
        generator_filters=args.filters,
        critic_filters=args.filters,
        residual_blocks=args.residual_blocks,
    )
    stage = 1 if args.schedule == "stagewise" else "joint"
    model = StackedGAN(
        **networks, stage=stage, critic_steps=CRITIC_STEPS, kl_weight=args.kl_weight, seed=args.seed
    )
    model.compile(
        generator_optimizer=keras.optimizers.Adam(args.learning_rate, beta_1=0.5, beta_2=0.9),
        critic_optimizer=keras.optimizers.Adam(args.learning_rate, beta_1=0.5, beta_2=0.9),
    )
    dataset = keras_wgan.data.make_dataset(
        (upscaled, labels), args.batch, CRITIC_STEPS, seed=args.seed, repeat=True
    )
    steps_per_epoch = len(images) // (args.batch * CRITIC_STEPS)

    phases = {}
    if args.schedule == "stagewise":
        phases["stage1"] = train(model, dataset, args.stage1_steps, steps_per_epoch)
        if args.stage2_steps:
            model.stage = 2
            phases["stage2"] = train(model, dataset, args.stage2_steps, steps_per_epoch)
    else:
        phases["joint"] = train(model, dataset, args.joint_steps, steps_per_epoch)

    classifier = evaluation.train_classifier("digits")
    accuracy = evaluation.heldout_accuracy(classifier)
    wanted = np.repeat(np.arange(10, dtype="int32"), SAMPLES_PER_CLASS)
    latent = np.random.default_rng(args.seed + 1).standard_normal((len(wanted), model.latent_dim))
    low, full = model.generate_stages(tf.constant(latent, "float32"), tf.constant(wanted))
    low = keras.ops.convert_to_numpy(low)
    full = keras.ops.convert_to_numpy(full)
    full_at_8 = keras.ops.convert_to_numpy(model.downsample(full))
    # The references go through the generated images' pipeline: 8 -> 16 (bilinear) -> 8 (mean).
    round_trip = keras.ops.convert_to_numpy(model.downsample(upscaled))
    heldout_round_trip = model.downsample(upscale(heldout[0]))
    real_round_trip_accuracy = float(
        np.mean(
            np.argmax(evaluation.probabilities(classifier, heldout_round_trip), 1) == heldout[1]
        )
    )
    result = {
        "variant": args.schedule,
        "model": "StackedGAN (WGAN-GP losses, conditioning augmentation, projection critics)",
        "schedule": args.schedule,
        "generator_steps": int(model.generator_optimizer.iterations),
        "train_seconds": {name: round(seconds, 1) for name, (seconds, _) in phases.items()},
        "last_epoch_metrics": {name: logs for name, (_, logs) in phases.items()},
        "batch": args.batch,
        "critic_steps": CRITIC_STEPS,
        "learning_rate": args.learning_rate,
        "kl_weight": args.kl_weight,
        "filters": args.filters,
        "residual_blocks": args.residual_blocks,
        "classifier_heldout_accuracy": accuracy,
        "classifier_accuracy_on_round_trip_heldout": real_round_trip_accuracy,
        "seed": args.seed,
        "cpu": cpu_name(),
        "tensorflow": tf.__version__,
    }
    for name, samples in (("stage1", low), ("stage2", full_at_8)):
        overall, per_class = conditional_accuracy(classifier, samples, wanted)
        scored = evaluation.score_images(
            samples, (round_trip, labels), heldout, classifier, seed=args.seed, accuracy=accuracy
        )
        result[name] = {
            "conditional_accuracy": overall,
            "per_class_accuracy": per_class,
            "class_histogram": [int(c) for c in scored["class_histogram"]],
            "scores": {
                score: {key: row[key] for key in ("generated", "floor", "degraded", "verdict")}
                for score, row in scored["scores"].items()
            },
        }
        print(f"--- {name} (conditional accuracy {overall:.3f})")
        print(evaluation.format_table(scored))

    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "stacked_digits.jsonl"), "a") as f:
        f.write(json.dumps(result) + "\n")
    order = np.concatenate(
        [np.arange(c * SAMPLES_PER_CLASS, c * SAMPLES_PER_CLASS + 8) for c in range(10)]
    )
    save_grid(
        low[order],
        full[order],
        os.path.join(args.out_dir, args.grid),
        f"StackedGAN ({args.schedule}, {result['generator_steps']} generator steps): row y = "
        f"G(z, y); stage-II accuracy {result['stage2']['conditional_accuracy']:.1%}",
    )
    print(json.dumps({k: v for k, v in result.items() if k not in ("stage1", "stage2")}))


if __name__ == "__main__":
    main()
