"""Generator EMA (`ema_decay`): the average the train step keeps, its warm-up, the sampling that
uses it, its saving, and the same average under XLA and on two replicas."""

import re

import keras
import numpy as np
import pytest

import keras_wgan
from keras_wgan import WGAN
from keras_wgan import WGANGP
from keras_wgan.data import make_dataset
from keras_wgan.models.stacked import StackedGAN
from keras_wgan.networks.stacked import build_stacked_networks
from tests.helpers import assert_same_training_state
from tests.helpers import config_round_trip
from tests.helpers import keras_file_round_trip
from tests.helpers import tiny_dcgan_pair
from tests.helpers import tiny_model
from tests.helpers import toy_points
from tests.models.test_distributed import run

STEPS = 5


class Snapshots(keras.callbacks.Callback):
    """The generator's and the average's weights after every training step."""

    def __init__(self):
        super().__init__()
        self.generator, self.average = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.generator.append(self.model.generator.get_weights())
        self.average.append(self.model.ema_generator.get_weights())


def ema_model(cls=WGANGP, jit_compile=False, **kwargs):
    """`tiny_model` (2-D MLPs, critic_steps=2) with SGD: every step moves the weights visibly."""
    model = tiny_model(cls, compiled=False, **kwargs)
    model.compile(
        generator_optimizer=keras.optimizers.SGD(0.1),
        critic_optimizer=keras.optimizers.SGD(0.05),
        jit_compile=jit_compile,
    )
    return model


def fit_steps(model, steps=STEPS, callbacks=()):
    """`steps` generator steps on batches of 2 (4 points a step), always the same points."""
    data = make_dataset(toy_points(4 * steps), 2, critic_steps=2, shuffle=False)
    model.fit(data, epochs=1, verbose=0, callbacks=list(callbacks))
    return model


def assert_same_weights(first, second):
    assert len(first) == len(second)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_without_warmup_the_average_is_the_closed_form_average_of_the_generator_weights():
    decay = 0.8
    model = ema_model(ema_decay=decay, ema_warmup=False)
    initial = model.generator.get_weights()
    assert_same_weights(model.ema_generator.get_weights(), initial)  # the average starts there
    snapshots = Snapshots()
    fit_steps(model, callbacks=[snapshots])
    assert len(snapshots.generator) == STEPS

    # ema_N = d^N w_0 + sum_{t=1..N} (1 - d) d^(N - t) w_t, in float64 (the step's is float32).
    averages = model.ema_generator.get_weights()
    for index, average in enumerate(averages):
        expected = decay**STEPS * initial[index].astype("float64")
        for step, weights in enumerate(snapshots.generator, start=1):
            expected += (1 - decay) * decay ** (STEPS - step) * weights[index]
        np.testing.assert_allclose(average, expected, rtol=1e-5, atol=1e-7)
    # Not trivially so: the average is neither the first nor the last generator.
    for reference in (initial, snapshots.generator[-1]):
        assert any(np.abs(a - w).max() > 1e-4 for a, w in zip(averages, reference))


def test_with_warmup_the_first_update_copies_and_the_decay_ramps_up():
    model = ema_model(ema_decay=0.99)
    snapshots = Snapshots()
    fit_steps(model, steps=3, callbacks=[snapshots])
    first, second, third = snapshots.generator

    # Update 1 (no update before it): decay 0, a copy of the trained generator.
    assert_same_weights(snapshots.average[0], first)
    # Update 2: decay min(0.99, 1 / 11); update 3: min(0.99, 2 / 12).
    expected = [w1 / 11 + 10 / 11 * w2 for w1, w2 in zip(first, second)]
    for average, value in zip(snapshots.average[1], expected):
        np.testing.assert_allclose(average, value, rtol=1e-6, atol=1e-7)
    expected = [2 / 12 * e + 10 / 12 * w3 for e, w3 in zip(expected, third)]
    for average, value in zip(snapshots.average[2], expected):
        np.testing.assert_allclose(average, value, rtol=1e-6, atol=1e-7)

    assert float(model.current_ema_decay()) == pytest.approx(2 / 12)
    model.generator_optimizer.iterations.assign(10_000)
    assert float(model.current_ema_decay()) == pytest.approx(0.99)


def test_a_shorter_warmup_ramps_the_decay_up_sooner():
    model = ema_model(ema_decay=0.99, ema_warmup=2)
    snapshots = Snapshots()
    fit_steps(model, steps=2, callbacks=[snapshots])
    first, second = snapshots.generator
    assert_same_weights(snapshots.average[0], first)  # update 1 still copies
    # Update 2: decay min(0.99, 1 / (1 + 2)), against 1 / 11 with the default W = 10.
    for average, w1, w2 in zip(snapshots.average[1], first, second):
        np.testing.assert_allclose(average, w1 / 3 + 2 / 3 * w2, rtol=1e-6, atol=1e-7)
    # W = 2 reaches 0.99 after 0.99 * 2 / 0.01 = 198 updates (W = 10: 990).
    for before, expected in ((197, 197 / 199), (198, 0.99), (1000, 0.99)):
        model.generator_optimizer.iterations.assign(before + 1)
        assert float(model.current_ema_decay()) == pytest.approx(expected)
    assert config_round_trip(model).ema_warmup == 2


@pytest.mark.parametrize("value", [0, -1, 2.5, float("nan"), float("inf"), "2", None, True])
def test_ema_warmup_must_be_a_positive_int_or_false(value):
    with pytest.raises(ValueError, match=re.escape(f"ema_warmup={value!r}")):
        tiny_model(WGANGP, ema_decay=0.9, ema_warmup=value)


def test_batch_norm_statistics_are_copied_and_trainable_weights_averaged():
    generator, critic = tiny_dcgan_pair()
    model = WGANGP(generator, critic, critic_steps=1, seed=0, ema_decay=0.5, ema_warmup=False)
    model.compile(generator_optimizer=keras.optimizers.SGD(0.1))
    initial = generator.get_weights()
    images = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    model.fit(make_dataset(images, 4, critic_steps=1, shuffle=False), epochs=1, verbose=0)
    assert int(model.generator_optimizer.iterations) == 1

    trainable = {id(v) for v in generator.trainable_weights}
    assert len(trainable) < len(generator.weights)  # the generator has BatchNorm statistics
    for before, weight, average in zip(initial, generator.weights, model.ema_generator.weights):
        after = keras.ops.convert_to_numpy(weight)
        expected = 0.5 * before + 0.5 * after if id(weight) in trainable else after
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(average), expected, rtol=1e-6, atol=1e-7
        )


@pytest.mark.parametrize("value", [1.0, 1.5, -0.1, True, "0.9"])
def test_bad_ema_decay_is_refused_naming_the_value(value):
    with pytest.raises(ValueError, match=re.escape(f"ema_decay={value!r}")):
        tiny_model(compiled=False, ema_decay=value)


def test_without_ema_decay_the_model_keeps_no_average():
    model = tiny_model()
    assert model.ema_decay is None and model.ema_generator is None
    assert model.sampling_generator() is model.generator
    with pytest.raises(ValueError, match=re.escape("use_ema=True")):
        model.generate(toy_points(2), use_ema=True)
    with pytest.raises(ValueError, match=re.escape("use_ema=True")):
        keras_wgan.evaluation.generate(model, 2, use_ema=True)
    assert len(model.weights) == len(model.generator.weights) + len(model.critic.weights)


def test_sampling_uses_the_average_unless_asked_for_the_trained_generator():
    model = fit_steps(ema_model(ema_decay=0.9))
    latent = toy_points(6, seed=3)
    averaged = keras.ops.convert_to_numpy(model.ema_generator(latent))
    trained = keras.ops.convert_to_numpy(model.generator(latent))
    assert np.abs(averaged - trained).max() > 1e-4

    assert model.sampling_generator() is model.ema_generator
    assert model.sampling_generator(use_ema=False) is model.generator
    np.testing.assert_array_equal(model.generate(latent), averaged)
    np.testing.assert_array_equal(model.generate(latent, use_ema=False), trained)
    # Training mode is the trained generator's: the one the train step differentiates.
    np.testing.assert_array_equal(model.generate(latent, training=True), trained)
    np.testing.assert_allclose(model.predict(latent, verbose=0), averaged, rtol=1e-6)
    # The average is never trained.
    assert not model.ema_generator.trainable and model.ema_generator.trainable_weights == []
    assert len(model.trainable_weights) == len(model.generator.trainable_weights) + len(
        model.critic.trainable_weights
    )


def test_reset_ema_copies_the_generator_into_the_average():
    model = fit_steps(ema_model(ema_decay=0.9))
    assert any(
        not np.array_equal(a, w)
        for a, w in zip(model.ema_generator.get_weights(), model.generator.get_weights())
    )
    model.reset_ema()
    assert_same_weights(model.ema_generator.get_weights(), model.generator.get_weights())


def test_config_and_keras_file_keep_the_average(tmp_path):
    model = fit_steps(ema_model(WGAN, ema_decay=0.95))
    restored = config_round_trip(model)
    assert (restored.ema_decay, restored.ema_warmup) == (0.95, 10)

    restored = keras_file_round_trip(model, tmp_path)
    assert (restored.ema_decay, restored.ema_warmup) == (0.95, 10)
    assert_same_training_state(model, restored)  # the average's weights included
    latent = toy_points(8, seed=3)
    np.testing.assert_array_equal(restored.generate(latent), model.generate(latent))
    np.testing.assert_array_equal(
        restored.generate(latent, use_ema=False), model.generate(latent, use_ema=False)
    )
    # Training goes on identically, the average with it.
    fit_steps(model)
    fit_steps(restored)
    assert_same_training_state(model, restored)


def test_a_config_without_ema_fields_loads_without_an_average():
    config = tiny_model(WGAN, ema_decay=0.9).get_config()
    del config["ema_decay"], config["ema_warmup"]
    assert WGAN.from_config(config).ema_generator is None


def test_the_average_under_xla_equals_the_average_without_for_the_same_steps():
    # XLA draws other random numbers than the plain step, so the two runs' generators differ:
    # the XLA run's generator weights are replayed, step by step, into a plain model's average.
    compiled = ema_model(ema_decay=0.9, jit_compile=True)
    snapshots = Snapshots()
    fit_steps(compiled, callbacks=[snapshots])
    plain = ema_model(ema_decay=0.9)
    for step, weights in enumerate(snapshots.generator, start=1):
        plain.generator.set_weights(weights)
        plain.generator_optimizer.iterations.assign(step)
        plain.update_ema()  # eager, as after the generator update of step `step`
        # XLA may fuse `d * a + (1 - d) * w` differently: equal up to float32 rounding.
        for a, b in zip(snapshots.average[step - 1], plain.ema_generator.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert float(plain.current_ema_decay()) == pytest.approx(4 / 14)


def test_stacked_gan_keeps_an_average_of_its_composed_generator():
    networks = build_stacked_networks(
        (8, 8, 1), 3, noise_dim=4, condition_dim=2, generator_filters=4, critic_filters=4,
        residual_blocks=1,
    )
    model = StackedGAN(**networks, critic_steps=1, seed=0, ema_decay=0.5, ema_warmup=False)
    model.compile()
    initial = model.ema_generator.get_weights()
    images = np.random.default_rng(0).uniform(-1, 1, (8, 8, 8, 1)).astype("float32")
    labels = (np.arange(8) % 3).astype("int32")
    model.fit(make_dataset((images, labels), 4, critic_steps=1, shuffle=False), epochs=1,
              verbose=0)
    assert any(
        not np.array_equal(a, b) for a, b in zip(initial, model.ema_generator.get_weights())
    )
    latent = np.random.default_rng(1).standard_normal((3, model.latent_dim)).astype("float32")
    np.testing.assert_array_equal(
        model.generate(latent, labels[:3]),
        keras.ops.convert_to_numpy(model.ema_generator([latent, labels[:3]])),
    )


DISTRIBUTED_SCRIPT = """
import json, sys
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
import keras_wgan

jit_compile = sys.argv[1] == "xla"

def train(strategy):
    with strategy.scope():
        keras.utils.set_random_seed(0)
        generator = keras_wgan.networks.build_mlp_generator(2, 2, hidden_units=(8, 8))
        critic = keras_wgan.networks.build_mlp_critic(2, hidden_units=(8, 8))
        model = keras_wgan.WGANGP(generator, critic, critic_steps=2, seed=5, ema_decay=0.8)
        model.compile(generator_optimizer=keras.optimizers.SGD(0.1),
                      critic_optimizer=keras.optimizers.SGD(0.05), jit_compile=jit_compile)
    points = np.random.default_rng(0).standard_normal((32, 2)).astype("float32")
    data = keras_wgan.data.make_dataset(points, 4, critic_steps=2, shuffle=False)
    model.fit(data, epochs=1, verbose=0)
    # Each replica's copy of every averaged weight.
    copies = [[c.numpy().tolist() for c in strategy.experimental_local_results(w.value)]
              for w in model.ema_generator.weights]
    return copies, [w.tolist() for w in model.generator.get_weights()]

two = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
one = tf.distribute.OneDeviceStrategy("/cpu:0")
print(json.dumps({"two": train(two), "one": train(one)}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("compiler", ["plain", "xla"])
def test_two_replicas_keep_the_one_device_average_on_both_replicas(compiler):
    # Under XLA with two replicas each replica's gradients are compiled; the average is not.
    out = run(DISTRIBUTED_SCRIPT, compiler)
    # The trained generators agree (see test_distributed.py), and so do the averages.
    trained = {key: np.concatenate([np.ravel(w) for w in out[key][1]]) for key in out}
    np.testing.assert_allclose(trained["two"], trained["one"], rtol=1e-5, atol=1e-6)
    for replicas, (single,) in zip(out["two"][0], out["one"][0]):
        assert len(replicas) == 2
        np.testing.assert_array_equal(replicas[0], replicas[1])  # the same on every replica
        np.testing.assert_allclose(replicas[0], single, rtol=1e-5, atol=1e-6)
        assert np.any(np.asarray(single) != 0)
