"""Backups of the whole training state: `StepBackup` writes them, `restore_backup` reads them."""

import io
import os
import tempfile

import keras

from keras_wgan._checks import check_positive_int
from keras_wgan._framework import write_weights_h5
from keras_wgan.checkpointing.errors import BackupError


def read_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import: setting the umask to read it is not safe while other threads make files.
UMASK = read_umask()


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
    backup that is kept. (Keras's `BackupAndRestore` restarts an interrupted epoch from its first
    batch: docs/training.md.)

    Args:
        directory: str. Where to keep the backup; created when first needed.
        every: int. Back up after every `every`-th training step (counted over the whole run:
            generator updates for a GAN).
        step: int or `None`. The step of the backup already in `directory`, if known (what
            `restore_backup` returned): named, until the next backup, if a write fails.

    Example:

    >>> backup = keras_wgan.checkpointing.StepBackup("run/backup", every=100)
    >>> guard = keras_wgan.callbacks.StopOnNonFinite("run/backup")
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
    """The bytes of the `.weights.h5` file that `model.save_weights` writes, made in memory:
    HDF5 writing straight to a full disk crashes the process, where `write_file` fails with an
    ordinary `OSError`. `model.load_weights` reads it."""
    buffer = io.BytesIO()
    write_weights_h5(model, buffer)
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
        os.fchmod(handle, 0o666 & ~UMASK)
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
