"""`TrainingCurves` during `fit` of a tiny image model, beside a `SampleGrid`."""

import numpy as np
import pytest

from keras_wgan import callbacks
from keras_wgan import data
from keras_wgan.callbacks import curves as curves_module
from tests.helpers import tiny_image_model


def test_sample_grid_and_curves_write_pngs(tmp_path):
    model = tiny_image_model()
    images = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
    latent = np.random.default_rng(1).standard_normal((6, 4)).astype("float32")
    grid = callbacks.SampleGrid(latent, tmp_path / "samples", every=2)
    curves = callbacks.TrainingCurves(tmp_path / "curves.png")
    model.fit(data.make_dataset(images, 8, critic_steps=2), epochs=3, verbose=0, shuffle=False,
              callbacks=[grid, curves])
    # Every 2nd epoch, and always the last one.
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == [
        "epoch_002.png", "epoch_003.png"
    ]
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(curves.history) >= {"wasserstein_estimate", "critic_loss", "gradient_penalty"}


@pytest.mark.parametrize("every", [0, -1, 1.5, True])
def test_bad_every_is_refused(tmp_path, every):
    with pytest.raises(ValueError, match="every"):
        callbacks.TrainingCurves(tmp_path / "c.png", every=every)


def test_curves_wait_min_seconds_between_drawings(tmp_path, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(curves_module.time, "monotonic", lambda: clock[0])
    curves = callbacks.TrainingCurves(tmp_path / "c.png", min_seconds=10)
    drawn = []
    monkeypatch.setattr(curves, "draw", lambda: (drawn.append(clock[0]),
                                                 setattr(curves, "_drawn_at", clock[0])))
    for epoch, now in enumerate([100.0, 104.0, 109.9, 110.0, 111.0, 125.0]):
        clock[0] = now
        curves.on_epoch_end(epoch, {"critic_loss": 1.0})
    assert drawn == [100.0, 110.0, 125.0]
    assert len(curves.history["critic_loss"]) == 6  # every epoch is recorded all the same
    curves.on_train_end()
    assert drawn[-1] == 125.0 and len(drawn) == 4  # the last drawing is always made


@pytest.mark.parametrize("min_seconds", [-1, float("inf"), "10", True])
def test_bad_min_seconds_is_refused(tmp_path, min_seconds):
    with pytest.raises(ValueError, match=f"min_seconds={min_seconds!r}"):
        callbacks.TrainingCurves(tmp_path / "c.png", min_seconds=min_seconds)
