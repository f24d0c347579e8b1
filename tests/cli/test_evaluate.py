"""`keras-wgan evaluate`: the n the image scores use, and your own images scored and cached."""

import json
import re

import numpy as np
import pytest

from keras_wgan import WGANGP
from keras_wgan import cli
from keras_wgan import networks
from tests.helpers import tiny_dcgan_pair

pytestmark = pytest.mark.usefixtures("classifier_cache")


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory):
    """An untrained tiny generator of 8x8 digits, saved as `.keras`."""
    generator, critic = tiny_dcgan_pair()
    model = WGANGP(generator, critic, seed=0)
    model.compile()
    path = tmp_path_factory.mktemp("model") / "model.keras"
    model.save(path)
    return str(path)


def test_a_num_above_the_references_says_which_n_it_scores_and_why(digits_model, tmp_path,
                                                                   capsys):
    output = tmp_path / "scores.json"
    assert cli.main(["evaluate", digits_model, "--num", "2000", "--output", str(output)]) == 0
    stdout = capsys.readouterr().out
    said = re.search(r"Scoring n = (\d+) of 2000 generated images: the degraded reference has "
                     r"\d+ real training images \(those outside classes \[0, 1, 2\]\)", stdout)
    assert said, stdout
    n = int(said.group(1))
    assert n < 2000 and json.loads(output.read_text())["num_samples"] == n
    assert f"n = {n} per set" in stdout


def test_a_num_the_references_can_match_is_scored_as_asked(digits_model, capsys):
    assert cli.main(["evaluate", digits_model, "--num", "300"]) == 0
    stdout = capsys.readouterr().out
    assert "Scoring n =" not in stdout and "n = 300 per set" in stdout


# Your own images: a labelled folder written from MNIST-5k digits, scored offline.

DIGITS_PER_CLASS = 30


@pytest.fixture(scope="module")
def digit_folder(tmp_path_factory):
    """30 MNIST-5k training digits of each class as 28x28 grey PNGs in `digit0/` ... `digit9/`."""
    from PIL import Image

    from keras_wgan import data

    images, labels = data.load_mnist_5k("train", seed=0)
    folder = tmp_path_factory.mktemp("digit_folder")
    for label in range(10):
        (folder / f"digit{label}").mkdir()
        for index in np.flatnonzero(labels == label)[:DIGITS_PER_CLASS]:
            pixels = np.round((images[index, :, :, 0] + 1) * 127.5).astype("uint8")
            Image.fromarray(pixels).save(folder / f"digit{label}" / f"{index}.png")
    return folder


def save_tiny_model(folder, image_shape):
    """An untrained tiny WGAN-GP of `image_shape` images, saved as `folder/model.keras`."""
    generator = networks.build_generator(image_shape, latent_dim=4, base_filters=4)
    critic = networks.build_critic(image_shape, base_filters=4, normalization="layer")
    model = WGANGP(generator, critic, seed=0)
    model.compile()
    model.save(folder / "model.keras")
    return str(folder / "model.keras")


@pytest.fixture(scope="module")
def mnist_model(tmp_path_factory):
    """An untrained tiny generator of 28x28x1 images, saved as `.keras`."""
    return save_tiny_model(tmp_path_factory.mktemp("mnist_model"), (28, 28, 1))


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """An empty cache, and a classifier trained on 2 passes only (the tests check the plumbing)."""
    from keras_wgan.evaluation import data_classifier

    monkeypatch.setenv("KERAS_WGAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(data_classifier, "TRAINING_IMAGES", 1)
    return tmp_path / "cache"


@pytest.fixture
def real_images_scored(monkeypatch):
    """Counts the images the data classifier's features are computed on."""
    from keras_wgan.evaluation import data_classifier

    counted = []
    original = data_classifier.features_and_probabilities

    def counting(classifier, images):
        counted.append(len(images))
        return original(classifier, images)

    monkeypatch.setattr(data_classifier, "features_and_probabilities", counting)
    return counted


def _evaluate(capsys, *args):
    code = cli.main(["evaluate", *map(str, args)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def test_a_labelled_folder_is_scored_offline_beside_its_references_then_from_the_cache(
    mnist_model, digit_folder, own_cache, real_images_scored, tmp_path, capsys
):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    common = [mnist_model, "--dataset", "folder", "--image-dir", digit_folder, "--num", "100"]
    out = _evaluate(capsys, *common, "--output", first)
    assert "Read 300 images (10 classes)" in out and "at 28x28x1" in out
    assert "60 held out for the floor" in out
    assert "Training a classifier on the 240 training images (10 classes" in out
    assert "Computed the reference statistics; cached at" in out
    assert "degraded = real images without classes ['digit0', 'digit1', 'digit2'] (the first " \
           "3 of 10, ~30%)" in out
    result = json.loads(first.read_text())
    assert result["dataset"] == "folder" and result["data"] == str(digit_folder)
    assert result["features"] == "data_classifier" and result["num_samples"] == 100
    assert result["num_heldout"] == 60 and result["degraded_classes"] == [0, 1, 2]
    assert {"fid", "kid", "classifier_score", "classes_covered", "precision", "coverage"} <= set(
        result["scores"]
    )
    fid = result["scores"]["fid"]
    assert 0 < fid["floor"] < fid["degraded"]
    assert len(result["class_histogram"]) == 10
    assert sum(real_images_scored) == 60 + 100 + 100 + 100  # held out, floor, degraded, generated

    real_images_scored.clear()
    out = _evaluate(capsys, *common, "--output", second)
    cached = re.search(r"Reusing cached reference statistics from (\S+\.npz)", out)
    assert cached and str(own_cache) in cached.group(1), out
    assert "Reusing the classifier trained on these images" in out and "Training" not in out
    assert real_images_scored == [100]  # the generated images only
    assert json.loads(second.read_text()) == result

    real_images_scored.clear()
    out = _evaluate(capsys, *common, "--no-cache")
    assert "Training a classifier" in out and "Computed the reference statistics" in out
    assert sum(real_images_scored) == 360


def test_a_generator_of_another_size_reads_the_folder_at_its_size(
    digits_model, digit_folder, own_cache, capsys
):
    out = _evaluate(capsys, digits_model, "--dataset", "folder", "--image-dir", digit_folder,
                    "--num", "50")
    assert "at 8x8x1, the generator's output shape (centre-cropped and resized to it)" in out
    assert "n = 50 per set vs 60 held-out images" in out


def test_own_data_errors_say_what_is_wrong(mnist_model, digit_folder, own_cache, tmp_path,
                                           capsys):
    from PIL import Image

    def refused(*args):
        with pytest.raises(SystemExit) as raised:
            cli.main(["evaluate", mnist_model, *map(str, args)])
        assert raised.value.code == 2
        return capsys.readouterr().err

    missing = tmp_path / "missing"
    assert "--image-dir: The image folder does not exist" in refused(
        "--dataset", "folder", "--image-dir", missing
    )
    assert "--dataset folder needs --image-dir DIR" in refused("--dataset", "folder")
    assert "--image-dir needs --dataset folder" in refused("--image-dir", digit_folder)
    assert "--no-cache applies to --dataset folder" in refused("--dataset", "mnist5k", "--no-cache")
    assert "--features mnist5k_classifier scores another dataset's images" in refused(
        "--dataset", "folder", "--image-dir", digit_folder, "--features", "mnist5k_classifier"
    )

    few = tmp_path / "few"
    for label in range(2):
        (few / f"c{label}").mkdir(parents=True)
        for index in range(5):
            Image.fromarray(np.full((28, 28), 40 * index, "uint8")).save(
                few / f"c{label}" / f"{index}.png"
            )
    code = cli.main(["evaluate", mnist_model, "--dataset", "folder", "--image-dir", str(few)])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert f"Too few images in {few}: 8 for the references (4 in the degraded one) and 2 held " \
           "out give n = 4; image scores need n > 5" in err


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory):
    """30 unlabelled 32x32 RGB images: coloured squares at random places."""
    from PIL import Image

    rng = np.random.default_rng(0)
    folder = tmp_path_factory.mktemp("photos")
    for index in range(30):
        pixels = np.zeros((32, 32, 3), "uint8")
        top, left = rng.integers(0, 24, 2)
        pixels[top : top + 8, left : left + 8] = rng.integers(0, 256, 3)
        Image.fromarray(pixels).save(folder / f"{index:02d}.png")
    return folder


@pytest.fixture(scope="module")
def rgb_model(tmp_path_factory):
    """An untrained tiny generator of 32x32x3 images, saved as `.keras`."""
    return save_tiny_model(tmp_path_factory.mktemp("rgb_model"), (32, 32, 3))


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """An empty Keras cache, offline."""
    import keras

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: [Errno -2] Name or service not known")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(keras.utils, "get_file", offline)
    return tmp_path / "keras_home"


def test_unlabelled_images_offline_without_inception_weights_say_where_to_put_them(
    rgb_model, photo_folder, own_cache, keras_home, capsys
):
    from keras_wgan import evaluation

    code = cli.main(["evaluate", rgb_model, "--dataset", "folder", "--image-dir",
                     str(photo_folder)])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert err.startswith("keras-wgan: error: unlabelled images are scored on Inception-v3: ")
    weights = keras_home / "models" / evaluation.InceptionV3Features.WEIGHTS_FILE
    assert str(weights) in err and "--inception-weights" in err
    refused = ["evaluate", rgb_model, "--dataset", "folder", "--image-dir", str(photo_folder),
               "--features", "data_classifier"]
    with pytest.raises(SystemExit):
        cli.main(refused)
    assert "--features data_classifier needs labelled images" in capsys.readouterr().err


@pytest.mark.slow  # Inception-v3 at 299x299: minutes on a busy CPU
def test_unlabelled_images_are_scored_on_inception_weights_from_the_keras_cache(
    rgb_model, photo_folder, own_cache, keras_home, tmp_path, capsys
):
    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    from keras_wgan import evaluation

    # A randomly initialised Inception-v3 saved where Keras caches the ImageNet weights.
    weights = keras_home / "models" / evaluation.InceptionV3Features.WEIGHTS_FILE
    weights.parent.mkdir(parents=True)
    model = keras.applications.InceptionV3(include_top=False, weights=None, pooling="avg",
                                           input_shape=(75, 75, 3))
    with h5py.File(weights, "w") as file:
        legacy_h5_format.save_weights_to_hdf5_group(file, model)
    output = tmp_path / "scores.json"
    out = _evaluate(capsys, rgb_model, "--dataset", "folder", "--image-dir", photo_folder,
                    "--num", "6", "--output", output)
    assert "Read 30 images (no classes)" in out and "Computed the reference statistics" in out
    result = json.loads(output.read_text())
    assert result["features"] == "inception_v3" and result["num_samples"] == 6
    assert "ImageNet (Keras)" in result["feature_extractor"]
    assert "k-means clusters" in result["degraded_reference"]
    assert set(result["scores"]) == {"fid", "kid", "precision", "recall", "density", "coverage"}


def test_a_tfds_dataset_is_scored_on_a_classifier_trained_on_it(
    mnist_model, own_cache, tmp_path, capsys
):
    tfds = pytest.importorskip("tensorflow_datasets")
    output = tmp_path / "scores.json"
    with tfds.testing.mock_data(num_examples=60):  # random images, offline
        out = _evaluate(capsys, mnist_model, "--dataset", "mnist", "--data-dir", tmp_path,
                        "--num", "20", "--output", output)
    assert "Read 120 images (10 classes) from tfds:mnist" in out
    result = json.loads(output.read_text())
    assert result["dataset"] == "mnist" and result["features"] == "data_classifier"
    assert result["num_heldout"] == 60 and result["num_samples"] == 20


def test_a_tfds_dataset_not_prepared_is_refused_before_loading_the_model(tmp_path, capsys):
    pytest.importorskip("tensorflow_datasets")
    with pytest.raises(SystemExit) as raised:
        cli.main(["evaluate", __file__, "--dataset", "fashion_mnist", "--data-dir", str(tmp_path)])
    assert raised.value.code == 2
    assert "--dataset fashion_mnist: The TFDS dataset 'fashion_mnist'" in capsys.readouterr().err


def test_a_folder_of_three_images_is_too_few_said_in_one_line(mnist_model, own_cache, tmp_path,
                                                              capsys):
    from PIL import Image

    for index in range(3):
        Image.fromarray(np.full((28, 28), 60 * index, "uint8")).save(tmp_path / f"{index}.png")
    code = cli.main(["evaluate", mnist_model, "--dataset", "folder", "--image-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert f"Too few images in {tmp_path}: 1 for the references and 2 held out give n = 1" in err


@pytest.mark.parametrize("num_classes", [10, 3])
def test_a_conditional_generator_is_scored_on_the_folder_classes_it_was_given(
    num_classes, digit_folder, own_cache, tmp_path, capsys
):
    generator = networks.build_generator((28, 28, 1), latent_dim=4, base_filters=4,
                                         num_classes=num_classes)
    critic = networks.build_critic((28, 28, 1), base_filters=4, normalization="layer",
                                   num_classes=num_classes)
    model = WGANGP(generator, critic, seed=0)
    model.compile()
    model.save(tmp_path / "model.keras")
    args = ["evaluate", str(tmp_path / "model.keras"), "--dataset", "folder", "--image-dir",
            str(digit_folder), "--num", "50", "--output", str(tmp_path / "scores.json")]
    code = cli.main(args)
    captured = capsys.readouterr()
    if num_classes == 3:
        assert code == 1
        assert f"the generator is conditional on 3 classes; {digit_folder} has 10 classes" in (
            captured.err
        )
        return
    assert code == 0, captured.err
    accuracy = json.loads((tmp_path / "scores.json").read_text())["scores"]["conditional_accuracy"]
    assert accuracy["floor"] > accuracy["degraded"] > 0
