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


@pytest.mark.parametrize(
    "precision, flags, accelerators, warns",
    [
        ("mixed_bfloat16", {"avx2", "fma"}, 0, True),  # AVX2 EPYC: emulated, slower
        ("mixed_bfloat16", {"avx512f", "avx512_bf16"}, 0, False),  # Zen 5
        ("mixed_bfloat16", {"avx512f", "amx_bf16"}, 0, False),  # Sapphire Rapids
        ("mixed_bfloat16", {"avx2"}, 1, False),  # a GPU does the work
        ("mixed_bfloat16", None, 0, False),  # flags unknown: no advice
        ("float32", {"avx2"}, 0, False),
    ],
)
def test_bfloat16_advice_only_where_it_is_emulated(
    monkeypatch, precision, flags, accelerators, warns
):
    monkeypatch.setattr(_platform, "cpu_flags", lambda: None)  # read when flags is None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _platform.warn_if_bfloat16_is_slow(precision, flags=flags, accelerators=accelerators)
    messages = [str(warning.message) for warning in caught]
    assert (len(messages) == 1) == warns, messages
    if warns:
        assert "precision='mixed_bfloat16'" in messages[0] and "float32" in messages[0]


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16\n\nprocessor\t: 1\n")
    assert _platform.cpu_flags(str(cpuinfo)) == {"fpu", "avx2", "avx512_bf16"}
    assert _platform.cpu_flags(str(tmp_path / "missing")) is None


@pytest.mark.parametrize(
    "precision, flags, accelerators, resolved",
    [
        ("auto", {"avx512f", "avx512_bf16"}, 0, "mixed_bfloat16"),  # Zen 5
        ("auto", {"avx512f", "amx_bf16"}, 0, "mixed_bfloat16"),  # Sapphire Rapids
        ("auto", {"avx2", "fma"}, 0, "float32"),  # AVX2 EPYC: bfloat16 emulated
        ("auto", {"avx2"}, 1, "mixed_bfloat16"),  # an Ampere GPU or a TPU
        ("auto", None, 0, "float32"),  # flags unknown: the safe choice
        ("float32", {"amx_bf16"}, 1, "float32"),  # asked for: kept
        ("mixed_bfloat16", {"avx2"}, 0, "mixed_bfloat16"),
    ],
)
def test_auto_precision_is_bfloat16_only_where_the_hardware_has_it(
    monkeypatch, precision, flags, accelerators, resolved
):
    monkeypatch.setattr(_platform, "cpu_flags", lambda: None)  # read when flags is None
    assert _platform.resolve_precision(precision, flags, accelerators) == resolved


def test_older_gpus_do_not_count_as_bfloat16_accelerators(monkeypatch):
    import tensorflow as tf

    gpus = ["gpu:0", "gpu:1"]
    capabilities = {"gpu:0": (7, 0), "gpu:1": (8, 6)}
    monkeypatch.setattr(tf.config, "list_physical_devices",
                        lambda kind: gpus if kind == "GPU" else [])
    monkeypatch.setattr(tf.config.experimental, "get_device_details",
                        lambda gpu: {"compute_capability": capabilities[gpu]})
    assert _platform.bfloat16_accelerators() == 1
    capabilities["gpu:1"] = (7, 5)  # V100 and T4: bfloat16 emulated
    assert _platform.bfloat16_accelerators() == 0
