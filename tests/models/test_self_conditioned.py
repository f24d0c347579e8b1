"""Self-conditioned models: conditional networks on cluster ids, sampled unconditionally."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_wgan
from keras_wgan import evaluation
from keras_wgan import networks
from keras_wgan.data import make_dataset
from tests.helpers import config_round_trip
from tests.helpers import keras_file_round_trip
from tests.helpers import tiny_dcgan_pair

FREQUENCIES = [0.25, 0.25, 0.5]


@pytest.fixture(scope="module")
def trained():
    """A WGAN-GP with a generator average on 3 clusters of random 8x8 images, 4 steps."""
    generator, critic = tiny_dcgan_pair(num_classes=3)
    model = keras_wgan.WGANGP(
        generator, critic, critic_steps=2, seed=0, ema_decay=0.9,
        cluster_frequencies=[1, 1, 2],
    )
    model.compile()
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (64, 8, 8, 1)).astype("float32")
    cluster_ids = rng.integers(0, 3, 64).astype("int32")
    model.fit(make_dataset((images, cluster_ids), 8, critic_steps=2, seed=0, num_classes=3),
              epochs=1, verbose=0)
    return model


def test_sampling_draws_the_cluster_with_one_more_latent_entry(trained):
    assert trained.cluster_frequencies == FREQUENCIES
    sampler = trained.sampling_generator()
    assert tuple(sampler.inputs[0].shape) == (None, 5) and len(sampler.inputs) == 1
    # Built once per network: the averaged one by default, the trained one on request.
    assert trained.sampling_generator() is sampler
    raw = trained.sampling_generator(use_ema=False)
    assert raw is not sampler and raw.layers[-1] is trained.generator
    assert sampler.layers[-1] is trained.ema_generator
    latent = np.random.default_rng(1).standard_normal((6, 5)).astype("float32")
    rest, clusters = networks.ClusterChoice(FREQUENCIES)(latent)
    np.testing.assert_allclose(
        trained.generate(latent), trained.generate(rest, clusters), atol=1e-6
    )
    np.testing.assert_allclose(
        trained.generate(latent, use_ema=False),
        trained.generator([rest, clusters]),
        atol=1e-6,
    )
    # Every sampling path takes it as an unconditional generator.
    assert evaluation.generate(trained, 7, seed=0).shape == (7, 8, 8, 1)
    assert evaluation.num_classes_of(sampler) is None


def test_the_frequencies_survive_config_and_keras_files(trained, tmp_path):
    restored = config_round_trip(trained)
    assert restored.cluster_frequencies == FREQUENCIES
    loaded = keras_file_round_trip(trained, tmp_path)
    assert loaded.cluster_frequencies == FREQUENCIES
    latent = np.random.default_rng(2).standard_normal((4, 5)).astype("float32")
    np.testing.assert_allclose(loaded.generate(latent), trained.generate(latent), atol=1e-6)
    # The samplers are no layers of the model: the file holds the networks' weights only.
    assert len(loaded.weights) == len(trained.weights)


def test_the_export_serves_the_unconditional_sampler(trained, tmp_path):
    directory = keras_wgan.export.export_generator(trained, str(tmp_path / "export"))
    served = tf.saved_model.load(directory)
    latent = np.random.default_rng(3).standard_normal((3, 5)).astype("float32")
    images = served.signatures["serving_default"](latent=tf.constant(latent))["images"]
    np.testing.assert_allclose(images, trained.generate(latent), atol=1e-5)
    sampled = served.signatures["sample"](
        num_samples=tf.constant(4), seed=tf.constant(0, tf.int64)
    )
    assert sampled["latent"].shape == (4, 5) and sampled["images"].shape == (4, 8, 8, 1)


def test_frequencies_need_conditional_networks_with_as_many_classes():
    with pytest.raises(ValueError, match="unconditional networks"):
        keras_wgan.WGANGP(*tiny_dcgan_pair(), cluster_frequencies=[0.5, 0.5])
    with pytest.raises(ValueError, match="num_classes=3"):
        keras_wgan.WGANGP(*tiny_dcgan_pair(num_classes=3), cluster_frequencies=[0.5, 0.5])
    with pytest.raises(ValueError, match="cluster_frequencies"):
        keras_wgan.WGANGP(*tiny_dcgan_pair(num_classes=2), cluster_frequencies=[1.0, 0.0])
    assert keras.saving.get_registered_object("keras_wgan>ClusterChoice") is networks.ClusterChoice
