"""User errors end in one line `keras-wgan: error: ...` naming the value or the file, with no
traceback: a history of wrong types, bad image folders, and sample/evaluate outputs and counts."""

import errno
import os

import numpy as np
import pytest

from keras_wgan import checkpointing
from keras_wgan import cli
from keras_wgan import data
from keras_wgan import run_config
from keras_wgan.cli import arguments
from keras_wgan.cli.sample import FORMATS
from tests.helpers import tiny_image_model


def refusal(capsys, args, code=2):
    """The one error line of `keras-wgan ARGS`, which must exit with `code` and no traceback."""
    if code == 2:
        with pytest.raises(SystemExit) as raised:
            cli.main(args)
        assert raised.value.code == 2
    else:
        assert cli.main(args) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("keras-wgan: error: ")]
    assert len(errors) == 1, err
    return errors[0]


@pytest.fixture(scope="module")
def image_model(tmp_path_factory):
    """A saved WGAN-GP of 8x8x1 images (the digits' shape), untrained."""
    path = tmp_path_factory.mktemp("model") / "model.keras"
    tiny_image_model().save(path)
    return str(path)


@pytest.fixture
def unread_model(tmp_path):
    """A model path that a refusal made before loading never reads."""
    path = tmp_path / "model.keras"
    path.write_text("never read: the arguments are checked first")
    return str(path)


# A history.json of wrong types, in a run folder being resumed.


@pytest.mark.parametrize(
    "content, problem",
    [
        ('{"critic_loss": "x"}', "'critic_loss' holds a JSON str, not a list"),
        ("[1.0, 2.0]", "a JSON list, not an object"),
        ('{"critic_loss": [1.0, "x"]}', "'critic_loss' holds 'x', not a number"),
        ('{"critic_loss": [true]}', "'critic_loss' holds True, not a number"),
        ('{"critic_loss": [1.0,', "JSONDecodeError"),
    ],
)
def test_a_history_of_wrong_types_is_refused_naming_the_file(tmp_path, content, problem):
    path = tmp_path / "history.json"
    path.write_text(content)
    with pytest.raises(checkpointing.BackupError) as raised:
        checkpointing.load_history(str(path), 3)
    message = str(raised.value)
    assert message.startswith(f"The run's history {path} is unreadable (")
    assert problem in message and "\n" not in message
    path.write_text('{"critic_loss": [1.0, null, 3], "fid": []}')
    assert checkpointing.load_history(str(path), 2) == {"critic_loss": [1.0, None], "fid": []}


# Image folders: too few images, files cut short, broken symbolic links.


def write_images(folder, count, image_format="PNG"):
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    paths = []
    for index in range(count):
        pixels = rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)
        paths.append(folder / f"{index}.{image_format.lower()}")
        Image.fromarray(pixels).save(paths[-1], image_format)
    return paths


def train_on_folder(capsys, folder, tmp_path):
    args = ["train", "--dataset", "folder", "--image-dir", str(folder), "--image-size", "8",
            "--output-dir", str(tmp_path / "run")]
    line = refusal(capsys, args)
    assert line.startswith("keras-wgan: error: --image-dir: ")
    assert not (tmp_path / "run").exists()
    return line


def test_a_folder_of_fewer_images_than_asked_is_refused_naming_them(tmp_path):
    (path,) = write_images(tmp_path / "images", 1)
    with pytest.raises(ValueError) as raised:
        data.check_image_folder(tmp_path / "images", min_images=320)
    assert str(raised.value).startswith(
        f"The image folder holds 1 image ({str(path)!r}), fewer than the 320 one generator step "
        "takes (batch_size x critic_steps)."
    )
    assert data.check_image_folder(tmp_path / "images", min_images=1) == []
    with pytest.raises(ValueError, match="min_images=0"):
        data.check_image_folder(tmp_path / "images", min_images=0)


def test_a_cut_short_png_is_refused_by_the_cli_naming_it(capsys, tmp_path):
    paths = write_images(tmp_path / "images", 4)
    whole = paths[2].read_bytes()
    paths[2].write_bytes(whole[: len(whole) // 2])
    line = train_on_folder(capsys, tmp_path / "images", tmp_path)
    assert f"1 of the 4 image files in {str(tmp_path / 'images')!r}" in line
    assert f"{str(paths[2])!r} (cut short or damaged)" in line


def test_a_broken_symbolic_link_is_refused_by_the_cli_naming_it(capsys, tmp_path):
    write_images(tmp_path / "images", 2)
    link = tmp_path / "images" / "gone.png"
    link.symlink_to(tmp_path / "deleted.png")
    line = train_on_folder(capsys, tmp_path / "images", tmp_path)
    assert f"{str(link)!r} (a broken symbolic link to {str(tmp_path / 'deleted.png')!r})" in line


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "BMP"])
def test_the_folder_check_agrees_with_tensorflows_decoder(tmp_path, image_format):
    import tensorflow as tf

    (path,) = write_images(tmp_path, 1, image_format)
    whole = path.read_bytes()
    for content in (whole, whole[:-1], whole[: len(whole) // 2], whole + b"trailing bytes"):
        path.write_bytes(content)
        try:
            tf.io.decode_image(content, expand_animations=False)
            decodes = True
        except tf.errors.OpError:
            decodes = False
        if decodes:
            assert data.check_image_folder(tmp_path) == []
        else:
            with pytest.raises(ValueError, match="cut short or damaged"):
                data.check_image_folder(tmp_path)


def test_an_unprepared_tfds_dataset_is_one_line_holding_the_command(capsys, tmp_path):
    line = refusal(capsys, ["train", "--smoke", "--dataset", "mnist", "--data-dir",
                            str(tmp_path / "tfds"), "--output-dir", str(tmp_path / "run")], code=1)
    assert line.startswith("keras-wgan: error: The TFDS dataset 'mnist'")
    assert (
        f"run `python -c \"import tensorflow_datasets as tfds; tfds.builder('mnist', "
        f"data_dir='{tmp_path / 'tfds'}').download_and_prepare()\"`, then copy" in line
    )


# evaluate: too few samples, outputs that cannot be written, weights that are not weights.


def test_evaluate_with_too_few_samples_says_the_minimum(capsys, image_model):
    line = refusal(capsys, ["evaluate", image_model, "--num", "1"])
    assert line == (
        "keras-wgan: error: --num: image scores need at least 6 samples (density and coverage "
        "compare 5 nearest neighbours), got 1"
    )


def test_outputs_in_a_read_only_folder_are_refused_before_loading(
    capsys, tmp_path, unread_model, monkeypatch
):
    # The tests may run as root, whom permission bits do not stop: the probe meets a read-only
    # file system, as on a read-only mount.
    read_only_folder = tmp_path / "read-only"
    read_only_folder.mkdir()
    writable = arguments.tempfile.TemporaryFile

    def read_only(*args, dir=None, **kwargs):
        if dir == str(read_only_folder):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), dir)
        return writable(*args, dir=dir, **kwargs)

    monkeypatch.setattr(arguments.tempfile, "TemporaryFile", read_only)
    for args, path in (
        (["evaluate", unread_model, "--output"], read_only_folder / "scores.json"),
        (["sample", unread_model, "--output"], read_only_folder / "grid.png"),
        (["sample", unread_model, "--output", str(tmp_path / "g.png"), "--npy"],
         read_only_folder / "x.npy"),
    ):
        line = refusal(capsys, [*args, str(path)])
        assert line.endswith(
            f"cannot write into the folder of {str(path)!r} (Read-only file system)"
        )


def test_outputs_that_are_folders_are_refused(capsys, tmp_path, unread_model):
    folder = tmp_path / "out.png"
    folder.mkdir()
    for command in ("evaluate", "sample"):
        line = refusal(capsys, [command, unread_model, "--output", str(folder)])
        assert line == (
            f"keras-wgan: error: --output: {str(folder)!r} is a folder; pass the file to write"
        )


def test_a_file_name_past_the_os_limit_is_refused_before_loading(capsys, tmp_path, unread_model):
    path = str(tmp_path / ("a" * 300 + ".json"))
    line = refusal(capsys, ["evaluate", unread_model, "--output", path])
    assert line.startswith(f"keras-wgan: error: --output: the name of {path!r} is longer than ")


def test_sample_refuses_unknown_extensions_listing_the_known_ones(capsys, tmp_path, unread_model):
    line = refusal(capsys, ["sample", unread_model, "--output", str(tmp_path / "grid.xyz")])
    assert f"--output: {str(tmp_path / 'grid.xyz')!r} ends in '.xyz'; expected one of " in line
    assert ", ".join(FORMATS) in line
    line = refusal(capsys, ["sample", unread_model, "--output", str(tmp_path / "grid")])
    assert "has no extension" in line
    line = refusal(capsys, ["sample", unread_model, "--output", str(tmp_path / "g.png"),
                            "--npy", str(tmp_path / "raw.txt")])
    assert line.endswith(f"--npy: {str(tmp_path / 'raw.txt')!r} ends in '.txt'; expected .npy")


def test_every_listed_format_is_written(tmp_path):
    from keras_wgan.callbacks import plotting

    pyplot = plotting.load_pyplot()
    for suffix in FORMATS:
        pyplot.imsave(tmp_path / f"grid{suffix}", np.zeros((4, 4)), cmap="gray")
        figure, axes = pyplot.subplots()
        axes.scatter([0, 1], [0, 1])
        figure.savefig(tmp_path / f"scatter{suffix}")
        pyplot.close(figure)
        assert (tmp_path / f"grid{suffix}").stat().st_size > 0


def test_more_samples_than_memory_holds_end_in_one_line(capsys, tmp_path, image_model):
    line = refusal(capsys, ["sample", image_model, "--num", str(10**12),
                            "--output", str(tmp_path / "g.png")], code=1)
    assert line == (
        f"keras-wgan: error: --num {10**12}: not enough memory for the samples; pass a "
        "smaller --num"
    )
    assert not (tmp_path / "g.png").exists()


def test_inception_weights_that_are_not_weights_are_refused_naming_the_file(
    capsys, tmp_path, image_model
):
    weights = tmp_path / "weights.h5"
    weights.write_bytes(b"not an HDF5 file")
    line = refusal(capsys, ["evaluate", image_model, "--features", "inception_v3",
                            "--inception-weights", str(weights)])
    assert line.startswith(
        f"keras-wgan: error: --inception-weights: cannot load {str(weights)!r} as Inception-v3 "
        "weights: "
    )


def test_a_failed_write_after_scoring_ends_in_one_line(capsys, tmp_path, image_model, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(np, "save", disk_full)
    line = refusal(capsys, ["sample", image_model, "--num", "4", "--output",
                            str(tmp_path / "g.png"), "--npy", str(tmp_path / "raw.npy")], code=1)
    assert line == "keras-wgan: error: cannot write the samples: [Errno 28] No space left on device"
    assert (tmp_path / "g.png").stat().st_size > 0  # what was written before stays


def test_the_command_line_refuses_a_folder_of_fewer_images_than_a_step(tmp_path, capsys):
    folder = tmp_path / "images"
    write_images(folder, 1)
    line = train_on_folder(capsys, folder, tmp_path)
    recipe = run_config.RECIPES["folder"]  # 64 x 2: the folder recipe's batch and critic steps
    step = run_config.TrainConfig(dataset="folder", image_dir="x", image_size=8)
    assert step.batch_size * step.critic_steps == 64 * recipe["critic_steps"]
    assert f"fewer than the {64 * recipe['critic_steps']} one generator step takes" in line


def test_too_few_samples_for_a_step_end_in_one_line(tmp_path, capsys):
    code = cli.main(["train", "--dataset", "ring8", "--num-samples", "10", "--epochs", "1",
                     "--output-dir", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.startswith("keras-wgan: error: A generator step takes 1280 samples")


@pytest.mark.parametrize("name, make", [
    ("samples", lambda path: path.write_text("not a folder")),
    ("history.json", lambda path: path.mkdir()),
])
def test_a_run_folder_holding_the_wrong_kind_of_path_is_refused(tmp_path, capsys, name, make):
    run = tmp_path / "run"
    run.mkdir()
    make(run / name)
    code = cli.main(["train", "--smoke", "--dataset", "ring8", "--output-dir", str(run)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.startswith(f"keras-wgan: error: {run / name} is not a ")


def test_a_seed_past_what_keras_takes_is_refused_before_tensorflow(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--seed", str(2**32)])
    assert f"`seed` must be below 2**32. Received: seed={2**32}" in capsys.readouterr().err


def test_more_clusters_than_samples_end_in_one_line(tmp_path, capsys):
    code = cli.main(["train", "--smoke", "--dataset", "ring8", "--clusters", "5000",
                     "--output-dir", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "keras-wgan: error: `clusters` must be at most the number of images" in err


def test_running_out_of_memory_ends_in_one_line(tmp_path, capsys, monkeypatch):
    from keras_wgan import training

    def out_of_memory(config, workdir):
        raise MemoryError("Unable to allocate 40.0 GiB")

    monkeypatch.setattr(training, "train", out_of_memory)
    code = cli.main(["train", "--smoke", "--dataset", "ring8", "--output-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "out of memory (Unable to allocate 40.0 GiB). A smaller --batch-size" in err


def test_an_output_dir_past_the_os_limit_ends_in_one_line(tmp_path, capsys):
    folder = tmp_path / ("x" * 300)
    code = cli.main(["train", "--smoke", "--dataset", "ring8", "--output-dir", str(folder)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.startswith(f"keras-wgan: error: Cannot write into {folder} (")
    assert "File name too long" in err and "--output-dir" in err
