"""`generate`: seeded samples of a generator, or of a GAN model's sampling generator."""

import re

import numpy as np
import pytest

from keras_wgan import evaluation
from tests.helpers import tiny_model_with_average


def test_generate_given_a_model_samples_its_average_unless_asked_for_the_trained_generator():
    model = tiny_model_with_average()
    averaged = evaluation.generate(model, 6, seed=3)
    np.testing.assert_array_equal(averaged, evaluation.generate(model.ema_generator, 6, seed=3))
    trained = evaluation.generate(model, 6, seed=3, use_ema=False)
    np.testing.assert_array_equal(trained, evaluation.generate(model.generator, 6, seed=3))
    assert not np.allclose(averaged, trained)


def test_use_ema_needs_a_model_that_keeps_an_average():
    model = tiny_model_with_average()
    with pytest.raises(ValueError, match=re.escape("use_ema=True")):
        evaluation.generate(model.generator, 6, use_ema=True)
