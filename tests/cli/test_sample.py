"""`keras-wgan sample`: enlarged grids, classes of conditional models, interpolations, errors."""

import keras
import numpy as np
import pytest
from PIL import Image

from keras_wgan import WGANGP
from keras_wgan import cli
from keras_wgan import evaluation
from tests.helpers import tiny_dcgan_pair
from tests.helpers import tiny_model


def saved(directory, model, name):
    path = directory / f"{name}.keras"
    model.save(path)
    return str(path)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Untrained tiny models saved as `.keras`: 8x8 images (plain, 3 classes) and 2-D points."""
    directory = tmp_path_factory.mktemp("models")
    paths = {}
    for name, num_classes in (("images", None), ("classes", 3)):
        generator, critic = tiny_dcgan_pair(num_classes=num_classes)
        model = WGANGP(generator, critic, seed=0)
        model.compile()
        paths[name] = saved(directory, model, name)
    paths["points"] = saved(directory, tiny_model(), "points")
    return paths


def sample(*args):
    return cli.main(["sample", *map(str, args)])


def refusal(capsys, *args):
    with pytest.raises(SystemExit) as raised:
        sample(*args)
    assert raised.value.code == 2
    return capsys.readouterr().err


def test_small_images_are_enlarged_by_an_integer_factor(models, tmp_path):
    grid = tmp_path / "grid.png"
    assert sample(models["images"], "--num", 16, "--output", grid) == 0
    # 4 x 4 images of 8 pixels with 1-pixel gaps: 35 pixels, 8 times (an image 64 pixels).
    assert Image.open(grid).size == (35 * 8, 35 * 8)
    assert sample(models["images"], "--num", 6, "--scale", 1, "--output", grid) == 0
    assert Image.open(grid).size == (26, 17)  # 3 columns, 2 rows: --num is honoured


def test_labels_choose_the_classes_one_a_column(models, tmp_path, capsys):
    grid, raw = tmp_path / "grid.png", tmp_path / "raw.npy"
    assert sample(models["classes"], "--labels", 2, "--num", 5, "--output", grid,
                  "--npy", raw, "--seed", 3) == 0
    expected = evaluation.generate(keras.saving.load_model(models["classes"]), 5,
                                   seed=3, labels=np.full(5, 2, "int32"))
    np.testing.assert_allclose(np.load(raw), expected, atol=1e-6)
    assert sample(models["classes"], "--labels", 0, 2, "--num", 6, "--output", grid,
                  "--scale", 1) == 0
    assert Image.open(grid).size == (17, 26)  # 2 columns (classes 0, 2) of 3
    assert "classes 0, 2, one a column" in capsys.readouterr().out
    assert sample(models["classes"], "--num", 7, "--output", grid, "--scale", 1) == 0
    assert Image.open(grid).size == (26, 26)  # all classes by default: 3 columns


def test_interpolate_writes_the_grid_and_its_gif(models, tmp_path):
    grid, raw = tmp_path / "paths.png", tmp_path / "paths.npy"
    assert sample(models["images"], "--interpolate", 4, "--rows", 2, "--seed", 5,
                  "--output", grid, "--npy", raw) == 0
    assert Image.open(grid).size == ((4 * 9 - 1) * 8, (2 * 9 - 1) * 8)
    generator = keras.saving.load_model(models["images"])
    np.testing.assert_allclose(
        np.load(raw), evaluation.interpolate(generator, 4, rows=2, seed=5), atol=1e-6
    )
    with Image.open(tmp_path / "paths.gif") as animation:
        assert animation.n_frames == 4 + 2  # forth along the rows, then back
        assert animation.size == ((2 * 9 - 1) * 8, 8 * 8)  # the 2 rows side by side


def test_interpolate_between_classes_gives_a_row_per_class(models, tmp_path):
    raw = tmp_path / "paths.npy"
    assert sample(models["classes"], "--interpolate", 3, "--output", tmp_path / "paths.png",
                  "--npy", raw) == 0
    assert np.load(raw).shape == (3, 3, 8, 8, 1)
    assert (tmp_path / "paths.gif").stat().st_size > 0
    assert sample(models["classes"], "--interpolate", 3, "--labels", 1, "--output",
                  tmp_path / "paths.png", "--npy", raw) == 0
    assert np.load(raw).shape == (8, 3, 8, 8, 1)  # one class: 8 latent paths within it


@pytest.mark.parametrize(
    "model, args, message",
    [
        ("images", ["--labels", "3"], "--labels 3: the model is unconditional"),
        ("classes", ["--labels", "0", "3"], "--labels 3: out of range; the model has 3 classes"),
        ("classes", ["--labels", "-1"], "--labels -1: out of range"),
        ("classes", ["--labels", "all", "1"], "'all' goes alone"),
        ("classes", ["--labels", "two"], "expected a class index or 'all', got 'two'"),
        ("images", ["--interpolate", "4", "--num", "16"], "--num 16: --interpolate draws"),
        ("images", ["--rows", "2"], "--rows 2 needs --interpolate"),
        ("images", ["--interpolate", "1"], "expected an integer >= 2, got '1'"),
        ("points", ["--interpolate", "3"], "--interpolate draws image grids"),
        ("points", ["--scale", "2"], "--scale draws image grids"),
    ],
)
def test_options_that_cannot_apply_are_refused_naming_the_value(
    models, tmp_path, capsys, model, args, message
):
    error = refusal(capsys, models[model], "--output", tmp_path / "grid.png", *args)
    assert message in error.strip().splitlines()[-1]  # the error, on one line


def test_interpolate_refuses_a_gif_output(models, tmp_path, capsys):
    error = refusal(capsys, models["images"], "--interpolate", 3, "--output", tmp_path / "a.gif")
    assert "the GIF is written beside it; pass a .png" in error
