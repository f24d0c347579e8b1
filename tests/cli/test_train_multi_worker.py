"""`keras-wgan train --strategy multi-worker` on a cluster of 2 workers on localhost.

Each worker is the same command in its own process, with a `TF_CONFIG` naming the cluster and
its index, as a user runs it on several machines sharing the run folder. Only the chief (worker
0) writes the run folder and the export; after one worker is killed mid-run, both rerun the same
command and resume from the chief's backup.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers import free_ports

# Two rounds of 2 worker processes on 2 cores: about a minute or two, so opt-in (`--run-slow`).
pytestmark = pytest.mark.slow

# A WGAN-GP on ring8 with tiny MLPs; 20 epochs of 5 steps, the chief drawing samples every epoch.
ARGS = ["--dataset", "ring8", "--model", "wgan-gp", "--epochs", "20", "--steps-per-epoch", "5",
        "--batch-size", "8", "--critic-steps", "2", "--hidden-units", "16", "16",
        "--num-samples", "256", "--backup-every", "5", "--seed", "3", "--verbose", "2",
        "--strategy", "multi-worker"]
STEPS = 20 * 5


def start_cluster(root, name, workers=2):
    """Starts `keras-wgan train` on every worker of a new localhost cluster, into
    `root/shared/name`; each worker's temporary folder is `root/tmp_<index>`."""
    ports = free_ports(workers)
    processes = []
    for index in range(workers):
        scratch = root / f"tmp_{index}"
        scratch.mkdir(exist_ok=True)
        tf_config = {"cluster": {"worker": [f"localhost:{port}" for port in ports]},
                     "task": {"type": "worker", "index": index}}
        env = dict(os.environ, TF_CONFIG=json.dumps(tf_config), TF_CPP_MIN_LOG_LEVEL="2",
                   TMPDIR=str(scratch), no_proxy="localhost,127.0.0.1",
                   NO_PROXY="localhost,127.0.0.1", no_grpc_proxy="localhost,127.0.0.1")
        log = open(root / f"{name}_worker_{index}.log", "a+")
        command = [sys.executable, "-m", "keras_wgan", "train", *ARGS,
                   "--output-dir", str(root / "shared" / name),
                   "--saved-models-dir", str(root / "shared" / "saved_models")]
        processes.append((subprocess.Popen(command, env=env, stdout=log,
                                           stderr=subprocess.STDOUT, text=True), log))
    return processes


def wait(processes, timeout=300):
    """Waits for every worker; fails with their logs if one fails (the others are killed)."""
    deadline = time.monotonic() + timeout
    try:
        while any(p.poll() is None for p, _ in processes):
            if any(p.poll() not in (None, 0) for p, _ in processes):
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        stop(processes)
    outputs = []
    for _, log in processes:
        log.seek(0)
        outputs.append(log.read())
        log.close()
    codes = [p.returncode for p, _ in processes]
    if codes != [0] * len(processes):
        pytest.fail("The cluster failed:\n" + "\n".join(
            f"--- worker {index} (exit code {code}) ---\n{output[-3000:]}"
            for index, (code, output) in enumerate(zip(codes, outputs))))
    return outputs


def stop(processes):
    for process, _ in processes:
        if process.poll() is None:
            process.kill()
        process.wait()


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, _, names in os.walk(folder) for name in names)


def test_only_the_chief_writes_the_run_and_its_export(tmp_path):
    outputs = wait(start_cluster(tmp_path, "run"))
    shared = tmp_path / "shared"
    written = files_under(shared)
    # One run folder and one export, both the chief's; the finished run keeps no backup.
    for name in ("model.keras", "history.json", "config.json", "metrics.json", "export.json",
                 "training_curves.png"):
        assert written.count(os.path.join("run", name)) == 1, name
    assert not [name for name in written if name.startswith(os.path.join("run", "backup"))]
    exports = sorted({name.split(os.sep)[2] for name in written
                      if name.startswith(os.path.join("saved_models", "run"))})
    assert exports == ["1"]
    assert not [name for name in written if "worker" in name or name.endswith(".tmp")]
    # The other worker's scratch folder is gone.
    assert files_under(tmp_path / "tmp_1") == []
    with open(shared / "run" / "metrics.json") as file:
        assert json.load(file)["run"]["generator_steps"] == STEPS
    for output in outputs:
        assert f"Trained {STEPS} generator steps" in output


def test_both_workers_resume_from_the_chief_backup_after_one_is_killed(tmp_path):
    backup = tmp_path / "shared" / "killed" / "backup" / "latest.weights.h5"
    processes = start_cluster(tmp_path, "killed")
    deadline = time.monotonic() + 300
    while not backup.exists():
        assert all(p.poll() is None for p, _ in processes), "a worker ended before its backup"
        assert time.monotonic() < deadline, "no backup after 300 s"
        time.sleep(0.05)
    processes[1][0].send_signal(signal.SIGKILL)
    time.sleep(1)
    # The chief waits for the killed worker in the next step: stop it as a user would.
    stop(processes)
    for _, log in processes:
        log.close()
    assert not (tmp_path / "shared" / "killed" / "metrics.json").exists(), "not killed mid-run"

    outputs = wait(start_cluster(tmp_path, "killed"))
    resumed = [re.findall(r"Resuming from backup at .*\(generator step (\d+)\)", output)
               for output in outputs]
    assert resumed[0] and resumed[0] == resumed[1]
    assert 0 < int(resumed[0][-1]) < STEPS
    with open(tmp_path / "shared" / "killed" / "metrics.json") as file:
        assert json.load(file)["run"]["generator_steps"] == STEPS
    written = files_under(tmp_path / "shared")
    assert len([name for name in written if name.endswith("model.keras")]) == 1
