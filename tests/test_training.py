"""`training.train` in-process on tiny configurations (`TrainConfig`: test_run_config.py)."""

import json
import os

import keras
import pytest

from keras_wgan import checkpointing
from keras_wgan import evaluation
from keras_wgan import run_config
from keras_wgan import training
from tests.helpers import tiny_config

IMAGE_SCORES = ("fid", "kid", "classifier_score", "classes_covered", "class_kl", "precision",
                "recall", "density", "coverage")
ROW_KEYS = ("generated", "floor", "degraded", "higher_is_better", "closer_to", "position",
            "verdict")


# The session's classifier cache (tests/conftest.py), shared with tests/test_evaluation.py.
pytestmark = pytest.mark.usefixtures("classifier_cache")


def tensorboard_steps(log_dir):
    """`{tag: steps}` of the event files in `log_dir`, read with TensorBoard's own reader."""
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator"
    )
    events = event_accumulator.EventAccumulator(str(log_dir), size_guidance={"tensors": 0})
    events.Reload()
    return {tag: [e.step for e in events.Tensors(tag)] for tag in events.Tags()["tensors"]}


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    """One finished toy run shared by the tests that only read it: ring8, 2 epochs of 5
    generator steps, a backup every step (deleted at the end), the toys' decaying rates and a
    generator average (`ema_decay=0.9`; the other toy runs here keep none)."""
    base = tmp_path_factory.mktemp("toy_run")
    config = tiny_config(base, backup_every=1, ema_decay=0.9)
    return config, training.train(config, base / "run")


def test_train_toy_returns_summary_and_writes_files(toy_run):
    config, summary = toy_run
    assert summary["generator_steps"] == 2 * (320 // 64)
    history = json.loads(open(summary["history"]).read())
    assert len(history["wasserstein_estimate"]) == 2
    final = summary["final_metrics"]
    assert final["wasserstein_estimate"] == pytest.approx(history["wasserstein_estimate"][-1])
    assert final["num_modes"] == 8 and 0 <= final["modes_captured"] <= 8  # ring8 is scored
    assert summary["samples"].endswith("epoch_002.png")
    # Served under the run folder's name, so that no other run becomes a version of it.
    assert summary["export"] == os.path.join(config.saved_models_dir, "run", "1")
    assert (summary["export_name"], summary["export_version"]) == ("run", 1)
    assert summary["trained"] is True
    text = training.format_summary(summary)
    assert summary["model"] in text and summary["export"] in text
    assert "--model_name=run, version 1" in text


def test_exports_get_new_versions(toy_run):
    config, summary = toy_run
    # The run exported version 1; exporting the same run's generator again makes version 2.
    model = keras.models.load_model(summary["model"])
    again = training.export_run_generator(model, config, "run")
    assert summary["export"].endswith("run/1") and again.endswith("run/2")


def test_learning_rates_reach_the_optimizers(tmp_path):
    config = tiny_config(
        tmp_path, model="wgan", epochs=1, generator_lr=1e-3, critic_lr=2e-3, lr_decay=False
    )
    generator_optimizer, critic_optimizer = training.make_optimizers(config, 5)
    assert isinstance(critic_optimizer, keras.optimizers.RMSprop)
    assert float(generator_optimizer.learning_rate) == pytest.approx(1e-3)
    assert float(critic_optimizer.learning_rate) == pytest.approx(2e-3)


def test_a_finished_run_leaves_no_backup_and_is_never_overwritten(toy_run, tmp_path):
    config, summary = toy_run
    folder = os.path.dirname(summary["model"])
    assert not os.path.exists(os.path.join(folder, "backup"))
    model_bytes = open(summary["model"], "rb").read()
    other = tiny_config(tmp_path, model="wgan", epochs=1)
    with pytest.raises(checkpointing.RunFolderError, match=r"finished run \(metrics.json\)"):
        training.train(other, folder)
    assert open(summary["model"], "rb").read() == model_bytes
    assert not os.path.exists(os.path.join(folder, ".lock"))


def test_a_backup_past_the_epochs_asked_for_is_refused_and_kept(tmp_path):
    config = tiny_config(tmp_path, epochs=2, backup_every=1)
    save = checkpointing.StepBackup.save

    def save_then_stop_at_the_last_step(self):
        save(self)
        if int(self.model.generator_optimizer.iterations) == 10:
            raise KeyboardInterrupt()  # killed after the run's last backup

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checkpointing.StepBackup, "save", save_then_stop_at_the_last_step)
        with pytest.raises(KeyboardInterrupt):
            training.train(config, tmp_path / "run")
    shorter = tiny_config(tmp_path, epochs=1, backup_every=1)
    with pytest.raises(checkpointing.RunFolderError, match=r"at generator step 10, past the 1 "
                       r"epochs \(5 steps\).*at least 2"):
        training.train(shorter, tmp_path / "run")
    assert (tmp_path / "run" / "backup" / "latest.weights.h5").exists()


def test_digits_run_writes_metrics_json_with_every_score_beside_its_references(tmp_path):
    from PIL import Image

    config = tiny_config(
        tmp_path, dataset="digits", epochs=2, base_filters=8, num_samples=320, backup_every=0
    )
    summary = training.train(config, tmp_path / "run")
    # Scores during training: every epoch here (2 epochs, drawn every epoch); the last one used
    # the final evaluation's seed and n, so it equals metrics.json's.
    history = json.loads(open(summary["history"]).read())
    assert len(history["fid"]) == 2 and len(history["classes_covered"]) == 2
    assert len(summary["quality_seconds"]) == 2
    # One GIF frame per drawn epoch.
    assert summary["animation"] == str(tmp_path / "run" / "samples" / "progression.gif")
    assert Image.open(summary["animation"]).n_frames == 2
    assert summary["metrics"] == str(tmp_path / "run" / "metrics.json")
    written = json.loads(open(summary["metrics"]).read())
    assert written == json.loads(json.dumps(summary["quality"]))
    assert written["dataset"] == "digits" and written["degraded_classes"] == [0, 1, 2]
    assert written["feature_extractor"].startswith(evaluation.CLASSIFIERS["digits"]["version"])
    assert written["num_samples"] > 800 and written["num_heldout"] == 500
    assert 0.9 < written["classifier_heldout_accuracy"] <= 1
    assert set(written["scores"]) == set(IMAGE_SCORES)
    assert written["features"] == "digits_classifier"
    assert written["run"] == {"model": "wgan-gp", "precision": "float32", "conditional": False,
                              "seed": 0, "ema_decay": 0.998, "ema_warmup": 2,
                              "penalty_weight": 10.0,
                              "clusters": run_config.RECIPES["digits"]["clusters"],
                              "generator_steps": 10}
    for name in ("fid", "kid", "classes_covered"):
        assert history[name][-1] == written["scores"][name]["generated"], name
    for name, row in written["scores"].items():
        assert set(row) == set(ROW_KEYS), name
        assert row["closer_to"] in ("floor", "degraded")
        assert summary["final_metrics"][name] == row["generated"]
    text = training.format_summary(summary)
    assert summary["metrics"] in text and "held-out accuracy" in text and "fid" in text


def test_toy_run_writes_metrics_json_with_a_floor(toy_run):
    written = json.loads(open(toy_run[1]["metrics"]).read())
    assert written["dataset"] == "ring8" and written["num_samples"] == 2500
    assert set(written["scores"]) == {
        "w1", "modes_captured", "num_modes", "high_quality_fraction", "reverse_kl"
    }
    for row in written["scores"].values():
        assert set(row) == {"generated", "floor", "higher_is_better"}
    assert written["scores"]["num_modes"]["floor"] == 8


def test_a_run_with_ema_samples_scores_and_exports_the_averaged_generator(toy_run):
    import numpy as np
    import tensorflow as tf

    config, summary = toy_run
    model = keras.models.load_model(summary["model"])
    assert model.ema_decay == 0.9
    written = json.loads(open(summary["metrics"]).read())
    assert written["run"]["ema_decay"] == 0.9
    again = evaluation.score_generator(model.ema_generator, "ring8", seed=config.seed + 2)
    assert written["scores"]["w1"] == again["scores"]["w1"]
    latent = np.random.default_rng(0).standard_normal((4, 2)).astype("float32")
    served = tf.saved_model.load(summary["export"]).signatures["serving_default"](latent=latent)
    np.testing.assert_allclose(served["samples"], model.ema_generator(latent), atol=1e-6)


def test_toy_defaults_are_the_measured_recipe():
    config = run_config.TrainConfig(dataset="grid25", clusters=0)
    assert (config.batch_size, config.critic_steps, config.hidden_units) == (256, 5, (128,) * 3)
    assert config.lr_decay is True and config.epochs == 60 and config.penalty_weight == 0.1
    assert config.learning_rates == (2e-4, 2e-3)
    assert run_config.TrainConfig(dataset="swissroll").hidden_units == (256,) * 3
    assert run_config.TrainConfig(dataset="ring8", model="wgan").learning_rates == (5e-5, 5e-4)
    # 60 epochs of 50 generator steps: 3,000 steps.
    data = training.load_training_data(config)
    assert len(data) // (config.batch_size * config.critic_steps) == 50
    # Explicit choices win.
    mine = run_config.TrainConfig(dataset="grid25", generator_lr=1e-3, lr_decay=False)
    assert mine.learning_rates == (1e-3, 2e-3) and mine.lr_decay is False


def test_decay_schedules_span_the_run(toy_run):
    # 320 samples, batch 32 x 2 critic steps: 5 generator steps per epoch, 2 epochs.
    model = keras.models.load_model(toy_run[1]["model"])
    for optimizer, rate, updates in ((model.generator_optimizer, 2e-4, 10),
                                     (model.critic_optimizer, 2e-3, 20)):
        schedule = optimizer._learning_rate
        assert isinstance(schedule, keras.optimizers.schedules.PolynomialDecay)
        assert schedule.decay_steps == updates
        assert schedule.initial_learning_rate == pytest.approx(rate)
        assert schedule.end_learning_rate == pytest.approx(rate / 20)
        # At the end of the run the rate is at its floor.
        assert float(optimizer.learning_rate) == pytest.approx(rate / 20)


def test_toy_scatter_draws_the_critic(toy_run):
    # The contour adds a colour bar: the figure is wider than a plain scatter's 450 pixels.
    from PIL import Image

    summary = toy_run[1]
    assert Image.open(summary["samples"]).size[0] > 450
    assert summary["progression"] is None


def test_a_self_conditioned_toy_run_clusters_its_points_and_samples_every_cluster(tmp_path):
    # The grid's recipe on a tiny budget: 25 clusters of the points, found again from the
    # seed; the scatter's critic is the labelled one, the export draws the cluster itself.
    import numpy as np
    import tensorflow as tf
    from PIL import Image

    from keras_wgan import data

    config = tiny_config(
        tmp_path, dataset="grid25", num_samples=640, epochs=1, clusters=25, tensorboard=True
    )
    points, cluster_ids = training.load_training_data(config)
    np.testing.assert_array_equal(
        cluster_ids, data.cluster_images(points, 25, seed=config.seed)[0]
    )
    # k-means finds the grid's 25 modes: each cluster holds the points of one mode.
    modes = np.round((points + 4) / 2).astype(int) @ [5, 1]
    assert len(np.unique(cluster_ids)) == 25
    assert all(len(np.unique(modes[cluster_ids == c])) == 1 for c in range(25))
    summary = training.train(config, tmp_path / "run")
    model = keras.models.load_model(summary["model"])
    assert model.critic.input_shape == [(None, 2), (None,)]
    assert model.sampling_generator().input_shape == (None, config.latent_dim + 1)
    assert Image.open(summary["samples"]).size[0] > 450  # the labelled critic's contours
    metrics = json.loads(open(summary["metrics"]).read())
    assert metrics["run"]["clusters"] == 25 and metrics["scores"]["num_modes"]["generated"] == 25
    served = tf.saved_model.load(summary["export"]).signatures["serving_default"](
        latent=tf.zeros((3, config.latent_dim + 1))
    )
    assert served["samples"].shape == (3, 2)
    steps = tensorboard_steps(tmp_path / "run" / "tensorboard")
    assert steps["critic/real_scores"] == steps["critic/generated_scores"] == [0]


def test_tfds_run_under_mock_data_writes_progression_and_unscored_metrics(tmp_path):
    tfds = pytest.importorskip("tensorflow_datasets")
    config = tiny_config(
        tmp_path, dataset="mnist", epochs=2, batch_size=8, critic_steps=2, num_samples=32,
        base_filters=4, latent_dim=8, backup_every=0, tensorboard=True,
    )
    with tfds.testing.mock_data(num_examples=48):
        summary = training.train(config, tmp_path / "run")
    assert summary["generator_steps"] == 2 * (32 // 16)
    model = keras.models.load_model(summary["model"])
    assert tuple(model.generator.outputs[0].shape[1:]) == (28, 28, 1)
    written = json.loads(open(summary["metrics"]).read())
    assert written["dataset"] == "mnist"
    assert set(written["scores"]) == {"pixel_mean", "pixel_std"}
    assert "fid" in written["unavailable"] and "digits" in written["note"]
    assert summary["progression"] == str(tmp_path / "run" / "samples" / "progression.png")
    assert os.path.getsize(summary["progression"]) > 0
    assert "not computed: " in training.format_summary(summary)
    # TensorBoard: the critic's histograms on images read from the TFDS dataset.
    steps = tensorboard_steps(tmp_path / "run" / "tensorboard")
    for tag in ("wasserstein_estimate", "samples", "critic/real_scores"):
        assert steps[tag] == [0, 1], tag
    assert steps["settings"] == [0]


def test_digits_always_train_on_the_evaluation_split():
    # Another seed must not move held-out digits (which score the generator) into training.
    import numpy as np

    from keras_wgan import data

    config = run_config.TrainConfig(seed=3, num_samples=100)
    images, cluster_ids = training.load_training_data(config)
    expected = data.load_digits("train", seed=evaluation.SPLIT_SEED)[0][:100]
    np.testing.assert_array_equal(images, expected)
    # The recipe's self-conditioning: k-means cluster ids of those images, seeded by the run.
    clusters = run_config.RECIPES["digits"]["clusters"]
    np.testing.assert_array_equal(cluster_ids, data.cluster_images(expected, clusters, seed=3)[0])
    plain = training.load_training_data(run_config.TrainConfig(num_samples=100, clusters=0))
    np.testing.assert_array_equal(plain, expected)


def test_gan_baseline_under_mixed_bfloat16(tmp_path):
    config = tiny_config(
        tmp_path, dataset="digits", model="gan", critic_steps=None, epochs=1, base_filters=8,
        precision="mixed_bfloat16", quality_every=0, backup_every=0,
    )
    summary = training.train(config, tmp_path / "run")
    assert summary["generator_steps"] == 320 // 32  # one discriminator step per generator step
    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored
    model = keras.models.load_model(summary["model"])
    assert type(model).__name__ == "GAN" and model.generator_loss_name == "minimax"
    assert model.generator.get_layer("norm_0").dtype_policy.name == "mixed_bfloat16"
    optimizer = model.generator_optimizer
    assert isinstance(optimizer, keras.optimizers.Adam)
    assert float(optimizer.learning_rate) == pytest.approx(2e-4) and optimizer.beta_1 == 0.5
    written = json.loads(open(summary["metrics"]).read())
    assert written["run"]["precision"] == "mixed_bfloat16" and written["run"]["model"] == "gan"
    history = json.loads(open(summary["history"]).read())
    assert "real_probability" in history and "fid" not in history  # quality_every=0


def test_non_saturating_gan_on_a_toy(tmp_path):
    config = tiny_config(tmp_path, model="ns-gan", critic_steps=None, epochs=1, backup_every=0)
    summary = training.train(config, tmp_path / "run")
    model = keras.models.load_model(summary["model"])
    assert model.generator_loss_name == "non_saturating" and model.critic_steps == 1
    assert float(model.critic_optimizer.learning_rate) == pytest.approx(2e-3 / 20)  # decayed
    assert summary["export"].endswith("run/1")


def test_conditional_digits_reports_conditional_accuracy(tmp_path):
    import tensorflow as tf

    config = tiny_config(
        tmp_path, dataset="digits", conditional=True, epochs=1, base_filters=8, backup_every=0,
        tensorboard=True,
    )
    summary = training.train(config, tmp_path / "run")
    written = json.loads(open(summary["metrics"]).read())
    row = written["scores"]["conditional_accuracy"]
    # Floor: the classifier's class-balanced held-out accuracy; degraded: three classes wrong.
    assert row["floor"] > 0.9 and row["degraded"] == pytest.approx(row["floor"] * 0.7, abs=0.03)
    assert 0 <= row["generated"] <= 1 and written["run"]["conditional"] is True
    history = json.loads(open(summary["history"]).read())
    assert history["conditional_accuracy"][-1] == row["generated"]
    exported = tf.saved_model.load(summary["export"])
    assert "labels" in exported.signatures["serving_default"].structured_input_signature[1]
    assert summary["export"].endswith("run/1")
    steps = tensorboard_steps(tmp_path / "run" / "tensorboard")
    assert steps["conditional_accuracy"] == steps["critic/generated_scores"] == [0]
    # The export knows the 10 classes: a label outside them is refused, not served as class 9.
    sample = exported.signatures["sample"]
    for label, message in ((-1, "must be >= 0"), (10, "must be < num_classes=10")):
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            sample(num_samples=tf.constant(2), seed=tf.constant(1, tf.int64),
                   labels=tf.constant([label], tf.int32))


@pytest.mark.slow
def test_mnist5k_run_writes_metrics_json_with_the_learned_scores(tmp_path, classifier_cache):
    config = tiny_config(
        tmp_path, dataset="mnist5k", epochs=1, base_filters=4, latent_dim=8, num_samples=320,
        backup_every=0,
    )
    summary = training.train(config, tmp_path / "run")
    model = keras.models.load_model(summary["model"])
    assert tuple(model.generator.outputs[0].shape[1:]) == (28, 28, 1)
    written = json.loads(open(summary["metrics"]).read())
    assert written["dataset"] == "mnist5k" and written["features"] == "mnist5k_classifier"
    assert written["feature_extractor"].startswith("mnist5k-classifier-v1")
    assert written["num_heldout"] == 1000 and written["num_samples"] == 1000
    assert 0.9 < written["classifier_heldout_accuracy"] <= 1
    assert set(written["scores"]) == set(IMAGE_SCORES)
    for name, row in written["scores"].items():
        assert set(row) == set(ROW_KEYS), name
    assert written["scores"]["fid"]["floor"] < written["scores"]["fid"]["degraded"]
    # Scored during training too (QualityScores): the last epoch's equals metrics.json's.
    history = json.loads(open(summary["history"]).read())
    assert history["fid"][-1] == written["scores"]["fid"]["generated"]


def test_mnist5k_trains_on_the_evaluation_split(tmp_path):
    import numpy as np

    config = tiny_config(tmp_path, dataset="mnist5k", seed=7, conditional=True)
    images, labels = training.load_training_data(config)
    expected = evaluation.load_split("mnist5k", "train")
    np.testing.assert_array_equal(images[:320], expected[0][:320])
    np.testing.assert_array_equal(labels[:320], expected[1][:320])


@pytest.mark.parametrize("model, normalization", [
    ("gan", keras.layers.BatchNormalization), ("ns-gan", keras.layers.BatchNormalization),
    ("wgan-gp", keras.layers.LayerNormalization), ("wgan", keras.layers.LayerNormalization),
])
def test_gan_discriminators_use_batch_norm_as_in_dcgan(model, normalization):
    # 16x16: two critic stages, the second one normalized (an 8x8 critic has only the first).
    config = run_config.TrainConfig(model=model, clusters=0)
    critic = training.build_model(config, (16, 16, 1)).critic
    kinds = {type(layer) for layer in critic.layers}
    assert normalization in kinds
    assert ({keras.layers.BatchNormalization, keras.layers.LayerNormalization} - kinds) == {
        {keras.layers.BatchNormalization: keras.layers.LayerNormalization,
         keras.layers.LayerNormalization: keras.layers.BatchNormalization}[normalization]
    }


def test_an_epoch_of_fixed_steps_repeats_the_data(tmp_path):
    # 320 points make 5 generator steps a pass; an epoch of 7 steps goes on into the next pass.
    config = tiny_config(tmp_path, epochs=2, steps_per_epoch=7, backup_every=0)
    summary = training.train(config, tmp_path / "run")
    assert summary["generator_steps"] == 14
    history = json.loads(open(summary["history"]).read())
    assert len(history["critic_loss"]) == 2


def test_a_self_conditioned_backup_records_its_cluster_ids():
    # A resumed run clusters its images again: the backup keeps a fingerprint of the ids, so
    # that other clusters (another scikit-learn, another CPU's k-means) are refused, not
    # trained on with permuted ids.
    config = run_config.TrainConfig(num_samples=100, seed=3)  # the digits recipe's clusters
    real = training.load_training_data(config)
    settings = training.run_settings(config, real)
    assert settings["clusters"] == run_config.RECIPES["digits"]["clusters"]
    assert len(settings["cluster_ids_sha1"]) == 40
    permuted = (real[0], (real[1] + 1) % config.clusters)
    assert training.run_settings(config, permuted)["cluster_ids_sha1"] != (
        settings["cluster_ids_sha1"]
    )
    plain = run_config.TrainConfig(num_samples=100, clusters=0)
    assert training.run_settings(plain, training.load_training_data(plain)) == (
        plain.settings_to_match()
    )


@pytest.mark.parametrize("flags, policy", [({"avx2", "fma"}, "float32"),
                                           ({"avx512f", "amx_bf16"}, "mixed_bfloat16")])
def test_auto_precision_builds_what_the_hardware_computes_natively(
    tmp_path, monkeypatch, flags, policy
):
    from keras_wgan import _platform

    monkeypatch.setattr(_platform, "cpu_flags", lambda: flags)
    monkeypatch.setattr(_platform, "bfloat16_accelerators", lambda: 0)
    config = tiny_config(tmp_path, precision="auto", base_filters=4)
    model = training.build(config).model
    assert {layer.dtype_policy.name for layer in model.generator.layers[1:-1]} == {policy}
    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored
