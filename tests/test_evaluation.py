"""`keras_wgan.evaluation`: the digits classifier, and scores that sit between their references."""

import os
import re

import keras
import numpy as np
import pytest

from keras_wgan import data
from keras_wgan import evaluation
from tests.helpers import PixelFeatures

N = 300  # scores are compared at this n; 997 + 300 = the 1297 training digits


# The session's classifier cache (tests/conftest.py): every module that trains it uses it.
pytestmark = pytest.mark.usefixtures("classifier_cache")


@pytest.fixture(scope="module")
def classifier(classifier_cache):
    return evaluation.train_digits_classifier()


@pytest.fixture(scope="module")
def digits():
    train = data.load_digits("train", seed=evaluation.SPLIT_SEED)
    test = data.load_digits("test", seed=evaluation.SPLIT_SEED)
    return train, test


def score(generated, digits, classifier):
    (images, labels), test = digits
    # References from the first 997 training digits; the last 300 stay unseen by them.
    return evaluation.score_images(
        generated, (images[:997], labels[:997]), test, classifier, num_samples=N
    )


def test_classifier_is_accurate_and_cached(classifier, classifier_cache):
    accuracy = evaluation.heldout_accuracy(classifier)
    assert accuracy > 0.9
    path = evaluation.classifier_path()
    assert os.path.dirname(path) == str(classifier_cache)
    assert evaluation.CLASSIFIER_VERSION in path and "seed0" in path and os.path.exists(path)
    images = data.load_digits("test")[0][:20]
    again = evaluation.train_digits_classifier()  # loaded, not retrained
    np.testing.assert_allclose(
        evaluation.probabilities(again, images), evaluation.probabilities(classifier, images),
        atol=1e-6,
    )
    assert evaluation.features(classifier, images).shape == (20, evaluation.FEATURE_DIM)


def test_references_are_ordered_and_real_images_score_at_the_floor(classifier, digits):
    (images, _), _ = digits
    result = score(images[997:], digits, classifier)
    scores = result["scores"]
    assert result["num_samples"] == N and result["degraded_classes"] == [0, 1, 2]
    assert "digits-classifier-v1" in result["feature_extractor"]
    assert "held-out accuracy 0.9" in result["feature_extractor"]
    assert scores["fid"]["floor"] < scores["fid"]["degraded"]
    assert scores["kid"]["floor"] < scores["kid"]["degraded"]
    assert scores["classes_covered"]["floor"] == 10 and scores["classes_covered"]["degraded"] == 7
    assert scores["recall"]["floor"] > scores["recall"]["degraded"]
    # Unseen real training digits: at the floor on every score that separates the references.
    for name in ("fid", "kid", "classifier_score", "classes_covered", "class_kl", "recall",
                 "coverage"):
        assert scores[name]["closer_to"] == "floor", (name, scores[name])
    assert scores["fid"]["generated"] < 2 * scores["fid"]["floor"] + 1


def test_heldout_images_score_at_or_below_the_floor(classifier, digits):
    _, (test_images, _) = digits
    scores = score(test_images, digits, classifier)["scores"]
    assert scores["fid"]["generated"] <= scores["fid"]["floor"]
    assert scores["fid"]["verdict"] == "at or better than the floor"


def test_noise_scores_beyond_degraded(classifier, digits):
    noise = np.random.default_rng(0).uniform(-1, 1, (N, 8, 8, 1)).astype("float32")
    scores = score(noise, digits, classifier)["scores"]
    for name in ("fid", "kid", "recall", "coverage"):
        assert scores[name]["position"] > 1, (name, scores[name])
        assert scores[name]["closer_to"] == "degraded"
    assert scores["precision"]["generated"] < 0.1


def test_bad_images_are_refused(classifier, digits):
    with pytest.raises(ValueError, match=r"\(300, 64\)"):
        score(np.zeros((300, 64)), digits, classifier)
    with pytest.raises(ValueError, match="NaN"):
        score(np.full((300, 8, 8, 1), np.nan), digits, classifier)


def test_verdict():
    assert evaluation.verdict(1.0, 1.0, 11.0, False)[:2] == ("floor", 0.0)
    assert evaluation.verdict(4.0, 1.0, 11.0, False)[0] == "floor"
    assert evaluation.verdict(8.0, 1.0, 11.0, False)[0] == "degraded"
    closer, position, text = evaluation.verdict(0.1, 0.9, 0.6, True)
    assert closer == "degraded" and position > 1 and text.startswith("beyond degraded")
    assert evaluation.verdict(0.95, 0.95, 0.95, True)[1] is None  # references do not separate


def test_score_toy_real_samples_sit_at_the_floor_and_a_collapse_does_not():
    real = data.ring8(1000, seed=5)
    result = evaluation.score_toy(real, "ring8")
    w1 = result["scores"]["w1"]
    assert w1["generated"] < 2 * w1["floor"] + 0.05
    assert result["scores"]["modes_captured"] == {
        "generated": 8.0, "floor": 8.0, "higher_is_better": True
    }
    collapsed = np.tile(data.ring8_modes()[:1], (1000, 1))
    bad = evaluation.score_toy(collapsed, "ring8")["scores"]
    assert bad["modes_captured"]["generated"] == 1
    assert bad["w1"]["generated"] > 10 * bad["w1"]["floor"]
    swiss = evaluation.score_toy(data.swiss_roll(500, seed=1), "swissroll")
    assert set(swiss["scores"]) == {"w1"}
    with pytest.raises(ValueError, match="'mnist'"):
        evaluation.score_toy(real, "mnist")


def test_conditional_accuracy_sits_between_its_references(classifier, digits):
    _, (test_images, test_labels) = digits
    scorer = evaluation.ImageScorer(digits[0], digits[1], classifier, num_samples=N)
    # Real held-out digits with their true classes: a generator that always draws the asked
    # class scores the floor (the classifier's accuracy).
    good = scorer.score(test_images[:N], labels=test_labels[:N])["scores"]["conditional_accuracy"]
    assert good["floor"] > 0.9 and good["closer_to"] == "floor"
    assert good["generated"] == pytest.approx(good["floor"], abs=0.05)
    # The classes asked for shuffled: about chance, beyond the three-classes-wrong reference.
    shuffled = np.random.default_rng(0).permutation(test_labels[:N])
    bad = scorer.score(test_images[:N], labels=shuffled)["scores"]["conditional_accuracy"]
    assert bad["generated"] < 0.25 and bad["position"] > 1


def test_inception_features_have_2048_dimensions_and_say_what_they_are(digits):
    (images, _), _ = digits
    inception = evaluation.InceptionV3Features(weights=None, image_size=75, batch_size=2)
    features, probabilities = inception(images[:3])
    assert features.shape == (3, evaluation.InceptionV3Features.FEATURE_DIM)
    assert probabilities is None and np.all(np.isfinite(features))
    assert inception.name == "inception_v3" and evaluation.get_extractor_name(inception) == (
        "inception_v3"
    )
    assert "random" in inception.describe() and "75x75" in inception.describe()
    # Grey digits in [-1, 1] become Inception's 3-channel input in [-1, 1].
    batch = keras.ops.convert_to_numpy(inception.preprocess(images[:2]))
    assert batch.shape == (2, 75, 75, 3) and batch.min() >= -1 and batch.max() <= 1
    np.testing.assert_array_equal(batch[..., 0], batch[..., 2])


def test_scores_name_their_features_and_different_features_are_never_compared(classifier, digits):
    (images, labels), (test_images, test_labels) = digits
    small_train = (images[:200], labels[:200])
    small_heldout = (test_images[:100], test_labels[:100])
    generated = images[200:300]
    by_pixels = evaluation.score_images(generated, small_train, small_heldout, PixelFeatures())
    by_classifier = evaluation.score_images(generated, small_train, small_heldout, classifier)
    assert by_pixels["features"] == "pixels" and by_pixels["num_samples"] == 100
    assert by_classifier["features"] == "digits_classifier"
    # No probabilities: no classifier score or class coverage.
    assert set(by_pixels["scores"]) == {"fid", "kid", "precision", "recall", "density",
                                        "coverage"}
    assert by_pixels["classifier_heldout_accuracy"] is None
    evaluation.check_comparable(by_classifier, by_classifier)
    with pytest.raises(ValueError, match="different features"):
        evaluation.check_comparable(by_classifier, by_pixels)
    fewer = evaluation.score_images(images[200:250], small_train, small_heldout, classifier)
    with pytest.raises(ValueError, match="n=50"):
        evaluation.check_comparable(by_classifier, fewer)
    scorer = evaluation.ImageScorer(small_train, small_heldout, classifier, num_samples=12)
    with pytest.raises(ValueError, match="never mixed"):
        evaluation.score_generator(
            keras_generator(), "digits", extractor="inception_v3", scorer=scorer
        )


@pytest.mark.slow
def test_inception_scores_end_to_end(digits):
    # Slow: FID on 2048-d features takes a 2048 x 2048 sqrtm per set (about 90 s here).
    (images, labels), (test_images, test_labels) = digits
    inception = evaluation.InceptionV3Features(weights=None, image_size=75, batch_size=16)
    result = evaluation.score_images(
        images[60:72], (images[:60], labels[:60]), (test_images[:20], test_labels[:20]), inception
    )
    assert result["features"] == "inception_v3" and result["num_samples"] == 12
    assert set(result["scores"]) == {"fid", "kid", "precision", "recall", "density", "coverage"}


def keras_generator():
    from keras_wgan import networks

    return networks.build_generator((8, 8, 1), latent_dim=4, base_filters=4)


def test_inception_without_weights_offline_fails_at_once_saying_what_to_do(
    tmp_path, monkeypatch
):
    import keras

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: [Errno -2] Name or service not known")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty Keras cache
    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(evaluation.FeatureWeightsUnavailableError) as raised:
        evaluation.InceptionV3Features()
    message = str(raised.value)
    cached = tmp_path / "models" / evaluation.InceptionV3Features.WEIGHTS_FILE
    assert str(cached) in message and "weights=PATH" in message
    assert "Name or service not known" in message


@pytest.mark.parametrize("arguments, named", [
    ({"image_size": 64}, "image_size=64"),
    ({"weights": "no_such_file.h5"}, "weights='no_such_file.h5'"),
    ({"batch_size": 0}, "batch_size=0"),
])
def test_inception_arguments_are_checked(arguments, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        evaluation.InceptionV3Features(**arguments)


def test_extractors_by_name():
    with pytest.raises(ValueError, match=re.escape("extractor='vgg'")):
        evaluation.get_extractor("vgg")
    assert set(evaluation.FEATURE_EXTRACTORS) == {"digits_classifier", "inception_v3"}
