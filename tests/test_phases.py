"""A run as resumable phases: a failure in any phase, then the same call, ends as if none had."""

import json

import keras
import numpy as np
import pytest

from keras_wgan import checkpointing
from keras_wgan import training
from keras_wgan.training import report
from tests.helpers import tiny_config


def weights(path):
    return keras.models.load_model(path).get_weights()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    base = tmp_path_factory.mktemp("uninterrupted")
    config = tiny_config(base, epochs=1, backup_every=1)
    return training.train(config, base / "run")


class Crash(Exception):
    """Stands for a process killed in a phase."""


def crash_once(monkeypatch, module, name):
    original = getattr(module, name)

    def crash(*args, **kwargs):
        monkeypatch.setattr(module, name, original)
        raise Crash(name)

    monkeypatch.setattr(module, name, crash)


@pytest.mark.parametrize("phase", ["export_run_generator", "evaluate"])
def test_a_failure_after_the_model_is_saved_is_completed_without_training(
    tmp_path, monkeypatch, uninterrupted, phase, capsys
):
    config = tiny_config(tmp_path, epochs=1, backup_every=1)
    crash_once(monkeypatch, report, phase)
    with pytest.raises(Crash):
        training.train(config, tmp_path / "run")
    run = tmp_path / "run"
    assert (run / "model.keras").exists() and not (run / "metrics.json").exists()
    assert (run / "backup" / "latest.weights.h5").exists()  # kept until the run is finished

    # verbose: the run says what it does.
    summary = training.train(tiny_config(tmp_path, epochs=1, backup_every=1, verbose=1), run)
    assert summary["trained"] is False
    assert "holds the trained model: exporting and scoring it" in capsys.readouterr().out
    assert not (run / "backup").exists()
    for mine, theirs in zip(weights(summary["model"]), weights(uninterrupted["model"])):
        np.testing.assert_array_equal(mine, theirs)
    mine, theirs = (json.loads(open(s["metrics"]).read()) for s in (summary, uninterrupted))
    assert mine == theirs
    assert (summary["export_name"], summary["export_version"]) == ("run", 1)
    with pytest.raises(checkpointing.RunFolderError, match="finished run"):
        training.train(config, run)


def test_an_export_done_before_the_failure_is_not_made_again(tmp_path, monkeypatch):
    config = tiny_config(tmp_path, epochs=1, backup_every=1)
    crash_once(monkeypatch, report, "evaluate")
    with pytest.raises(Crash):
        training.train(config, tmp_path / "run")
    record = json.loads((tmp_path / "run" / "export.json").read_text())
    summary = training.train(config, tmp_path / "run")
    assert summary["export"] == record["path"] and record["version"] == 1
    assert sorted(p.name for p in (tmp_path / "saved_models" / "run").iterdir()) == ["1"]


def test_an_unwritable_saved_models_folder_is_refused_before_training(tmp_path):
    blocker = tmp_path / "saved_models"
    blocker.write_text("a file where the exports go")
    config = tiny_config(tmp_path, epochs=1)
    with pytest.raises(checkpointing.RunFolderError, match="--saved-models-dir"):
        training.train(config, tmp_path / "run")
    assert not (tmp_path / "run" / "model.keras").exists()
    assert not (tmp_path / "run" / "history.json").exists()
