"""Trains the default evaluation classifiers shipped in `keras_wgan/evaluation/weights/` (by hand).

`keras_wgan.evaluation.train_classifier` loads a dataset's default classifier (seed 0, the
default epochs of `CLASSIFIERS`) from the package, before looking in the user's cache, so that
neither a test session nor a user's first `keras-wgan train` or `evaluate` trains it, and every
CPU scores with the same weights. This script trains those files with the library's own
`fit_classifier`, saves them without their optimizer state (nothing trains them further; it
would triple their size), and records in `weights/classifiers.json` each file's held-out
accuracy, size and where it was trained. `tests/evaluation/test_classifier.py` checks that the
shipped files still give the recorded accuracy.

Run it again, and commit the files it writes, whenever a classifier's version
(`CLASSIFIERS[dataset]["version"]`), default epochs or training recipe changes: a new version
names a file the package does not ship, and `train_classifier` then trains it on every machine.

Last run (see `weights/classifiers.json` for the exact record):
    CPU: Intel(R) Xeon(R) Processor @ 2.80GHz (Ice Lake, 2 cores), oneDNN on, TensorFlow 2.21.0
    digits  (40 epochs): held-out accuracy 0.984 (500 images), file 359 KB, trained in 14 s
    mnist5k (8 epochs):  held-out accuracy 0.969 (1,000 images), file 887 KB, trained in 18 s

Usage:
    python tools/train_packaged_classifiers.py                 # every dataset of CLASSIFIERS
    python tools/train_packaged_classifiers.py --datasets digits
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's keras_wgan, not an installed one

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_wgan import evaluation  # noqa: E402


def cpu_name():
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def train_packaged(dataset):
    """Trains `dataset`'s default classifier, writes it into the package, returns its record."""
    start = time.perf_counter()
    trained = evaluation.fit_classifier(dataset, seed=0)
    seconds = time.perf_counter() - start
    # The same architecture and weights, without the optimizer's state.
    classifier = evaluation.build_classifier(dataset, seed=0)
    classifier.set_weights(trained.get_weights())
    path = evaluation.packaged_classifier_path(dataset)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path[: -len('.keras')]}.tmp.keras"
    classifier.save(temporary)
    os.replace(temporary, path)
    loaded = keras.models.load_model(path)
    accuracy = evaluation.heldout_accuracy(loaded)
    if accuracy != evaluation.heldout_accuracy(trained):
        raise RuntimeError(f"{path}: the saved classifier's accuracy differs from the trained one")
    return os.path.basename(path), {
        "dataset": dataset,
        "seed": 0,
        "epochs": evaluation.CLASSIFIERS[dataset]["epochs"],
        "heldout_accuracy": accuracy,
        "num_heldout": len(evaluation.load_split(dataset, "test")[1]),
        "bytes": os.path.getsize(path),
        "train_seconds": round(seconds, 1),
        "cpu": cpu_name(),
        "onednn": os.environ["TF_ENABLE_ONEDNN_OPTS"],
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "date": datetime.date.today().isoformat(),
        "trained_by": "tools/train_packaged_classifiers.py",
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", nargs="+", default=sorted(evaluation.CLASSIFIERS),
        choices=sorted(evaluation.CLASSIFIERS),
    )
    args = parser.parse_args(argv)
    manifest_path = os.path.join(evaluation.PACKAGED_DIR, evaluation.PACKAGED_MANIFEST)
    manifest = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as file:
            manifest = json.load(file)
    for dataset in args.datasets:
        name, record = train_packaged(dataset)
        manifest[name] = record
        print(f"{name}: held-out accuracy {record['heldout_accuracy']:.3f}, "
              f"{record['bytes'] / 1024:.0f} KB, trained in {record['train_seconds']} s")
    # Only the files of the current versions and defaults: an older version's file is dropped.
    current = {
        os.path.basename(evaluation.packaged_classifier_path(name))
        for name in evaluation.CLASSIFIERS
    }
    present = set(os.listdir(evaluation.PACKAGED_DIR)) - {evaluation.PACKAGED_MANIFEST}
    for stale in sorted(present - current):
        os.remove(os.path.join(evaluation.PACKAGED_DIR, stale))
        print(f"removed {stale} (not a current default classifier)")
    manifest = {name: manifest[name] for name in sorted(manifest) if name in current}
    with open(manifest_path, "w") as file:
        json.dump(manifest, file, indent=2)
        file.write("\n")


if __name__ == "__main__":
    main()
