"""`TrainingCurves` during `fit` of a tiny image model, beside a `SampleGrid`."""

import numpy as np
import pytest

from keras_wgan import callbacks
from keras_wgan import data
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
