"""Runs on an image folder: channels read from the images, class subfolders for `conditional`,
the folder recipe's step budget on a folder smaller than it."""

import json

import keras
import numpy as np
import pytest

from keras_wgan import cli
from keras_wgan import run_config
from keras_wgan import training


def write_folder(folder, classes=(), count=4, channels=1, size=8):
    """`count` random PNGs of `channels` channels in each class subfolder (or in `folder`)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for name in classes or [""]:
        (folder / name).mkdir(parents=True, exist_ok=True)
        for index in range(count):
            pixels = rng.integers(0, 256, (size, size, channels), dtype=np.uint8)
            Image.fromarray(pixels[..., 0] if channels == 1 else pixels).save(
                folder / name / f"{index}.png"
            )
    return folder


def folder_config(tmp_path, image_dir, **overrides):
    """The folder recipe on tiny networks: 2 generator steps of 2 x 2 images."""
    fields = dict(
        dataset="folder", image_dir=str(image_dir), image_size=8, batch_size=2, critic_steps=2,
        epochs=1, steps_per_epoch=2, base_filters=8, critic_filters=8, latent_dim=8,
        backup_every=0, verbose=0, saved_models_dir=str(tmp_path / "saved_models"),
    )
    return run_config.TrainConfig(**{**fields, **overrides})


def test_a_conditional_folder_trains_on_its_class_subfolders(tmp_path):
    images = write_folder(tmp_path / "images", classes=("circle", "square", "star"))
    config = folder_config(tmp_path, images, conditional=True, tensorboard=True)
    summary = training.train(config, tmp_path / "run")
    model = keras.models.load_model(summary["model"])
    assert model.num_classes == 3 and summary["generator_steps"] == 2
    assert tuple(model.generator.outputs[0].shape[1:]) == (8, 8, 1)  # grey stays grey
    # The run records the channels read from the images, and its scores stay unlearned.
    assert json.loads(open(summary["config"]).read())["channels"] == 1
    assert summary["samples"] and summary["export"] and "fid" in summary["quality"]["unavailable"]
    assert any((tmp_path / "run" / "tensorboard").iterdir())  # real images read with labels
    # Stopped before its scores, the run scores the saved model, the images read again.
    (tmp_path / "run" / "metrics.json").unlink()
    again = training.train(config, tmp_path / "run")
    assert not again["trained"] and again["quality"]["scores"] == summary["quality"]["scores"]


def test_the_sample_grid_has_one_column_per_class_of_the_folder(tmp_path):
    images = write_folder(tmp_path / "images", classes=("a", "b", "c"), count=2)
    config = folder_config(tmp_path, images, conditional=True)
    real = training.load_training_data(config)
    paths = {name: str(tmp_path / name) for name in ("samples_dir", "curves", "history", "backup")}
    grid = next(c for c in training.run_callbacks(config, paths, real, {})
                if hasattr(c, "columns"))
    assert grid.columns == 3 and len(grid.latent) == 30
    assert grid.labels.tolist() == [0, 1, 2] * 10


def test_a_flat_folder_is_refused_for_conditional_in_one_line(tmp_path, capsys):
    images = write_folder(tmp_path / "images")
    with pytest.raises(training.TooFewSamplesError, match="no class subfolders"):
        training.build(folder_config(tmp_path, images, conditional=True))
    images = write_folder(tmp_path / "one", classes=("only",))
    with pytest.raises(SystemExit) as exit_info:  # refused before the run folder is made
        cli.main([
            "train", "--dataset", "folder", "--image-dir", str(images), "--image-size", "8",
            "--conditional", "--batch-size", "2", "--critic-steps", "2",
            "--output-dir", str(tmp_path / "run"),
        ])
    error = capsys.readouterr().err
    line = next(line for line in error.splitlines() if "error: --image-dir:" in line)
    assert exit_info.value.code == 2 and f"{str(images)!r} holds only the class 'only'" in line
    assert "Traceback" not in error and not (tmp_path / "run").exists()


def test_a_folder_of_100_images_repeats_them_for_the_recipes_steps(tmp_path):
    images = write_folder(tmp_path / "images", count=100, channels=3)
    fields = dict(dataset="folder", image_dir=str(images), image_size=8, base_filters=8,
                  critic_filters=8)
    # One generator step takes 128 images at the recipe's batch size: a smaller one is needed.
    with pytest.raises(training.TooFewSamplesError, match="smaller batch_size"):
        training.build(run_config.TrainConfig(**fields))
    config = run_config.TrainConfig(batch_size=50, clusters=0, **fields)
    run = training.build(config)
    assert run.steps_per_epoch == run_config.RECIPES["folder"]["steps_per_epoch"]
    assert config.channels == 3 and config.settings_to_match()["channels"] == 3
    # One pass is one step: the stream goes on over the repeated images.
    batches = list(run.dataset.take(3).as_numpy_iterator())
    assert [batch.shape for batch in batches] == [(100, 8, 8, 3)] * 3


def test_the_folder_recipe_clusters_the_folder_in_memory(tmp_path, monkeypatch):
    images = write_folder(tmp_path / "images", count=40)
    config = folder_config(tmp_path, images, clusters=4)
    real, ids = training.load_training_data(config)
    assert real.shape == (40, 8, 8, 1) and sorted(set(ids.tolist())) == [0, 1, 2, 3]
    assert training.build(config).model.num_classes == 4
    # 40 images of 8x8x1 in float32: 10,240 bytes.
    monkeypatch.setattr(run_config, "FOLDER_CLUSTER_BYTES", 10_000)
    with pytest.raises(training.TooFewSamplesError, match=r"take 0.0 GiB.*--clusters 0"):
        training.load_training_data(config)
