"""`generator_batch_size`: a generator update on more latents than the critic's real batch."""

import keras
import numpy as np
import pytest

import keras_wgan
from keras_wgan.data import make_dataset
from tests.helpers import config_round_trip
from tests.helpers import keras_file_round_trip
from tests.helpers import tiny_dcgan_pair
from tests.helpers import tiny_mlp_pair
from tests.helpers import toy_points


class Recording(keras_wgan.WGANGP):
    """Records the latents and labels of every generator loss and the labels of each critic
    update."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.generator_calls, self.critic_labels = [], []

    def generator_loss(self, latent, labels=None):
        self.generator_calls.append((keras.ops.shape(latent), labels))
        return super().generator_loss(latent, labels)

    def update_critic(self, real, labels=None):
        self.critic_labels.append(labels)
        super().update_critic(real, labels)


def test_the_generator_step_draws_generator_batch_size_latents(tmp_path):
    generator, critic = tiny_mlp_pair()
    model = Recording(generator, critic, critic_steps=2, seed=0, generator_batch_size=16)
    model.compile(run_eagerly=True)
    model.fit(make_dataset(toy_points(32), 8, critic_steps=2), epochs=1, verbose=0)
    assert [tuple(shape) for shape, _ in model.generator_calls] == [(16, 2), (16, 2)]


def test_a_trained_model_keeps_its_generator_batch_size_through_config_and_keras_files(tmp_path):
    generator, critic = tiny_mlp_pair()
    model = keras_wgan.WGANGP(generator, critic, critic_steps=2, seed=0, generator_batch_size=16)
    model.compile()
    model.fit(make_dataset(toy_points(32), 8, critic_steps=2), epochs=1, verbose=0)
    assert model.generator_optimizer.iterations.numpy() == 2
    assert config_round_trip(model).generator_batch_size == 16
    assert keras_file_round_trip(model, tmp_path).generator_batch_size == 16


def test_without_it_the_generator_step_takes_the_real_batchs_size():
    generator, critic = tiny_mlp_pair()
    model = Recording(generator, critic, critic_steps=2, seed=0)
    model.compile(run_eagerly=True)
    model.fit(make_dataset(toy_points(16), 8, critic_steps=2), epochs=1, verbose=0)
    assert [tuple(shape) for shape, _ in model.generator_calls] == [(8, 2)]
    assert "generator_batch_size" not in model.get_config()


def labelled_batches():
    """Batches of 4 random 8x8 images labelled in 3 classes, for 2 critic steps: one step."""
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (8, 8, 8, 1)).astype("float32")
    labels = rng.integers(0, 3, 8).astype("int32")
    return make_dataset((images, labels), 4, critic_steps=2, num_classes=3)


@pytest.mark.parametrize("clusters", [None, [1, 1, 2]], ids=["conditional", "self-conditioned"])
@pytest.mark.parametrize("generator_batch_size", [10, 3])
def test_with_labels_the_generator_cycles_the_real_batchs_labels(clusters, generator_batch_size):
    generator, critic = tiny_dcgan_pair(num_classes=3)
    model = Recording(generator, critic, critic_steps=2, seed=0, cluster_frequencies=clusters,
                      generator_batch_size=generator_batch_size)
    model.compile(run_eagerly=True)
    model.fit(labelled_batches(), epochs=1, verbose=0)
    (shape, generator_labels), = model.generator_calls
    assert tuple(shape) == (generator_batch_size, 4)
    first = keras.ops.convert_to_numpy(model.critic_labels[0])
    expected = np.tile(first, 3)[:generator_batch_size]
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(generator_labels), expected)


@pytest.mark.parametrize("value", [0, 2.5, True])
def test_a_bad_generator_batch_size_is_refused(value):
    generator, critic = tiny_mlp_pair()
    with pytest.raises(ValueError, match=f"generator_batch_size={value!r}"):
        keras_wgan.WGANGP(generator, critic, generator_batch_size=value)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_a_conditional_model_trains_a_larger_generator_batch_in_a_graph(jit_compile):
    generator, critic = tiny_dcgan_pair(num_classes=3)
    model = keras_wgan.WGANGP(generator, critic, critic_steps=2, seed=0, generator_batch_size=8)
    model.compile(jit_compile=jit_compile)
    model.fit(labelled_batches(), epochs=1, verbose=0)
    assert model.generator_optimizer.iterations.numpy() == 1
