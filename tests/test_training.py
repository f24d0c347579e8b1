"""`training.train` in-process on tiny configurations, and `TrainConfig` validation."""

import json
import re

import keras
import pytest

from keras_wgan import training


def tiny_config(tmp_path, **overrides):
    fields = dict(
        dataset="ring8", epochs=2, hidden_units=(8, 8), num_samples=320, batch_size=32,
        critic_steps=2, saved_models_dir=str(tmp_path / "saved_models"), verbose=0,
    )
    fields.update(overrides)
    return training.TrainConfig(**fields)


def test_train_toy_returns_summary_and_writes_files(tmp_path):
    summary = training.train(tiny_config(tmp_path), tmp_path / "run")
    assert summary["generator_steps"] == 2 * (320 // 64)
    history = json.loads(open(summary["history"]).read())
    assert len(history["wasserstein_estimate"]) == 2
    final = summary["final_metrics"]
    assert final["wasserstein_estimate"] == pytest.approx(history["wasserstein_estimate"][-1])
    assert final["num_modes"] == 8 and 0 <= final["modes_captured"] <= 8  # ring8 is scored
    assert summary["samples"].endswith("epoch_002.png")
    assert summary["export"] == str(tmp_path / "saved_models" / "wgan_gp_ring8" / "1")
    text = training.format_summary(summary)
    assert summary["model"] in text and summary["export"] in text


def test_exports_get_new_versions(tmp_path):
    config = tiny_config(tmp_path, epochs=1, run_name="again")
    first = training.train(config, tmp_path / "a")["export"]
    second = training.train(config, tmp_path / "b")["export"]
    assert first.endswith("again/1") and second.endswith("again/2")


def test_learning_rates_reach_the_optimizers(tmp_path):
    config = tiny_config(tmp_path, model="wgan", epochs=1, generator_lr=1e-3, critic_lr=2e-3)
    summary = training.train(config, tmp_path / "run")
    model = keras.models.load_model(summary["model"])
    assert isinstance(model.critic_optimizer, keras.optimizers.RMSprop)
    assert float(model.generator_optimizer.learning_rate) == pytest.approx(1e-3)
    assert float(model.critic_optimizer.learning_rate) == pytest.approx(2e-3)


def test_defaults_follow_the_brief():
    config = training.TrainConfig()
    assert (config.model, config.dataset, config.batch_size, config.critic_steps) == (
        "wgan-gp", "digits", 64, 5
    )
    assert config.generator_lr is None and config.jit_compile is False and config.seed == 0
    assert config.resolved_run_name == "wgan_gp_digits"
    assert training.TrainConfig(dataset="swissroll").resolved_latent_dim == 2


@pytest.mark.parametrize(
    "field, value",
    [("model", "nope"), ("dataset", "mnist"), ("epochs", 0), ("batch_size", -1),
     ("critic_lr", 0.0), ("latent_dim", 1.5)],
)
def test_bad_config_names_the_value(field, value):
    with pytest.raises(ValueError, match=re.escape(f"{field}={value!r}")):
        training.TrainConfig(**{field: value})


def test_backup_every_is_checked():
    with pytest.raises(ValueError, match=re.escape("backup_every=-1")):
        training.TrainConfig(backup_every=-1)


def test_a_finished_run_leaves_no_backup_and_a_rerun_starts_over(tmp_path):
    config = tiny_config(tmp_path, epochs=1, backup_every=1)
    training.train(config, tmp_path / "run")
    assert not (tmp_path / "run" / "backup").exists()
    assert training.train(config, tmp_path / "run")["resumed_from_step"] is None
