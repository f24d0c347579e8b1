"""The plotting callbacks write their PNGs during `fit` of a tiny model."""

import numpy as np
import pytest

from keras_wgan import WGANGP
from keras_wgan import callbacks
from keras_wgan import data
from keras_wgan import networks
from tests.helpers import tiny_mlp_pair
from tests.helpers import toy_points


def tiny_image_model():
    generator = networks.build_generator((8, 8, 1), latent_dim=4, base_filters=4)
    critic = networks.build_critic((8, 8, 1), base_filters=4, normalization="layer")
    model = WGANGP(generator, critic, critic_steps=2, seed=0)
    model.compile()
    return model


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


def test_sample_scatter_and_json_history(tmp_path):
    generator, critic = tiny_mlp_pair()
    model = WGANGP(generator, critic, critic_steps=2, seed=0)
    model.compile()
    points = toy_points(64)
    latent = np.zeros((10, 2), "float32")
    scatter = callbacks.SampleScatter(latent, tmp_path / "samples", real=points)
    history = callbacks.JsonHistory(tmp_path / "history.json")
    model.fit(data.make_dataset(points, 8, critic_steps=2), epochs=2, verbose=0, shuffle=False,
              callbacks=[scatter, history])
    assert [p.name for p in sorted((tmp_path / "samples").iterdir())] == [
        "epoch_001.png", "epoch_002.png"
    ]
    assert len(history.history["wasserstein_estimate"]) == 2
    assert (tmp_path / "history.json").exists()


def test_image_grid_layout_and_range():
    images = np.stack([np.full((2, 3, 1), -1.0), np.full((2, 3, 1), 1.0), np.zeros((2, 3, 1))])
    grid = callbacks.image_grid(images, columns=2)
    assert grid.shape == (2 * 3 - 1, 2 * 4 - 1)
    assert grid[0, 0] == 0.0 and grid[0, 4] == 1.0 and grid[3, 0] == 0.5


def test_sample_grid_refuses_vector_generators(tmp_path):
    generator, critic = tiny_mlp_pair()
    model = WGANGP(generator, critic, critic_steps=1)
    grid = callbacks.SampleGrid(np.zeros((4, 2), "float32"), tmp_path)
    grid.set_model(model)
    with pytest.raises(ValueError, match="SampleScatter"):
        grid.on_epoch_end(0)


@pytest.mark.parametrize("every", [0, -1, 1.5, True])
def test_bad_every_is_refused(tmp_path, every):
    with pytest.raises(ValueError, match="every"):
        callbacks.TrainingCurves(tmp_path / "c.png", every=every)
