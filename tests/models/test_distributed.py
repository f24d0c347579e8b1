"""WGAN and WGAN-GP under tf.distribute.MirroredStrategy on 2 logical CPU devices, with and
without XLA.

Logical devices must be configured before TensorFlow initialises its devices, so each check runs
in a fresh process.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

# Each check is a fresh process of 10-70 s on 2 cores: opt-in (`--run-slow`).
pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    import keras_wgan

    model_name = sys.argv[1]
    # A generator batch other than the real batch's (`generator_batch_size`), if given.
    generator_batch = {"generator_batch_size": int(sys.argv[2])} if len(sys.argv) > 2 else {}

    def train(strategy):
        with strategy.scope():
            keras.utils.set_random_seed(0)
            generator = keras_wgan.networks.build_mlp_generator(2, 2, hidden_units=(8, 8))
            critic = keras_wgan.networks.build_mlp_critic(2, hidden_units=(8, 8))
            cls = keras_wgan.WGANGP if model_name == "wgan-gp" else keras_wgan.WGAN
            model = cls(generator, critic, critic_steps=2, seed=5, **generator_batch)
            model.compile(
                generator_optimizer=keras.optimizers.SGD(0.1),
                critic_optimizer=keras.optimizers.SGD(0.05 if model_name == "wgan-gp" else 0.005),
            )
        points = np.random.default_rng(0).standard_normal((16, 2)).astype("float32")
        data = keras_wgan.data.make_dataset(points, 4, critic_steps=2, shuffle=False)
        history = model.fit(data, epochs=1, verbose=0)
        weights = [w.tolist() for w in model.get_weights()]
        return weights, {k: float(v[-1]) for k, v in history.history.items()}

    two = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert two.num_replicas_in_sync == 2
    one = tf.distribute.OneDeviceStrategy("/cpu:0")
    print(json.dumps({"two": train(two), "one": train(one)}))
    """
)


def run(script, *arguments, timeout=300):
    """Runs `script` in a fresh Python process; returns the JSON of its last printed line."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        capture_output=True, text=True, env=env, timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("arguments", [("wgan",), ("wgan-gp",), ("wgan-gp", "8")],
                         ids=["wgan", "wgan-gp", "wgan-gp-generator-batch-8"])
def test_two_replicas_match_one_device_on_the_same_global_batch(arguments):
    out = run(SCRIPT, *arguments)
    (weights_two, logs_two), (weights_one, logs_one) = out["two"], out["one"]
    for a, b in zip(weights_two, weights_one):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for name in logs_one:
        assert np.isclose(logs_two[name], logs_one[name], rtol=1e-4, atol=1e-6), name

FLOAT16_SCRIPT = textwrap.dedent(
    """
    import json
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    import keras_wgan

    keras.mixed_precision.set_global_policy("mixed_float16")
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        keras.utils.set_random_seed(0)
        generator = keras_wgan.networks.build_mlp_generator(2, 2, hidden_units=(8, 8))
        critic = keras_wgan.networks.build_mlp_critic(2, hidden_units=(8, 8))
        model = keras_wgan.WGANGP(generator, critic, critic_steps=2, seed=5)
        model.compile(
            generator_optimizer=keras.optimizers.SGD(0.1),
            critic_optimizer=keras.optimizers.SGD(0.05),
        )
    points = np.random.default_rng(0).standard_normal((4, 8, 2)).astype("float32")
    # The second half of every global batch goes to replica 1: beyond float16's range (65504),
    # its critic gradients are not finite; replica 0's are.
    points[:, 4:] *= 1e5
    data = keras_wgan.data.make_dataset(points.reshape(-1, 2), 4, critic_steps=2, shuffle=False)
    before = [w.tolist() for w in critic.get_weights()]
    history = model.fit(data, epochs=1, verbose=0)
    print(json.dumps({
        "critic_before": before,
        "critic_after": [w.tolist() for w in critic.get_weights()],
        "generator_after": [w.tolist() for w in generator.get_weights()],
        "critic_updates": int(model.critic_optimizer.iterations.numpy()),
        "generator_updates": int(model.generator_optimizer.iterations.numpy()),
        "logs": {k: float(v[-1]) for k, v in history.history.items()},
    }))
    """
)


def test_mixed_float16_replicas_skip_an_update_together():
    # Keras's LossScaleOptimizer checks the first replica's gradients only: replica 1's infinite
    # gradients would be summed into the update. The model makes every replica skip it.
    out = run(FLOAT16_SCRIPT)
    # 4 steps: all 8 critic updates skipped (the scale halved 8 times), the critic unchanged;
    # the generator, trained on generated samples only, updated 4 times.
    assert out["critic_updates"] == 0
    assert out["logs"]["critic_loss_scale"] == 2.0**15 / 2**8
    for before, after in zip(out["critic_before"], out["critic_after"]):
        np.testing.assert_array_equal(before, after)
    assert out["generator_updates"] == 4
    assert all(np.all(np.isfinite(w)) for w in out["generator_after"])


# The start of the XLA scripts: 2 logical CPU devices, and a callback that records after every
# epoch how many times each counted method has run in Python, that is how many traces of the
# functions calling it there have been.
TRACED_PRELUDE = textwrap.dedent(
    """
    import collections, json, sys
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    import keras_wgan

    calls = collections.Counter()

    class Traces(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.per_epoch = []

        def on_epoch_end(self, epoch, logs=None):
            self.per_epoch.append(dict(calls))

    def fit_traced(model, data):
        # Two epochs of `fit`: the final weights, the traces per epoch, the compiled methods.
        traces = Traces()
        model.fit(data, epochs=2, verbose=0, callbacks=[traces])
        return {
            "weights": [w.tolist() for w in model.get_weights()],
            "traces": traces.per_epoch,
            "per_replica_functions": sorted(model._replica_functions),
        }
    """
)

XLA_SCRIPT = TRACED_PRELUDE + textwrap.dedent(
    """
    model_name = sys.argv[1]
    base = keras_wgan.WGANGP if model_name == "wgan-gp" else keras_wgan.WGAN

    class Counted(base):
        # Each Python run of these methods is one trace of the function that calls them.
        def critic_gradients(self, real, labels=None):
            calls["critic_gradients"] += 1
            return super().critic_gradients(real, labels)

        def generator_gradients(self, batch_size, labels=None):
            calls["generator_gradients"] += 1
            return super().generator_gradients(batch_size, labels)

    def train(strategy):
        calls.clear()
        with strategy.scope():
            keras.utils.set_random_seed(0)
            generator = keras_wgan.networks.build_mlp_generator(2, 2, hidden_units=(8, 8))
            critic = keras_wgan.networks.build_mlp_critic(2, hidden_units=(8, 8))
            extra = {} if model_name == "wgan-gp" else {"clip_value": 0.1}
            model = Counted(generator, critic, critic_steps=2, seed=5, **extra)
            model.compile(
                generator_optimizer=keras.optimizers.SGD(0.1),
                critic_optimizer=keras.optimizers.SGD(0.05),
                jit_compile=True,
            )
        points = np.random.default_rng(0).standard_normal((32, 2)).astype("float32")
        data = keras_wgan.data.make_dataset(points, 4, critic_steps=2, shuffle=False)
        return {
            **fit_traced(model, data),
            "keras_jit_compile": bool(model.jit_compile),
            "compile_config_jit": model.get_compile_config()["jit_compile"],
        }

    two = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    one = tf.distribute.OneDeviceStrategy("/cpu:0")
    print(json.dumps({"two": train(two), "one": train(one)}))
    """
)


@pytest.mark.parametrize("model_name", ["wgan", "wgan-gp"])
def test_xla_under_two_replicas_compiles_each_replica_and_matches_one_device(model_name):
    out = run(XLA_SCRIPT, model_name, timeout=600)
    two, one = out["two"], out["one"]
    # Two replicas: Keras's step function runs without XLA and each replica's computation is
    # compiled; one device: Keras compiles the whole step.
    assert not two["keras_jit_compile"] and one["keras_jit_compile"]
    assert two["per_replica_functions"] == ["critic_gradients", "generator_gradients"]
    assert one["per_replica_functions"] == []
    assert two["compile_config_jit"] is True and one["compile_config_jit"] is True
    # Traced once per replica in the first epoch (the compiled function serves all critic
    # updates of the step), never again.
    assert two["traces"][0] == {"critic_gradients": 2, "generator_gradients": 2}
    assert two["traces"][1] == two["traces"][0]
    # One device: the whole step traced once (both critic updates inline).
    assert one["traces"][0] == {"critic_gradients": 2, "generator_gradients": 1}
    assert one["traces"][1] == one["traces"][0]
    # XLA's random numbers differ from TensorFlow's kernels', so the reference is the whole
    # step compiled on one device with the same global batch and seeds.
    for a, b in zip(two["weights"], one["weights"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


STACKED_SCRIPT = TRACED_PRELUDE + textwrap.dedent(
    """
    from keras_wgan.networks import stacked

    class Counted(keras_wgan.StackedGAN):
        def stage_critic_gradients(self, stage, real, fake, labels, weights):
            calls[f"stage{stage}_critic_gradients"] += 1
            return super().stage_critic_gradients(stage, real, fake, labels, weights)

        def stacked_generator_gradients(self, latent, labels):
            calls["stacked_generator_gradients"] += 1
            return super().stacked_generator_gradients(latent, labels)

    def train(strategy, jit_compile):
        calls.clear()
        with strategy.scope():
            keras.utils.set_random_seed(0)
            # Layer normalization in the generators: batch statistics would be per replica.
            options = dict(noise_dim=4, condition_dim=2, base_filters=4, normalization="layer")
            model = Counted(
                stage1_generator=stacked.build_stage1_generator((4, 4, 1), 3, **options),
                stage2_generator=stacked.build_stage2_generator(
                    (8, 8, 1), (4, 4, 1), 3, condition_dim=2, base_filters=4,
                    residual_blocks=1, normalization="layer",
                ),
                stage1_critic=stacked.build_stage_critic((4, 4, 1), 3, 4, name="stage1_critic"),
                stage2_critic=stacked.build_stage_critic((8, 8, 1), 3, 4, name="stage2_critic"),
                stage="joint", critic_steps=2, seed=3,
            )
            model.compile(
                generator_optimizer=keras.optimizers.SGD(0.001),
                critic_optimizer=keras.optimizers.SGD(0.001),
                jit_compile=jit_compile,
            )
        ids = np.arange(32)
        images = np.broadcast_to((ids / 32)[:, None, None, None], (32, 8, 8, 1)).astype("float32")
        labels = (ids % 3).astype("int32")
        data = keras_wgan.data.make_dataset((images, labels), 4, critic_steps=2, shuffle=False)
        return fit_traced(model, data)

    two = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    one = tf.distribute.OneDeviceStrategy("/cpu:0")
    print(json.dumps({
        "one": train(one, False), "two": train(two, False), "two_xla": train(two, True),
        "one_xla": train(one, True),
    }))
    """
)


def test_stacked_gan_on_two_replicas_with_and_without_xla_matches_one_device():
    out = run(STACKED_SCRIPT, timeout=600)
    one, two, two_xla = out["one"], out["two"], out["two_xla"]
    # Each replica's gradient computations compiled: one trace per replica (and per stage) in
    # the first epoch, none in the second.
    assert two_xla["per_replica_functions"] == [
        "stacked_generator_gradients", "stage_critic_gradients"
    ]
    expected = {
        "stage1_critic_gradients": 2, "stage2_critic_gradients": 2,
        "stacked_generator_gradients": 2,
    }
    assert two_xla["traces"] == [expected, expected]
    assert two["per_replica_functions"] == []
    # The same global batch and noise on 2 replicas, with or without XLA, as on one device.
    for replicated in (two, two_xla):
        for a, b in zip(replicated["weights"], one["weights"]):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # One device with XLA: Keras compiles the whole step, traced once (its random numbers differ
    # from TensorFlow's kernels', so its weights are not compared).
    one_xla = out["one_xla"]
    assert one_xla["per_replica_functions"] == []
    assert one_xla["traces"][1] == one_xla["traces"][0]
    assert one_xla["traces"][0]["stacked_generator_gradients"] == 1
    assert all(np.all(np.isfinite(w)) for w in one_xla["weights"])
