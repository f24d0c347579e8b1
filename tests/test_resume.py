"""A training run that is interrupted mid-epoch resumes from its backup and ends as if it had
never stopped.

In-process: `training.train` with an exception raised right after a backup. As users see it: the
command line killed with SIGKILL and run again with the same command.
"""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from keras_wgan import callbacks
from keras_wgan import training
from tests.helpers import tiny_config


class Interrupt(Exception):
    pass


def resumable_config(tmp_path, **overrides):
    # 10 generator steps an epoch; backups after steps 3, 6, 9, 12, ...
    return tiny_config(tmp_path, **{"epochs": 3, "batch_size": 16, "backup_every": 3, **overrides})


def final_weights(path):
    return keras.models.load_model(path).get_weights()


def assert_same_weights(first, second):
    assert len(first) == len(second)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_train_resumes_mid_epoch_and_ends_as_an_uninterrupted_run(tmp_path, monkeypatch):
    config = resumable_config(tmp_path)
    reference = training.train(config, tmp_path / "reference")

    save = callbacks.StepBackup.save

    def save_then_crash(self):
        save(self)
        if int(self.model.generator_optimizer.iterations) == 15:  # epoch 2, step 5
            raise Interrupt()

    monkeypatch.setattr(callbacks.StepBackup, "save", save_then_crash)
    with pytest.raises(Interrupt):
        training.train(config, tmp_path / "run")
    assert (tmp_path / "run" / "backup" / "latest.weights.h5").exists()
    monkeypatch.setattr(callbacks.StepBackup, "save", save)

    summary = training.train(config, tmp_path / "run")
    assert summary["resumed_from_step"] == 15
    assert summary["generator_steps"] == reference["generator_steps"] == 30
    assert_same_weights(final_weights(summary["model"]), final_weights(reference["model"]))
    # The history has every epoch once; the backup is gone once the model is saved.
    history = json.loads(open(summary["history"]).read())
    assert len(history["critic_loss"]) == 3
    # Epoch 1 is the interrupted run's. Its mean loss equals the reference's to float32 rounding
    # only: with oneDNN off, the two runs in one process logged 5.170064449 and 5.170064926 with
    # bit-identical weights.
    reference_history = json.loads(open(reference["history"]).read())
    assert history["critic_loss"][0] == pytest.approx(reference_history["critic_loss"][0], rel=1e-6)
    assert not (tmp_path / "run" / "backup").exists()


def test_a_resumed_run_of_several_steps_per_call_trains_the_steps_asked_for(
    tmp_path, monkeypatch
):
    # Backed up after step 12 (epoch 2, step 2; backups every 3), then resumed with 5 steps per
    # call into TensorFlow and backups every 5: a call of 5 from step 12 would overrun epoch 2
    # (Keras runs a call whole), so the resumed run calls one step at a time.
    faster = {"steps_per_execution": 5, "backup_every": 5}
    reference = training.train(resumable_config(tmp_path, **faster), tmp_path / "reference")
    save = callbacks.StepBackup.save

    def save_then_crash(self):
        save(self)
        if int(self.model.generator_optimizer.iterations) == 12:
            raise Interrupt()

    monkeypatch.setattr(callbacks.StepBackup, "save", save_then_crash)
    with pytest.raises(Interrupt):
        training.train(resumable_config(tmp_path), tmp_path / "run")
    monkeypatch.setattr(callbacks.StepBackup, "save", save)

    summary = training.train(resumable_config(tmp_path, **faster), tmp_path / "run")
    assert summary["resumed_from_step"] == 12
    assert summary["generator_steps"] == reference["generator_steps"] == 30
    # 5 steps per call train the weights of 1 per call.
    assert_same_weights(final_weights(summary["model"]), final_weights(reference["model"]))


def test_resuming_with_other_settings_is_refused(tmp_path, monkeypatch):
    save = callbacks.StepBackup.save

    def save_then_crash(self):
        save(self)
        raise Interrupt()

    monkeypatch.setattr(callbacks.StepBackup, "save", save_then_crash)
    with pytest.raises(Interrupt):
        training.train(resumable_config(tmp_path), tmp_path / "run")
    monkeypatch.setattr(callbacks.StepBackup, "save", save)
    with pytest.raises(ValueError, match=r"other settings \(batch_size=16 -> 32\)"):
        training.train(resumable_config(tmp_path, batch_size=32), tmp_path / "run")


def cli_command(output_dir, saved_models):
    # ring8 with tiny MLPs: 640 points, 40 generator steps an epoch, 320 steps in all, a backup
    # every 7 steps (mostly in mid-epoch).
    return [
        sys.executable, "-m", "keras_wgan", "train", "--smoke", "--dataset", "ring8",
        "--epochs", "8", "--steps-per-epoch", "0", "--batch-size", "8", "--critic-steps", "2",
        "--backup-every", "7",
        "--deterministic", "--output-dir", str(output_dir),
        "--saved-models-dir", str(saved_models),
    ]


def run(command):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def kill_when(process, path):
    """SIGKILLs `process` as soon as `path` exists."""
    deadline = time.monotonic() + 240
    while not path.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, f"the run ended before {path.name} appeared"


@pytest.mark.slow
def test_cli_killed_in_any_phase_ends_as_an_uninterrupted_run(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    # The uninterrupted run goes alongside the ones to be killed.
    reference = subprocess.Popen(
        cli_command(tmp_path / "reference", tmp_path / "saved_models_reference"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    # Killed mid-training (at its first backup), and killed once the model is saved (in the
    # export or the scoring).
    killed = {"training": "backup/latest.weights.h5", "saved": "model.keras"}
    for name, evidence in killed.items():
        process = subprocess.Popen(
            cli_command(tmp_path / name, tmp_path / f"saved_models_{name}"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )
        kill_when(process, tmp_path / name / evidence)
        assert not (tmp_path / name / "metrics.json").exists()
    assert not (tmp_path / "training" / "model.keras").exists()

    resumed = run(cli_command(tmp_path / "training", tmp_path / "saved_models_training"))
    assert "Resuming from backup at epoch" in resumed.stdout
    completed = run(cli_command(tmp_path / "saved", tmp_path / "saved_models_saved"))
    assert "holds the trained model: exporting and scoring it" in completed.stdout
    out, err = reference.communicate(timeout=300)
    assert reference.returncode == 0, out[-3000:] + err[-3000:]
    assert "Resuming" not in out
    reference_metrics = json.loads((tmp_path / "reference" / "metrics.json").read_text())
    for name in killed:
        run_dir = tmp_path / name
        assert_same_weights(final_weights(run_dir / "model.keras"),
                            final_weights(tmp_path / "reference" / "model.keras"))
        assert json.loads((run_dir / "metrics.json").read_text()) == reference_metrics
        assert len(json.loads((run_dir / "history.json").read_text())["critic_loss"]) == 8
        export = json.loads((run_dir / "export.json").read_text())
        assert (export["name"], export["version"]) == (name, 1)
        assert os.path.exists(os.path.join(export["path"], "saved_model.pb"))
        assert not (run_dir / "backup").exists()
