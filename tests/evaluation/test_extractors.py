"""`keras_wgan.evaluation.extractors`: Inception-v3 features, and extractors by name."""

import re

import keras
import numpy as np
import pytest

from keras_wgan import evaluation
from keras_wgan.evaluation import extractors


def test_inception_features_have_2048_dimensions_and_say_what_they_are(digits):
    (images, _), _ = digits
    inception = evaluation.InceptionV3Features(weights=None, image_size=75, batch_size=2)
    features, probabilities = inception(images[:3])
    assert features.shape == (3, evaluation.InceptionV3Features.FEATURE_DIM)
    assert probabilities is None and np.all(np.isfinite(features))
    assert inception.name == "inception_v3" and extractors.get_extractor_name(inception) == (
        "inception_v3"
    )
    assert "random" in inception.describe() and "75x75" in inception.describe()
    # Grey digits in [-1, 1] become Inception's 3-channel input in [-1, 1].
    batch = keras.ops.convert_to_numpy(inception.preprocess(images[:2]))
    assert batch.shape == (2, 75, 75, 3) and batch.min() >= -1 and batch.max() <= 1
    np.testing.assert_array_equal(batch[..., 0], batch[..., 2])


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
    assert set(evaluation.FEATURE_EXTRACTORS) == {
        "digits_classifier", "mnist5k_classifier", "inception_v3"
    }
