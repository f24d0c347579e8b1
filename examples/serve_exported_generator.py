"""Generates images from an exported generator with TensorFlow and NumPy alone.

`keras_wgan.export.export_generator(model, "saved_models/digits")` writes a SavedModel that
needs neither Keras nor keras_wgan: this script is what a client (or a TF Serving request)
does with it. It calls both signatures:

  `sample(num_samples, seed)`   -> uint8 images ready to show, and the latent vectors used;
  `serving_default(latent)`     -> the generator's float32 output in [-1, 1] for given latents;

checks that they agree, and writes the sampled images as one PNG grid.

    python examples/serve_exported_generator.py --model-dir saved_models/digits --output-dir out
    python examples/serve_exported_generator.py --smoke --model-dir ... --output-dir /tmp/out

`--model-dir` is a version directory (`.../1`) or the base directory holding versions (the
largest is served, as TF Serving does). `--smoke` only lowers the number of samples to 4.
Writes `<output-dir>/samples.png` and prints whether keras_wgan was imported (it must not be).
"""

import argparse
import os
import sys

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def resolve_version(model_dir):
    """The SavedModel directory: `model_dir` itself, or its largest all-digit subdirectory."""
    if os.path.exists(os.path.join(model_dir, "saved_model.pb")):
        return model_dir
    versions = [entry for entry in os.listdir(model_dir) if entry.isdigit()]
    if not versions:
        sys.exit(f"error: no SavedModel (saved_model.pb or version folders) in {model_dir!r}")
    return os.path.join(model_dir, max(versions, key=int))


def grid(images, columns):
    """Tiles uint8 images [n, h, w, c] into one [rows*h, columns*w, c] image, blanks white."""
    count, height, width, channels = images.shape
    rows = -(-count // columns)
    canvas = np.full((rows * height, columns * width, channels), 255, dtype=np.uint8)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        canvas[row * height : (row + 1) * height, column * width : (column + 1) * width] = image
    return canvas


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--num-samples", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="only 4 samples")
    args = parser.parse_args(argv)
    num_samples = 4 if args.smoke else args.num_samples

    # 1. Load: plain TensorFlow, no Python classes needed.
    path = resolve_version(args.model_dir)
    loaded = tf.saved_model.load(path)
    sample = loaded.signatures["sample"]
    serve = loaded.signatures["serving_default"]
    print(f"loaded {path}: signatures {sorted(loaded.signatures)}")

    # 2. `sample`: display-ready uint8 images from a seed, with the latent vectors it drew.
    out = sample(num_samples=tf.constant(num_samples), seed=tf.constant(args.seed, tf.int64))
    if "images" not in out:
        sys.exit("error: this generator makes vectors, not images; nothing to draw")
    images, latent = out["images"].numpy(), out["latent"].numpy()

    # 3. `serving_default`: the same latents give the same images, as float32 in [-1, 1].
    floats = serve(latent=tf.constant(latent))["images"].numpy()
    as_uint8 = np.clip(np.rint((floats + np.float32(1)) * np.float32(127.5)), 0, 255)
    assert np.array_equal(as_uint8.astype(np.uint8), images), "signatures disagree"

    # 4. One PNG grid, encoded by TensorFlow.
    os.makedirs(args.output_dir, exist_ok=True)
    png = os.path.join(args.output_dir, "samples.png")
    columns = int(np.ceil(np.sqrt(num_samples)))
    tf.io.write_file(png, tf.io.encode_png(grid(images, columns)))
    print(f"{num_samples} images {images.shape[1:]} -> {png}")
    print(f"keras_wgan imported: {'keras_wgan' in sys.modules}")


if __name__ == "__main__":
    main()
