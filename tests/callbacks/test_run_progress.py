"""`RunProgress`: the whole run's steps, elapsed time and time left, once per epoch."""

import json
import math

import keras
import pytest

from keras_wgan import callbacks
from keras_wgan import data
from keras_wgan import training
from keras_wgan.callbacks.run_progress import format_duration
from keras_wgan.callbacks.run_progress import progress_line
from tests.helpers import tiny_config
from tests.helpers import tiny_model
from tests.helpers import toy_points


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def progress(total_steps, initial_step=0, verbose=1, steps=10, wait=False):
    """A `RunProgress` on a fake clock, printing into its `lines`, as `fit` sets it up."""
    lines = []
    clock = FakeClock()
    callback = callbacks.RunProgress(total_steps, initial_step=initial_step, print_fn=lines.append,
                                     clock=clock, wait_for_progress_bar=wait)
    callback.set_params({"verbose": verbose, "epochs": 3, "steps": steps})
    callback.on_train_begin()
    return callback, clock, lines


def train_epoch(callback, clock, epoch, seconds, steps=10, steps_per_call=1):
    """One epoch of `steps` steps taking `seconds`: its logs."""
    logs = {"critic_loss": -1.0}
    callback.on_epoch_begin(epoch)
    for end in range(steps_per_call - 1, steps, steps_per_call):
        callback.on_train_batch_end(end)
    clock.now += seconds
    callback.on_epoch_end(epoch, logs)
    return logs


@pytest.mark.parametrize(
    "seconds, text",
    [(0, "0:00"), (59.4, "0:59"), (62, "1:02"), (3599.6, "1:00:00"), (3725, "1:02:05"),
     (36000, "10:00:00")],
)
def test_durations_read_as_minutes_or_hours(seconds, text):
    assert format_duration(seconds) == text


def test_the_line_says_steps_share_elapsed_and_left():
    assert progress_line(1240, 3100, 62, 93) == (
        "run: 1,240/3,100 steps (40%), 1:02 elapsed, about 1:33 left"
    )
    assert progress_line(3100, 3100, 155, 0.0).endswith("(100%), 2:35 elapsed, done")
    assert progress_line(0, 10, 3, math.nan).endswith("time left unknown")


def test_the_estimate_leaves_out_the_first_epoch_once_a_second_is_done():
    callback, clock, lines = progress(total_steps=100)
    # The first epoch (tracing and compiling included) takes 30 s for 10 steps: 3 s a step.
    logs = train_epoch(callback, clock, 0, seconds=30)
    assert logs == {"critic_loss": -1.0, "run_steps": 10.0, "run_seconds_elapsed": 30.0,
                    "run_seconds_left": 90 * 3.0}
    # The second takes 10 s: 1 s a step, measured from the first epoch's end.
    logs = train_epoch(callback, clock, 1, seconds=10)
    assert logs["run_seconds_left"] == 80 * 1.0
    # The third 20 s: 30 s for the 20 steps after the first epoch.
    logs = train_epoch(callback, clock, 2, seconds=20)
    assert logs["run_seconds_left"] == pytest.approx(70 * 1.5)
    assert lines == [
        "run: 10/100 steps (10%), 0:30 elapsed, about 4:30 left",
        "run: 20/100 steps (20%), 0:40 elapsed, about 1:20 left",
        "run: 30/100 steps (30%), 1:00 elapsed, about 1:45 left",
    ]


def test_steps_come_from_the_step_index_whatever_runs_per_call():
    callback, clock, lines = progress(total_steps=40, steps=20)
    logs = train_epoch(callback, clock, 0, seconds=8, steps=20, steps_per_call=4)
    assert logs["run_steps"] == 20.0 and callback.steps == 20
    logs = train_epoch(callback, clock, 1, seconds=10, steps=20, steps_per_call=4)
    assert logs["run_steps"] == 40.0 and logs["run_seconds_left"] == 0.0
    assert lines[-1] == "run: 40/40 steps (100%), 0:18 elapsed, done"


def test_a_resumed_run_counts_from_its_backup_at_this_process_rate():
    # Resumed at step 25 of 100: the rest of epoch 3 (5 steps), then whole epochs of 10.
    callback, clock, lines = progress(total_steps=100, initial_step=25, steps=5)
    logs = train_epoch(callback, clock, 2, seconds=20, steps=5)
    assert logs["run_steps"] == 30.0 and logs["run_seconds_elapsed"] == 20.0
    assert logs["run_seconds_left"] == 70 * 4.0  # 5 steps in 20 s, none from before
    callback.on_train_end()
    callback.set_params({"verbose": 1, "epochs": 10, "steps": 10})  # the second `fit`
    callback.on_train_begin()
    clock.now += 2  # between the two calls to `fit`
    logs = train_epoch(callback, clock, 3, seconds=5)
    assert logs["run_steps"] == 40.0 and logs["run_seconds_elapsed"] == 27.0
    assert logs["run_seconds_left"] == 60 * (7 / 10)  # from the first epoch's end on
    assert lines == ["run: 30/100 steps (30%), 0:20 elapsed, about 4:40 left",
                     "run: 40/100 steps (40%), 0:27 elapsed, about 0:42 left"]


def test_verbose_0_prints_nothing_and_still_logs():
    callback, clock, lines = progress(total_steps=20, verbose=0, wait=True)
    logs = train_epoch(callback, clock, 0, seconds=4)
    train_epoch(callback, clock, 1, seconds=4)
    callback.on_train_end()
    assert lines == []
    assert set(callbacks.RunProgress.LOG_KEYS) <= set(logs)


def test_the_line_waits_for_the_progress_bar_by_default():
    callback, clock, lines = progress(total_steps=20, wait=True)
    train_epoch(callback, clock, 0, seconds=4)
    assert lines == []  # the bar's epoch line comes after this callback
    callback.on_epoch_begin(1)
    assert lines == ["run: 10/20 steps (50%), 0:04 elapsed, about 0:04 left"]
    train_epoch(callback, clock, 1, seconds=4)
    callback.on_train_end()
    assert lines[-1] == "run: 20/20 steps (100%), 0:08 elapsed, done"


def test_the_history_keeps_the_values_and_the_curves_leave_them_out(tmp_path):
    callback, clock, _ = progress(total_steps=20)
    history = callbacks.JsonHistory(tmp_path / "history.json")
    for epoch in range(2):
        history.on_epoch_end(epoch, train_epoch(callback, clock, epoch, seconds=4))
    written = json.loads((tmp_path / "history.json").read_text())
    assert written["run_steps"] == [10.0, 20.0]
    assert written["run_seconds_elapsed"] == [4.0, 8.0]
    assert written["run_seconds_left"] == [4.0, 0.0]
    assert not set(callbacks.RunProgress.LOG_KEYS) & set(callbacks.TrainingCurves.PANELS)


@pytest.mark.parametrize(
    "kwargs, named",
    [({"total_steps": 0}, "total_steps=0"), ({"total_steps": 2.5}, "total_steps=2.5"),
     ({"total_steps": 10, "initial_step": 11}, "initial_step=11"),
     ({"total_steps": 10, "initial_step": -1}, "initial_step=-1")],
)
def test_bad_step_counts_are_refused_naming_the_value(kwargs, named):
    with pytest.raises(ValueError, match=named):
        callbacks.RunProgress(**kwargs)


@pytest.mark.parametrize("bar_first", [False, True])
def test_fit_prints_the_line_after_the_progress_bar_epoch_line(capsys, bar_first):
    model = tiny_model()
    batches = data.make_dataset(toy_points(64), 8, critic_steps=2)
    progress = callbacks.RunProgress(total_steps=4, wait_for_progress_bar=not bar_first)
    listed = [keras.callbacks.ProgbarLogger(), progress] if bar_first else [progress]
    model.fit(batches, epochs=2, steps_per_epoch=2, verbose=2, shuffle=False, callbacks=listed)
    out = capsys.readouterr().out
    first, last = out.index("\nrun: 2/4 steps (50%)"), out.index("\nrun: 4/4 steps (100%)")
    assert out.index("2/2 - ") < first < out.index("Epoch 2/2") < last
    # A bar listed before the progress leaves the run's values out of its line.
    assert ("run_steps" in out) is not bar_first
    assert model.history.history["run_steps"] == [2.0, 4.0]


def test_a_run_lists_a_progress_bar_then_its_progress(tmp_path):
    config = tiny_config(tmp_path, backup_every=0, verbose=1, epochs=3)
    paths = {"samples_dir": str(tmp_path / "samples"), "curves": str(tmp_path / "curves.png"),
             "history": str(tmp_path / "history.json"), "backup": str(tmp_path / "backup")}
    run = training.run_callbacks(config, paths, toy_points(40), {}, backed_up_step=7,
                                 steps_per_epoch=5)
    kinds = [type(c) for c in run]
    at = kinds.index(callbacks.RunProgress)
    assert kinds[at - 1] is keras.callbacks.ProgbarLogger
    assert kinds.index(callbacks.JsonHistory) > at  # the history sees the run's values
    assert (run[at].total_steps, run[at].initial_step) == (15, 7)
    assert not run[at].wait_for_progress_bar
