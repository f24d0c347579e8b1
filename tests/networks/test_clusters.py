import keras
import numpy as np
import pytest

from keras_wgan import networks


def conditional_generator(num_classes=3, latent_dim=4):
    return networks.build_generator(
        (8, 8, 1), latent_dim=latent_dim, base_filters=4, num_classes=num_classes
    )


def test_the_first_latent_entry_draws_each_cluster_at_its_frequency():
    latent = np.random.default_rng(0).standard_normal((40_000, 5)).astype("float32")
    rest, clusters = networks.ClusterChoice([1, 3, 6])(latent)
    shares = np.bincount(keras.ops.convert_to_numpy(clusters), minlength=3) / len(latent)
    # Binomial standard error at n = 40,000 is at most 0.0025.
    np.testing.assert_allclose(shares, [0.1, 0.3, 0.6], atol=0.01)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(rest), latent[:, 1:])
    # The clusters are ordered along the first entry: its quantiles bound them.
    assert int(networks.ClusterChoice([1, 3, 6])(np.full((1, 5), -3.0, "float32"))[1][0]) == 0
    assert int(networks.ClusterChoice([1, 3, 6])(np.full((1, 5), 3.0, "float32"))[1][0]) == 2


def test_the_sampler_is_the_generator_behind_the_cluster_choice():
    generator = conditional_generator()
    sampler = networks.build_cluster_sampler(generator, [0.2, 0.3, 0.5])
    assert tuple(sampler.inputs[0].shape) == (None, 5) and len(sampler.inputs) == 1
    latent = np.random.default_rng(1).standard_normal((6, 5)).astype("float32")
    rest, clusters = networks.ClusterChoice([0.2, 0.3, 0.5])(latent)
    np.testing.assert_allclose(
        sampler.predict(latent, verbose=0),
        generator.predict([rest, clusters], verbose=0),
        atol=1e-6,
    )
    # It holds the generator's weights, no copy.
    assert len(sampler.weights) == len(generator.weights)
    assert all(a is b for a, b in zip(sampler.weights, generator.weights))


def test_only_a_cluster_sampler_has_a_cluster_entry_and_so_has_its_clone():
    generator = conditional_generator()
    sampler = networks.build_cluster_sampler(generator, [0.5, 0.5])
    assert networks.cluster_entries(sampler) == 1
    assert networks.cluster_entries(keras.models.clone_model(sampler)) == 1  # e.g. an average
    assert networks.cluster_entries(generator) == 0
    assert networks.cluster_entries(networks.build_generator((8, 8, 1), 4, base_filters=4)) == 0


def test_the_cluster_choice_round_trips_through_its_config():
    layer = networks.ClusterChoice([2, 2], name="choice")
    clone = networks.ClusterChoice.from_config(layer.get_config())
    assert clone.frequencies == [0.5, 0.5] and clone.name == "choice"


def test_bad_frequencies_and_unconditional_generators_are_refused():
    for frequencies in ([1.0], [0.5, 0.0], [1, -1], "ab", None, [True, 1]):
        with pytest.raises(ValueError, match="cluster_frequencies"):
            networks.ClusterChoice(frequencies)
    unconditional = networks.build_generator((8, 8, 1), latent_dim=4, base_filters=4)
    with pytest.raises(ValueError, match="must be conditional"):
        networks.build_cluster_sampler(unconditional, [0.5, 0.5])
