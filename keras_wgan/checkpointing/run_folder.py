"""A run folder: a finished run is never overwritten, a folder that cannot be written is refused
before training, and `RunLock` keeps a second process out."""

import contextlib
import errno
import fcntl
import os
import tempfile

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

    The lock is the OS's (`flock`), which the kernel lets go when its process ends, however it
    ends: a killed run's lock is simply taken, whatever the file holds.

    Example:

    >>> with RunLock("runs/digits"):
    ...     train()

    Raises:
        RunFolderError: on entering, when another process holds the lock (the message names
            it), or when `.lock` cannot be opened (a folder); the message says how to clear it.
    """

    def __init__(self, directory):
        self.path = os.path.join(os.fspath(directory), LOCK_FILENAME)
        self._descriptor = None

    def __enter__(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        while True:
            descriptor = self._open()
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                holder = _holder_pid(descriptor)
                os.close(descriptor)
                raise self._refusal(error, holder) from None
            if _names_file(self.path, descriptor):
                break
            os.close(descriptor)  # its holder removed it on letting go: open the new one
        with contextlib.suppress(OSError):  # the pid only serves the message
            os.ftruncate(descriptor, 0)
            os.write(descriptor, str(os.getpid()).encode())
        self._descriptor = descriptor
        return self

    def __exit__(self, *exc_info):
        descriptor, self._descriptor = self._descriptor, None
        # Removed before it is let go: a process that opened it meanwhile finds, once it has locked
        # it, that the path no longer names it, and opens the path again.
        try:
            if _names_file(self.path, descriptor):
                with contextlib.suppress(OSError):  # a file left behind does not lock anything
                    os.remove(self.path)
        finally:
            os.close(descriptor)
        return False

    def _open(self):
        try:  # no O_TRUNC: another process may hold the file
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except IsADirectoryError:
            raise RunFolderError(
                f"The run lock {self.path} is a folder, not a file. No run makes it: remove the "
                f"folder {self.path}, then run the same command again."
            ) from None
        except OSError as error:
            raise RunFolderError(
                f"Cannot open the run lock {self.path} ({error.strerror}). If no run is training "
                f"in {os.path.dirname(self.path)}, remove {self.path}, then run the same command "
                "again."
            ) from None

    def _refusal(self, error, holder):
        directory = os.path.dirname(self.path)
        if not isinstance(error, BlockingIOError):
            return RunFolderError(
                f"Cannot lock {self.path} ({error.strerror}): the file system of {directory} "
                "does not support file locks. Train into a folder on a local disk."
            )
        process = f"process {holder}" if holder else f"the process that holds {self.path}"
        return RunFolderError(
            f"Another run is training in {directory} ({process}). Wait for it to end, or stop "
            "that process, or train into another folder."
        )


def _holder_pid(descriptor):
    try:
        text = os.pread(descriptor, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None


def _names_file(path, descriptor):
    try:
        found = os.stat(path)
    except OSError:
        return False
    opened = os.fstat(descriptor)
    return (found.st_dev, found.st_ino) == (opened.st_dev, opened.st_ino)
