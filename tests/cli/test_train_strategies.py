"""`keras-wgan train --strategy`: two replicas train as one device on the same global batch, and
what cannot work is refused with the value named."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from keras_wgan import cli
from keras_wgan import run_config

# A WGAN-GP on ring8 with tiny MLPs (no batch statistics, so 2 replicas equal 1 device).
ARGS = ["--dataset", "ring8", "--model", "wgan-gp", "--epochs", "1", "--steps-per-epoch", "4",
        "--batch-size", "8", "--critic-steps", "2", "--hidden-units", "16", "16",
        "--num-samples", "256", "--generator-lr", "0.01", "--critic-lr", "0.01", "--seed", "3",
        "--verbose", "0"]

# Logical devices must be configured before TensorFlow initializes, so in a fresh process.
SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    from keras_wgan import cli, run_config, training

    root, args = sys.argv[1], sys.argv[2:]
    result = {"replicas": training.strategies.make_strategy("mirrored").num_replicas_in_sync}
    for strategy in ("mirrored", "default"):
        folder = os.path.join(root, strategy)
        code = cli.main(["train", *args, "--strategy", strategy, "--output-dir", folder,
                         "--saved-models-dir", os.path.join(root, "saved_models")])
        model = keras.models.load_model(os.path.join(folder, "model.keras"))
        result[strategy] = {"code": code, "weights": [w.tolist() for w in model.get_weights()]}
    # The weights training started from: the comparison is not between untouched networks.
    config = run_config.TrainConfig.from_file(os.path.join(root, "default", "config.json"))
    result["initial"] = [w.tolist() for w in training.build(config).model.get_weights()]
    config = run_config.TrainConfig(dataset="ring8", batch_size=5, strategy="mirrored")
    try:
        training.train(config, os.path.join(root, "odd"))
    except ValueError as error:
        result["odd_batch"] = f"{type(error).__name__}: {error}"
    result["odd_folder"] = os.path.exists(os.path.join(root, "odd"))
    config = run_config.TrainConfig(dataset="ring8", generator_batch_size=7, strategy="mirrored")
    try:
        training.train(config, os.path.join(root, "odd_generator"))
    except ValueError as error:
        result["odd_generator_batch"] = f"{type(error).__name__}: {error}"
    print(json.dumps(result))
    """
)


def run_both(root, args):
    """SCRIPT's result: the CLI with `args` under `mirrored` on 2 devices and `default`."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("TF_CONFIG", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(root), *args], capture_output=True,
                          text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    return run_both(tmp_path_factory.mktemp("strategies"), ARGS)


def test_mirrored_on_two_devices_ends_with_the_weights_of_one_device(two_runs):
    check_same_weights(two_runs)


# XLA compiles each replica's losses and gradients; about a minute more, so opt-in. On shuffled
# batches one device compiling its whole step ends about one update away from one compiling the
# per-replica functions alone, which 2 replicas equal: expected to fail until the cause is found.
@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="whole-step XLA differs from per-function XLA on one "
                   "device, on shuffled batches")
def test_mirrored_with_xla_ends_with_the_weights_of_one_device_with_xla(tmp_path):
    check_same_weights(run_both(tmp_path, [*ARGS, "--jit-compile"]))


def check_same_weights(result):
    assert result["replicas"] == 2
    mirrored, default = result["mirrored"], result["default"]
    assert mirrored["code"] == default["code"] == 0
    assert len(mirrored["weights"]) == len(default["weights"]) == len(result["initial"])
    moved = [np.abs(np.subtract(a, b)).max() for a, b in zip(default["weights"], result["initial"])]
    assert max(moved) > 1e-2
    # As tests/models/test_distributed.py compares: the replicas sum their halves' gradients,
    # one device the whole batch's, so float rounding differs (about 1e-6 at this rate).
    for a, b in zip(mirrored["weights"], default["weights"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_batch_that_does_not_divide_over_the_replicas_is_refused(two_runs):
    result = two_runs
    assert result["odd_batch"].startswith("StrategyError: ")
    assert "batch_size=5 with 2 replicas" in result["odd_batch"]
    assert not result["odd_folder"]  # refused before anything was written
    assert "generator_batch_size=7 with 2 replicas" in result["odd_generator_batch"]


def test_multi_worker_without_tf_config_is_refused_before_tensorflow_loads(monkeypatch, capsys):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="strategy='multi-worker'.*TF_CONFIG"):
        run_config.TrainConfig(strategy="multi-worker")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "--strategy", "multi-worker", "--print-config"])
    assert exit_info.value.code == 2
    assert "TF_CONFIG" in capsys.readouterr().err


@pytest.mark.parametrize("text, problem", [
    ("not json", "must be JSON"),
    ('{"task": {"type": "worker", "index": 0}}', "reads the cluster"),
])
def test_a_tf_config_without_cluster_or_task_is_refused(text, problem):
    from keras_wgan.training import strategies

    with pytest.raises(ValueError, match=problem):
        strategies.check_tf_config(text)


def test_a_model_that_cannot_train_under_replicas_is_refused():
    from keras_wgan.training import strategies

    class TwoReplicas:
        num_replicas_in_sync = 2

    class WarmedUp:
        critic_warmup = True

    with pytest.raises(ValueError, match="critic_warmup=True with 2 replicas"):
        strategies.check_model(WarmedUp(), TwoReplicas())
