"""The callbacks during `fit` of tiny models: pictures, scores, history, backups, NaN guard."""

import json
import re

import keras
import numpy as np
import pytest

from keras_wgan import WGANGP
from keras_wgan import callbacks
from keras_wgan import data
from tests.helpers import PixelFeatures
from tests.helpers import tiny_dcgan_pair
from tests.helpers import tiny_mlp_pair
from tests.helpers import toy_points


def tiny_image_model():
    generator, critic = tiny_dcgan_pair()
    model = WGANGP(generator, critic, critic_steps=2, seed=0)
    model.compile()
    return model


def test_sample_grid_and_curves_write_pngs(tmp_path):
    model = tiny_image_model()
    images = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
    latent = np.random.default_rng(1).standard_normal((6, 4)).astype("float32")
    grid = callbacks.SampleGrid(latent, tmp_path / "samples", every=2)
    curves = callbacks.TrainingCurves(tmp_path / "curves.png")
    model.fit(data.make_dataset(images, 8, critic_steps=2), epochs=3, verbose=0, shuffle=False,
              callbacks=[grid, curves])
    # Every 2nd epoch, and always the last one.
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == [
        "epoch_002.png", "epoch_003.png"
    ]
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(curves.history) >= {"wasserstein_estimate", "critic_loss", "gradient_penalty"}


def test_sample_scatter_and_json_history(tmp_path):
    generator, critic = tiny_mlp_pair()
    model = WGANGP(generator, critic, critic_steps=2, seed=0)
    model.compile()
    points = toy_points(64)
    latent = np.zeros((10, 2), "float32")
    scatter = callbacks.SampleScatter(latent, tmp_path / "samples", real=points)
    history = callbacks.JsonHistory(tmp_path / "history.json")
    model.fit(data.make_dataset(points, 8, critic_steps=2), epochs=2, verbose=0, shuffle=False,
              callbacks=[scatter, history])
    assert [p.name for p in sorted((tmp_path / "samples").iterdir())] == [
        "epoch_001.png", "epoch_002.png"
    ]
    assert len(history.history["wasserstein_estimate"]) == 2
    assert (tmp_path / "history.json").exists()


def test_image_grid_layout_and_range():
    images = np.stack([np.full((2, 3, 1), -1.0), np.full((2, 3, 1), 1.0), np.zeros((2, 3, 1))])
    grid = callbacks.image_grid(images, columns=2)
    assert grid.shape == (2 * 3 - 1, 2 * 4 - 1)
    assert grid[0, 0] == 0.0 and grid[0, 4] == 1.0 and grid[3, 0] == 0.5


def test_sample_grid_refuses_vector_generators(tmp_path):
    generator, critic = tiny_mlp_pair()
    model = WGANGP(generator, critic, critic_steps=1)
    grid = callbacks.SampleGrid(np.zeros((4, 2), "float32"), tmp_path)
    grid.set_model(model)
    with pytest.raises(ValueError, match="SampleScatter"):
        grid.on_epoch_end(0)


@pytest.mark.parametrize("every", [0, -1, 1.5, True])
def test_bad_every_is_refused(tmp_path, every):
    with pytest.raises(ValueError, match="every"):
        callbacks.TrainingCurves(tmp_path / "c.png", every=every)


def inf_at_step(step, steps=6, rows=8):
    """A stream of `steps` batches of `rows` toy points, batch `step` (1-based) holding an Inf.

    Built with tf.data directly: make_dataset rightly refuses non-finite data.
    """
    import tensorflow as tf

    points = toy_points(steps * rows)
    points[(step - 1) * rows] = np.inf
    return tf.data.Dataset.from_tensor_slices(points).batch(rows)


def test_stop_on_non_finite_names_the_step_and_keeps_the_last_good_backup(tmp_path):
    generator, critic = tiny_mlp_pair()
    model = WGANGP(generator, critic, critic_steps=2, seed=0)
    model.compile()
    saved = {}

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            saved[int(self.model.generator_optimizer.iterations)] = self.model.get_weights()

    backup_dir = tmp_path / "backup"
    guard = callbacks.StopOnNonFinite(backup_dir)
    backup = callbacks.StepBackup(backup_dir, every=1)
    with pytest.raises(callbacks.NonFiniteError) as raised:
        model.fit(inf_at_step(4), epochs=1, callbacks=[Record(), guard, backup], verbose=0)
    message = str(raised.value)
    assert message.startswith("Stopped at epoch 1, step 4 (generator step 4): ")
    assert "critic_loss is nan" in message or "is inf" in message
    assert str(backup_dir) in message
    assert model.stop_training

    # The backup holds the state after step 3, the last good one.
    generator, critic = tiny_mlp_pair()
    restored = WGANGP(generator, critic, critic_steps=2, seed=0)
    restored.compile()
    assert callbacks.restore_backup(restored, backup_dir) == 3
    for good, backed_up in zip(saved[3], restored.get_weights()):
        assert np.all(np.isfinite(backed_up))
        np.testing.assert_array_equal(good, backed_up)


def test_stop_on_non_finite_checks_the_weights(tmp_path):
    model = tiny_image_model()
    guard = callbacks.StopOnNonFinite()
    guard.set_model(model)
    guard.on_train_batch_end(0, {"critic_loss": 1.0})  # all finite: nothing happens
    variable = model.generator.trainable_weights[0]
    variable.assign(np.full(variable.shape, np.nan, "float32"))
    with pytest.raises(callbacks.NonFiniteError, match=r"step 1 \(generator step 0\): generator "
                       f"weight {variable.path} is non-finite"):
        guard.on_train_batch_end(0, {"critic_loss": 1.0})


def test_step_backup_restores_nothing_from_an_empty_directory(tmp_path):
    model = tiny_image_model()
    assert callbacks.restore_backup(model, tmp_path / "none") is None
    with pytest.raises(ValueError, match="every=0"):
        callbacks.StepBackup(tmp_path, every=0)


def test_sample_scatter_draws_the_critic_contours(tmp_path):
    generator, critic = tiny_mlp_pair()
    model = WGANGP(generator, critic, critic_steps=2, seed=0)
    model.compile()
    points = toy_points(64)
    latent = np.zeros((10, 2), "float32")
    plain = callbacks.SampleScatter(latent, tmp_path / "plain", real=points)
    contour = callbacks.SampleScatter(latent, tmp_path / "contour", real=points, contour=True)
    model.fit(data.make_dataset(points, 8, critic_steps=2), epochs=1, verbose=0, shuffle=False,
              callbacks=[plain, contour])
    from PIL import Image

    # The contour's colour bar makes the figure wider.
    assert Image.open(contour.paths[0]).size[0] > Image.open(plain.paths[0]).size[0]


def test_sample_grid_tiles_a_progression_of_the_drawn_epochs(tmp_path):
    model = tiny_image_model()
    images = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
    latent = np.random.default_rng(1).standard_normal((6, 4)).astype("float32")
    grid = callbacks.SampleGrid(latent, tmp_path / "samples", every=2, progression=4)
    model.fit(data.make_dataset(images, 8, critic_steps=2), epochs=5, verbose=0, shuffle=False,
              callbacks=[grid])
    assert grid.progression_path == str(tmp_path / "samples" / "progression.png")
    assert (tmp_path / "samples" / "progression.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with np.load(tmp_path / "samples" / "progression.npz") as stored:
        # Epochs 2, 4 and the last, 5: one row of 4 images each.
        assert stored["epochs"].tolist() == [2, 4, 5]
        assert stored["images"].shape == (3, 4, 8, 8, 1)
    # A resumed fit (steps already made) keeps the earlier rows and replaces later ones.
    model.fit(data.make_dataset(images, 8, critic_steps=2), initial_epoch=3, epochs=4,
              verbose=0, shuffle=False, callbacks=[grid])
    with np.load(tmp_path / "samples" / "progression.npz") as stored:
        assert stored["epochs"].tolist() == [2, 4]


@pytest.mark.parametrize("progression", [-1, 1.5, True])
def test_bad_progression_is_refused(tmp_path, progression):
    with pytest.raises(ValueError, match="progression"):
        callbacks.SampleGrid(np.zeros((4, 2), "float32"), tmp_path, progression=progression)


def test_sample_grid_animates_one_frame_per_drawn_epoch(tmp_path):
    from PIL import Image

    model = tiny_image_model()
    images = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
    latent = np.random.default_rng(1).standard_normal((6, 4)).astype("float32")
    grid = callbacks.SampleGrid(latent, tmp_path / "samples", animation=True)
    model.fit(data.make_dataset(images, 8, critic_steps=2), epochs=3, verbose=0, shuffle=False,
              callbacks=[grid])
    assert grid.animation_path == str(tmp_path / "samples" / "progression.gif")
    with Image.open(grid.animation_path) as gif:
        assert gif.n_frames == 3 and gif.info["loop"] == 0
    # A resumed fit (steps already made) keeps the earlier frames and replaces later ones.
    fresh = callbacks.SampleGrid(latent, tmp_path / "samples", animation=True)
    model.fit(data.make_dataset(images, 8, critic_steps=2), initial_epoch=1, epochs=2,
              verbose=0, shuffle=False, callbacks=[fresh])
    with Image.open(fresh.animation_path) as gif:
        assert gif.n_frames == 2


def test_sample_grid_passes_labels_to_a_conditional_generator(tmp_path):
    generator, critic = tiny_dcgan_pair(num_classes=3)
    model = WGANGP(generator, critic, critic_steps=1, seed=0)
    latent = np.zeros((6, 4), "float32")
    grid = callbacks.SampleGrid(latent, tmp_path, labels=np.arange(6) % 3, columns=3)
    grid.set_model(model)
    samples = grid.generate()
    # Same latent, different labels: the classes make the difference.
    assert samples.shape == (6, 8, 8, 1)
    np.testing.assert_allclose(samples[0], samples[3])
    assert not np.allclose(samples[0], samples[1])
    with pytest.raises(ValueError, match="labels"):
        callbacks.SampleGrid(latent, tmp_path, labels=np.arange(5))


def test_quality_scores_log_toy_scores_every_few_epochs(tmp_path):
    from keras_wgan import evaluation

    generator, critic = tiny_mlp_pair()
    model = WGANGP(generator, critic, critic_steps=2, seed=0)
    model.compile()
    points = data.ring8(64, seed=0)
    scores = callbacks.QualityScores("ring8", every=2, num_samples=300, seed=5)
    saved = callbacks.JsonHistory(tmp_path / "history.json")
    history = model.fit(data.make_dataset(points, 8, critic_steps=2), epochs=3, verbose=0,
                        shuffle=False, callbacks=[scores, saved])
    # Epochs 2 and 3 (the last): in History (scored epochs only) and, aligned, in the file.
    assert sorted(scores.results) == [2, 3] and len(scores.seconds) == 2
    assert len(history.history["w1"]) == 2 and len(history.history["modes_captured"]) == 2
    written = json.loads((tmp_path / "history.json").read_text())
    assert written["w1"][0] is None and len(written["w1"]) == 3
    assert written["w1"][1:] == history.history["w1"]
    # The logged value is the full evaluation's, on the same seed and n.
    again = evaluation.score_generator(model.generator, "ring8", num_samples=300, seed=5)
    assert history.history["w1"][-1] == again["scores"]["w1"]["generated"]
    assert scores.results[3]["scores"]["w1"]["floor"] == again["scores"]["w1"]["floor"]


def test_quality_scores_with_a_scorer_of_other_features(tmp_path):
    from keras_wgan import evaluation

    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (80, 8, 8, 1)).astype("float32")
    labels = np.arange(80) % 10
    scorer = evaluation.ImageScorer(
        (real[:60], labels[:60]), (real[60:], labels[60:]), PixelFeatures(), num_samples=30
    )
    assert scorer.score_names == ["fid", "kid", "precision", "recall", "density", "coverage"]
    model = tiny_image_model()
    scores = callbacks.QualityScores(scorer=scorer)
    model.fit(data.make_dataset(real, 8, critic_steps=2), epochs=1, verbose=0, shuffle=False,
              callbacks=[scores])
    result = scores.results[1]
    assert result["features"] == "pixels" and result["num_samples"] == 30
    # classes_covered needs probabilities: only fid and kid are logged by default.
    assert set(scores.logged(result)) == {"fid", "kid"}
    assert "classifier_score" not in result["scores"]
    asked = callbacks.QualityScores(scorer=scorer, names=("classes_covered",))
    with pytest.raises(ValueError, match="classes_covered"):
        asked.logged(result)


@pytest.mark.parametrize("arguments, named", [
    ({"dataset": "mnist"}, "dataset='mnist'"),
    ({"every": 0}, "every=0"),
    ({"names": "fid"}, "names='fid'"),
    ({"scorer": object(), "extractor": "inception_v3"}, "extractor='inception_v3'"),
])
def test_quality_scores_arguments_are_checked(arguments, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        callbacks.QualityScores(**arguments)


def test_json_history_pads_epochs_without_a_value(tmp_path):
    saved = callbacks.JsonHistory(tmp_path / "history.json")
    saved.on_epoch_end(0, {"loss": 1.0})
    saved.on_epoch_end(1, {"loss": 2.0, "fid": 5.0})
    saved.on_epoch_end(2, {"loss": 3.0})
    written = json.loads((tmp_path / "history.json").read_text())
    assert written == {"loss": [1.0, 2.0, 3.0], "fid": [None, 5.0, None]}
    # Read back (as a resumed run does): nulls become NaN again, lists stay aligned.
    resumed = callbacks.JsonHistory(tmp_path / "history.json", history=written)
    assert np.isnan(resumed.history["fid"][0]) and resumed.history["fid"][1] == 5.0
