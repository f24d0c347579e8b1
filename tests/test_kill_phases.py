"""`keras-wgan train` killed with SIGKILL in each phase, then the same command: it ends with the
uninterrupted run's model, export and metrics.json.

Each run kills itself at a chosen point (a hook set before `keras_wgan.cli.main`), so that the
kill lands in the phase asked for, every time.
"""

import json
import os
import signal
import subprocess
import sys

import pytest

from tests.test_resume import assert_same_weights
from tests.test_resume import cli_command
from tests.test_resume import final_weights

# Runs `keras-wgan train ARGS`, SIGKILLed where KILL_IN says.
HOOK = """
import os, signal, sys

def kill(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

phase = os.environ["KILL_IN"]
if phase == "backup":  # in the middle of writing the second backup
    from keras_wgan.checkpointing import backup
    write_file, writes = backup.write_file, []

    def half_then_kill(path, data):
        writes.append(path)
        if len(writes) < 2:
            return write_file(path, data)
        with open(path + ".partial", "wb") as file:
            file.write(data[: len(data) // 2])
        kill()

    backup.write_file = half_then_kill
elif phase == "saved":  # model.keras written, the export not begun
    from keras_wgan.training import report
    report.export_run_generator = kill
elif phase == "savedmodel":  # the SavedModel written, not yet renamed to its version
    import tensorflow as tf
    save = tf.saved_model.save

    def save_then_kill(*args, **kwargs):
        save(*args, **kwargs)
        kill()

    tf.saved_model.save = save_then_kill
elif phase == "scoring":  # exported, scoring
    from keras_wgan.training import report
    report.evaluate = kill
from keras_wgan.cli import main
sys.exit(main(sys.argv[1:]))
"""
PHASES = ("backup", "saved", "savedmodel", "scoring")


def command(tmp_path, name):
    return cli_command(tmp_path / name, tmp_path / "saved_models")[3:]  # after `-m keras_wgan`


@pytest.mark.slow
def test_a_run_killed_in_any_phase_then_rerun_ends_as_an_uninterrupted_one(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    runs = {
        phase: subprocess.Popen(
            [sys.executable, "-c", HOOK, *command(tmp_path, phase)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env=dict(env, KILL_IN=phase),
        )
        for phase in PHASES
    }
    reference = subprocess.run(
        [sys.executable, "-m", "keras_wgan", *command(tmp_path, "reference")],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert reference.returncode == 0, reference.stderr[-3000:]
    for phase, process in runs.items():
        _, err = process.communicate(timeout=600)
        assert process.returncode == -signal.SIGKILL, (phase, err[-3000:])
        assert not (tmp_path / phase / "metrics.json").exists(), phase

    reruns = {
        phase: subprocess.Popen(
            [sys.executable, "-m", "keras_wgan", *command(tmp_path, phase)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for phase in PHASES
    }
    expected = json.loads((tmp_path / "reference" / "metrics.json").read_text())
    for phase, process in reruns.items():
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, (phase, out[-2000:], err[-2000:])
        said = "Resuming from backup" if phase == "backup" else "holds the trained model"
        assert said in out, (phase, out[-2000:])
        run = tmp_path / phase
        assert_same_weights(final_weights(run / "model.keras"),
                            final_weights(tmp_path / "reference" / "model.keras"))
        assert json.loads((run / "metrics.json").read_text()) == expected, phase
        export = json.loads((run / "export.json").read_text())
        assert (export["name"], export["version"]) == (phase, 1), phase
        assert sorted(os.listdir(tmp_path / "saved_models" / phase)) == ["1"], phase
        assert not (run / "backup").exists(), phase
