"""`SampleGrid` and `SampleScatter` during `fit` of tiny models, and `image_grid`."""

import numpy as np
import pytest

from keras_wgan import WGANGP
from keras_wgan import callbacks
from keras_wgan import data
from tests.helpers import tiny_dcgan_pair
from tests.helpers import tiny_image_model
from tests.helpers import tiny_mlp_pair
from tests.helpers import tiny_model_with_average
from tests.helpers import toy_points


def test_image_grid_layout_and_range():
    images = np.stack([np.full((2, 3, 1), -1.0), np.full((2, 3, 1), 1.0), np.zeros((2, 3, 1))])
    grid = callbacks.image_grid(images, columns=2)
    assert grid.shape == (2 * 3 - 1, 2 * 4 - 1)
    assert grid[0, 0] == 0.0 and grid[0, 4] == 1.0 and grid[3, 0] == 0.5


def test_samples_are_the_averaged_generators_unless_asked_for_the_trained_one(tmp_path):
    model = tiny_model_with_average()
    latent = toy_points(5)
    for use_ema, network in ((None, model.ema_generator), (False, model.generator)):
        scatter = callbacks.SampleScatter(latent, tmp_path, toy_points(20), use_ema=use_ema)
        scatter.set_model(model)
        np.testing.assert_array_equal(scatter.generate(), network(latent))


def test_sample_grid_refuses_vector_generators(tmp_path):
    generator, critic = tiny_mlp_pair()
    model = WGANGP(generator, critic, critic_steps=1)
    grid = callbacks.SampleGrid(np.zeros((4, 2), "float32"), tmp_path)
    grid.set_model(model)
    with pytest.raises(ValueError, match="SampleScatter"):
        grid.on_epoch_end(0)


def test_sample_scatter_draws_the_critic_contours(tmp_path):
    generator, critic = tiny_mlp_pair()
    model = WGANGP(generator, critic, critic_steps=2, seed=0)
    model.compile()
    points = toy_points(64)
    latent = np.zeros((10, 2), "float32")
    plain = callbacks.SampleScatter(latent, tmp_path / "plain", real=points)
    contour = callbacks.SampleScatter(latent, tmp_path / "contour", real=points, contour=True)
    model.fit(data.make_dataset(points, 8, critic_steps=2), epochs=1, verbose=0, shuffle=False,
              callbacks=[plain, contour])
    from PIL import Image

    # The contour's colour bar makes the figure wider.
    assert Image.open(contour.paths[0]).size[0] > Image.open(plain.paths[0]).size[0]


def test_a_labelled_critic_is_drawn_with_each_points_nearest_real_label(tmp_path):
    # A self-conditioned toy critic takes [points, labels]: each grid point is scored with the
    # label of its nearest real sample; without labels there is nothing to draw it with.
    from keras_wgan import networks

    generator = networks.build_mlp_generator(2, 2, hidden_units=(8,), num_classes=2)
    critic = networks.build_mlp_critic(2, hidden_units=(8,), num_classes=2)
    model = WGANGP(generator, critic, critic_steps=1, seed=0, cluster_frequencies=[0.5, 0.5])
    real = np.array([[-1.0, 0.0], [1.0, 0.0]], "float32")
    latent = np.zeros((4, 3), "float32")
    labelled = callbacks.SampleScatter(
        latent, tmp_path / "labelled", real, contour=True, real_labels=[0, 1]
    )
    np.testing.assert_array_equal(
        labelled._nearest_labels(np.array([[-3, 5], [-0.1, 0], [0.1, 0], [4, -2]], "float32")),
        [0, 0, 1, 1],
    )
    unlabelled = callbacks.SampleScatter(latent, tmp_path / "unlabelled", real, contour=True)
    for scatter in (labelled, unlabelled):
        scatter.set_model(model)
        scatter.on_epoch_end(0)
    from PIL import Image

    # Only the labelled one has the contours' colour bar.
    assert Image.open(labelled.paths[0]).size[0] > Image.open(unlabelled.paths[0]).size[0]
    with pytest.raises(ValueError, match="real_labels"):
        callbacks.SampleScatter(latent, tmp_path, real, real_labels=[0])


def test_sample_grid_tiles_a_progression_of_the_drawn_epochs(tmp_path):
    model = tiny_image_model()
    images = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
    latent = np.random.default_rng(1).standard_normal((6, 4)).astype("float32")
    grid = callbacks.SampleGrid(latent, tmp_path / "samples", every=2, progression=4)
    model.fit(data.make_dataset(images, 8, critic_steps=2), epochs=5, verbose=0, shuffle=False,
              callbacks=[grid])
    assert grid.progression_path == str(tmp_path / "samples" / "progression.png")
    assert (tmp_path / "samples" / "progression.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with np.load(tmp_path / "samples" / "progression.npz") as stored:
        # Epochs 2, 4 and the last, 5: one row of 4 images each.
        assert stored["epochs"].tolist() == [2, 4, 5]
        assert stored["images"].shape == (3, 4, 8, 8, 1)
    # A resumed fit (steps already made) keeps the earlier rows and replaces later ones.
    model.fit(data.make_dataset(images, 8, critic_steps=2), initial_epoch=3, epochs=4,
              verbose=0, shuffle=False, callbacks=[grid])
    with np.load(tmp_path / "samples" / "progression.npz") as stored:
        assert stored["epochs"].tolist() == [2, 4]


@pytest.mark.parametrize("progression", [-1, 1.5, True])
def test_bad_progression_is_refused(tmp_path, progression):
    with pytest.raises(ValueError, match="progression"):
        callbacks.SampleGrid(np.zeros((4, 2), "float32"), tmp_path, progression=progression)


def test_sample_grid_animates_one_frame_per_drawn_epoch(tmp_path):
    from PIL import Image

    model = tiny_image_model()
    images = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
    latent = np.random.default_rng(1).standard_normal((6, 4)).astype("float32")
    grid = callbacks.SampleGrid(latent, tmp_path / "samples", animation=True)
    model.fit(data.make_dataset(images, 8, critic_steps=2), epochs=3, verbose=0, shuffle=False,
              callbacks=[grid])
    assert grid.animation_path == str(tmp_path / "samples" / "progression.gif")
    with Image.open(grid.animation_path) as gif:
        assert gif.n_frames == 3 and gif.info["loop"] == 0
    # A resumed fit (steps already made) keeps the earlier frames and replaces later ones.
    fresh = callbacks.SampleGrid(latent, tmp_path / "samples", animation=True)
    model.fit(data.make_dataset(images, 8, critic_steps=2), initial_epoch=1, epochs=2,
              verbose=0, shuffle=False, callbacks=[fresh])
    with Image.open(fresh.animation_path) as gif:
        assert gif.n_frames == 2


def test_sample_grid_passes_labels_to_a_conditional_generator(tmp_path):
    generator, critic = tiny_dcgan_pair(num_classes=3)
    model = WGANGP(generator, critic, critic_steps=1, seed=0)
    latent = np.zeros((6, 4), "float32")
    grid = callbacks.SampleGrid(latent, tmp_path, labels=np.arange(6) % 3, columns=3)
    grid.set_model(model)
    samples = grid.generate()
    # Same latent, different labels: the classes make the difference.
    assert samples.shape == (6, 8, 8, 1)
    np.testing.assert_allclose(samples[0], samples[3])
    assert not np.allclose(samples[0], samples[1])
    with pytest.raises(ValueError, match="labels"):
        callbacks.SampleGrid(latent, tmp_path, labels=np.arange(5))
