"""Backups of the whole training state, resuming from them, and the guard that keeps NaNs out.

`StepBackup` writes the training state every few steps and `restore_backup` loads it back;
`StopOnNonFinite` stops training (with a `NonFiniteError`) at the first step that gives a NaN or
an Inf, before the backup after it would keep the bad state. `steps_done` reads the step counter
that says where a model's training stands. For a run (`keras_wgan.training.train`):
`write_settings` records beside the backup the settings a resumption must share, `resume`
restores the backup if they match, and `load_history` reads back the epochs already done.
`RunLock` keeps a second run out of a run folder, `check_run_folder` keeps a new run from
overwriting a finished one, and `check_writable` refuses a folder that cannot be written.

A backup that cannot be used or kept up (unreadable, of a run with other settings, or not written
on a full or read-only disk) raises `BackupError`, whose message says what happened, what is
intact and what to do; the command line prints it without a traceback.
"""

import errno
import io
import json
import os
import tempfile
import time

import keras
import numpy as np

from keras_wgan._checks import check_positive_int


def _read_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import: setting the umask to read it is not safe while other threads make files.
_UMASK = _read_umask()


class RunFolderError(ValueError):
    """A run folder that a run may not use: finished, in use by another run, or not writable."""


class BackupError(RunFolderError):
    """A backup that cannot be used or kept up: unreadable, of a run with other settings, or not
    written (a full or read-only disk). The message says what is intact and what to do."""


def steps_done(model):
    """Training steps the model has made: generator updates for a GAN, else optimizer steps."""
    optimizer = getattr(model, "generator_optimizer", None) or model.optimizer
    # `int()` fails on a variable created under a tf.distribute strategy (a MirroredVariable).
    return int(keras.ops.convert_to_numpy(optimizer.iterations))


class StepBackup(keras.callbacks.Callback):
    """Backs up the whole training state every `every` training steps, for `restore_backup`.

    The backup is `directory/latest.weights.h5`, what `model.save_weights` writes: for our models
    both networks, both optimizers (slots and step counters, hence the warm-up position) and the
    seed generator's state. The step counter in the file says where training stands, so the
    weights and the position can never disagree. Each backup is made in memory, written to a
    temporary file, synced and renamed over the last one (`write_file`), so a process killed at
    any moment, or a write that fails (a full disk), leaves the last complete backup.

    A write that fails stops training with a `BackupError` naming the folder and the step of the
    backup that is kept.

    Why not `keras.callbacks.BackupAndRestore` (Keras 3.15): with a step-level `save_freq` it
    restarts the interrupted epoch from its first batch, with the weights from the middle of it
    (it records the batch but never uses it), and `fit` then makes more steps than an
    uninterrupted run. Resuming in the middle of an epoch needs the data pipeline's cooperation,
    which `keras_wgan.training.train` wires up: see there.

    Args:
        directory: str. Where to keep the backup; created when first needed.
        every: int. Back up after every `every`-th training step (counted over the whole run:
            generator updates for a GAN).
        step: int or `None`. The step of the backup already in `directory`, if known (what
            `restore_backup` returned): named, until the next backup, if a write fails.

    Example:

    >>> backup = keras_wgan.checkpointing.StepBackup("run/backup", every=100)
    >>> guard = keras_wgan.checkpointing.StopOnNonFinite("run/backup")
    >>> model.fit(data, epochs=10, callbacks=[guard, backup])
    """

    FILENAME = "latest.weights.h5"

    def __init__(self, directory, every, step=None):
        super().__init__()
        self.directory = os.fspath(directory)
        self.every = check_positive_int("every", every)
        self.path = os.path.join(self.directory, self.FILENAME)
        self.step = step
        self._steps_to_read = 0  # `fit` steps to go before the step counter is read again
        self._first_batch = None

    def on_train_begin(self, logs=None):
        self._steps_to_read = 0

    def on_train_batch_begin(self, batch, logs=None):
        self._first_batch = batch

    def on_train_batch_end(self, batch, logs=None):
        # Reading the step counter is a call to TensorFlow, which after every step cost the
        # digits recipe a noticeable share of its step. A `fit` step adds at most one to it, so
        # it is read only once enough steps have run for it to reach a multiple of `every`.
        first = batch if self._first_batch is None else self._first_batch
        self._steps_to_read -= batch - first + 1
        if self._steps_to_read > 0:
            return
        step = steps_done(self.model)
        if step % self.every == 0:
            self.save()
        self._steps_to_read = self.every - step % self.every

    def save(self):
        """Writes the backup now (atomically).

        Raises:
            BackupError: the backup could not be written (e.g. a full disk); the last one is
                kept, and training is asked to stop.
        """
        try:
            os.makedirs(self.directory, exist_ok=True)
            write_file(self.path, weights_file_bytes(self.model))
        except OSError as error:
            self.model.stop_training = True
            raise BackupError(
                f"Could not write the backup into {self.directory} ({error}). "
                f"{self._kept()} Free some disk space (or make the folder writable), then run "
                "the same command again."
            ) from error
        self.step = steps_done(self.model)

    def _kept(self):
        """What the folder still holds, for the message of a failed write."""
        if not os.path.exists(self.path):
            return "No backup had been written yet: the run will start over."
        at = "" if self.step is None else f", at step {self.step},"
        return f"The last good backup{at} is kept in {self.path}: the run will resume from it."


def weights_file_bytes(model):
    """The bytes of the `.weights.h5` file that `model.save_weights` writes, made in memory.

    Why not `save_weights` into the file: HDF5 writing straight to a disk that fills up leaves a
    broken file handle, and h5py (3.14) crashes the process with a segmentation fault when it
    closes it (measured with Keras 3.15: exit 139 after the `OSError`). Made in memory, the file
    reaches the disk through `write_file`, whose failures are ordinary `OSError`s. The file is
    Keras's own (`keras.src.saving.saving_lib`, what `save_weights_only` does for a
    `.weights.h5` path), so `model.load_weights` reads it.
    """
    from keras.src.saving import saving_lib

    buffer = io.BytesIO()
    store = saving_lib.H5IOStore(buffer, mode="w")
    try:
        saving_lib._save_state(
            model, weights_store=store, assets_store=None, inner_path="", visited_saveables=set()
        )
    finally:
        store.close()
    return buffer.getvalue()


def write_file(path, data):
    """Writes `data` (bytes) to `path` atomically: to a temporary file beside it, synced to the
    disk, then renamed over `path`.

    If a write fails (a full disk, a read-only folder), `path` keeps its old content, no
    temporary file is left and the `OSError` is raised. The file gets the permissions a plain
    `open` would give (0666 less the umask), not `mkstemp`'s 0600.
    """
    handle, temporary = tempfile.mkstemp(
        prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=os.path.dirname(path) or "."
    )
    try:
        os.fchmod(handle, 0o666 & ~_UMASK)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def restore_backup(model, directory):
    """Loads a `StepBackup` from `directory` into a compiled model.

    Args:
        model: `keras.Model`. Built and compiled like the model that was backed up.
        directory: str. The `StepBackup` directory.

    Returns:
        The number of training steps the restored state has made, or `None` when `directory`
        holds no backup (the model is then left as it was).

    Raises:
        BackupError: the backup file is unreadable (e.g. truncated); it is left as it is, and the
            model may be partly restored.
    """
    directory = os.fspath(directory)
    path = os.path.join(directory, StepBackup.FILENAME)
    if not os.path.exists(path):
        return None
    try:
        model.load_weights(path)
    # h5py raises OSError (truncated, not HDF5) or RuntimeError (damaged inside); Keras raises
    # KeyError or ValueError for a file that lacks the model's variables.
    except (OSError, RuntimeError, KeyError, ValueError) as error:
        raise BackupError(
            f"The backup {path} is unreadable ({type(error).__name__}: {error}), so training "
            "cannot resume from it. The files beside it are left as they are. Delete "
            f"{directory} to start the run over, or pass another --output-dir."
        ) from error
    return steps_done(model)


class NonFiniteError(RuntimeError):
    """Raised by `StopOnNonFinite` when a training step gives a NaN or an Inf."""


class StopOnNonFinite(keras.callbacks.Callback):
    """Stops training at the first step whose metrics or weights hold a NaN or an Inf.

    Unlike `keras.callbacks.TerminateOnNaN`, which lets the step's other callbacks run, this
    raises `NonFiniteError` from `on_train_batch_end`, so the callbacks after it in the list do not
    see the bad step: put it before `StepBackup`, and the last backup stays the last good state.
    The weights are checked too: an update can blow them up while the loss it was computed
    from was still finite.

    With `compile(steps_per_execution=n)` Keras calls it once per call of `n` steps, at the
    call's last step: the metrics are the epoch's running means, so a bad step anywhere in the
    call shows there, and the stop (and the message) comes at the call's end, still before
    `StepBackup` can save.

    The message names the epoch and step (1-based, as the progress bar shows them), the
    generator step, and the metric or network, e.g. "Stopped at epoch 3, step 12 (generator
    step 212): critic_loss is nan."

    Args:
        backup_dir: str or `None`. Named in the message as where the last good backup is.
        check_weights: bool. Also check the trainable weights after every step.
    """

    def __init__(self, backup_dir=None, check_weights=True):
        super().__init__()
        self.backup_dir = None if backup_dir is None else os.fspath(backup_dir)
        self.check_weights = check_weights
        self.epoch = 0
        # One compiled function telling whether all the weights are finite, made at the first
        # check of each `fit` (`_all_weights_finite`).
        self._weights_check = None

    def on_train_begin(self, logs=None):
        self._weights_check = None  # another `fit`: the networks may hold other weights

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        problem = self._find_problem(logs or {})
        if problem is None:
            return
        self.model.stop_training = True
        message = (
            f"Stopped at epoch {self.epoch + 1}, step {batch + 1} (generator step "
            f"{steps_done(self.model)}): {problem}."
        )
        if self.backup_dir is not None:
            message += f" The last good backup is in {self.backup_dir}"
            if not os.path.exists(os.path.join(self.backup_dir, StepBackup.FILENAME)):
                message += " (none was written yet)"
            message += "."
        raise NonFiniteError(message)

    def _find_problem(self, logs):
        for name, value in logs.items():
            value = np.asarray(value)
            if not np.all(np.isfinite(value)):
                return f"{name} is {value if value.ndim == 0 else 'non-finite'}"
        if self.check_weights and not self._all_weights_finite():
            for name, network in self._networks():
                for variable in network.trainable_weights:
                    if not np.all(np.isfinite(keras.ops.convert_to_numpy(variable))):
                        return f"{name} weight {variable.path} is non-finite"
        return None

    def _networks(self):
        networks = [(name, getattr(self.model, name, None)) for name in ("critic", "generator")]
        return [(name, net) for name, net in networks if net is not None] or [
            ("model", self.model)
        ]

    def _all_weights_finite(self):
        """Whether every trainable weight is finite, in one call to TensorFlow.

        Reading each weight back to NumPy after every step cost 1.1 ms a step on the digits
        recipe's 16 weights, a sixth of its XLA-compiled step (issue 13); one compiled reduction
        costs one call (0.4 ms alone). The weight-by-weight search runs only to name a bad one.
        """
        if self._weights_check is None:
            import tensorflow as tf

            variables = [v for _, network in self._networks() for v in network.trainable_weights]

            def all_finite():
                return tf.reduce_all(
                    [tf.reduce_all(tf.math.is_finite(variable.value)) for variable in variables]
                )

            self._weights_check = tf.function(all_finite)
        return bool(self._weights_check())


SETTINGS_FILENAME = "config.json"


def write_settings(settings, directory):
    """Writes `settings` (a JSON-able dict) beside the backup in `directory`, atomically.

    Raises:
        BackupError: the file could not be written (a full or read-only disk).
    """
    path = os.path.join(directory, SETTINGS_FILENAME)
    try:
        os.makedirs(directory, exist_ok=True)
        write_file(path, json.dumps(settings, indent=1).encode())
    except OSError as error:
        raise BackupError(
            f"Could not write the run's settings into {path} ({error}). Nothing was trained, "
            "and a backup already there is left as it was. Free some disk space (or make the "
            "folder writable), then run the same command again, or pass another --output-dir."
        ) from error


def read_settings(directory):
    """The settings `write_settings` recorded in `directory`, or `None` when there are none.

    Raises:
        BackupError: the file is unreadable, or not a JSON object.
    """
    path = os.path.join(os.fspath(directory), SETTINGS_FILENAME)
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as file:
            settings = json.load(file)
    except (OSError, ValueError) as error:  # ValueError: not JSON, not UTF-8
        raise _unreadable_settings(path, f"{type(error).__name__}: {error}") from error
    if not isinstance(settings, dict):
        raise _unreadable_settings(path, f"a JSON {type(settings).__name__}, not an object")
    return settings


def _unreadable_settings(path, problem):
    directory = os.path.dirname(path)
    return BackupError(
        f"The backup's settings file {path} is unreadable ({problem}), so it cannot tell "
        "whether the backup is of this run. The backup is left as it is. Delete "
        f"{directory} to start the run over, or pass another --output-dir."
    )


_MISSING = object()  # a setting one side does not record


def resume(model, directory, settings):
    """Restores the backup in `directory` into `model`, if there is one.

    Args:
        model: the compiled model to restore into.
        directory: str. The backup folder (`StepBackup`'s).
        settings: dict. The settings of the run that resumes; if the backup's recorded settings
            (`write_settings`) differ, nothing is restored.

    Returns:
        The backup's step (`steps_done`), or `None` when `directory` holds no backup.

    Raises:
        BackupError: the backup is of a run with other settings (the message names each
            difference, a setting the backup does not record as `(missing)`), or its weights or
            settings file is unreadable.
    """
    directory = os.fspath(directory)
    if not os.path.exists(os.path.join(directory, StepBackup.FILENAME)):
        return None
    saved = read_settings(directory)
    if saved is not None:
        names = set(saved) | set(settings)
        changed = sorted(k for k in names if saved.get(k, _MISSING) != settings.get(k, _MISSING))
        if changed:
            details = ", ".join(
                f"{k}={_setting(saved, k)} -> {_setting(settings, k)}" for k in changed
            )
            raise BackupError(
                f"The backup in {directory} is of a run with other settings ({details}). It is "
                "left as it is. Rerun with the same settings to resume, delete the backup to "
                "start over, or pass another --output-dir."
            )
    return restore_backup(model, directory)


def _setting(settings, name):
    return repr(settings[name]) if name in settings else "(missing)"


def load_history(path, epochs):
    """The first `epochs` epochs of a history.json written by an earlier run, or `{}`.

    Raises:
        BackupError: the file is unreadable or not a history (`{name: [values]}`).
    """
    if not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as file:
            history = json.load(file)
        return {name: values[:epochs] for name, values in history.items()}
    # ValueError: not JSON; AttributeError, TypeError: JSON of another shape.
    except (OSError, ValueError, AttributeError, TypeError) as error:
        raise BackupError(
            f"The run's history {path} is unreadable ({type(error).__name__}: {error}). The "
            "backup is intact: delete the history to resume without the earlier epochs' values "
            "(they become null), or delete the backup to start over."
        ) from error


LOCK_FILENAME = ".lock"
# What a finished run leaves (`keras_wgan.training.train`): a new run would overwrite it.
FINISHED_RUN_FILES = ("model.keras", "metrics.json")


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


def check_writable(directory):
    """Refuses a run folder that cannot be written, before anything is trained.

    Creates `directory` if it is missing, then creates (and removes) a file in it.

    Raises:
        RunFolderError: the folder cannot be created or written (read-only, on a read-only
            disk, or under a file); the message names it and the system's error.
    """
    try:
        os.makedirs(directory, exist_ok=True)
        tempfile.TemporaryFile(dir=directory).close()
    except OSError as error:
        raise RunFolderError(
            f"Cannot write into {directory} ({error}). Nothing was trained, and nothing there "
            "was changed. Make the folder writable, or pass another --output-dir."
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
