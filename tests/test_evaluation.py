"""`keras_wgan.evaluation`: the digits classifier, and scores that sit between their references."""

import os

import numpy as np
import pytest

from keras_wgan import data
from keras_wgan import evaluation

N = 300  # scores are compared at this n; 997 + 300 = the 1297 training digits


@pytest.fixture(scope="module", autouse=True)
def classifier_cache(tmp_path_factory):
    """One classifier cache for the whole session (every test module uses this directory)."""
    directory = tmp_path_factory.getbasetemp() / "classifier_cache"
    old = os.environ.get(evaluation.CACHE_ENV)
    os.environ[evaluation.CACHE_ENV] = str(directory)
    yield directory
    if old is None:
        os.environ.pop(evaluation.CACHE_ENV)
    else:
        os.environ[evaluation.CACHE_ENV] = old


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
