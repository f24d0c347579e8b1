"""`keras_wgan.evaluation.toys`: toy scores beside a real-vs-real floor."""

import numpy as np
import pytest

from keras_wgan import data
from keras_wgan import evaluation


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
