"""`generate`: seeded samples of a generator, or of a GAN model's sampling generator."""

import math
import re

import keras
import numpy as np
import pytest

from keras_wgan import evaluation
from keras_wgan import networks
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


def identity_generator(latent_dim=8):
    """A generator whose samples are its latent vectors: `generate` then shows its latents."""
    latent = keras.Input((latent_dim,))
    return keras.Model(latent, keras.layers.Identity()(latent))


def test_truncation_redraws_the_entries_outside_the_bound_and_keeps_the_others():
    generator = identity_generator()
    plain = evaluation.generate(generator, 400, seed=4)
    # truncation=None: the draw of before, unchanged.
    expected = np.random.default_rng(4).standard_normal((400, 8)).astype("float32")
    np.testing.assert_array_equal(plain, expected)

    truncated = evaluation.generate(generator, 400, seed=4, truncation=0.5)
    assert np.abs(truncated).max() <= np.float32(0.5)
    inside = np.abs(plain) <= 0.5
    assert 0.3 < inside.mean() < 0.45  # P(|z| <= 0.5) = 0.383
    np.testing.assert_array_equal(truncated[inside], plain[inside])
    # A normal truncated at t has variance 1 - 2 t phi(t) / (2 Phi(t) - 1): 0.0804 at t = 0.5.
    phi = math.exp(-0.125) / math.sqrt(2 * math.pi)
    variance = 1 - 2 * 0.5 * phi / math.erf(0.5 / math.sqrt(2))
    assert abs(truncated.var() - variance) < 0.005
    np.testing.assert_array_equal(evaluation.generate(generator, 400, seed=4, truncation=0.5),
                                  truncated)  # seeded


def cluster_echo_sampler(num_clusters, latent_dim=4):
    """A cluster sampler whose samples are `[noise..., cluster]`: shows both of its inputs."""
    noise = keras.Input((latent_dim,))
    cluster = keras.Input((), dtype="int32")
    as_float = keras.layers.Lambda(lambda c: keras.ops.cast(c, "float32")[:, None])(cluster)
    echo = keras.Model([noise, cluster], keras.layers.Concatenate()([noise, as_float]))
    return networks.build_cluster_sampler(echo, [1.0] * num_clusters)


def test_truncation_keeps_each_samples_cluster_and_the_clusters_frequencies():
    sampler = cluster_echo_sampler(num_clusters=20)
    plain = evaluation.generate(sampler, 4000, seed=5)
    # t = 1.5 lies inside the first and last clusters' tails (|z| > 1.645): truncating the
    # cluster's entry too would never draw clusters 0 and 19.
    truncated = evaluation.generate(sampler, 4000, seed=5, truncation=1.5)
    np.testing.assert_array_equal(truncated[:, -1], plain[:, -1])  # the same clusters
    shares = np.bincount(truncated[:, -1].astype(int), minlength=20) / 4000
    assert shares.min() > 0.035 and shares.max() < 0.065  # 0.05 each; SE 0.0034
    assert np.abs(truncated[:, :-1]).max() <= np.float32(1.5)  # the noise is truncated
    inside = np.abs(plain[:, :-1]) <= 1.5
    np.testing.assert_array_equal(truncated[:, :-1][inside], plain[:, :-1][inside])


@pytest.mark.parametrize("value", [0, -1.0, True, float("nan"), "1"])
def test_bad_truncation_is_refused_naming_the_value(value):
    with pytest.raises(ValueError, match=re.escape(f"truncation={value!r}")):
        evaluation.generate(identity_generator(), 4, truncation=value)
