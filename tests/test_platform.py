import warnings

import pytest

from keras_wgan import _platform


def test_warns_when_onednn_is_off_unasked(monkeypatch):
    monkeypatch.setattr(_platform, "onednn_enabled", lambda: False)
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    with pytest.warns(UserWarning, match="TF_ENABLE_ONEDNN_OPTS=1"):
        _platform.warn_if_onednn_off()


def test_silent_when_the_user_turned_onednn_off(monkeypatch):
    monkeypatch.setattr(_platform, "onednn_enabled", lambda: False)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _platform.warn_if_onednn_off()


@pytest.mark.slow
def test_package_import_turns_onednn_on_before_tensorflow():
    import subprocess
    import sys

    # A plain import also loads the models, so that load_model finds their classes.
    code = (
        "import os, sys, keras_wgan; "
        "print('keras_wgan.models' in sys.modules, "
        "os.environ['TF_ENABLE_ONEDNN_OPTS'], keras_wgan._platform.onednn_enabled())"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[-3:] == ["True", "1", "True"]
