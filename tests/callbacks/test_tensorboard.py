"""TensorBoard: `GANTensorBoard` and `keras.callbacks.TensorBoard` during `fit`, read back with
TensorBoard's own event reader."""

import keras
import numpy as np
import pytest

from keras_wgan import GAN
from keras_wgan import WGAN
from keras_wgan import WGANGP
from keras_wgan import callbacks
from keras_wgan import data
from keras_wgan import networks
from tests.helpers import tiny_dcgan_pair
from tests.helpers import tiny_model
from tests.helpers import toy_points

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def read_events(log_dir):
    """Every tag of the event files in `log_dir`, by kind, with their steps."""
    events = event_accumulator.EventAccumulator(
        str(log_dir), size_guidance={kind: 0 for kind in ("scalars", "images", "histograms",
                                                          "tensors")}
    )
    events.Reload()
    return events


def tensor_steps(events, tag):
    return [event.step for event in events.Tensors(tag)]


def tensor_values(events, tag):
    import tensorflow as tf

    return [tf.make_ndarray(event.tensor_proto) for event in events.Tensors(tag)]


@pytest.mark.parametrize("cls", [WGANGP, WGAN, GAN])
def test_scalars_samples_histograms_and_settings_of_a_toy_run(tmp_path, cls):
    model = tiny_model(cls, critic_steps=1 if cls is GAN else 2)
    real = toy_points(64)
    board = callbacks.GANTensorBoard(
        tmp_path / "gan", toy_points(16, seed=1), real,
        settings={"model": cls.__name__, "seed": 1}, every=2,
    )
    # Keras's own callback beside it works with the models too.
    keras_board = keras.callbacks.TensorBoard(tmp_path / "keras", histogram_freq=1)
    history = model.fit(
        data.make_dataset(real, batch_size=16, critic_steps=model.critic_steps), epochs=3,
        verbose=0, callbacks=[board, keras_board],
    )
    events = read_events(tmp_path / "gan")
    # tf.summary writes scalars, images and histograms as tensors (TF2 summaries).
    tags = set(events.Tags()["tensors"])
    assert set(history.history) <= tags
    for name, values in history.history.items():
        np.testing.assert_allclose(tensor_values(events, name), values, rtol=1e-6)
        assert tensor_steps(events, name) == [0, 1, 2]
    # Samples and histograms every 2 epochs and after the last: epochs 2 and 3.
    for tag in ("samples", "critic/real_scores", "critic/generated_scores"):
        assert tensor_steps(events, tag) == [1, 2], tag
    assert tensor_steps(events, "settings") == [0]
    settings = tensor_values(events, "settings")[0].item().decode()
    assert f"| model | {cls.__name__} |" in settings
    keras_events = read_events(tmp_path / "keras" / "train")
    for name in history.history:
        assert tensor_steps(keras_events, f"epoch_{name}") == [0, 1, 2]


def test_histograms_are_the_critics_scores_and_the_grid_is_an_image(tmp_path):
    generator, critic = tiny_dcgan_pair(num_classes=3)
    model = WGANGP(generator, critic, critic_steps=2, seed=0)
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (24, 8, 8, 1)).astype("float32")
    labels = np.arange(24, dtype="int32") % 3
    latent = np.random.default_rng(1).standard_normal((6, 4)).astype("float32")
    board = callbacks.GANTensorBoard(
        tmp_path, latent, images, labels=np.arange(6) % 3, real_labels=labels, columns=3
    )
    model.fit(data.make_dataset((images, labels), batch_size=4, critic_steps=2), epochs=1,
              verbose=0, callbacks=[board])
    events = read_events(tmp_path)
    # A histogram tensor holds (left edge, right edge, count) per bucket: the counts sum to the
    # number of real samples, and the edges span the critic's scores on them.
    buckets = tensor_values(events, "critic/real_scores")[0]
    scores = keras.ops.convert_to_numpy(critic([images, labels], training=False)).ravel()
    assert buckets[:, 2].sum() == len(images)
    np.testing.assert_allclose([buckets[0, 0], buckets[-1, 1]], [scores.min(), scores.max()],
                               rtol=1e-4, atol=1e-5)
    # The image: PNG of a 2 x 3 grid of 8x8 images with 1-pixel gaps.
    image = list(tensor_values(events, "samples")[0])
    assert image[:2] == [b"26", b"17"]  # width, height
    assert image[2].startswith(b"\x89PNG")



def test_a_self_conditioned_model_scores_its_samples_with_their_clusters(tmp_path):
    generator, critic = tiny_dcgan_pair(num_classes=3)
    model = WGANGP(generator, critic, critic_steps=2, seed=0, cluster_frequencies=[1, 1, 1])
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (24, 8, 8, 1)).astype("float32")
    cluster_ids = np.arange(24, dtype="int32") % 3
    latent = np.random.default_rng(1).standard_normal((6, 5)).astype("float32")  # 4 + 1
    board = callbacks.GANTensorBoard(tmp_path, latent, images, real_labels=cluster_ids)
    model.fit(data.make_dataset((images, cluster_ids), batch_size=4, critic_steps=2), epochs=1,
              verbose=0, callbacks=[board])
    events = read_events(tmp_path)
    # The generated samples' scores: the critic's on the samples of the latents' own clusters.
    rest, clusters = networks.ClusterChoice([1, 1, 1])(latent)
    samples = generator([rest, clusters], training=False)
    scores = keras.ops.convert_to_numpy(critic([samples, clusters], training=False)).ravel()
    buckets = tensor_values(events, "critic/generated_scores")[0]
    assert buckets[:, 2].sum() == len(latent)
    np.testing.assert_allclose([buckets[0, 0], buckets[-1, 1]], [scores.min(), scores.max()],
                               rtol=1e-4, atol=1e-5)
    assert "samples" in events.Tags()["tensors"]

def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"latent with shape \(3,\)"):
        callbacks.GANTensorBoard(tmp_path, np.zeros(3), toy_points(4))
    with pytest.raises(ValueError, match=r"`labels` must be 2 integer class indices"):
        callbacks.GANTensorBoard(tmp_path, np.zeros((2, 2)), toy_points(4), labels=[0.5, 1.5])
    with pytest.raises(ValueError, match=r"`every` .*0"):
        callbacks.GANTensorBoard(tmp_path, np.zeros((2, 2)), toy_points(4), every=0)
