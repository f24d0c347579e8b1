"""Backups of the whole training state, resuming from them, and the guard that keeps NaNs out.

`StepBackup` writes the training state every few steps and `restore_backup` loads it back;
`StopOnNonFinite` stops training (with a `NonFiniteError`) at the first step that gives a NaN or
an Inf, before the backup after it would keep the bad state. `steps_done` reads the step counter
that says where a model's training stands. For a run (`keras_wgan.training.train`):
`write_settings` records beside the backup the settings a resumption must share, `resume`
restores the backup if they match, and `load_history` reads back the epochs already done.
`RunLock` keeps a second run out of a run folder, and `check_run_folder` keeps a new run from
overwriting a finished one.
"""

import json
import os
import tempfile
import time

import keras
import numpy as np

from keras_wgan._checks import check_positive_int


def steps_done(model):
    """Training steps the model has made: generator updates for a GAN, else optimizer steps."""
    optimizer = getattr(model, "generator_optimizer", None) or model.optimizer
    # `int()` fails on a variable created under a tf.distribute strategy (a MirroredVariable).
    return int(keras.ops.convert_to_numpy(optimizer.iterations))


class StepBackup(keras.callbacks.Callback):
    """Backs up the whole training state every `every` training steps, for `restore_backup`.

    The backup is `directory/latest.weights.h5`, written by `model.save_weights`: for our models
    both networks, both optimizers (slots and step counters, hence the warm-up position) and the
    seed generator's state. The step counter in the file says where training stands, so the
    weights and the position can never disagree. Each backup is written to a temporary file and
    renamed over the last one, so a process killed at any moment leaves a complete backup.

    Why not `keras.callbacks.BackupAndRestore` (Keras 3.15): with a step-level `save_freq` it
    restarts the interrupted epoch from its first batch, with the weights from the middle of it
    (it records the batch but never uses it), and `fit` then makes more steps than an
    uninterrupted run. Resuming in the middle of an epoch needs the data pipeline's cooperation,
    which `keras_wgan.training.train` wires up: see there.

    Args:
        directory: str. Where to keep the backup; created when first needed.
        every: int. Back up after every `every`-th training step (counted over the whole run:
            generator updates for a GAN).

    Example:

    >>> backup = keras_wgan.checkpointing.StepBackup("run/backup", every=100)
    >>> guard = keras_wgan.checkpointing.StopOnNonFinite("run/backup")
    >>> model.fit(data, epochs=10, callbacks=[guard, backup])
    """

    FILENAME = "latest.weights.h5"

    def __init__(self, directory, every):
        super().__init__()
        self.directory = os.fspath(directory)
        self.every = check_positive_int("every", every)
        self.path = os.path.join(self.directory, self.FILENAME)

    def on_train_batch_end(self, batch, logs=None):
        if steps_done(self.model) % self.every == 0:
            self.save()

    def save(self):
        """Writes the backup now (atomically)."""
        os.makedirs(self.directory, exist_ok=True)
        # `save_weights` wants a name ending in `.weights.h5`.
        handle, temporary = tempfile.mkstemp(suffix=".weights.h5", dir=self.directory)
        os.close(handle)
        try:
            self.model.save_weights(temporary, overwrite=True)
            os.replace(temporary, self.path)
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
    """
    path = os.path.join(os.fspath(directory), StepBackup.FILENAME)
    if not os.path.exists(path):
        return None
    model.load_weights(path)
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
        if self.check_weights:
            networks = [
                (name, getattr(self.model, name, None)) for name in ("critic", "generator")
            ]
            networks = [(name, net) for name, net in networks if net is not None]
            for name, network in networks or [("model", self.model)]:
                for variable in network.trainable_weights:
                    if not np.all(np.isfinite(keras.ops.convert_to_numpy(variable))):
                        return f"{name} weight {variable.path} is non-finite"
        return None


SETTINGS_FILENAME = "config.json"


def write_settings(settings, directory):
    """Writes `settings` (a JSON-able dict) beside the backup in `directory`, atomically."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, SETTINGS_FILENAME)
    with open(path + ".tmp", "w") as file:
        json.dump(settings, file, indent=1)
    os.replace(path + ".tmp", path)


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
        ValueError: the backup is of a run with other settings; the message names each
            difference.
    """
    directory = os.fspath(directory)
    if not os.path.exists(os.path.join(directory, StepBackup.FILENAME)):
        return None
    saved_path = os.path.join(directory, SETTINGS_FILENAME)
    if os.path.exists(saved_path):
        with open(saved_path) as file:
            saved = json.load(file)
        changed = sorted(k for k in set(saved) | set(settings) if saved.get(k) != settings.get(k))
        if changed:
            details = ", ".join(f"{k}={saved.get(k)!r} -> {settings.get(k)!r}" for k in changed)
            raise ValueError(
                f"The backup in {directory} is of a run with other settings ({details}). "
                "Rerun with the same settings to resume, or delete the backup to start over."
            )
    return restore_backup(model, directory)


def load_history(path, epochs):
    """The first `epochs` epochs of a history.json written by an earlier run, or `{}`."""
    if not os.path.exists(path):
        return {}
    with open(path) as file:
        history = json.load(file)
    return {name: values[:epochs] for name, values in history.items()}


class RunFolderError(ValueError):
    """A run folder that a run may not use: finished, or in use by another run."""


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
