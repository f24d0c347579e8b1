import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_wgan
from keras_wgan import networks
from keras_wgan.data import make_dataset
from tests.helpers import config_round_trip
from tests.helpers import keras_file_round_trip
from tests.helpers import tiny_dcgan_pair


def conditional_mlps(num_classes=3):
    generator = networks.build_mlp_generator(
        2, latent_dim=2, hidden_units=(8,), num_classes=num_classes
    )
    critic = networks.build_mlp_critic(2, hidden_units=(8,), num_classes=num_classes)
    return generator, critic


def test_conditional_builders_take_labels():
    generator, critic = tiny_dcgan_pair(num_classes=10)
    labels = keras.ops.convert_to_tensor(np.arange(6, dtype="int32") % 10)
    images = generator([keras.ops.zeros((6, 4)), labels])
    assert images.shape == (6, 8, 8, 1)
    assert critic([images, labels]).shape == (6, 1)


def test_projection_head_adds_the_label_embedding_dot_features():
    critic = networks.build_mlp_critic(2, hidden_units=(4,), num_classes=3)
    samples = np.random.default_rng(0).standard_normal((5, 2)).astype("float32")
    labels = np.array([0, 1, 2, 1, 0], "int32")
    relu = next(layer for layer in critic.layers if isinstance(layer, keras.layers.ReLU))
    h = keras.ops.convert_to_numpy(keras.Model(critic.inputs[0], relu.output)(samples))
    w, b = critic.get_layer("unconditional_scores").get_weights()
    table = critic.get_layer("label_projection").get_weights()[0]
    expected = h @ w + b + np.sum(table[labels] * h, axis=1, keepdims=True)
    scores = critic([keras.ops.convert_to_tensor(samples), keras.ops.convert_to_tensor(labels)])
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-6)


class Recording(keras_wgan.WGANGP):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def update_critic(self, real, labels=None):
        super().update_critic(real, labels)
        self.seen.append((keras.ops.convert_to_numpy(real), keras.ops.convert_to_numpy(labels)))


def test_each_critic_update_gets_the_labels_of_its_real_batch():
    ids = np.arange(36, dtype="float32")
    points = np.stack([ids, np.zeros(36, "float32")], axis=1)
    labels = (np.arange(36) % 3).astype("int32")
    generator, critic = conditional_mlps()
    model = Recording(generator, critic, critic_steps=3, seed=0)
    model.compile(run_eagerly=True)
    model.fit(make_dataset((points, labels), 4, critic_steps=3), epochs=1, verbose=0)
    assert len(model.seen) == 9
    for real, batch_labels in model.seen:
        np.testing.assert_array_equal(batch_labels, real[:, 0].astype(int) % 3)


@pytest.mark.parametrize("cls", [keras_wgan.WGAN, keras_wgan.WGANGP, keras_wgan.GAN])
def test_conditional_models_train_and_sample_by_class(cls, tmp_path):
    images = np.random.default_rng(0).uniform(-1, 1, (24, 8, 8, 1)).astype("float32")
    labels = (np.arange(24) % 4).astype("int32")
    generator, critic = tiny_dcgan_pair(num_classes=4)
    model = cls(generator, critic, critic_steps=2, seed=0)
    assert model.conditional
    model.compile()
    history = model.fit(make_dataset((images, labels), 4, critic_steps=2), epochs=1, verbose=0)
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    latent = keras.ops.zeros((4, 4))
    classes = keras.ops.arange(4, dtype="int32")
    by_class = keras.ops.convert_to_numpy(model.generate(latent, classes))
    assert by_class.shape == (4, 8, 8, 1)
    assert not np.allclose(by_class[0], by_class[1])  # the label changes the sample
    assert config_round_trip(model).conditional
    restored = keras_file_round_trip(model, tmp_path)
    np.testing.assert_allclose(restored.generate(latent, classes), by_class, atol=1e-6)


def test_conditional_model_needs_labels_and_matching_networks():
    generator, critic = conditional_mlps()
    model = keras_wgan.WGANGP(generator, critic, critic_steps=1)
    model.compile()
    with pytest.raises(ValueError, match="without labels"):
        model.fit(make_dataset(np.zeros((8, 2), "float32"), 4), verbose=0)
    plain_critic = networks.build_mlp_critic(2, hidden_units=(8,))
    with pytest.raises(ValueError, match="both networks to take labels"):
        keras_wgan.WGANGP(generator, plain_critic)
    with pytest.raises(ValueError, match="num_classes=1"):
        networks.build_mlp_critic(2, num_classes=1)


# Under whole-step XLA, which ignores assertions, fit checks the first batch before the step.
@pytest.mark.parametrize("jit_compile", [False, True])
def test_labels_outside_the_classes_stop_the_first_step_before_any_update(jit_compile):
    generator, critic = conditional_mlps(num_classes=3)
    model = keras_wgan.WGAN(generator, critic, critic_steps=2, seed=0)
    model.compile(jit_compile=jit_compile)
    assert model.num_classes == 3
    points = np.zeros((16, 2), "float32")
    # A hand-made dataset: make_dataset's checks never ran; an embedding would wrap label 3.
    labels = np.array([0, 1, 2, 3] * 4, "int64")
    dataset = tf.data.Dataset.from_tensor_slices((points, labels)).batch(8)
    message = r"in \[0, 3\)\. Received: labels from 0 to 3 in a batch \(2 outside, e\.g\. \[3 3\]\)"
    with pytest.raises(ValueError, match=message):
        model.fit(dataset, verbose=0)
    assert int(model.critic_optimizer.iterations) == 0
