"""`JsonHistory`: the epoch metrics kept on disk, and the helpers that keep one value per epoch."""

import json
import math
import os

import keras


class JsonHistory(keras.callbacks.Callback):
    """Writes the epoch metrics so far to a JSON file after every epoch.

    The file is `{metric: [value per epoch]}`. Epoch `e` of a resumed `fit` replaces the values
    from `e` on; a metric missing from an epoch's logs is `null`.

    Args:
        path: str. The JSON file to (over)write.
        history: dict or `None`. Metrics of epochs already trained, for a resumed run.
    """

    def __init__(self, path, history=None):
        super().__init__()
        self.path = os.fspath(path)
        self.history = copy_history(history)

    def on_epoch_end(self, epoch, logs=None):
        record_epoch(self.history, epoch, logs)
        self.save()

    def save(self):
        """Writes the history now (atomically), NaN as `null`."""
        temporary = self.path + ".tmp"
        with open(temporary, "w") as file:
            json.dump(history_to_json(self.history), file, indent=1)
        os.replace(temporary, self.path)


def history_to_json(history):
    """`{name: [values]}` with NaN as `None`, so that the file is strict JSON."""
    return {
        name: [None if math.isnan(value) else value for value in values]
        for name, values in history.items()
    }


def copy_history(history):
    """A copy of `{name: [values]}` as floats, `None` (JSON's null) read back as NaN."""
    return {
        name: [math.nan if value is None else float(value) for value in values]
        for name, values in (history or {}).items()
    }


def record_epoch(history, epoch, logs):
    """Stores `logs` at index `epoch`, dropping later values; absent values are NaN."""
    logs = logs or {}
    for name in list(history) + [name for name in logs if name not in history]:
        values = history.setdefault(name, [])
        del values[epoch:]
        values.extend([math.nan] * (epoch - len(values)))
        values.append(float(logs[name]) if name in logs else math.nan)

