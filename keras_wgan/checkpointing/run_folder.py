"""A run folder: a finished run is never overwritten, a folder that cannot be written is refused
before training, and `RunLock` keeps a second process out."""

import errno
import os
import tempfile
import time

from keras_wgan.checkpointing.backup import StepBackup
from keras_wgan.checkpointing.errors import BackupError
from keras_wgan.checkpointing.errors import RunFolderError

LOCK_FILENAME = ".lock"
# What a finished run's last phase leaves (`keras_wgan.training.train`): a new run would
# overwrite it. A folder without it holds an unfinished run, which `train` completes.
FINISHED_RUN_FILES = ("metrics.json",)


def finished_run_files(directory, backup_dir):
    """The `FINISHED_RUN_FILES` in `directory`, or `[]` when it holds a backup to resume."""
    if os.path.exists(os.path.join(backup_dir, StepBackup.FILENAME)):
        return []
    return [name for name in FINISHED_RUN_FILES if os.path.exists(os.path.join(directory, name))]


def check_run_folder(directory, backup_dir):
    """Refuses to start a run in `directory` when it holds a finished run.

    A folder with a backup (`backup_dir` holding `StepBackup`'s file) is an interrupted run: the
    new run resumes it. A folder with `FINISHED_RUN_FILES` and no backup is a finished run.

    Raises:
        RunFolderError: the folder holds a finished run; the message names the files.
    """
    found = finished_run_files(directory, backup_dir)
    if found:
        raise RunFolderError(
            f"{directory} holds a finished run ({', '.join(found)}). Train into a new folder "
            "(--output-dir), or delete this one to train here again."
        )


# A write that fails for want of room or a writable disk: full, over quota, past a file size
# limit, read-only. (Not EACCES: reading the data can raise it too.)
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


def disk_error(error, directory, backup_dir):
    """The `BackupError` to raise for `error`, an `OSError` met while a run wrote into
    `directory` (its history, samples or model), or `None` when it is not a full or read-only
    disk (`DISK_ERRNOS`)."""
    if error.errno not in DISK_ERRNOS:
        return None
    backup = os.path.join(backup_dir, StepBackup.FILENAME)
    kept = (
        f"The last good backup is kept in {backup}: the run will resume from it."
        if os.path.exists(backup) else "No backup is kept: the run will start over."
    )
    return BackupError(
        f"A write failed while training into {directory} ({error}). {kept} Free some disk "
        "space (or make the folder writable), then run the same command again."
    )


def check_writable(directory, option="--output-dir"):
    """Refuses a folder a run writes into that cannot be written, before anything is trained.

    Creates `directory` if it is missing, then creates (and removes) a file in it.

    Raises:
        RunFolderError: the folder cannot be created or written (read-only, on a read-only
            disk, a file, or under a file); the message names it, the system's error and
            `option`, the command line's flag that chooses it.
    """
    try:
        os.makedirs(directory, exist_ok=True)
        tempfile.TemporaryFile(dir=directory).close()
    except OSError as error:
        raise RunFolderError(
            f"Cannot write into {directory} ({error}). Nothing was trained, and nothing there "
            f"was changed. Make the folder writable, or pass another {option}."
        ) from error


class RunLock:
    """Holds `directory/.lock` (the process id) while a run trains in `directory`.

    A lock left by a process that no longer runs (killed, crashed) is taken over; a lock of a
    live process is refused.

    Example:

    >>> with RunLock("runs/digits"):
    ...     train()

    Raises:
        RunFolderError: on entering, when another live process holds the lock.
    """

    def __init__(self, directory):
        self.path = os.path.join(os.fspath(directory), LOCK_FILENAME)

    def __enter__(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        while True:
            try:
                descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                owner = self._owner()
                if owner is None and _seconds_since_change(self.path) < 5:
                    time.sleep(0.1)  # another process has just made it: let it write its pid
                    continue
                if owner is not None and owner != os.getpid() and _process_runs(owner):
                    raise RunFolderError(
                        f"Another run (process {owner}) is training in "
                        f"{os.path.dirname(self.path)}. Wait for it to end, or train into "
                        "another folder."
                    ) from None
                # A dead process's lock (or an unreadable one): take it over.
                os.remove(self.path)
                continue
            with os.fdopen(descriptor, "w") as file:
                file.write(str(os.getpid()))
            return self

    def __exit__(self, *exc_info):
        if self._owner() == os.getpid():
            os.remove(self.path)
        return False

    def _owner(self):
        try:
            with open(self.path) as file:
                return int(file.read().strip())
        except (OSError, ValueError):
            return None


def _seconds_since_change(path):
    try:
        return time.time() - os.path.getmtime(path)
    except OSError:
        return float("inf")


def _process_runs(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True
