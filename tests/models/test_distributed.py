"""WGAN and WGAN-GP under tf.distribute.MirroredStrategy on 2 logical CPU devices.

Logical devices must be configured before TensorFlow initialises its devices, so each check runs
in a fresh process.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

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

    def train(strategy):
        with strategy.scope():
            keras.utils.set_random_seed(0)
            generator = keras_wgan.networks.build_mlp_generator(2, 2, hidden_units=(8, 8))
            critic = keras_wgan.networks.build_mlp_critic(2, hidden_units=(8, 8))
            cls = keras_wgan.WGANGP if model_name == "wgan-gp" else keras_wgan.WGAN
            model = cls(generator, critic, critic_steps=2, seed=5)
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


def run(model_name):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, model_name],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("model_name", ["wgan", "wgan-gp"])
def test_two_replicas_match_one_device_on_the_same_global_batch(model_name):
    import numpy as np

    out = run(model_name)
    (weights_two, logs_two), (weights_one, logs_one) = out["two"], out["one"]
    for a, b in zip(weights_two, weights_one):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for name in logs_one:
        assert np.isclose(logs_two[name], logs_one[name], rtol=1e-4, atol=1e-6), name
