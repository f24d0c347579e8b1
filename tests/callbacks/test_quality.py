"""`QualityScores` during `fit`: toy and image scores in the epoch's logs, and its arguments."""

import json
import re

import numpy as np
import pytest

from keras_wgan import WGANGP
from keras_wgan import callbacks
from keras_wgan import data
from tests.helpers import PixelFeatures
from tests.helpers import tiny_image_model
from tests.helpers import tiny_mlp_pair
from tests.helpers import tiny_model_with_average


def test_quality_scores_log_toy_scores_every_few_epochs(tmp_path):
    from keras_wgan import evaluation

    generator, critic = tiny_mlp_pair()
    model = WGANGP(generator, critic, critic_steps=2, seed=0)
    model.compile()
    points = data.ring8(64, seed=0)
    scores = callbacks.QualityScores("ring8", every=2, num_samples=300, seed=5)
    saved = callbacks.JsonHistory(tmp_path / "history.json")
    history = model.fit(data.make_dataset(points, 8, critic_steps=2), epochs=3, verbose=0,
                        shuffle=False, callbacks=[scores, saved])
    # Epochs 2 and 3 (the last): in History (scored epochs only) and, aligned, in the file.
    assert sorted(scores.results) == [2, 3] and len(scores.seconds) == 2
    assert len(history.history["w1"]) == 2 and len(history.history["modes_captured"]) == 2
    written = json.loads((tmp_path / "history.json").read_text())
    assert written["w1"][0] is None and len(written["w1"]) == 3
    assert written["w1"][1:] == history.history["w1"]
    # The logged value is the full evaluation's, on the same seed and n.
    again = evaluation.score_generator(model.generator, "ring8", num_samples=300, seed=5)
    assert history.history["w1"][-1] == again["scores"]["w1"]["generated"]
    assert scores.results[3]["scores"]["w1"]["floor"] == again["scores"]["w1"]["floor"]


def test_quality_scores_score_the_averaged_generator_unless_asked_for_the_trained_one():
    from keras_wgan import evaluation

    model = tiny_model_with_average()
    for use_ema, network in ((None, model.ema_generator), (False, model.generator)):
        scores = callbacks.QualityScores("ring8", num_samples=200, seed=5, use_ema=use_ema)
        scores.set_model(model)
        expected = evaluation.score_generator(network, "ring8", num_samples=200, seed=5)
        assert scores.score()["scores"]["w1"] == expected["scores"]["w1"]
    averaged = evaluation.score_generator(model, "ring8", num_samples=200, seed=5)
    trained = evaluation.score_generator(model, "ring8", num_samples=200, seed=5, use_ema=False)
    assert averaged["scores"]["w1"]["generated"] != trained["scores"]["w1"]["generated"]


def test_quality_scores_with_a_scorer_of_other_features(tmp_path):
    from keras_wgan import evaluation

    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (80, 8, 8, 1)).astype("float32")
    labels = np.arange(80) % 10
    scorer = evaluation.ImageScorer(
        (real[:60], labels[:60]), (real[60:], labels[60:]), PixelFeatures(), num_samples=30
    )
    assert scorer.score_names == ["fid", "kid", "precision", "recall", "density", "coverage"]
    model = tiny_image_model()
    scores = callbacks.QualityScores(scorer=scorer)
    model.fit(data.make_dataset(real, 8, critic_steps=2), epochs=1, verbose=0, shuffle=False,
              callbacks=[scores])
    result = scores.results[1]
    assert result["features"] == "pixels" and result["num_samples"] == 30
    # classes_covered needs probabilities: only fid and kid are logged by default.
    assert set(scores.logged(result)) == {"fid", "kid"}
    assert "classifier_score" not in result["scores"]
    asked = callbacks.QualityScores(scorer=scorer, names=("classes_covered",))
    with pytest.raises(ValueError, match="classes_covered"):
        asked.logged(result)


@pytest.mark.parametrize("arguments, named", [
    ({"dataset": "mnist"}, "dataset='mnist'"),
    ({"every": 0}, "every=0"),
    ({"names": "fid"}, "names='fid'"),
    ({"scorer": object(), "extractor": "inception_v3"}, "extractor='inception_v3'"),
])
def test_quality_scores_arguments_are_checked(arguments, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        callbacks.QualityScores(**arguments)
