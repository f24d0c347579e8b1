"""`RunProgress`: the whole run's steps, elapsed time and time left, printed once per epoch."""

import math
import time

import keras

from keras_wgan._checks import check_positive_int


def format_duration(seconds):
    """`seconds` as `m:ss`, or `h:mm:ss` from an hour on, to the nearest second."""
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def progress_line(steps, total_steps, seconds_elapsed, seconds_left):
    """`run: 1,240/3,100 steps (40%), 1:02 elapsed, about 1:33 left` (`done` at the end)."""
    if steps >= total_steps:
        left = "done"
    elif math.isfinite(seconds_left):
        left = f"about {format_duration(seconds_left)} left"
    else:
        left = "time left unknown"
    percent = math.floor(100 * steps / total_steps)
    return (f"run: {steps:,}/{total_steps:,} steps ({percent}%), "
            f"{format_duration(seconds_elapsed)} elapsed, {left}")


class RunProgress(keras.callbacks.Callback):
    """Prints the whole run's steps done, elapsed time and time left, once per epoch.

    Steps are `fit`'s (a GAN's generator steps), from each epoch's last step index. Elapsed:
    since this process began training. The rate counts this process's steps only: at the first
    epoch end over all its time, then over the epochs after the first (no tracing, compiling).
    The epoch's `logs` get `run_steps`, `run_seconds_elapsed`, `run_seconds_left` (NaN while
    unknown). `fit(verbose=0)` prints nothing.

    Args:
        total_steps: int. The run's steps in all.
        initial_step: int. Steps done before this process (a run resumed from a backup).
        print_fn: callable or `None`. Takes each line; `None`: `print`, flushed.
        clock: callable. The time in seconds.
        wait_for_progress_bar: bool. `True`: an epoch's line is printed as the next epoch begins
            or training ends, after the epoch line of the bar `fit` appends to the callbacks.
            `False`: at the epoch end, for a list with a `keras.callbacks.ProgbarLogger` before
            this callback (whose line then leaves out the run's values).

    Example:

    >>> progress = keras_wgan.callbacks.RunProgress(total_steps=50 * 80)
    >>> model.fit(batches, epochs=50, steps_per_epoch=80, callbacks=[progress])
    """

    LOG_KEYS = ("run_steps", "run_seconds_elapsed", "run_seconds_left")
    async_safe = True  # `fit` waits for the batch hooks before an epoch ends

    def __init__(self, total_steps, initial_step=0, print_fn=None, clock=time.monotonic,
                 wait_for_progress_bar=True):
        super().__init__()
        self.total_steps = check_positive_int("total_steps", total_steps)
        if isinstance(initial_step, bool) or not isinstance(initial_step, int) or not (
            0 <= initial_step <= total_steps
        ):
            raise ValueError("`initial_step` must be an int from 0 to `total_steps` "
                             f"({total_steps}). Received: initial_step={initial_step!r}")
        self.initial_step = initial_step
        self.print_fn = print_fn
        self.clock = clock
        self.wait_for_progress_bar = wait_for_progress_bar
        self.steps = initial_step
        self._trained = 0
        self._epoch_steps = 0
        self._started = None
        self._first_epoch_time = None
        self._first_epoch_steps = 0
        self._waiting_line = None

    def on_train_begin(self, logs=None):
        if self._started is None:
            self._started = self.clock()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_steps = 0
        self._print_waiting_line()

    def on_train_batch_end(self, batch, logs=None):
        self._epoch_steps = batch + 1

    def on_epoch_end(self, epoch, logs=None):
        now = self.clock()
        if self._started is None:
            self._started = now
        planned = (self.params or {}).get("steps")
        self._trained += min(self._epoch_steps, planned) if planned else self._epoch_steps
        self.steps = self.initial_step + self._trained
        elapsed, left = now - self._started, self._seconds_left(now)
        if self._first_epoch_time is None:
            self._first_epoch_time, self._first_epoch_steps = now, self._trained
        if logs is not None:
            logs.update(zip(self.LOG_KEYS, (float(self.steps), elapsed, left)))
        verbose = (self.params or {}).get("verbose", 1)
        if verbose:
            self._waiting_line = progress_line(self.steps, self.total_steps, elapsed, left)
            if not self.wait_for_progress_bar:
                self._print_waiting_line()

    def on_train_end(self, logs=None):
        self._print_waiting_line()

    def _seconds_left(self, now):
        if self.steps >= self.total_steps:
            return 0.0
        since = self._started if self._first_epoch_time is None else self._first_epoch_time
        steps, seconds = self._trained - self._first_epoch_steps, now - since
        if steps <= 0 or seconds <= 0:
            return math.nan
        return (self.total_steps - self.steps) * seconds / steps

    def _print_waiting_line(self):
        if self._waiting_line is not None:
            if self.print_fn is None:
                print(self._waiting_line, flush=True)
            else:
                self.print_fn(self._waiting_line)
            self._waiting_line = None
