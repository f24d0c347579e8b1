"""`fit` on NumPy arrays: `batch_size` is the batch of each critic update, as with make_dataset."""

import keras
import numpy as np
import pytest

import keras_wgan
from keras_wgan import networks
from keras_wgan.data import make_dataset


def recording(cls):
    """`cls` that records the real batch (and labels) of every critic update, run eagerly."""

    class Recording(cls):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.seen = []

        def update_critic(self, real, labels=None):
            super().update_critic(real, labels)
            self.seen.append(
                (keras.ops.convert_to_numpy(real), None if labels is None
                 else keras.ops.convert_to_numpy(labels))
            )

    return Recording


def tiny(cls, critic_steps, num_classes=None, seed=0):
    generator = networks.build_mlp_generator(
        2, latent_dim=2, hidden_units=(4,), num_classes=num_classes
    )
    critic = networks.build_mlp_critic(2, hidden_units=(4,), num_classes=num_classes)
    model = recording(cls)(generator, critic, critic_steps=critic_steps, seed=seed)
    model.compile(run_eagerly=True)
    return model


def numbered_points(count):
    """Points `[i, 0]`: the first coordinate tells which sample a critic batch holds."""
    return np.stack([np.arange(count, dtype="float32"), np.zeros(count, "float32")], axis=1)


def ids_seen(model):
    return np.concatenate([real[:, 0] for real, _ in model.seen]).astype(int)


@pytest.mark.parametrize(
    "cls, critic_steps", [(keras_wgan.WGAN, 3), (keras_wgan.WGANGP, 2), (keras_wgan.GAN, 1)]
)
def test_an_epoch_on_arrays_is_one_pass_in_generator_steps_of_batch_size_critic_batches(
    cls, critic_steps
):
    model = tiny(cls, critic_steps)
    model.fit(numbered_points(26), batch_size=4, epochs=2, verbose=0)
    steps = 26 // (4 * critic_steps)  # an epoch, partial batches dropped
    assert int(model.generator_optimizer.iterations) == 2 * steps
    assert int(model.critic_optimizer.iterations) == 2 * steps * critic_steps
    assert [real.shape for real, _ in model.seen] == [(4, 2)] * (2 * steps * critic_steps)
    # Each epoch sees distinct samples, reshuffled: the second pass in another order.
    first, second = np.split(ids_seen(model), 2)
    assert len(set(first)) == len(first) and len(set(second)) == len(second)
    assert not np.array_equal(first, second)


def in_step_order(ids, batch_size, critic_steps):
    """`ids` as the critic updates see them: each step takes the next `batch_size *
    critic_steps` samples, row `i` to update `i % critic_steps` (the data contract)."""
    steps = np.reshape(ids, (-1, batch_size, critic_steps))
    return np.transpose(steps, (0, 2, 1)).ravel()


def test_shuffle_false_gives_the_samples_in_order_every_epoch():
    model = tiny(keras_wgan.WGANGP, critic_steps=2)
    model.fit(numbered_points(16), batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_array_equal(ids_seen(model), np.tile(in_step_order(np.arange(16), 4, 2), 2))


def test_steps_per_epoch_goes_on_with_the_same_pass_as_keras_does():
    model = tiny(keras_wgan.WGANGP, critic_steps=2)
    history = model.fit(
        numbered_points(16), batch_size=4, epochs=2, steps_per_epoch=1, shuffle=False, verbose=0
    )
    assert len(history.history["critic_loss"]) == 2
    np.testing.assert_array_equal(ids_seen(model), in_step_order(np.arange(16), 4, 2))


def test_batch_size_is_ignored_with_a_dataset_as_keras_does():
    import warnings

    model = tiny(keras_wgan.WGANGP, critic_steps=2)
    with warnings.catch_warnings():
        # make_dataset shuffles: no "`shuffle=True` was passed, but will be ignored" from Keras.
        warnings.simplefilter("error", UserWarning)
        model.fit(make_dataset(numbered_points(16), 4, critic_steps=2), batch_size=64, verbose=0)
    assert [real.shape for real, _ in model.seen] == [(4, 2)] * 4


def test_a_seeded_model_repeats_its_orders_and_a_second_fit_shuffles_anew():
    points = numbered_points(16)
    model, twin = tiny(keras_wgan.WGAN, 2, seed=3), tiny(keras_wgan.WGAN, 2, seed=3)
    model.fit(points, batch_size=4, verbose=0)
    twin.fit(points, batch_size=4, verbose=0)
    np.testing.assert_array_equal(ids_seen(model), ids_seen(twin))
    first = ids_seen(model)
    model.fit(points, batch_size=4, verbose=0)
    assert not np.array_equal(ids_seen(model)[len(first):], first)


@pytest.mark.parametrize("form", ["x, y", "x=(samples, labels)"])
def test_a_conditional_model_fits_on_samples_and_labels(form):
    model = tiny(keras_wgan.WGANGP, critic_steps=2, num_classes=3)
    points, labels = numbered_points(24), np.arange(24) % 3
    data = (points, labels) if form == "x, y" else ((points, labels), None)
    model.fit(*data, batch_size=3, epochs=1, verbose=0)
    assert int(model.generator_optimizer.iterations) == 4
    assert int(model.critic_optimizer.iterations) == 8
    for real, batch_labels in model.seen:
        assert real.shape == (3, 2)
        np.testing.assert_array_equal(batch_labels, real[:, 0].astype(int) % 3)


def test_refused_arguments_stop_fit_before_any_update():
    model = tiny(keras_wgan.WGAN, critic_steps=2)
    points = numbered_points(16)
    with pytest.raises(ValueError, match=r"validation_data=a tuple of 2 items"):
        model.fit(points, validation_data=(points, points), verbose=0)
    unconditional = r"is unconditional: .*Received: labels=an array of shape \(16,\)"
    with pytest.raises(ValueError, match=unconditional):
        model.fit(points, np.zeros(16, "int32"), verbose=0)
    assert int(model.critic_optimizer.iterations) == 0 and not model.seen
