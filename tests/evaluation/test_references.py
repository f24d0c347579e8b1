"""`keras_wgan.evaluation.references`: image scores sit between their references."""

import re

import numpy as np
import pytest

from keras_wgan import evaluation
from keras_wgan.evaluation import references
from tests.helpers import PixelFeatures

N = 300  # scores are compared at this n; 997 + 300 = the 1297 training digits


# The session's classifier cache (tests/conftest.py): every module that trains it uses it.
pytestmark = pytest.mark.usefixtures("classifier_cache")


def score(generated, digits, classifier):
    (images, labels), test = digits
    # References from the first 997 training digits; the last 300 stay unseen by them.
    return evaluation.score_images(
        generated, (images[:997], labels[:997]), test, classifier, num_samples=N
    )


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
    assert references.verdict(1.0, 1.0, 11.0, False)[:2] == ("floor", 0.0)
    assert references.verdict(4.0, 1.0, 11.0, False)[0] == "floor"
    assert references.verdict(8.0, 1.0, 11.0, False)[0] == "degraded"
    closer, position, text = references.verdict(0.1, 0.9, 0.6, True)
    assert closer == "degraded" and position > 1 and text.startswith("beyond degraded")
    assert references.verdict(0.95, 0.95, 0.95, True)[1] is None  # references do not separate


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


def keras_generator():
    from keras_wgan import networks

    return networks.build_generator((8, 8, 1), latent_dim=4, base_filters=4)


def test_mnist5k_references_are_ordered_and_real_images_score_at_the_floor(
    mnist5k_classifier, mnist5k
):
    (images, labels), test = mnist5k
    # References from the first 3,000 training digits; the last 1,000 stay unseen by them.
    real = (images[:3000], labels[:3000])
    result = evaluation.score_images(images[3000:], real, test, mnist5k_classifier, num_samples=N)
    scores = result["scores"]
    assert result["features"] == "mnist5k_classifier" and result["num_heldout"] == 1000
    assert "mnist5k-classifier-v1" in result["feature_extractor"]
    assert scores["fid"]["floor"] < scores["fid"]["degraded"]
    assert scores["class_kl"]["floor"] < scores["class_kl"]["degraded"]
    # A few of the classifier's mistakes land in the removed classes: 7 to 9 covered.
    assert scores["classes_covered"]["floor"] == 10 and scores["classes_covered"]["degraded"] < 10
    for name in ("fid", "kid", "class_kl", "recall", "coverage"):
        assert scores[name]["closer_to"] == "floor", (name, scores[name])
    noise = np.random.default_rng(0).uniform(-1, 1, (N, 28, 28, 1)).astype("float32")
    noisy = evaluation.score_images(noise, real, test, mnist5k_classifier, num_samples=N)
    for name in ("fid", "kid", "recall", "coverage"):
        assert noisy["scores"][name]["position"] > 1, (name, noisy["scores"][name])


def test_score_generator_on_mnist5k_uses_its_classifier(classifier_cache):
    from keras_wgan import networks

    generator = networks.build_generator((28, 28, 1), latent_dim=4, base_filters=4, num_classes=10)
    result = evaluation.score_generator(generator, "mnist5k", num_samples=N)
    assert result["dataset"] == "mnist5k" and result["features"] == "mnist5k_classifier"
    assert result["num_samples"] == N and result["num_heldout"] == 1000
    assert set(result["scores"]) == set(evaluation.HIGHER_IS_BETTER) | {"conditional_accuracy"}
    assert result["scores"]["conditional_accuracy"]["floor"] > 0.9
    assert result["scores"]["fid"]["floor"] < result["scores"]["fid"]["degraded"]
    with pytest.raises(ValueError, match=re.escape("images.shape=(300, 28, 28, 1)")):
        evaluation.score_generator(generator, "digits", num_samples=N, extractor=None)
