"""The command line, run as users run it: `python -m keras_wgan train ...` in a subprocess."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_wgan import cli
from keras_wgan import run_config
from keras_wgan.cli.train import make_config

METRICS = ("critic_loss", "generator_loss", "wasserstein_estimate")


# The session's classifier cache (tests/conftest.py), shared with tests/test_evaluation.py.
pytestmark = pytest.mark.usefixtures("classifier_cache")


def run_cli(*args, cwd=None):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run(
        [sys.executable, "-m", "keras_wgan", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def smoke_run(directory, dataset):
    """`keras-wgan train --smoke` into `directory`: `(output_dir, saved_models, result)`."""
    output_dir, saved_models = directory / "run", directory / "saved_models"
    result = run_cli(
        "train", "--smoke", "--dataset", dataset,
        "--output-dir", str(output_dir), "--saved-models-dir", str(saved_models),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return output_dir, saved_models, result


@pytest.fixture(scope="module")
def digits_smoke(tmp_path_factory, classifier_cache):
    """One digits smoke run through the command line, shared by the module's tests."""
    return smoke_run(tmp_path_factory.mktemp("digits_smoke"), "digits")


@pytest.mark.parametrize(
    "dataset, run_name, extra_metric",
    [
        # The export is named after the run folder (`run`).
        ("digits", "run", "gradient_penalty"),
        pytest.param("ring8", "run", "gradient_penalty", marks=pytest.mark.slow),
    ],
)
def test_smoke_run_writes_every_artifact(request, tmp_path, dataset, run_name, extra_metric):
    # The digits run is the module's shared one (`sample` and `evaluate` read its model).
    smoke = request.getfixturevalue("digits_smoke") if dataset == "digits" else None
    output_dir, saved_models, result = smoke or smoke_run(tmp_path, dataset)

    history = json.loads((output_dir / "history.json").read_text())
    for name in METRICS + (extra_metric,):
        assert len(history[name]) == 1, name
    model = keras.models.load_model(output_dir / "model.keras")
    assert model.compiled
    assert (output_dir / "training_curves.png").stat().st_size > 0
    assert (output_dir / "samples" / "epoch_001.png").stat().st_size > 0
    assert (saved_models / run_name / "1" / "saved_model.pb").exists()
    metrics = json.loads((output_dir / "metrics.json").read_text())
    assert metrics["dataset"] == dataset
    assert ("fid" if dataset == "digits" else "w1") in metrics["scores"]
    # The summary says where everything went.
    for path in (output_dir / "history.json", saved_models / run_name / "1",
                 output_dir / "metrics.json"):
        assert str(path) in result.stdout


@pytest.mark.slow
def test_wgan_smoke_run_logs_clipped_fraction(tmp_path):
    result = run_cli(
        "train", "--smoke", "--model", "wgan", "--dataset", "grid25",
        "--output-dir", str(tmp_path / "run"), "--saved-models-dir", str(tmp_path / "sm"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert "clipped_fraction" in history
    assert (tmp_path / "sm" / "run" / "1" / "saved_model.pb").exists()  # the folder's name


@pytest.mark.parametrize(
    "args, named",
    [
        (["--epochs", "-1"], "epochs=-1"),
        (["--epochs", "three"], "'three'"),
        (["--model", "nope"], "'nope'"),
        (["--dataset", "imagenet"], "'imagenet'"),
        (["--batch-size", "0"], "batch_size=0"),
        (["--image-size", "0"], "image_size=0"),
        (["--critic-lr", "-0.1"], "critic_lr=-0.1"),
        (["--model", "dcgan"], "'dcgan'"),
        (["--precision", "mixed_float16"], "'mixed_float16'"),
        (["--quality-every", "-2"], "quality_every=-2"),
        (["--ema-decay", "1"], "ema_decay=1.0"),
        (["--ema-decay", "slow"], "'slow'"),
        (["--conditional", "--dataset", "ring8"], "dataset='ring8'"),
        # argparse reads "-1e-4" as an option unless it is attached to its flag.
        (["--generator-lr", "-1e-4"], "generator_lr=-0.0001"),
        (["--critic-lr", "-2.5e-3", "--epochs", "2"], "critic_lr=-0.0025"),
    ],
)
def test_bad_arguments_exit_nonzero_naming_the_value(capsys, args, named):
    with pytest.raises(SystemExit) as raised:
        cli.main(["train", *args])
    assert raised.value.code != 0
    assert named in capsys.readouterr().err


def test_bad_argument_through_the_module_entry_point_answers_before_tensorflow(tmp_path):
    # -X importtime lists every module imported on stderr: argument errors must not need
    # TensorFlow (6-10 s to load).
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "keras_wgan", "train", "--epochs", "-1"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    assert result.returncode == 2
    assert "epochs=-1" in result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "keras_wgan.cli" in imported
    assert not {"tensorflow", "keras", "numpy"} & imported
    assert not (tmp_path / "runs").exists()


def test_negative_numbers_are_attached_to_their_options_only():
    attach = cli.attach_negative_numbers
    assert attach(["train", "--generator-lr", "-1e-4", "--seed", "3"]) == [
        "train", "--generator-lr=-1e-4", "--seed", "3"]
    assert attach(["train", "--lr-decay", "--smoke"]) == ["train", "--lr-decay", "--smoke"]
    assert attach(["train", "--critic-lr=-1", "-5"]) == ["train", "--critic-lr=-1", "-5"]


def test_smoke_config_is_small_and_keeps_user_choices():
    args = cli.build_parser().parse_args(["train", "--smoke", "--dataset", "ring8", "--seed", "3"])
    fields = make_config(args)
    assert fields["epochs"] == 1 and fields["base_filters"] == 8
    # One generator step of the toys' default batch (256 x 5 critic steps).
    assert fields["num_samples"] == 1280 and fields["seed"] == 3 and fields["dataset"] == "ring8"


def test_flags_left_out_are_not_passed():
    # TrainConfig (and a --config file) decide every setting the command line leaves out.
    assert make_config(cli.build_parser().parse_args(["train"])) == {}
    fields = make_config(cli.build_parser().parse_args(["train", "--seed", "3", "--no-lr-decay"]))
    assert fields == {"seed": 3, "lr_decay": False}


def test_augment_option_reaches_the_config(capsys):
    parse = cli.build_parser().parse_args
    assert run_config.TrainConfig(**make_config(parse(["train"]))).augment is None
    assert make_config(parse(["train", "--augment", "ada"]))["augment"] == "ada"
    assert make_config(parse(["train", "--augment", "none"]))["augment"] is None
    with pytest.raises(SystemExit):
        cli.main(["train", "--augment", "flip"])
    assert "'flip'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["train", "--augment", "diffaugment", "--dataset", "ring8"])
    assert "augment='diffaugment'" in capsys.readouterr().err


def test_toy_defaults_and_overrides_reach_the_config():

    parse = cli.build_parser().parse_args
    config = run_config.TrainConfig(**make_config(parse(["train", "--dataset", "grid25"])))
    assert (config.batch_size, config.epochs, config.lr_decay) == (256, 60, True)
    assert config.learning_rates == (2e-4, 2e-3) and config.hidden_units == (128,) * 3
    assert (config.clusters, config.penalty_weight) == (25, 0.1)  # the grid's recipe
    plain = parse(["train", "--dataset", "grid25", "--clusters", "0"])
    assert run_config.TrainConfig(**make_config(plain)).clusters == 0
    swissroll_args = parse(["train", "--dataset", "swissroll"])
    swissroll = run_config.TrainConfig(**make_config(swissroll_args))
    assert swissroll.hidden_units == (256,) * 3 and swissroll.clusters == 0
    ring = run_config.TrainConfig(**make_config(parse(["train", "--dataset", "ring8"])))
    assert (ring.epochs, ring.hidden_units, ring.penalty_weight) == (200, (128,) * 3, 0.1)
    fields = make_config(parse(["train", "--dataset", "ring8", "--no-lr-decay",
                                    "--generator-lr", "1e-3", "--critic-lr", "1e-3"]))
    config = run_config.TrainConfig(**fields)
    assert config.lr_decay is False and config.learning_rates == (1e-3, 1e-3)
    ring = parse(["train", "--dataset", "ring8", "--penalty-weight", "0.1"])
    assert run_config.TrainConfig(**make_config(ring)).penalty_weight == 0.1
    with pytest.raises(ValueError, match="penalty_weight=-1"):
        run_config.TrainConfig(**make_config(parse(["train", "--penalty-weight", "-1"])))
    digits = run_config.TrainConfig(**make_config(parse(["train"])))
    assert (digits.batch_size, digits.epochs, digits.lr_decay) == (64, 40, False)
    assert (digits.steps_per_epoch, digits.critic_steps, digits.ema_decay) == (100, 2, 0.998)
    assert digits.ema_warmup == 2
    assert (digits.critic_stages, digits.critic_filters) == (2, 16)
    assert digits.learning_rates == (4e-4, 4e-4)
    assert digits.clusters == run_config.RECIPES["digits"]["clusters"]
    for arguments, clusters in ((["--clusters", "0"], 0), (["--clusters", "7"], 7),
                                (["--conditional"], 0)):
        fields = make_config(parse(["train", *arguments]))
        assert run_config.TrainConfig(**fields).clusters == clusters, arguments
    with pytest.raises(ValueError, match="clusters=-1"):
        run_config.TrainConfig(**make_config(parse(["train", "--clusters", "-1"])))
    # The digits run before the recipe, one flag (and its length) away.
    paper = run_config.TrainConfig(**make_config(parse(
        ["train", "--paper-settings", "--epochs", "1000", "--steps-per-epoch", "4"]
    )))
    assert (paper.epochs, paper.steps_per_epoch, paper.lr_decay) == (1000, 4, False)
    assert paper.critic_steps == 5
    assert paper.learning_rates == (None, None) and paper.ema_decay is None
    assert (paper.critic_stages, paper.critic_filters) == (None, None)  # DCGAN's critic
    assert paper.clusters == 0


@pytest.mark.slow
def test_unprepared_tfds_dataset_exits_at_once_with_the_loaders_message(tmp_path):
    result = run_cli(
        "train", "--dataset", "mnist", "--data-dir", str(tmp_path / "tfds"),
        "--output-dir", str(tmp_path / "run"), "--saved-models-dir", str(tmp_path / "sm"),
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "keras-wgan: error: The TFDS dataset 'mnist'" in result.stderr
    assert "download_and_prepare()" in result.stderr and str(tmp_path / "tfds") in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_folder_smoke_run(tmp_path):
    from PIL import Image

    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index in range(12):
        pixels = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{index}.png")
    output_dir = tmp_path / "run"
    result = run_cli(
        "train", "--smoke", "--dataset", "folder", "--image-dir", str(folder),
        "--image-size", "16", "--batch-size", "2", "--critic-steps", "2", "--epochs", "2",
        "--backup-every", "0",
        "--output-dir", str(output_dir), "--saved-models-dir", str(tmp_path / "sm"),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    model = keras.models.load_model(output_dir / "model.keras")
    assert tuple(model.generator.outputs[0].shape[1:]) == (16, 16, 3)
    assert (output_dir / "samples" / "progression.png").stat().st_size > 0
    metrics = json.loads((output_dir / "metrics.json").read_text())
    assert metrics["dataset"] == "folder" and "fid" in metrics["unavailable"]
    assert "not computed" in result.stdout


def test_folder_without_a_folder_is_refused(capsys, tmp_path):
    with pytest.raises(SystemExit) as raised:
        cli.main(["train", "--dataset", "folder", "--image-dir", str(tmp_path / "no"),
                  "--image-size", "16"])
    assert raised.value.code == 2
    assert str(tmp_path / "no") in capsys.readouterr().err


def test_folder_with_a_file_that_is_not_an_image_is_refused_naming_it(capsys, tmp_path):
    from PIL import Image

    Image.fromarray(np.zeros((8, 8, 3), "uint8")).save(tmp_path / "good.png")
    (tmp_path / "broken.png").write_bytes(b"\x89PN")  # cut short inside the signature
    with pytest.raises(SystemExit) as raised:
        cli.main(["train", "--dataset", "folder", "--image-dir", str(tmp_path),
                  "--image-size", "8", "--output-dir", str(tmp_path / "run")])
    assert raised.value.code == 2
    error = capsys.readouterr().err
    assert "1 of the 2 image files" in error and "broken.png" in error
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_nan_stops_the_run_with_a_message_and_no_traceback(tmp_path):
    result = run_cli(
        "train", "--smoke", "--dataset", "ring8", "--critic-lr", "1e30", "--generator-lr", "1e30",
        "--output-dir", str(tmp_path / "run"), "--saved-models-dir", str(tmp_path / "sm"),
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "keras-wgan: error: Stopped at epoch 1, step 1 (generator step 1): " in result.stderr
    assert " is nan" in result.stderr and "The last good backup is in" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run" / "model.keras").exists()


def test_backup_and_determinism_flags():
    args = cli.build_parser().parse_args(
        ["train", "--backup-every", "0", "--deterministic", "--tensorboard"]
    )
    fields = make_config(args)
    assert fields["backup_every"] == 0 and fields["deterministic"] is True
    assert fields["tensorboard"] is True
    defaults = run_config.TrainConfig(**make_config(cli.build_parser().parse_args(["train"])))
    assert defaults.backup_every == 100 and defaults.deterministic is False
    assert defaults.tensorboard is False


def test_ema_decay_reaches_the_config_and_the_model():
    from keras_wgan import training

    parse = cli.build_parser().parse_args
    assert "ema_decay" not in make_config(parse(["train"]))
    config = run_config.TrainConfig(
        **make_config(parse(["train", "--dataset", "ring8", "--ema-decay", "0.99"]))
    )
    assert config.ema_decay == 0.99
    model = training.build_model(config, (2,))
    assert model.ema_decay == 0.99 and model.ema_generator is not None
    assert model.ema_warmup == 10  # the models' own warm-up (config.EMA_WARMUP)
    config = run_config.TrainConfig(**make_config(parse(["train", "--ema-warmup", "3"])))
    assert config.ema_warmup == 3
    assert training.build_model(config, (8, 8, 1), cluster_frequencies=[1.0] * 20).ema_warmup == 3
    assert run_config.TrainConfig().ema_warmup == 2  # the digits recipe's
    with pytest.raises(ValueError, match="ema_warmup=0"):
        run_config.TrainConfig(**make_config(parse(["train", "--ema-warmup", "0"])))


@pytest.fixture(scope="module")
def digits_model(digits_smoke):
    return digits_smoke[0] / "model.keras"


# `sample` and `evaluate` run in this process (`cli.main`, as the mnist5k ones below): the
# smoke runs above already start `python -m keras_wgan` as a subprocess, and a subprocess costs
# a TensorFlow import (6-7 s) each.
def test_sample_writes_a_grid_and_the_raw_samples(tmp_path, digits_model):
    grid, raw = tmp_path / "grid.png", tmp_path / "samples.npy"
    code = cli.main(["sample", str(digits_model), "--num", "16", "--output", str(grid),
                     "--npy", str(raw), "--seed", "3"])
    assert code == 0
    assert grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    samples = np.load(raw)
    assert samples.shape == (16, 8, 8, 1) and np.all(np.abs(samples) <= 1)


def test_sample_and_evaluate_draw_truncated_latents_on_request(tmp_path, digits_model):
    from keras_wgan import evaluation

    raw = tmp_path / "samples.npy"
    code = cli.main(["sample", str(digits_model), "--num", "16", "--output",
                     str(tmp_path / "grid.png"), "--npy", str(raw), "--seed", "3",
                     "--truncation", "0.5"])
    assert code == 0
    model = keras.models.load_model(digits_model)
    np.testing.assert_array_equal(
        np.load(raw), evaluation.generate(model, 16, seed=3, truncation=0.5)
    )
    assert not np.array_equal(np.load(raw), evaluation.generate(model, 16, seed=3))
    output = tmp_path / "metrics.json"
    code = cli.main(["evaluate", str(digits_model), "--num", "300", "--truncation", "0.5",
                     "--output", str(output)])
    assert code == 0
    scores = json.loads(output.read_text())
    truncated = evaluation.score_generator(model, "digits", num_samples=300, truncation=0.5)
    assert scores["truncation"] == 0.5
    assert scores["scores"]["fid"]["generated"] == pytest.approx(
        truncated["scores"]["fid"]["generated"], rel=1e-9
    )


def test_evaluate_prints_a_table_and_writes_json(tmp_path, digits_model, capsys):
    output = tmp_path / "metrics.json"
    code = cli.main(["evaluate", str(digits_model), "--dataset", "digits", "--num", "300",
                     "--output", str(output)])
    assert code == 0
    stdout = capsys.readouterr().out
    assert "floor" in stdout and "degraded" in stdout and "fid" in stdout
    scores = json.loads(output.read_text())
    assert scores["num_samples"] == 300 and scores["scores"]["fid"]["floor"] > 0


@pytest.mark.parametrize(
    "args, named",
    [
        (["sample", "missing.keras", "--output", "x.png"], "'missing.keras'"),
        (["sample", __file__, "--num", "0", "--output", "x.png"], "'0'"),
        (["evaluate", "missing.keras"], "'missing.keras'"),
        (["evaluate", __file__, "--num", "-5"], "'-5'"),
        (["evaluate", __file__, "--dataset", "mnist"], "'mnist'"),
        (["sample", __file__, "--truncation", "0", "--output", "x.png"], "'0'"),
        (["evaluate", __file__, "--truncation", "nan"], "'nan'"),
    ],
)
def test_sample_and_evaluate_argument_errors_name_the_value(capsys, args, named):
    with pytest.raises(SystemExit) as raised:
        cli.main(args)
    assert raised.value.code != 0
    assert named in capsys.readouterr().err


def _refusal(capsys, args):
    with pytest.raises(SystemExit) as raised:
        cli.main(args)
    assert raised.value.code == 2
    return capsys.readouterr().err


def test_sample_refuses_an_output_folder_that_does_not_exist_before_loading(capsys, tmp_path):
    model = tmp_path / "model.keras"
    model.write_text("never read: the output is checked first")
    missing = str(tmp_path / "no" / "grid.png")
    error = _refusal(capsys, ["sample", str(model), "--output", missing])
    assert f"--output: the folder of {missing!r} does not exist" in error
    error = _refusal(capsys, ["sample", str(model), "--output", str(tmp_path / "g.png"),
                              "--npy", str(tmp_path / "no" / "x.npy")])
    assert "--npy: the folder of" in error
    error = _refusal(capsys, ["evaluate", str(model), "--output", missing.replace(".png", ".json")])
    assert "--output: the folder of" in error


def test_sample_refuses_other_files_naming_what_they_are(capsys, tmp_path):
    weights = tmp_path / "model.h5"
    weights.write_bytes(b"\x89HDF")
    error = _refusal(capsys, ["sample", str(weights), "--output", str(tmp_path / "g.png")])
    assert f"{str(weights)!r} is not a .keras file" in error

    keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)], name="plain").save(
        tmp_path / "plain.keras"
    )
    cut = tmp_path / "cut.keras"
    cut.write_bytes((tmp_path / "plain.keras").read_bytes()[:200])
    error = _refusal(capsys, ["sample", str(cut), "--output", str(tmp_path / "g.png")])
    assert "is not a complete .keras archive" in error

    plain = str(tmp_path / "plain.keras")
    error = _refusal(capsys, ["evaluate", plain, "--dataset", "ring8"])
    assert f"{plain!r} holds a Sequential named 'plain', not a GAN model" in error


def test_evaluate_refuses_a_file_that_is_not_a_model(capsys, tmp_path):
    path = tmp_path / "model.keras"
    path.write_text("not a model")
    with pytest.raises(SystemExit) as raised:
        cli.main(["evaluate", str(path)])
    assert raised.value.code != 0
    assert str(path) in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, named",
    [
        (["missing.keras", "--output", "g.onnx"], "no such file: 'missing.keras'"),
        ([__file__, "--format", "pb", "--output", "g.pb"], "invalid choice: 'pb'"),
        ([__file__, "--format", "onnx"], "the following arguments are required: --output"),
        ([__file__, "--format", "onnx", "--output", "g.tflite"],
         "--output: 'g.tflite' does not end in .onnx (--format onnx)"),
        ([__file__, "--format", "tflite", "--output", "g"],
         "--output: 'g' does not end in .tflite (--format tflite)"),
        ([__file__, "--output", __file__],
         f"--output: {__file__!r} is a file; savedmodel writes a folder"),
    ],
)
def test_export_argument_errors_name_the_value(capsys, args, named):
    assert named in _refusal(capsys, ["export", *args])


def test_export_refuses_unwritable_outputs_before_loading(capsys, tmp_path):
    model = tmp_path / "model.keras"
    model.write_text("never read: the output is checked first")
    missing = str(tmp_path / "no" / "g.onnx")
    error = _refusal(capsys, ["export", str(model), "--format", "onnx", "--output", missing])
    assert f"--output: the folder of {missing!r} does not exist" in error
    folder = tmp_path / "g.tflite"
    folder.mkdir()
    error = _refusal(capsys, ["export", str(model), "--format", "tflite", "--output", str(folder)])
    assert f"--output: {str(folder)!r} is a folder; tflite writes a file" in error


def test_export_to_onnx_without_the_extra_says_what_to_install(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # `import tf2onnx` now fails
    model = tmp_path / "model.keras"
    model.write_text("never read: the missing extra is reported first")
    output = tmp_path / "g.onnx"
    assert cli.main(["export", str(model), "--format", "onnx", "--output", str(output)]) == 1
    error = capsys.readouterr().err
    assert 'keras-wgan: error: ONNX export needs tf2onnx and onnx' in error
    assert 'pip install "keras-wgan[onnx]"' in error and "Traceback" not in error
    assert not output.exists()


def test_gan_models_precision_and_conditional_reach_the_config():

    parse = cli.build_parser().parse_args
    fields = make_config(parse(["train", "--model", "gan", "--precision", "mixed_bfloat16",
                                    "--conditional", "--quality-every", "3"]))
    config = run_config.TrainConfig(**fields)
    assert (config.model, config.precision, config.conditional) == ("gan", "mixed_bfloat16", True)
    # DCGAN's one discriminator step; the model's own Adam(2e-4, beta_1=0.5) on images.
    assert config.critic_steps == 1 and config.learning_rates == (None, None)
    assert config.quality_every == 3 and config.run_name is None
    toy = run_config.TrainConfig(**make_config(parse(["train", "--model", "ns-gan",
                                                        "--dataset", "ring8"])))
    assert toy.critic_steps == 1 and toy.learning_rates == (2e-4, 2e-3) and toy.lr_decay
    # An explicit --critic-steps wins; the smoke subset holds one step of the GAN's batch.
    mine = make_config(parse(["train", "--model", "ns-gan", "--critic-steps", "2"]))
    assert mine["critic_steps"] == 2
    smoke = make_config(parse(["train", "--smoke", "--model", "gan", "--dataset", "ring8"]))
    assert smoke["num_samples"] == 640 and "critic_steps" not in smoke


def test_inception_weights_need_inception_features(capsys, digits_model, tmp_path):
    weights = tmp_path / "w.h5"
    weights.write_bytes(b"")
    with pytest.raises(SystemExit) as raised:
        cli.main(["evaluate", str(digits_model), "--inception-weights", str(weights)])
    assert raised.value.code == 2
    assert "--features inception_v3" in capsys.readouterr().err


def test_evaluate_with_inception_offline_fails_at_once_saying_what_to_do(
    capsys, digits_model, tmp_path, monkeypatch
):
    import keras as keras_module

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: [Errno -2] Name or service not known")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))  # an empty Keras cache
    monkeypatch.setattr(keras_module.utils, "get_file", offline)
    code = cli.main(["evaluate", str(digits_model), "--features", "inception_v3"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("keras-wgan: error: The Inception-v3 weights are not in the Keras cache")
    assert str(tmp_path / "keras_home" / "models") in err and "--inception-weights" in err
    assert "Name or service not known" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def mnist5k_model(tmp_path_factory, classifier_cache):
    """`keras-wgan train --smoke --dataset mnist5k`, in this process (this checkout's code)."""
    directory = tmp_path_factory.mktemp("mnist5k_smoke")
    code = cli.main([
        "train", "--smoke", "--dataset", "mnist5k", "--backup-every", "0",
        "--output-dir", str(directory / "run"), "--saved-models-dir", str(directory / "sm"),
    ])
    assert code == 0
    return directory / "run"


@pytest.mark.slow
def test_mnist5k_smoke_run_is_scored_by_its_classifier(mnist5k_model, capsys):
    metrics = json.loads((mnist5k_model / "metrics.json").read_text())
    assert metrics["dataset"] == "mnist5k" and metrics["features"] == "mnist5k_classifier"
    assert "fid" in json.loads((mnist5k_model / "history.json").read_text())
    fields = make_config(cli.build_parser().parse_args(["train", "--dataset", "mnist5k"]))
    assert fields == {"dataset": "mnist5k"}  # the rest resolved by TrainConfig


@pytest.mark.slow
def test_evaluate_mnist5k_reads_the_dataset_from_the_shape(mnist5k_model, tmp_path, capsys):
    output = tmp_path / "metrics.json"
    code = cli.main(["evaluate", str(mnist5k_model / "model.keras"), "--num", "300",
                     "--output", str(output)])
    assert code == 0
    assert "floor" in capsys.readouterr().out
    scores = json.loads(output.read_text())
    assert scores["dataset"] == "mnist5k" and scores["features"] == "mnist5k_classifier"
    assert scores["num_samples"] == 300 and scores["scores"]["fid"]["floor"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("args, named", [
    (["--features", "digits_classifier"], "--features digits_classifier"),
    (["--dataset", "digits"], "--dataset 'digits' does not match"),
    (["--dataset", "ring8"], "--dataset 'ring8' does not match"),
])
def test_evaluate_mnist5k_refuses_other_features_and_datasets(mnist5k_model, capsys, args, named):
    with pytest.raises(SystemExit) as raised:
        cli.main(["evaluate", str(mnist5k_model / "model.keras"), *args])
    assert raised.value.code == 2
    assert named in capsys.readouterr().err


def test_default_run_folder_is_numbered_after_a_finished_run(tmp_path, capsys):
    base = tmp_path / "runs" / "wgan-gp-digits"
    assert cli.train._unfinished_run_dir(str(base)) == str(base)
    base.mkdir(parents=True)
    (base / "model.keras").write_bytes(b"saved, not yet scored")
    assert cli.train._unfinished_run_dir(str(base)) == str(base)  # completed there
    (base / "metrics.json").write_text("{}")
    assert cli.train._unfinished_run_dir(str(base)) == f"{base}-2"
    assert f"this one goes into {base}-2" in capsys.readouterr().out
    # An interrupted run in -2 (a backup) is resumed there; a finished -2 moves on to -3.
    (tmp_path / "runs" / "wgan-gp-digits-2" / "backup").mkdir(parents=True)
    (tmp_path / "runs" / "wgan-gp-digits-2" / "metrics.json").write_text("{}")
    assert cli.train._unfinished_run_dir(str(base)) == f"{base}-3"
    (tmp_path / "runs" / "wgan-gp-digits-2" / "backup" / "latest.weights.h5").write_bytes(b"")
    assert cli.train._unfinished_run_dir(str(base)) == f"{base}-2"


def test_a_finished_output_dir_is_refused_without_a_traceback(tmp_path, capsys):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "metrics.json").write_text("{}")
    code = cli.main(["train", "--smoke", "--dataset", "ring8", "--output-dir", str(folder)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.startswith(f"keras-wgan: error: {folder} holds a finished run (metrics.json)")
    assert sorted(p.name for p in folder.iterdir()) == ["metrics.json"]


def test_an_interrupt_stops_in_one_line_saying_how_to_go_on(tmp_path, capsys, monkeypatch):
    from keras_wgan import training

    def interrupted(config, workdir):
        raise KeyboardInterrupt

    monkeypatch.setattr(training, "train", interrupted)
    code = cli.main(["train", "--smoke", "--dataset", "ring8", "--output-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 130 and "Traceback" not in err
    assert f"keras-wgan: interrupted. What was done is kept in {tmp_path}: run the same " in err
