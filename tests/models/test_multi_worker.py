"""WGAN, WGAN-GP and StackedGAN under tf.distribute.MultiWorkerMirroredStrategy: two workers.

The test starts a cluster of 2 workers on localhost (free ports, `TF_CONFIG` with the worker list
and each process's index), the way a user runs the same script on several machines. Each worker
trains a tiny WGAN, WGAN-GP and StackedGAN (class-conditional, two stages) with `fit` on
`keras_wgan.data.make_dataset` batches, and every worker backs up (`StepBackup`), saves and
exports the way docs/distributed.md describes: the chief (worker 0) writes to the real paths,
the other worker to a temporary folder it deletes. The chief also trains the same models on one
device with the same global batches, as the reference.
"""

import json
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from tests.helpers import free_ports

# Two worker processes on local ports: about 80 s on 2 cores, so opt-in (`--run-slow`).
pytestmark = pytest.mark.slow

MODELS = ("wgan", "wgan-gp", "stacked")

WORKER = textwrap.dedent(
    """
    import json, os, shutil, sys
    import numpy as np
    import tensorflow as tf
    import keras
    import keras_wgan
    from keras_wgan import callbacks

    workdir = sys.argv[1]
    # The strategy must exist before any other TensorFlow op: it starts this worker's server.
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    resolver = strategy.cluster_resolver
    task_type, task_id = resolver.task_type, resolver.task_id
    is_chief = task_type == "chief" or (
        task_type == "worker" and task_id == 0 and "chief" not in resolver.cluster_spec().jobs
    )
    print(f"{task_type} {task_id}: {strategy.num_replicas_in_sync} replicas", file=sys.stderr)

    def build_stacked():
        from keras_wgan.networks import stacked

        # Layer normalization in the generators: batch statistics would be per replica.
        options = dict(base_filters=4, normalization="layer")
        return keras_wgan.StackedGAN(
            stage1_generator=stacked.build_stage1_generator(
                (4, 4, 1), 3, noise_dim=4, condition_dim=2, **options
            ),
            stage2_generator=stacked.build_stage2_generator(
                (8, 8, 1), (4, 4, 1), 3, condition_dim=2, residual_blocks=1, **options
            ),
            stage1_critic=stacked.build_stage_critic((4, 4, 1), 3, 4, name="stage1_critic"),
            stage2_critic=stacked.build_stage_critic((8, 8, 1), 3, 4, name="stage2_critic"),
            critic_steps=2,
            seed=5,
        )

    def build(name):
        keras.utils.set_random_seed(0)
        if name == "stacked":
            model = build_stacked()
            # At SGD(0.01) this seed's run diverges to NaN (and NaN weights compare equal).
            model.compile(
                generator_optimizer=keras.optimizers.SGD(0.003),
                critic_optimizer=keras.optimizers.SGD(0.003),
            )
            return model
        generator = keras_wgan.networks.build_mlp_generator(2, 2, hidden_units=(8, 8))
        critic = keras_wgan.networks.build_mlp_critic(2, hidden_units=(8, 8))
        if name == "wgan-gp":
            model = keras_wgan.WGANGP(generator, critic, critic_steps=2, seed=5)
        else:
            model = keras_wgan.WGAN(generator, critic, critic_steps=2, clip_value=0.1, seed=5)
        model.compile(
            generator_optimizer=keras.optimizers.SGD(0.1),
            critic_optimizer=keras.optimizers.SGD(0.05),
        )
        return model

    def examples(name):
        # 32 points, or for StackedGAN 32 8x8 images whose value encodes their label.
        if name != "stacked":
            return np.random.default_rng(0).standard_normal((32, 2)).astype("float32")
        ids = np.arange(32)
        images = np.broadcast_to((ids / 32)[:, None, None, None], (32, 8, 8, 1))
        return images.astype("float32"), (ids % 3).astype("int32")

    def dataset(name):
        # Global batches of critic_steps * batch = 8 rows; each worker gets a contiguous half of
        # every batch (DATA sharding). Every worker must shuffle with the same seed.
        data = keras_wgan.data.make_dataset(
            examples(name), 4, critic_steps=2, shuffle=True, seed=3
        )
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.DATA
        )
        return data.with_options(options)

    def fit(name, model, callbacks=()):
        history = model.fit(dataset(name), epochs=2, verbose=0, callbacks=list(callbacks))
        return {key: float(values[-1]) for key, values in history.history.items()}

    result = {}
    for name in sys.argv[2:]:
        with strategy.scope():
            model = build(name)
        latent = np.random.default_rng(1).standard_normal((4, model.latent_dim)).astype("float32")
        labels = np.array([0, 2, 1, 2], "int32") if model.conditional else None
        initial = model.get_weights()
        # Every worker backs up, saves and exports; only the chief keeps its files.
        target = os.path.join(workdir, "shared", name)
        if not is_chief:
            target = os.path.join(workdir, f"worker_{task_id}_tmp", name)
        backup = callbacks.StepBackup(os.path.join(target, "backup"), every=2)
        logs = fit(name, model, [backup])
        model.save(os.path.join(target, "model.keras"))
        keras_wgan.export.export_generator(model, os.path.join(target, "export"))
        if not is_chief:
            shutil.rmtree(os.path.join(workdir, f"worker_{task_id}_tmp"))
        result[name] = {
            "weights": [w.tolist() for w in model.get_weights()],
            "moved": max(float(np.abs(a - b).max()) for a, b in zip(model.get_weights(), initial)),
            "logs": logs,
            "latent": latent.tolist(),
            "labels": None if labels is None else labels.tolist(),
            "generated": model.generate(latent, labels).numpy().tolist(),
        }
        if is_chief:
            with tf.distribute.OneDeviceStrategy("/cpu:0").scope():
                reference = build(name)
            result[name]["reference_logs"] = fit(name, reference)
            result[name]["reference"] = [w.tolist() for w in reference.get_weights()]
    with open(os.path.join(workdir, f"result_{task_id}.json"), "w") as file:
        json.dump({"is_chief": is_chief, "models": result}, file)
    """
)


def run_cluster(workdir, models, workers=2, timeout=300):
    """Runs WORKER in `workers` processes; returns each worker's result, or fails with both logs.

    A worker that dies leaves the others waiting in a collective forever: as soon as one fails,
    the others are killed.
    """
    ports = free_ports(workers)
    processes, logs = [], []
    for index in range(workers):
        tf_config = {
            "cluster": {"worker": [f"localhost:{port}" for port in ports]},
            "task": {"type": "worker", "index": index},
        }
        env = dict(
            os.environ,
            TF_CONFIG=json.dumps(tf_config),
            TF_CPP_MIN_LOG_LEVEL="2",
            # gRPC honours http_proxy: keep the cluster's traffic local.
            no_proxy="localhost,127.0.0.1",
            NO_PROXY="localhost,127.0.0.1",
            no_grpc_proxy="localhost,127.0.0.1",
        )
        log = open(os.path.join(workdir, f"worker_{index}.log"), "w+")
        logs.append(log)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-c", WORKER, str(workdir), *models],
                env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
            )
        )
    deadline = time.monotonic() + timeout
    try:
        while any(p.poll() is None for p in processes):
            failed = any(p.poll() not in (None, 0) for p in processes)
            if failed or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()
    outputs = []
    for log in logs:
        log.seek(0)
        outputs.append(log.read())
        log.close()
    codes = [p.returncode for p in processes]
    if codes != [0] * workers:
        report = "\n".join(
            f"--- worker {index} (exit code {code}, timeout {timeout} s) ---\n{output[-3000:]}"
            for index, (code, output) in enumerate(zip(codes, outputs))
        )
        pytest.fail(f"The cluster failed:\n{report}")
    results = []
    for index in range(workers):
        with open(os.path.join(workdir, f"result_{index}.json")) as file:
            results.append(json.load(file))
    return results


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("multi_worker")
    return workdir, run_cluster(workdir, MODELS)


@pytest.mark.parametrize("model_name", MODELS)
def test_both_workers_end_with_identical_weights(cluster, model_name):
    _, (chief, other) = cluster
    assert chief["is_chief"] and not other["is_chief"]
    ours, theirs = chief["models"][model_name], other["models"][model_name]
    # Training moved the weights: the comparison below is not between untouched networks.
    assert ours["moved"] > 1e-2
    assert len(ours["weights"]) == len(theirs["weights"])
    for a, b in zip(ours["weights"], theirs["weights"]):
        np.testing.assert_array_equal(a, b)
    assert ours["logs"] == theirs["logs"]


@pytest.mark.parametrize("model_name", MODELS)
def test_two_workers_match_one_device_on_the_same_global_batch(cluster, model_name):
    _, (chief, _) = cluster
    result = chief["models"][model_name]
    # StackedGAN's two-stage GAN step amplifies the float rounding of the per-worker batch
    # (about 3e-6 after 8 steps): each weight within 1e-5.
    atol = 1e-5 if model_name == "stacked" else 1e-6
    for a, b in zip(result["weights"], result["reference"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=atol)
    # The logged metrics are averaged over the workers' replicas, as on one device.
    for name, value in result["reference_logs"].items():
        assert np.isclose(result["logs"][name], value, rtol=1e-4, atol=1e-6), name


def test_only_the_chief_writes_checkpoints_and_exports(cluster):
    import keras
    import tensorflow as tf

    import keras_wgan  # noqa: F401 (registers the models for load_model)
    from keras_wgan import callbacks

    workdir, (chief, _) = cluster
    written = sorted(
        os.path.relpath(os.path.join(root, name), workdir)
        for root, _, files in os.walk(workdir)
        for name in files
        if not name.startswith(("result_", "worker_"))
    )
    expected = sorted(
        os.path.join("shared", model_name, path)
        for model_name in MODELS
        for path in (
            "model.keras",
            os.path.join("backup", "latest.weights.h5"),
            os.path.join("export", "1", "saved_model.pb"),
            os.path.join("export", "1", "fingerprint.pb"),
            os.path.join("export", "1", "variables", "variables.index"),
            os.path.join("export", "1", "variables", "variables.data-00000-of-00001"),
        )
    )
    # One model and one export per model (the other worker's copies were removed), no temporary
    # folder left behind.
    assert written == expected
    assert not [name for name in os.listdir(workdir) if name.endswith("_tmp")]
    for model_name in MODELS:
        result = chief["models"][model_name]
        reloaded = keras.models.load_model(workdir / "shared" / model_name / "model.keras")
        for a, b in zip(reloaded.get_weights(), result["weights"]):
            np.testing.assert_array_equal(a, b)
        # The backup after the last step (2 epochs of 32 / 8 rows: 8 generator steps, every=2)
        # holds the final state.
        restored = keras.models.load_model(workdir / "shared" / model_name / "model.keras")
        restored.set_weights([np.zeros_like(w) for w in restored.get_weights()])
        steps = callbacks.restore_backup(
            restored, workdir / "shared" / model_name / "backup"
        )
        assert steps == 8
        for a, b in zip(restored.get_weights(), result["weights"]):
            np.testing.assert_array_equal(a, b)
        served = tf.saved_model.load(str(workdir / "shared" / model_name / "export" / "1"))
        inputs = {"latent": tf.constant(np.array(result["latent"], "float32"))}
        if result["labels"] is not None:
            inputs["labels"] = tf.constant(np.array(result["labels"], "int32"))
        # One output: "samples" (vectors) or "images" (StackedGAN's, as floats in [-1, 1]).
        (samples,) = served.signatures["serving_default"](**inputs).values()
        np.testing.assert_allclose(samples.numpy(), result["generated"], rtol=1e-5, atol=1e-6)
