"""Resuming a run: the settings recorded beside its backup, the backup restored if they match,
and the epochs already done read back."""

import json
import os
import reprlib

from keras_wgan.checkpointing.backup import StepBackup
from keras_wgan.checkpointing.backup import restore_backup
from keras_wgan.checkpointing.backup import write_file
from keras_wgan.checkpointing.errors import BackupError

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
        BackupError: the file is unreadable or not a history (`{name: [numbers or null]}`).
    """
    if not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as file:
            history = json.load(file)
    except (OSError, ValueError) as error:  # ValueError: not JSON, not UTF-8
        raise _unreadable_history(path, f"{type(error).__name__}: {error}") from error
    problem = _history_problem(history)
    if problem:
        raise _unreadable_history(path, f"not a history {{name: [numbers]}}: {problem}")
    return {name: values[:epochs] for name, values in history.items()}


def _history_problem(history):
    if not isinstance(history, dict):
        return f"a JSON {type(history).__name__}, not an object"
    for name, values in history.items():
        if not isinstance(values, list):
            return f"{name!r} holds a JSON {type(values).__name__}, not a list"
        for value in values:
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float))
            ):
                return f"{name!r} holds {reprlib.repr(value)}, not a number"
    return None


def _unreadable_history(path, problem):
    return BackupError(
        f"The run's history {path} is unreadable ({problem}). The backup is intact: delete the "
        "history to resume without the earlier epochs' values (they become null), or delete the "
        "backup to start over."
    )
