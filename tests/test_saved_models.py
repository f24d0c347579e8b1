"""The shipped generators of `saved_models/`: each loads, serves and samples, and its model card
says what `models.json` records and (slow) what a fresh evaluation of the shipped file gives.

`python tools/ship_generators.py` writes them. `KERAS_WGAN_SHIPPED_DIR` points the tests at
another set (e.g. a `--smoke` one written into a temporary folder).
"""

import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

from keras_wgan import cli

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHIPPED_DIR = pathlib.Path(os.environ.get("KERAS_WGAN_SHIPPED_DIR", ROOT / "saved_models"))
MODELS_FILE = SHIPPED_DIR / "models.json"
MISSING = (
    f"{MODELS_FILE} does not exist: the trained generators are not shipped. Run "
    "`python tools/ship_generators.py` (it trains the three runs and writes saved_models/)."
)
BATCH = 3


def load_tool():
    spec = importlib.util.spec_from_file_location(
        "ship_generators", ROOT / "tools" / "ship_generators.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shipped_names():
    """The names to parametrize over; without models.json one, whose tests then fail."""
    if not MODELS_FILE.is_file():
        return ["<models.json missing>"]
    return [model["name"] for model in json.loads(MODELS_FILE.read_text())["models"]]


def shipped():
    """models.json; a failure (not a skip: the set must be shipped) when it is missing."""
    if not MODELS_FILE.is_file():
        pytest.fail(MISSING, pytrace=False)
    return json.loads(MODELS_FILE.read_text())


def shipped_model(name):
    return next(model for model in shipped()["models"] if model["name"] == name)


each_model = pytest.mark.parametrize("name", shipped_names())


def run_cli(*args):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    return subprocess.run([sys.executable, "-m", "keras_wgan", *args], capture_output=True,
                          text=True, env=env, timeout=600)


def test_the_three_generators_of_the_tool_are_shipped():
    record = shipped()
    tool = load_tool()
    assert [model["name"] for model in record["models"]] == [
        tool.model_name(flags) for _, flags in tool.MODELS
    ]


@each_model
def test_the_shipped_files_are_those_recorded(name):
    model = shipped_model(name)
    tool = load_tool()
    savedmodel = SHIPPED_DIR / model["savedmodel"]
    keras_file = SHIPPED_DIR / model["keras"]
    assert (savedmodel / "saved_model.pb").is_file() and (savedmodel / "variables").is_dir()
    # TF Serving loads the all-digit children of the base path: the version, not model.keras.
    assert savedmodel.name == str(model["version"]) and savedmodel.parent.name == model["name"]
    assert keras_file.parent == savedmodel.parent
    # The scores on the card belong to these very files.
    assert tool.digest(savedmodel) == model["sha256"]["savedmodel"]
    assert tool.digest(keras_file) == model["sha256"]["keras"]


@each_model
def test_every_serving_signature_returns_images_of_the_recorded_shape(name):
    import tensorflow as tf

    model = shipped_model(name)
    loaded = tf.saved_model.load(str(SHIPPED_DIR / model["savedmodel"]))
    assert sorted(loaded.signatures) == sorted(model["signatures"])
    for signature_name, signature in model["signatures"].items():
        inputs = {}
        for key, spec in signature["inputs"].items():
            if key == "latent":
                value = np.random.default_rng(0).standard_normal((BATCH, spec["shape"][1]))
            elif key == "labels":
                value = np.arange(BATCH) % 10 if signature_name == "serving_default" else [3]
            else:
                value = {"num_samples": BATCH, "seed": 7, "truncation": 1.5}[key]
            inputs[key] = tf.constant(value, dtype=spec["dtype"])
        images = loaded.signatures[signature_name](**inputs)["images"].numpy()
        recorded = signature["outputs"]["images"]
        assert images.shape == (BATCH, *recorded["shape"][1:]), signature_name
        assert images.dtype == recorded["dtype"], signature_name
        if images.dtype == np.float32:
            assert np.all(np.abs(images) <= 1.0), signature_name
        # uint8 images: [0, 255] by their type, from [-1, 1] (`to_uint8`).


@each_model
def test_keras_wgan_sample_reads_the_shipped_model(name, tmp_path):
    model = shipped_model(name)
    labels = ["--labels", "3"] if "labels" in model["signatures"]["sample"]["inputs"] else []
    output = tmp_path / "tmp.png"
    # In this process (the command line's subprocess runs are tested in test_cli.py): seconds
    # less per model.
    code = cli.main(["sample", str(SHIPPED_DIR / model["keras"]), "--num", "4", *labels,
                     "--output", str(output)])
    assert code == 0 and output.stat().st_size > 0


def test_the_card_is_rendered_from_models_json():
    record = shipped()
    # The committed card cannot drift from the record: render it again and compare.
    assert (SHIPPED_DIR / "README.md").read_text() == load_tool().render_card(record)


@each_model
def test_the_card_names_every_model_and_its_scores(name):
    model = shipped_model(name)
    card = (SHIPPED_DIR / "README.md").read_text()
    section = card.split(f"### {model['name']}\n", 1)[1].split("\n#", 1)[0]
    assert f"`{model['name']}`" in card and model["evaluate"]["command"] in section
    for score, row in model["evaluate"]["scores"].items():
        cells = [f"{row[key]:.4g}" if isinstance(row[key], float) else str(row[key])
                 for key in ("generated", "floor", "degraded")]
        assert f"| {score} | {' | '.join(cells)} |" in section, score


def test_the_cards_python_block_runs(monkeypatch):
    shipped()
    card = (SHIPPED_DIR / "README.md").read_text()
    (code,) = re.findall(r"```python\n(.*?)```", card, re.S)
    monkeypatch.chdir(SHIPPED_DIR.parent)
    namespace = {}
    exec(code.replace('"saved_models/', f'"{SHIPPED_DIR.name}/'), namespace)
    assert namespace["images"].shape[0] == 16


# The CPU that shipped the models gives the card's scores exactly; another CPU's kernels
# (oneDNN, XLA, its vector instructions) round otherwise, which a seed does not fix, and can move
# a few samples across a classifier's or a k-NN ball's boundary: fractions of the samples may
# then move by a few in n, a count of classes by one, the other scores by a little.
FRACTIONS = {"precision", "recall", "coverage", "conditional_accuracy"}
COUNTS = {"classes_covered"}
RELATIVE = 0.02


def tolerance(name, row):
    if name in COUNTS:
        return 1
    if name in FRACTIONS:
        return 0.02
    # 2% of the score, or of the gap between its references when the score is near zero
    # (KID is unbiased, so near zero and at times negative: a relative bound alone is empty).
    return RELATIVE * max(abs(row["generated"]), abs(row["degraded"] - row["floor"]))


@pytest.mark.slow
@each_model
def test_a_fresh_evaluation_of_the_shipped_file_gives_the_cards_scores(name, tmp_path):
    model = shipped_model(name)
    evaluation = model["evaluate"]
    output = tmp_path / "scores.json"
    result = run_cli("evaluate", str(SHIPPED_DIR / model["keras"]), *evaluation["args"],
                     "--output", str(output))
    assert result.returncode == 0, result.stderr[-2000:]
    fresh = json.loads(output.read_text())
    assert fresh["num_samples"] == evaluation["num_samples"]
    assert sorted(fresh["scores"]) == sorted(evaluation["scores"])
    for score, row in evaluation["scores"].items():
        for key in ("generated", "floor", "degraded"):
            assert fresh["scores"][score][key] == pytest.approx(
                row[key], abs=tolerance(score, row)
            ), f"{name}: {score} {key}"
