"""`WarnOnDivergence`: a warning, once per metric, when a loss explodes but stays finite."""

import warnings

import numpy as np
import pytest

from keras_wgan import callbacks
from keras_wgan import training
from tests.helpers import tiny_config
from tests.helpers import toy_points


def epoch_warnings(callback, epoch, logs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        callback.on_epoch_end(epoch, logs)
    return [str(w.message) for w in caught if issubclass(w.category, callbacks.DivergenceWarning)]


def test_an_exploding_loss_warns_once_naming_the_epoch_metric_and_value():
    callback = callbacks.WarnOnDivergence()
    healthy = {"critic_loss": -3.0, "generator_loss": 2.0, "wasserstein_estimate": 3.0}
    assert epoch_warnings(callback, 0, healthy) == []
    diverged = {**healthy, "critic_loss": -2.5e16, "wasserstein_estimate": np.float32(2.5e16)}
    messages = epoch_warnings(callback, 1, diverged)
    assert len(messages) == 2
    assert messages[0].startswith("Epoch 2: critic_loss = -2.5e+16, past the divergence threshold")
    assert "exported generator may be broken" in messages[0]
    assert messages[1].startswith("Epoch 2: wasserstein_estimate = 2.5e+16")
    # Once per metric: the next epochs add only what is new.
    assert epoch_warnings(callback, 2, diverged) == []
    later = epoch_warnings(callback, 3, {**diverged, "generator_gradient_norm": 3e7})
    assert len(later) == 1 and later[0].startswith("Epoch 4: generator_gradient_norm = 3e+07")
    assert [(e["epoch"], e["metric"]) for e in callback.events] == [
        (2, "critic_loss"), (2, "wasserstein_estimate"), (4, "generator_gradient_norm"),
    ]
    assert callback.events[0]["value"] == -2.5e16


def test_non_finite_and_unwatched_values_are_left_to_the_nan_guard():
    callback = callbacks.WarnOnDivergence(threshold=10, metrics=("critic_loss",))
    logs = {"critic_loss": float("nan"), "generator_loss": 1e9}
    assert epoch_warnings(callback, 0, logs) == []
    assert epoch_warnings(callback, 0, {"critic_loss": float("inf")}) == []
    assert len(epoch_warnings(callback, 1, {"critic_loss": 11.0})) == 1


def test_a_threshold_that_is_not_a_positive_number_is_refused():
    with pytest.raises(ValueError, match=r"threshold='1e6'"):
        callbacks.WarnOnDivergence(threshold="1e6")


def test_a_run_watches_for_divergence_and_its_summary_says_so(tmp_path):
    config = tiny_config(tmp_path, backup_every=0)
    paths = {"samples_dir": str(tmp_path / "samples"), "curves": str(tmp_path / "curves.png"),
             "history": str(tmp_path / "history.json"), "backup": str(tmp_path / "backup")}
    run = training.run_callbacks(config, paths, toy_points(40), {})
    assert sum(isinstance(c, callbacks.WarnOnDivergence) for c in run) == 1
    summary = {
        "generator_steps": 10, "seconds": 1.0, "final_metrics": {}, "history": "h", "model": "m",
        "curves": "c", "samples": "s", "export": "e", "export_name": "n", "export_version": 1,
        "metrics": "x", "progression": None,
        "quality": {"note": "", "scores": {}, "unavailable": []},
        "divergence": [{"epoch": 2, "metric": "critic_loss", "value": -2.5e16}],
    }
    assert "WARNING: diverged at epoch 2: critic_loss=-2.5e+16" in training.format_summary(summary)
