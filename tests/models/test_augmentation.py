"""Augmentation of the critic's inputs (`augment=`) in the models' training."""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

import keras_wgan
from keras_wgan import augment
from keras_wgan import penalties
from keras_wgan.data import make_dataset
from tests.helpers import config_round_trip
from tests.helpers import keras_file_round_trip
from tests.helpers import tiny_dcgan_pair
from tests.helpers import tiny_mlp_pair


def images(count, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, 8, 8, 1)).astype("float32")


def tiny_augmented(augment_mode="diffaugment", compiled=True, **kwargs):
    keras.utils.set_random_seed(0)
    generator, critic = tiny_dcgan_pair()
    model = keras_wgan.WGANGP(
        generator, critic, critic_steps=2, seed=0, augment=augment_mode, **kwargs
    )
    if compiled:
        model.compile()
    return model


def quadratic_critic():
    """`D(x) = sum(x ** 2) / 2`, whose gradient at x is x: the penalty's norm is ||x_hat||."""
    inputs = keras.Input((8, 8, 1))
    scores = keras.layers.Lambda(lambda x: 0.5 * ops.sum(x * x, axis=(1, 2, 3))[:, None])(inputs)
    return keras.Model(inputs, scores)


def test_toy_samples_and_bad_arguments_are_refused():
    generator, critic = tiny_mlp_pair()
    with pytest.raises(ValueError, match="augment='diffaugment'"):
        keras_wgan.WGANGP(generator, critic, augment="diffaugment")
    generator, critic = tiny_dcgan_pair()
    with pytest.raises(ValueError, match="augment='flip'"):
        keras_wgan.WGANGP(generator, critic, augment="flip")
    with pytest.raises(ValueError, match="augment_policy='color,zoom'"):
        keras_wgan.WGANGP(generator, critic, augment="ada", augment_policy="color,zoom")
    networks = keras_wgan.networks.build_stacked_networks((8, 8, 1), num_classes=2)
    with pytest.raises(ValueError, match="augment='ada'"):
        keras_wgan.StackedGAN(**networks, augment="ada")


def test_generator_gradient_flows_through_the_augmentation():
    model = tiny_augmented(augment_policy="translation,cutout")
    gradients, logs = model.generator_gradients(4)
    assert all(g is not None for g in gradients)
    assert float(tf.linalg.global_norm(gradients)) > 0
    assert np.isfinite(float(logs["generator_loss"]))


def test_seeded_augmentation_repeats_and_each_call_draws_anew():
    batch = images(4)
    first, second = tiny_augmented(compiled=False), tiny_augmented(compiled=False)
    a, b = first.augment_samples(batch), second.augment_samples(batch)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, first.augment_samples(batch))
    assert not np.array_equal(a, batch)


def test_sampling_and_scoring_see_no_augmentation():
    model = tiny_augmented()
    latent = np.random.default_rng(0).standard_normal((4, 4)).astype("float32")
    state = model.seed_generator.state.numpy()
    np.testing.assert_array_equal(model.generate(latent), model.generator(latent))
    np.testing.assert_array_equal(model.score(images(4)), model.critic(images(4)))
    np.testing.assert_array_equal(model.seed_generator.state.numpy(), state)  # nothing drawn


def test_penalty_interpolates_between_the_augmented_batches():
    generator, _ = tiny_dcgan_pair()
    model = keras_wgan.WGANGP(generator, quadratic_critic(), seed=3, augment="diffaugment")
    real, fake = images(4, seed=1), images(4, seed=2)
    weights = np.array([0.0, 0.25, 0.5, 1.0], "float32")
    # The uniforms the model will draw: for the real batch, then for the generated one.
    state = model.seed_generator.state.numpy()
    shape = (4, augment.uniform_count(model.augment_policy))
    real_uniforms = keras.random.uniform(shape, seed=model.seed_generator)
    fake_uniforms = keras.random.uniform(shape, seed=model.seed_generator)
    model.seed_generator.state.assign(state)

    _, logs = model.critic_loss(real, fake, weights=weights)

    augmented = penalties.interpolate(
        augment.augment(real, real_uniforms), augment.augment(fake, fake_uniforms), weights
    )
    expected = np.sqrt(np.sum(np.square(augmented.numpy()), axis=(1, 2, 3)) + 1e-10).mean()
    assert np.isclose(float(logs["gradient_norm"]), expected, rtol=1e-5)
    # Not the norm at interpolates of the raw batches (augmented or not afterwards).
    raw = penalties.interpolate(real, fake, weights).numpy()
    assert not np.isclose(expected, np.sqrt(np.sum(raw**2, axis=(1, 2, 3))).mean(), rtol=1e-3)


def test_ada_logs_its_probability_and_moves_it_by_the_heuristic():
    model = tiny_augmented("ada")
    model.augmentation.probability.assign(0.5)
    # 2 generator steps of 2 critic updates on 4 images: one interval of 4 updates, 16 images.
    history = model.fit(make_dataset(images(16), 4, critic_steps=2), epochs=1, verbose=0)
    logs = {name: values[-1] for name, values in history.history.items()}
    heuristic = logs["overfitting_heuristic"]  # the mean of the 4 updates' (equal batches)
    expected = 0.5 + np.sign(np.float32(heuristic) - np.float32(0.6)) * 16 / 500_000
    assert np.isclose(logs["augmentation_probability"], expected, rtol=0, atol=1e-7)
    assert np.isclose(model.augmentation.probability.numpy(), expected, rtol=0, atol=1e-7)


def test_config_and_keras_file_round_trips_keep_the_augmentation(tmp_path):
    model = tiny_augmented("ada", augment_policy="translation,cutout")
    restored = config_round_trip(model)
    assert (restored.augment, restored.augment_policy) == ("ada", "translation,cutout")
    assert restored.augmentation.probability.numpy() == 0.0

    model.fit(make_dataset(images(8), 4, critic_steps=2), epochs=1, verbose=0)
    model.augmentation.probability.assign(0.25)
    loaded = keras_file_round_trip(model, tmp_path)
    assert loaded.augmentation.probability.numpy() == 0.25
    np.testing.assert_array_equal(
        loaded.seed_generator.state.numpy(), model.seed_generator.state.numpy()
    )
    # Backups (`save_weights`) keep p too.
    path = str(tmp_path / "backup.weights.h5")
    model.save_weights(path)
    other = tiny_augmented("ada", augment_policy="translation,cutout")
    other.load_weights(path)
    assert other.augmentation.probability.numpy() == 0.25


@pytest.mark.parametrize(
    "augment_mode, jit_compile",
    [("diffaugment", False), ("ada", False),
     pytest.param("diffaugment", True, marks=pytest.mark.slow)],
)
def test_tiny_image_fit_runs_with_augmentation(augment_mode, jit_compile):
    model = tiny_augmented(augment_mode)
    model.compile(jit_compile=jit_compile)
    history = model.fit(make_dataset(images(16), 4, critic_steps=2), epochs=1, verbose=0)
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    assert int(model.generator_optimizer.iterations.numpy()) == 2
    assert ("augmentation_probability" in history.history) == (augment_mode == "ada")


MIRRORED_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    import keras_wgan

    mode, jit = sys.argv[1], sys.argv[2] == "jit"

    def train(strategy):
        with strategy.scope():
            keras.utils.set_random_seed(0)
            # No BatchNormalization in the generator: its statistics are per replica.
            latent = keras.Input((4,))
            dense = keras.layers.Dense(64, activation="tanh")(latent)
            generator = keras.Model(latent, keras.layers.Reshape((8, 8, 1))(dense))
            critic = keras_wgan.networks.build_critic((8, 8, 1), base_filters=4,
                                                      normalization="layer")
            model = keras_wgan.WGANGP(generator, critic, critic_steps=2, seed=5, augment=mode)
            model.compile(generator_optimizer=keras.optimizers.SGD(0.1),
                          critic_optimizer=keras.optimizers.SGD(0.05), jit_compile=jit)
            if mode == "ada":
                model.augmentation.probability.assign(0.5)
        x = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
        data = keras_wgan.data.make_dataset(x, 8, critic_steps=2, shuffle=False)
        history = model.fit(data, epochs=1, verbose=0)
        return ([w.tolist() for w in model.get_weights()],
                {k: float(v[-1]) for k, v in history.history.items()})

    two = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    one = tf.distribute.OneDeviceStrategy("/cpu:0")
    print(json.dumps({"two": train(two), "one": train(one)}))
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("mode, jit", [("diffaugment", "jit"), ("ada", "no-jit")])
def test_two_replicas_augment_as_one_device_on_the_same_global_batch(mode, jit):
    # This checkout's package, whatever is installed.
    root = str(pathlib.Path(__file__).resolve().parents[2])
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=root)
    result = subprocess.run(
        [sys.executable, "-c", MIRRORED_SCRIPT, mode, jit],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    (weights_two, logs_two), (weights_one, logs_one) = out["two"], out["one"]
    for a, b in zip(weights_two, weights_one):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    if mode == "ada":  # one interval of 4 updates of 8 images: p moved by 32 / 500k
        assert np.isclose(
            abs(logs_two["augmentation_probability"] - 0.5), 32 / 500_000, rtol=0, atol=1e-7
        )
        assert logs_two["augmentation_probability"] == logs_one["augmentation_probability"]
