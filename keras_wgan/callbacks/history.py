"""`JsonHistory`: the epoch metrics kept on disk, and the helpers that keep one value per epoch.

`copy_history` and `record_epoch` are shared with `TrainingCurves`, which keeps the same history.
"""

import json
import math
import os

import keras


class JsonHistory(keras.callbacks.Callback):
    """Writes the epoch metrics so far to a JSON file after every epoch.

    The file is `{metric: [value per epoch]}`, the `History.history` dict, so a run that stops
    early still leaves its curves behind. Values are stored by epoch index: epoch `e` of a later
    `fit` (e.g. one resumed with `initial_epoch`) replaces the values from epoch `e` on. A metric
    missing from an epoch's logs (e.g. the `QualityScores` of an epoch that was not scored) is
    `null` in the file (NaN in `history`), so every list stays one value per epoch.

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
    """Stores epoch `epoch`'s logs at index `epoch`, dropping any values from later epochs.

    Every list stays one value per epoch: a metric absent from this epoch's logs gets NaN, and
    one seen for the first time is padded with NaN for the earlier epochs.
    """
    logs = logs or {}
    for name in list(history) + [name for name in logs if name not in history]:
        values = history.setdefault(name, [])
        del values[epoch:]
        values.extend([math.nan] * (epoch - len(values)))
        values.append(float(logs[name]) if name in logs else math.nan)

