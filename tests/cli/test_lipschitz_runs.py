"""`--model hinge` and `--spectral-norm` from the settings to the command line."""

import json
import os
import subprocess
import sys

import keras
import pytest

from keras_wgan import run_config
from keras_wgan import training
from keras_wgan.models.hinge import HingeGAN
from tests.helpers import tiny_config

pytestmark = pytest.mark.usefixtures("classifier_cache")


def spectrally_normalized_layers(network):
    return [layer for layer in network.layers
            if isinstance(layer, keras.layers.SpectralNormalization)]


def test_hinge_resolves_sngans_settings():
    images = run_config.TrainConfig(model="hinge", dataset="mnist5k", lr_decay=True)
    assert (images.critic_steps, images.learning_rates) == (5, (2e-4, 2e-3 / 10))
    toy = run_config.TrainConfig(model="hinge", dataset="grid25")
    assert toy.learning_rates == (2e-4, 2e-3) and toy.lr_decay


def test_spectral_norm_reaches_the_critic_without_other_normalization(tmp_path):
    config = tiny_config(tmp_path, model="hinge", dataset="digits", spectral_norm=True)
    model = training.build_model(config, (8, 8, 1))
    assert isinstance(model, HingeGAN)
    layers = [type(layer).__name__ for layer in model.critic.layers]
    assert "LayerNormalization" not in layers and "BatchNormalization" not in layers
    assert len(spectrally_normalized_layers(model.critic)) >= 2
    kernels = (keras.layers.Dense, keras.layers.Conv2D)
    assert not [layer for layer in model.critic.layers if isinstance(layer, kernels)]
    assert not spectrally_normalized_layers(model.generator)
    toy = training.build_model(tiny_config(tmp_path, model="wgan-gp", spectral_norm=True), (2,))
    assert len(spectrally_normalized_layers(toy.critic)) == 3
    plain = training.build_model(tiny_config(tmp_path, model="wgan-gp"), (2,))
    assert not spectrally_normalized_layers(plain.critic)


@pytest.mark.parametrize("dataset", [pytest.param("ring8", marks=pytest.mark.slow), "digits"])
def test_cli_trains_hinge_with_spectral_norm(tmp_path, dataset):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-m", "keras_wgan", "train", "--smoke", "--model", "hinge",
         "--spectral-norm", "--dataset", dataset, "--output-dir", str(tmp_path / "run"),
         "--saved-models-dir", str(tmp_path / "saved_models")],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    settings = json.loads((tmp_path / "run" / "config.json").read_text())
    assert settings["model"] == "hinge" and settings["spectral_norm"] is True
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert {"critic_loss", "generator_loss", "wasserstein_estimate"} <= set(history)
    loaded = keras.saving.load_model(tmp_path / "run" / "model.keras")
    assert isinstance(loaded, HingeGAN) and spectrally_normalized_layers(loaded.critic)
