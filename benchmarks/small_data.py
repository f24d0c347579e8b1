"""Training on folders of images, measured by hand: MNIST-5k digits written out as PNG files.

Two parts, each a series of `keras-wgan` commands run one after another in their own processes:

- `folder`: the first N (2,000) MNIST-5k training digits written as class subfolders and trained
  by the documented folder command (`--dataset folder --image-dir D --image-size 28`), beside
  the MNIST-5k recipe on the same digits (`--dataset mnist5k --num-samples N`) at equal steps;
  both scored by `keras-wgan evaluate --dataset mnist5k`.
- `small`: stratified subsets of S training digits (S/10 per class; 100 and 500) trained from
  their folder with no augmentation, DiffAugment and ADA at equal steps, scored by `keras-wgan
  evaluate --dataset folder --image-dir R`, R holding every other MNIST-5k digit: the
  classifier, the floor and the degraded reference never see the subset. No clusters: the
  recipe's 50 would leave two images to a cluster of the 100.

The library runs from a copy of this checkout's committed `keras_wgan` (`git archive HEAD`), so
that editing the checkout during a long series changes nothing. Each run appends a JSON line to
`benchmarks/results/small_data.jsonl` (commands, scores, seconds, CPU) and `small_data.md` is
rewritten from all the lines: the median and range over seeds of each setting.

Usage:
    python benchmarks/small_data.py --part folder --seeds 0 1 2
    python benchmarks/small_data.py --part small --sizes 100 500 --seeds 0 1 2 3 4
    python benchmarks/small_data.py --part small --sizes 100 --seeds 0 1 2 \
        --policies translation color,translation --only "100 diffaugment translation" \
        "100 diffaugment color,translation"
    python benchmarks/small_data.py --table
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile

import records
import run_timing

BENCHMARK = "small_data"
AUGMENTS = ("none", "diffaugment", "ada")
SCORES = ("fid", "recall", "coverage", "precision", "classes_covered")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def frozen_library(folder):
    """Extracts the committed `keras_wgan` of this checkout into `folder`; returns its commit."""
    archive = subprocess.run(["git", "archive", "HEAD", "keras_wgan"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, check=True,
                          capture_output=True, text=True).stdout.strip()


def write_folder(images, labels, folder):
    """Writes `images` in [-1, 1] as grey PNGs in one subfolder per label."""
    import numpy as np
    from PIL import Image

    pixels = np.round((images[..., 0] + 1) * 127.5).clip(0, 255).astype("uint8")
    for index, (image, label) in enumerate(zip(pixels, labels)):
        os.makedirs(os.path.join(folder, str(label)), exist_ok=True)
        Image.fromarray(image, mode="L").save(os.path.join(folder, str(label), f"{index:05d}.png"))


def digit_folders(workdir, count, part):
    """The folders a part trains on and scores against, written under `workdir`.

    Returns:
        `(train_dir, reference_dir)`: `reference_dir` is `None` for the `folder` part (scored
        on MNIST-5k itself), else a folder of every MNIST-5k digit outside the subset.
    """
    import numpy as np

    from keras_wgan.data import load_mnist_5k

    images, labels = load_mnist_5k("train")
    if part == "folder":
        chosen = np.arange(count)
    else:
        per_class = count // 10
        chosen = np.concatenate([np.flatnonzero(labels == label)[:per_class]
                                 for label in range(10)])
    train_dir = os.path.join(workdir, f"train{count}")
    write_folder(images[chosen], labels[chosen], train_dir)
    if part == "folder":
        return train_dir, None
    held_images, held_labels = load_mnist_5k("test")
    rest = np.setdiff1d(np.arange(len(images)), chosen)
    reference_dir = os.path.join(workdir, f"rest{count}")
    write_folder(np.concatenate([images[rest], held_images]),
                 np.concatenate([labels[rest], held_labels]), reference_dir)
    return train_dir, reference_dir


def evaluate(model, tree, workdir, reference_dir):
    """The scores `keras-wgan evaluate` writes for `model`."""
    output = os.path.join(workdir, "scores.json")
    data = (["--dataset", "mnist5k"] if reference_dir is None
            else ["--dataset", "folder", "--image-dir", reference_dir])
    command = [sys.executable, "-m", "keras_wgan", "evaluate", model, *data, "--output", output]
    process = subprocess.run(command, capture_output=True, text=True, cwd=workdir,
                             env={**os.environ, "PYTHONPATH": tree})
    if process.returncode:
        output = process.stdout + process.stderr
        raise SystemExit(f"{' '.join(command)} failed:\n{output[-3000:]}")
    with open(output) as file:
        return json.load(file), " ".join(["keras-wgan", "evaluate", "MODEL", *data])


def runs_of(args, folders):
    """`(setting, train arguments)` of every run of the part, seeds aside."""
    steps = ["--epochs", str(args.epochs)]
    if args.part == "folder":
        train_dir, _ = folders[args.count]
        return [("folder", ["--dataset", "folder", "--image-dir", train_dir, "--image-size", "28",
                            *steps]),
                ("mnist5k", ["--dataset", "mnist5k", "--num-samples", str(args.count), *steps])]
    settings = []
    for size in args.sizes:
        train_dir, _ = folders[size]
        for augment in AUGMENTS:
            # The model's policy, or each of `--policies` (augmentations only).
            policies = [None] if augment == "none" or not args.policies else args.policies
            for policy in policies:
                chosen = [] if policy is None else ["--augment-policy", policy]
                settings.append((" ".join([str(size), augment] + ([policy] if policy else [])), [
                    "--dataset", "folder", "--image-dir", train_dir, "--image-size", "28",
                    "--batch-size", str(args.batch_size), "--clusters", "0", "--augment",
                    augment, *chosen, *steps]))
    return settings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("folder", "small"), default="small")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--count", type=int, default=2000, help="digits of the folder part")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--epochs", type=int, default=31, help="epochs of 100 generator steps")
    parser.add_argument("--batch-size", type=int, default=50,
                        help="the small part's batch (a step takes twice as many images)")
    parser.add_argument("--policies", nargs="+", default=None,
                        help="the small part's augmentation policies (default: the model's)")
    parser.add_argument("--positions", action="store_true",
                        help="the small part: also record where the generated digits sit")
    parser.add_argument("--only", nargs="+", default=None, help="these settings only")
    parser.add_argument("--table", action="store_true", help="only rewrite the table")
    args = parser.parse_args()
    if args.table:
        return write_table()
    cpu = run_timing.cpu_description()
    with tempfile.TemporaryDirectory() as workdir:
        tree = os.path.join(workdir, "library")
        os.makedirs(tree)
        commit = frozen_library(tree)
        sizes = [args.count] if args.part == "folder" else args.sizes
        folders = {size: digit_folders(workdir, size, args.part) for size in sizes}
        settings = [(name, arguments) for name, arguments in runs_of(args, folders)
                    if args.only is None or name in args.only]
        for seed in args.seeds:
            for name, arguments in settings:
                reference_dir = folders[int(name.split()[0]) if args.part == "small"
                                        else args.count][1]
                with tempfile.TemporaryDirectory(dir=workdir) as rundir:
                    trained = run_timing.run(arguments, rundir, tree=tree, seed=seed,
                                             read_scores=False)
                    scores, scored_by = evaluate(os.path.join(rundir, "run", "model.keras"),
                                                 tree, rundir, reference_dir)
                    if args.positions and reference_dir is not None:
                        scores["positions"] = positions(
                            os.path.join(rundir, "run", "model.keras"), tree, reference_dir)
                command = trained["command"].replace(workdir, "WORK")
                line = {"date": str(datetime.date.today()), "variant": args.part,
                        "setting": name, "seed": seed, "command": command,
                        "scored_by": scored_by.replace(workdir, "WORK"),
                        "train_s": trained["train_s"], "wall_s": trained["wall_s"],
                        "loadavg": trained["loadavg"], "n": scores.get("num_samples"),
                        **flatten(scores), **scores.get("positions", {}), "cpu": cpu,
                        "git": commit}
                records.record(BENCHMARK, line, write_table)


def positions(model, tree, reference_dir, count=2000):
    """Where the digits sit: the spread (standard deviation, pixels, rows and columns pooled)
    of the centres of mass of `count` generated and `count` reference digits.

    MNIST centres every digit on its centre of mass, so the real spread is small; a generator
    whose digits wander (what a translation the critic cannot see lets through) spreads more.
    """
    script = (
        "import glob, json, sys\n"
        "import numpy as np\n"
        "import keras\n"
        "from PIL import Image\n"
        "from keras_wgan.evaluation import generate\n"
        "def spread(images):\n"
        "    mass = (images[..., 0] + 1) / 2\n"
        "    total = mass.sum(axis=(1, 2))\n"
        "    index = np.arange(images.shape[1])\n"
        "    rows = (mass.sum(axis=2) * index).sum(axis=1) / total\n"
        "    columns = (mass.sum(axis=1) * index).sum(axis=1) / total\n"
        "    return float(np.sqrt((rows.var() + columns.var()) / 2))\n"
        "model, folder, count = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
        "files = sorted(glob.glob(folder + '/*/*.png'))[:count]\n"
        "real = np.stack([np.asarray(Image.open(f), 'float32') / 127.5 - 1 for f in files])\n"
        "fake = np.asarray(generate(keras.saving.load_model(model), count, seed=1))\n"
        "print(json.dumps({'position_spread': round(spread(fake), 3),\n"
        "                  'position_spread_real': round(spread(real[..., None]), 3)}))\n"
    )
    process = subprocess.run([sys.executable, "-c", script, model, reference_dir, str(count)],
                             capture_output=True, text=True, env={**os.environ, "PYTHONPATH": tree})
    if process.returncode:
        raise SystemExit(f"positions of {model} failed:\n{process.stderr[-3000:]}")
    return json.loads(process.stdout.strip().splitlines()[-1])


def flatten(scores):
    """The generated samples' scores and their references' (`floor`, `degraded`)."""
    row = {}
    for name in SCORES:
        value = scores.get("scores", {}).get(name)
        if isinstance(value, dict):
            for reference in ("generated", "floor", "degraded"):
                if reference in value:
                    key = name if reference == "generated" else f"{name}_{reference}"
                    row[key] = round(value[reference], 3)
    return row


def write_table():
    """Rewrites small_data.md: per part and setting, the median and range over seeds."""
    rows = records.read(BENCHMARK)
    summary = []
    for part, setting in dict.fromkeys((row["variant"], row["setting"]) for row in rows):
        group = [row for row in rows if (row["variant"], row["setting"]) == (part, setting)]
        line = {"part": part, "setting": setting,
                "seeds": " ".join(str(row["seed"]) for row in group),
                "steps": group[-1]["command"].split("--epochs ")[-1].split()[0] + "00"}
        for name in ("fid", "fid_floor", "fid_degraded", "recall", "recall_degraded",
                     "coverage", "coverage_degraded", "position_spread", "train_s"):
            values = [row[name] for row in group if row.get(name) is not None]
            if values and min(values) == max(values):
                line[name] = f"{values[0]:.3g}"
            elif values:
                line[name] = (f"{statistics.median(values):.3g} "
                              f"({min(values):.3g}-{max(values):.3g})")
        summary.append(line)
    columns = [("part", "part"), ("setting", "setting"), ("steps", "steps"),
               ("seeds", "seeds"), ("classifier-FID", "fid"), ("floor", "fid_floor"),
               ("degraded", "fid_degraded"), ("recall", "recall"),
               ("recall degraded", "recall_degraded"), ("coverage", "coverage"),
               ("coverage degraded", "coverage_degraded"),
               ("position spread (real 0.29)", "position_spread"), ("train s", "train_s")]
    cpus = sorted({row["cpu"] for row in rows})
    note = (f"`python benchmarks/small_data.py`: medians over seeds (range in brackets); every run "
            f"in small_data.jsonl with its commands. CPU: {'; '.join(cpus)}; the machine was "
            "shared during most runs (see each run's loadavg), so the seconds are not timings.")
    with open(records.markdown_path(BENCHMARK), "w") as file:
        file.write(f"# Training on folders of digits\n\n{note}\n\n"
                   + records.table(summary, columns))


if __name__ == "__main__":
    main()
