"""Runs every script in `examples/` with `--smoke` as a user would, and checks what it wrote.

Each run is a fresh process of 10-25 s on 2 cores, so they are `slow` (`.ci/run` runs them).
"""

import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def run_example(script, *arguments, timeout=300):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg")
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--smoke", *map(str, arguments)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    # The first error and the last: with several processes (multi_worker.py's workers) the
    # first is the cause and the last what the others made of it.
    errors = result.stderr
    if len(errors) > 8000:
        errors = f"{errors[:4000]}\n[...]\n{errors[-4000:]}"
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{errors}"
    return result.stdout


def test_every_example_is_tested():
    tested = {"wgan_gp_digits.py", "wgan_clipping_digits.py", "toy_2d.py",
              "wgan_gp_mnist_tfds.py", "serve_exported_generator.py", "multi_worker.py"}
    assert {path.name for path in EXAMPLES.glob("*.py")} == tested


@pytest.mark.slow
def test_wgan_gp_digits(tmp_path):
    import keras

    import keras_wgan

    run_example("wgan_gp_digits.py", "--output-dir", tmp_path)
    assert (tmp_path / "samples" / "epoch_001.png").stat().st_size > 0
    model = keras.models.load_model(tmp_path / "wgan_gp_digits.keras")
    assert isinstance(model, keras_wgan.WGANGP) and model.compiled


@pytest.mark.slow
def test_wgan_clipping_digits_logs_clipped_fraction(tmp_path):
    import json

    stdout = run_example("wgan_clipping_digits.py", "--output-dir", tmp_path)
    assert "epoch 1: clipped_fraction=" in stdout
    history = json.loads((tmp_path / "history.json").read_text())
    assert 0.0 <= history["clipped_fraction"][0] <= 1.0
    assert (tmp_path / "samples" / "epoch_001.png").is_file()
    assert (tmp_path / "wgan_clipping_digits.keras").is_file()


@pytest.mark.slow
def test_toy_2d_draws_samples_over_the_critic(tmp_path):
    stdout = run_example("toy_2d.py", "--dataset", "ring8", "--output-dir", tmp_path)
    assert (tmp_path / "ring8.png").stat().st_size > 0
    assert (tmp_path / "ring8_modes.json").is_file()
    assert "modes captured:" in stdout


@pytest.mark.slow
def test_wgan_gp_mnist_tfds_runs_offline_on_mock_data(tmp_path):
    pytest.importorskip("tensorflow_datasets")
    run_example("wgan_gp_mnist_tfds.py", "--output-dir", tmp_path)
    assert (tmp_path / "samples" / "epoch_001.png").is_file()
    assert (tmp_path / "wgan_gp_mnist.keras").is_file()


@pytest.mark.slow
def test_serve_exported_generator_needs_no_keras_wgan(tmp_path):
    from PIL import Image

    from keras_wgan import export
    from keras_wgan import networks

    generator = networks.build_generator((8, 8, 1), latent_dim=4, base_filters=4)
    export.export_generator(generator, tmp_path / "saved")
    stdout = run_example(
        "serve_exported_generator.py", "--model-dir", tmp_path / "saved", "--output-dir",
        tmp_path / "out",
    )
    assert "keras_wgan imported: False" in stdout
    with Image.open(tmp_path / "out" / "samples.png") as image:
        assert image.size == (16, 16)  # 4 samples of 8x8 in a 2x2 grid


@pytest.mark.slow
def test_multi_worker_trains_two_local_workers_in_step(tmp_path):
    import numpy as np

    out = run_example("multi_worker.py", "--output-dir", tmp_path)
    assert "2 workers finished with identical trainable weights" in out
    # Only the chief's files: one model, one backup, one export (the other worker's removed).
    assert (tmp_path / "wgan_gp_digits.keras").stat().st_size > 0
    assert (tmp_path / "backup" / "latest.weights.h5").stat().st_size > 0
    assert sorted(p.name for p in (tmp_path / "saved_models").iterdir()) == ["1"]
    chief, other = (np.load(tmp_path / f"weights_worker_{i}.npz") for i in (0, 1))
    assert chief.files and all(np.array_equal(chief[k], other[k]) for k in chief.files)
