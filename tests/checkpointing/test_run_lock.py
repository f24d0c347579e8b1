"""`RunLock`: one holder at a time under races, whatever a stale `.lock` holds; a live holder is
refused at once, naming it; a `.lock` that cannot be opened is refused, saying how to clear it."""

import os
import signal
import subprocess
import sys
import time

import pytest

from keras_wgan import training
from keras_wgan.checkpointing import RunFolderError
from keras_wgan.checkpointing import RunLock
from keras_wgan.checkpointing import run_folder
from tests.helpers import tiny_config

PACKAGE = os.path.dirname(os.path.dirname(run_folder.__file__))
# The processes load the lock's module alone: importing the package loads TensorFlow (seconds
# each). Its parent packages are bare, and `backup` (for the other run-folder checks) is a stub.
PRELUDE = f"""
import os, sys, time, types
for name, path in (("keras_wgan", {PACKAGE!r}),
                   ("keras_wgan.checkpointing", {os.path.join(PACKAGE, "checkpointing")!r})):
    sys.modules[name] = types.ModuleType(name)
    sys.modules[name].__path__ = [path]
sys.modules["keras_wgan.checkpointing.backup"] = types.ModuleType("backup")
sys.modules["keras_wgan.checkpointing.backup"].StepBackup = None
from keras_wgan.checkpointing.errors import RunFolderError
from keras_wgan.checkpointing.run_folder import RunLock
assert "tensorflow" not in sys.modules
"""
# Holds the lock of argv[1] until a line comes on stdin.
HOLDER = PRELUDE + """
with RunLock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()
"""
# Round after round, waits for the file `go-<round>`, then tries the lock until it has held it
# once, logging "enter"/"exit" around a short hold; prints how often it was refused.
RACER = PRELUDE + """
import random
folder, sync, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
log = os.open(os.path.join(sync, "log"), os.O_WRONLY | os.O_APPEND)
pid = os.getpid()
deadline = time.monotonic() + 60
for number in range(rounds):
    while not os.path.exists(os.path.join(sync, f"go-{number}")):
        time.sleep(0.002)
    refused = 0
    while time.monotonic() < deadline:
        try:
            with RunLock(folder):
                os.write(log, f"enter {pid}\\n".encode())
                time.sleep(0.003)
                os.write(log, f"exit {pid}\\n".encode())
            break
        except RunFolderError as error:
            assert str(error).startswith("Another run "), error
            refused += 1
            time.sleep(random.uniform(0, 0.004))
    print(refused, flush=True)
"""
PROCESSES = 16


def start_holder(folder):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline() == "held\n"
    return holder


def stop(process):
    process.kill()
    process.wait()


def dead_pid():
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return finished.pid


def refusal(folder):
    """The message of the `RunFolderError` raised on entering `RunLock(folder)`."""
    with pytest.raises(RunFolderError) as caught:
        with RunLock(folder):
            pass
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_processes_racing_for_a_stale_lock_hold_it_one_at_a_time(tmp_path):
    folder, sync = tmp_path / "run", tmp_path / "sync"
    folder.mkdir()
    sync.mkdir()
    (sync / "log").touch()
    # What each round's stale lock holds: a dead process, garbage, impossible pids, a live
    # process that holds no lock (this one); none of it may matter.
    stale = [str(dead_pid()), "garbage", "0", "-1", str(10**30), str(os.getpid())]
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(folder), str(sync), str(len(stale))],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(PROCESSES)
    ]
    try:
        refused = 0
        for number, content in enumerate(stale):
            (folder / ".lock").write_text(content)
            (sync / f"go-{number}").touch()
            refused += sum(int(racer.stdout.readline()) for racer in racers)
            assert not (folder / ".lock").exists()
        for racer in racers:
            assert racer.wait(timeout=60) == 0 and racer.stderr.read() == ""
    finally:
        for racer in racers:
            stop(racer)
    lines = (sync / "log").read_text().splitlines()
    assert len(lines) == 2 * PROCESSES * len(stale)
    for enter, leave in zip(lines[::2], lines[1::2]):
        assert enter.startswith("enter ") and leave == "exit " + enter[len("enter "):], lines
    assert refused > 0  # they did race


@pytest.mark.parametrize("content", ["dead", "", "garbage", "0", "-1", str(10**30), "\xff\x00",
                                     "parent", "1"])
def test_a_lock_no_process_holds_is_taken_whatever_it_holds(tmp_path, content):
    content = {"dead": str(dead_pid()), "parent": str(os.getppid())}.get(content, content)
    (tmp_path / ".lock").write_text(content)
    with RunLock(tmp_path):
        assert (tmp_path / ".lock").read_text() == str(os.getpid())
    assert not (tmp_path / ".lock").exists()


def test_a_live_holder_is_refused_at_once_naming_its_process(tmp_path):
    holder = start_holder(tmp_path)
    try:
        started = time.monotonic()
        message = refusal(tmp_path)
        assert time.monotonic() - started < 2
        assert message == (
            f"Another run is training in {tmp_path} (process {holder.pid}). Wait for it to end, "
            "or stop that process, or train into another folder."
        )
        # The holder's lock stays whole: a second refusal, and its pid still in the file.
        refusal(tmp_path)
        assert (tmp_path / ".lock").read_text() == str(holder.pid)
        holder.communicate("\n", timeout=30)
    finally:
        stop(holder)
    assert not (tmp_path / ".lock").exists()
    with RunLock(tmp_path):
        pass


def test_a_killed_holders_lock_is_taken(tmp_path):
    holder = start_holder(tmp_path)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (tmp_path / ".lock").read_text() == str(holder.pid)
    with RunLock(tmp_path):
        assert (tmp_path / ".lock").read_text() == str(os.getpid())
    assert not (tmp_path / ".lock").exists()


def test_a_second_lock_in_the_same_process_is_refused(tmp_path):
    with RunLock(tmp_path):
        assert f"(process {os.getpid()})" in refusal(tmp_path)
        assert (tmp_path / ".lock").read_text() == str(os.getpid())
    assert not (tmp_path / ".lock").exists()


def test_a_lock_that_is_a_folder_is_refused_saying_how_to_clear_it(tmp_path):
    (tmp_path / ".lock" / "inside").mkdir(parents=True)
    path = tmp_path / ".lock"
    assert refusal(tmp_path) == (
        f"The run lock {path} is a folder, not a file. No run makes it: remove the folder "
        f"{path}, then run the same command again."
    )
    assert (path / "inside").is_dir()


def test_a_lock_that_cannot_be_opened_is_refused_saying_how_to_clear_it(tmp_path):
    path = tmp_path / ".lock"
    path.symlink_to(tmp_path / "missing" / "lock")
    assert refusal(tmp_path) == (
        f"Cannot open the run lock {path} (No such file or directory). If no run is training in "
        f"{tmp_path}, remove {path}, then run the same command again."
    )


def test_training_in_a_folder_a_live_run_holds_is_refused_and_writes_nothing(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    holder = start_holder(folder)
    try:
        with pytest.raises(RunFolderError, match=rf"\(process {holder.pid}\)\. Wait"):
            training.train(tiny_config(tmp_path, epochs=1), folder)
        assert os.listdir(folder) == [".lock"]
    finally:
        stop(holder)
