"""`benchmarks/device_check.py --quick` runs as a user would, and records every part.

A fresh process of one to two minutes on 2 cores: `slow` (`.ci/run` runs it).
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "device_check.py"
KEYS = {"variant", "run", "mode", "measured_on", "devices", "cpu", "gpus", "step", "mirrored",
        "replica_check", "mnist5k", "peak_gpu_memory_mb", "absent", "errors", "tensorflow",
        "keras", "git_head", "wall_s", "cpu_s"}
GPU_FIGURES = ("gpus", "gpu_step", "gpu_mirrored", "peak_gpu_memory_mb")


@pytest.mark.slow
def test_quick_device_check_records_every_part(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--output", str(tmp_path)],
        capture_output=True, text=True, timeout=900, env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = (tmp_path / "device_check.jsonl").read_text().splitlines()
    row = json.loads(line)
    assert KEYS <= set(row) and row["mode"] == "quick" and row["errors"] == {}
    assert row["cpu"]["cpu_model"] not in ("", "unknown")

    steps = row["step"]["rows"]
    assert {(r["precision"], r["jit"]) for r in steps} == {
        (p, jit) for p in ("float32", "mixed_bfloat16", "mixed_float16") for jit in (False, True)
    }
    assert all(r["images_per_s"] > 0 for r in steps)
    assert row["mirrored"]["all_devices_images_per_s"] > 0
    assert row["absent"]["yardstick"]
    if row["replica_check"] is None:
        assert len(row["devices"]) == 1 and row["absent"]["replica_check"]
    else:
        assert row["replica_check"]["replicas"] >= 2
        assert row["replica_check"]["max_abs_difference"] < 1e-5
    mnist = row["mnist5k"]
    assert mnist["generator_steps"] == 10 and mnist["fid_floor"] < mnist["fid_degraded"]

    if not row["gpus"]:
        assert row["measured_on"] == "CPU" and row["devices"] == ["/device:CPU:0", "/device:CPU:1"]
        assert row["peak_gpu_memory_mb"] is None
        assert all(row["absent"][name] for name in GPU_FIGURES)
        assert all(r["peak_gpu_memory_mb"] is None for r in steps)
    markdown = (tmp_path / "device_check.md").read_text()
    assert f"## variant: {row['variant']}" in markdown and "replicas" in markdown
