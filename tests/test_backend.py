"""keras_wgan refuses other Keras backends at once, in one message, leaving nothing on disk."""

import json
import os
import subprocess
import sys

import pytest


def run(arguments, tmp_path, **environment):
    env = {**os.environ, **environment}
    return subprocess.run([sys.executable, *arguments], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=60)


@pytest.mark.parametrize("backend", ["jax", "torch", "numpy"])
def test_the_command_line_refuses_another_backend_in_one_line(tmp_path, backend):
    result = run(["-m", "keras_wgan", "train", "--smoke"], tmp_path, KERAS_BACKEND=backend)
    assert result.returncode == 1
    assert result.stderr.startswith("keras-wgan: error: keras_wgan needs Keras's TensorFlow")
    assert f"backend={backend!r}" in result.stderr and "KERAS_BACKEND=tensorflow" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_import_refuses_the_backend_of_keras_json(tmp_path):
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "jax"}))
    result = run(["-c", "import keras_wgan"], tmp_path, KERAS_HOME=str(tmp_path),
                 KERAS_BACKEND="")
    assert result.returncode == 1
    assert "ImportError: keras_wgan needs Keras's TensorFlow backend" in result.stderr
    assert "backend='jax'" in result.stderr


def test_the_tensorflow_backend_is_taken():
    from keras_wgan import _backend

    assert _backend.configured_backend() == "tensorflow"
    assert _backend.backend_error() is None
