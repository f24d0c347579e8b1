import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_wgan
from keras_wgan.data import make_dataset
from keras_wgan.losses import conditioning_kl
from keras_wgan.models.stacked import StackedGAN
from keras_wgan.networks.stacked import build_stacked_networks
from keras_wgan.networks.stacked import build_stage_critic
from tests.helpers import config_round_trip
from tests.helpers import keras_file_round_trip

NUM_CLASSES = 3
NOISE_DIM = 4
CONDITION_DIM = 2


def tiny_networks():
    """8x8 final images, 4x4 at stage I."""
    return build_stacked_networks(
        (8, 8, 1), NUM_CLASSES, noise_dim=NOISE_DIM, condition_dim=CONDITION_DIM,
        generator_filters=4, critic_filters=4, residual_blocks=1,
    )


def tiny_data(count=24, critic_steps=2, batch=4):
    """Images whose constant value encodes their index, labels = index % 3."""
    ids = np.arange(count)
    images = np.broadcast_to((ids / count)[:, None, None, None], (count, 8, 8, 1))
    labels = (ids % NUM_CLASSES).astype("int32")
    return make_dataset(
        (images.astype("float32"), labels), batch, critic_steps=critic_steps, seed=0
    )


def weights_of(network):
    return [np.array(w) for w in network.get_weights()]  # BatchNorm statistics included


def changed(before, after):
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


def test_generator_composes_the_stages_over_the_latent_layout():
    networks = tiny_networks()
    model = StackedGAN(**networks, seed=0)
    assert model.latent_dim == NOISE_DIM + 2 * CONDITION_DIM
    latent = keras.random.normal((5, model.latent_dim), seed=1)
    labels = keras.ops.convert_to_tensor(np.array([0, 1, 2, 0, 1], "int32"))
    low, full = model.generate_stages(latent, labels)
    assert low.shape == (5, 4, 4, 1) and full.shape == (5, 8, 8, 1)
    # By hand: z, eps_1, eps_2 in this order.
    z = latent[:, :NOISE_DIM]
    eps_1 = latent[:, NOISE_DIM : NOISE_DIM + CONDITION_DIM]
    eps_2 = latent[:, NOISE_DIM + CONDITION_DIM :]
    low_by_hand = networks["stage1_generator"]([z, labels, eps_1])
    by_hand = networks["stage2_generator"]([low_by_hand, labels, eps_2])
    np.testing.assert_allclose(model.generate(latent, labels), by_hand, atol=1e-6)
    np.testing.assert_allclose(full, by_hand, atol=1e-6)
    # The condition noise matters: eps_2 changes the stage-II image, not the stage-I one.
    other = keras.ops.concatenate([latent[:, : NOISE_DIM + CONDITION_DIM], -eps_2], axis=1)
    other_low, other_full = model.generate_stages(other, labels)
    np.testing.assert_allclose(other_low, low, atol=1e-6)
    assert np.max(np.abs(keras.ops.convert_to_numpy(other_full - full))) > 1e-5
    # NumPy inputs as well (labels sit beside stage I's images in stage II's inputs).
    _, from_arrays = model.generate_stages(
        keras.ops.convert_to_numpy(latent), np.array([0, 1, 2, 0, 1], "int32")
    )
    np.testing.assert_allclose(from_arrays, full, atol=1e-6)


def test_kl_term_matches_the_hand_computed_divergence():
    mean = np.array([[0.5, -1.0], [0.0, 2.0]], "float32")
    log_sigma = np.array([[0.1, -0.3], [0.0, 0.4]], "float32")
    # KL(N(mu, sigma^2) || N(0, 1)) per dimension = 0.5 * (mu^2 + sigma^2 - 1) - log(sigma).
    per_example = [
        sum(0.5 * (m**2 + np.exp(2 * s) - 1) - s for m, s in zip(row_m, row_s))
        for row_m, row_s in zip(mean.tolist(), log_sigma.tolist())
    ]
    np.testing.assert_allclose(conditioning_kl(mean, log_sigma), np.mean(per_example), rtol=1e-6)
    np.testing.assert_allclose(conditioning_kl(np.zeros((3, 2)), np.zeros((3, 2))), 0.0)

    model = StackedGAN(**tiny_networks(), seed=0)
    table = np.array(
        [[0.5, -1.0, 0.1, -0.3], [0.0, 2.0, 0.0, 0.4], [1.0, 1.0, -1.0, 0.0]], "float32"
    )
    augmentation = model.stage1_generator.get_layer("conditioning_augmentation")
    augmentation.means.set_weights([table[:, :2]])
    augmentation.log_sigmas.set_weights([table[:, 2:]])
    labels = np.array([0, 1, 1, 2], "int32")
    m, s = table[labels, :2].astype("float64"), table[labels, 2:].astype("float64")
    expected = np.mean(np.sum(0.5 * (m**2 + np.exp(2 * s) - 1) - s, axis=1))
    np.testing.assert_allclose(
        model.stage_kl(1, keras.ops.convert_to_tensor(labels)), expected, rtol=1e-5
    )
    # Stage II: its own tables, log_sigma = 0 at the start: KL = 0.5 * sum(mean^2).
    stage2 = model.stage2_generator.get_layer("conditioning_augmentation").means.get_weights()[0]
    np.testing.assert_allclose(
        model.stage_kl(2, keras.ops.convert_to_tensor(labels)),
        np.mean(0.5 * np.sum(stage2[labels].astype("float64") ** 2, axis=1)),
        rtol=1e-5,
    )
    with pytest.raises(ValueError, match="stage='joint'"):
        model.stage_kl("joint", labels)


class Recording(StackedGAN):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def _update_stage_critic(self, stage, critic, optimizer, real, fake, labels):
        self.seen.append(
            (stage, keras.ops.convert_to_numpy(real), keras.ops.convert_to_numpy(labels))
        )
        return super()._update_stage_critic(stage, critic, optimizer, real, fake, labels)


def test_joint_step_trains_both_stages_with_the_kl_in_the_generator_loss():
    model = Recording(**tiny_networks(), critic_steps=2, kl_weight=0.5, seed=0)
    model.compile(run_eagerly=True)
    history = model.fit(tiny_data(count=8), epochs=1, verbose=0)  # one step
    logs = {name: values[-1] for name, values in history.history.items()}
    expected = (
        logs["stage1_generator_loss"] + logs["stage2_generator_loss"]
        + 0.5 * (logs["stage1_kl"] + logs["stage2_kl"])
    )
    np.testing.assert_allclose(logs["generator_loss"], expected, rtol=1e-5)
    assert logs["stage1_kl"] > 0 and logs["stage2_kl"] > 0
    np.testing.assert_allclose(
        logs["critic_loss"], logs["stage1_critic_loss"] + logs["stage2_critic_loss"], rtol=1e-5
    )
    # Each critic update trains both critics on the same real batch; stage I sees it pooled.
    assert [stage for stage, _, _ in model.seen] == [1, 2, 1, 2]
    for (_, low_real, low_labels), (_, real, labels) in zip(model.seen[::2], model.seen[1::2]):
        assert low_real.shape == (4, 4, 4, 1) and real.shape == (4, 8, 8, 1)
        pooled = real.reshape(4, 4, 2, 4, 2, 1).mean(axis=(2, 4))
        np.testing.assert_allclose(low_real, pooled, atol=1e-6)
        np.testing.assert_array_equal(low_labels, labels)
        ids = np.rint(real[:, 0, 0, 0] * 8).astype(int)
        np.testing.assert_array_equal(labels, ids % NUM_CLASSES)


def stage_weights(model):
    """`(stage I's, stage II's)` weights: generator and critic of each."""
    return (
        weights_of(model.stage1_generator) + weights_of(model.stage1_critic),
        weights_of(model.stage2_generator) + weights_of(model.critic),
    )


def test_stages_train_alone_and_round_trip_through_config_and_keras_file(tmp_path):
    # One model through a stacked GAN's life (stage I, saved, loaded, stage II, stage I again):
    # three traced train steps, where separate tests for the stages and the round trip took five.
    model = StackedGAN(**tiny_networks(), stage=1, critic_steps=2, kl_weight=0.25, seed=3)
    model.compile()
    stage1, stage2 = stage_weights(model)
    history = model.fit(tiny_data(count=8), epochs=1, verbose=0)  # one step
    assert not any(name.startswith("stage2") for name in history.history)
    assert not changed(stage2, stage_weights(model)[1])
    assert changed(stage1, stage_weights(model)[0])

    clone = config_round_trip(model)
    assert (clone.stage, clone.kl_weight, clone.critic_steps, clone.latent_dim) == (1, 0.25, 2, 8)
    latent = keras.random.normal((3, model.latent_dim), seed=5)
    labels = keras.ops.convert_to_tensor(np.array([2, 0, 1], "int32"))
    images = keras.ops.convert_to_numpy(model.generate(latent, labels))
    restored = keras_file_round_trip(model, tmp_path)
    assert restored.stage == 1
    np.testing.assert_allclose(restored.generate(latent, labels), images, atol=1e-6)
    assert int(restored.stage1_critic_optimizer.iterations) == 2
    np.testing.assert_array_equal(
        restored.seed_generator.state.numpy(), model.seed_generator.state.numpy()
    )

    # Still trainable after loading, in the stage not trained before saving: stage II freezes
    # stage I. Keras's TensorBoard callback works with the stacked model too.
    restored.stage = 2
    stage1, stage2 = stage_weights(restored)
    board = keras.callbacks.TensorBoard(tmp_path / "logs", histogram_freq=1)
    history = restored.fit(tiny_data(), epochs=1, verbose=0, callbacks=[board])
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    events = accumulator.EventAccumulator(
        str(tmp_path / "logs" / "train"), size_guidance={"tensors": 0}
    )
    events.Reload()
    assert "epoch_stage2_wasserstein_estimate" in events.Tags()["tensors"]
    assert not any(name.startswith("stage1") for name in history.history)
    assert "stage2_wasserstein_estimate" in history.history
    assert not changed(stage1, stage_weights(restored)[0])
    assert changed(stage2, stage_weights(restored)[1])

    restored.stage = 1  # takes effect at the next fit: the train step is traced again
    stage1, stage2 = stage_weights(restored)
    history = restored.fit(tiny_data(), epochs=1, verbose=0)
    assert not any(name.startswith("stage2") for name in history.history)
    assert not changed(stage2, stage_weights(restored)[1])
    assert changed(stage1, stage_weights(restored)[0])
    assert int(restored.stage1_critic_optimizer.iterations) == 2 + 6  # + 3 steps x 2 updates


def test_export_serves_the_keras_generator(tmp_path):
    model = StackedGAN(**tiny_networks(), seed=0)
    path = keras_wgan.export_generator(model, tmp_path / "stacked", num_classes=NUM_CLASSES)
    loaded = tf.saved_model.load(path)
    latent = np.random.default_rng(0).standard_normal((4, model.latent_dim)).astype("float32")
    labels = np.array([0, 2, 1, 2], "int32")
    served = loaded.signatures["serving_default"](
        latent=tf.constant(latent), labels=tf.constant(labels)
    )
    np.testing.assert_allclose(served["images"], model.generate(latent, labels), atol=1e-5)
    assert served["images"].shape == (4, 8, 8, 1)


def test_refuses_bad_arguments():
    networks = tiny_networks()
    with pytest.raises(ValueError, match="stage=3"):
        StackedGAN(**networks, stage=3)
    with pytest.raises(ValueError, match="kl_weight=-1"):
        StackedGAN(**networks, kl_weight=-1.0)
    with pytest.raises(ValueError, match="kl_weight=inf"):
        StackedGAN(**networks, kl_weight=float("inf"))
    with pytest.raises(ValueError, match="stage1_critic"):
        StackedGAN(**{**networks, "stage1_critic": networks["stage2_critic"]})
    with pytest.raises(ValueError, match="stage2_generator=None"):
        StackedGAN(**{**networks, "stage2_generator": None})
    images = keras.Input((8, 8, 1))
    labels = keras.Input((), dtype="int32")
    features = keras.layers.Flatten()(keras.layers.BatchNormalization()(images))
    scores = keras.layers.Dense(1)(features)
    with pytest.raises(ValueError, match="BatchNormalization"):
        StackedGAN(**{**networks, "stage2_critic": keras.Model([images, labels], scores)})
    model = StackedGAN(**networks)
    with pytest.raises(ValueError, match="stage='both'"):
        model.stage = "both"
    # A critic at another resolution than its stage's images.
    with pytest.raises(ValueError, match="stage2_critic's input"):
        wrong = build_stage_critic((16, 16, 1), NUM_CLASSES, 4)
        StackedGAN(**{**networks, "stage2_critic": wrong})
