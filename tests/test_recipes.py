"""Recipes as settings files: read by `TrainConfig`, `--config`, and a run's own config.json."""

import json
import pathlib

import keras
import numpy as np
import pytest

import keras_wgan
from keras_wgan import cli
from keras_wgan import config_files
from keras_wgan import run_config
from keras_wgan import training
from tests.helpers import tiny_config

REPO = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", keras_wgan.recipes.names())
def test_every_recipe_is_a_valid_config_that_names_what_measured_it(name):
    # A folder's recipe takes the user's folder and size.
    settings = config_files.read(keras_wgan.recipes.path(name))
    is_folder = settings.get("dataset") == "folder"
    folder = {"image_dir": "images", "image_size": 28} if is_folder else {}
    config = keras_wgan.recipes.get(name, **folder)
    for field, value in settings.items():
        expected = tuple(value) if isinstance(value, list) else value
        assert getattr(config, field) == expected, field
    about, measured_by = keras_wgan.recipes.describe(name)
    assert about and measured_by
    # The pointer names a benchmark script and a results file of this repository.
    named = [part.strip() for part in measured_by.replace(";", " ").split()]
    assert any((REPO / path).is_file() for path in named if path.startswith("benchmarks/"))
    assert all(
        (REPO / path).is_file() for path in named if path.startswith("benchmarks/results/")
    ), measured_by


def test_the_default_run_is_the_digits_recipe():
    assert keras_wgan.recipes.get("digits") == run_config.TrainConfig()
    assert keras_wgan.recipes.get("papers").paper_settings is True
    assert keras_wgan.recipes.get("digits", seed=3, epochs=2).seed == 3


def test_the_folder_recipe_is_mnist5ks_for_as_many_generator_steps():
    # The MNIST-5k recipe's settings but its dataset's own; keep the two files in step.
    folder, mnist5k = run_config.RECIPES["folder"], run_config.RECIPES["mnist5k"]
    per_dataset = {"dataset", "epochs", "steps_per_epoch"}
    assert {k: v for k, v in folder.items() if k not in per_dataset} == {
        k: v for k, v in mnist5k.items() if k not in per_dataset
    }
    # Its steps are a budget, whatever the folder's size: MNIST-5k's.
    config = keras_wgan.recipes.get("folder", image_dir="images", image_size=28)
    digits = run_config.TrainConfig(dataset="mnist5k")
    train_size = 5000 - keras_wgan.data.MNIST_5K_TEST_SIZE
    per_pass = train_size // (digits.batch_size * digits.critic_steps)
    mnist5k_steps = digits.epochs * (digits.steps_per_epoch or per_pass)
    assert config.epochs * config.steps_per_epoch == mnist5k_steps == 3100
    assert config.batch_size == digits.batch_size and config.clusters == digits.clusters == 50
    assert run_config.TrainConfig(dataset="folder", image_dir="images", image_size=28) == config


def test_settings_files_refuse_unknown_fields_and_non_objects(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"dataset": "ring8", "critc_steps": 3}))
    with pytest.raises(ValueError, match=r"Unknown settings in .*mine.json: \['critc_steps'\]"):
        run_config.TrainConfig.from_file(path)
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="holds one JSON object"):
        run_config.TrainConfig.from_file(path)
    with pytest.raises(ValueError, match="name='nope'"):
        keras_wgan.recipes.get("nope")


def test_a_config_file_round_trips_and_flags_override_it(tmp_path, capsys):
    path = tmp_path / "ring8.json"
    config = run_config.TrainConfig(dataset="ring8", epochs=3, seed=4)
    config.to_file(str(path))
    assert run_config.TrainConfig.from_file(path) == config
    assert cli.main(["train", "--config", str(path), "--seed", "5", "--print-config"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {**config.settings(), "seed": 5}


def test_a_runs_config_json_reproduces_it_through_the_command_line(tmp_path):
    config = tiny_config(tmp_path, epochs=1, backup_every=0)
    first = training.train(config, tmp_path / "first")
    saved = json.loads(pathlib.Path(first["config"]).read_text())
    assert first["config"] == str(tmp_path / "first" / "config.json")
    assert saved == config.settings()

    code = cli.main(["train", "--config", first["config"], "--output-dir",
                     str(tmp_path / "again")])
    assert code == 0
    weights = [keras.models.load_model(tmp_path / run / "model.keras").get_weights()
               for run in ("first", "again")]
    assert len(weights[0]) == len(weights[1]) > 0
    for mine, theirs in zip(*weights):
        np.testing.assert_array_equal(mine, theirs)


def test_the_small_folder_recipe_is_the_command_the_small_data_benchmark_measured():
    # benchmarks/small_data.py --part small: the folder recipe with these flags, no augment.
    folder = {"image_dir": "images", "image_size": 28}
    measured = run_config.TrainConfig(dataset="folder", batch_size=50, clusters=0, epochs=15,
                                      **folder)
    assert keras_wgan.recipes.get("small_folder", **folder) == measured
    # Taken by name only: a folder run keeps the folder recipe.
    assert run_config.TrainConfig(dataset="folder", **folder).clusters == 50


def test_the_cifar10_resnet_recipe_is_the_wgan_gp_authors_settings():
    # Gulrajani et al. 2017, the authors' gan_cifar_resnet.py: LR 2e-4 decaying linearly to 0
    # over ITERS = 100000 generator steps, Adam(beta1=0, beta2=0.9), N_CRITIC 5, BATCH_SIZE 64,
    # GEN_BS_MULTIPLE 2, DIM_G = DIM_D = 128, lambda 10, a 128-d latent, unconditional.
    config = keras_wgan.recipes.get("cifar10_resnet")
    assert (config.model, config.dataset, config.architecture) == ("wgan-gp", "cifar10", "resnet")
    assert config.learning_rates == (2e-4, 2e-4) and config.adam_beta_1 == 0.0
    assert config.lr_decay is True and config.lr_decay_final == 0.0
    assert config.epochs * config.steps_per_epoch == 100_000
    assert (config.critic_steps, config.batch_size, config.generator_batch_size) == (5, 64, 128)
    assert config.base_filters == config.critic_filters == config.latent_dim == 128
    assert config.penalty_weight == 10.0 and config.conditional is False
    assert (config.ema_decay, config.clusters, config.augment) == (None, 0, None)
    generator, critic = training.make_optimizers(config, 100_000)
    assert generator.beta_1 == critic.beta_1 == 0.0 and generator.beta_2 == critic.beta_2 == 0.9
    assert float(generator._learning_rate(100_000)) == float(critic._learning_rate(500_000)) == 0
    model = training.build_model(config, (32, 32, 3))
    assert (model.generator_batch_size, model.critic_steps, model.penalty_weight) == (128, 5, 10)
    assert model.generator.count_params() > 1_000_000  # the paper's 128-wide ResNets
    # A paper's recipe is taken by name only: a plain CIFAR-10 run keeps DCGAN's defaults.
    assert run_config.TrainConfig(dataset="cifar10").architecture == "dcgan"


def test_a_dataset_takes_the_recipe_named_after_it_and_no_other():
    for name, settings in run_config.RECIPES.items():
        if name in run_config.DATASETS:
            assert settings["dataset"] == name, name
            own = {k: v for k, v in settings.items() if k not in ("dataset", "model")}
            assert run_config.measured_recipe(name, settings["model"]) == own, name
        else:  # taken by name only: its dataset's runs do not get its settings
            own = {k: v for k, v in settings.items() if k not in ("dataset", "model")}
            assert run_config.measured_recipe(settings.get("dataset"), settings.get("model")) != own


def test_the_cifar10_resnet_recipe_from_the_command_line(capsys):
    path = str(keras_wgan.recipes.path("cifar10_resnet"))
    recipe = keras_wgan.recipes.get("cifar10_resnet")
    for chosen in (["--recipe", "cifar10_resnet"], ["--config", path]):
        assert cli.main(["train", *chosen, "--print-config"]) == 0
        assert json.loads(capsys.readouterr().out) == recipe.settings()
    flags = ["--adam-beta-1", "0.5", "--lr-decay-final", "0.1", "--generator-batch-size", "64"]
    assert cli.main(["train", "--recipe", "cifar10_resnet", *flags, "--print-config"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["adam_beta_1"], printed["lr_decay_final"]) == (0.5, 0.1)
    assert printed["generator_batch_size"] == 64


def test_recipe_and_config_are_one_or_the_other(capsys):
    path = str(keras_wgan.recipes.path("digits"))
    with pytest.raises(SystemExit):
        cli.main(["train", "--recipe", "digits", "--config", path, "--print-config"])
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["train", "--recipe", "nope"])
    assert "invalid choice: 'nope'" in capsys.readouterr().err
