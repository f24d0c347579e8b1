import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_wgan
from keras_wgan import penalties
from keras_wgan.data import make_dataset
from keras_wgan.networks.stacked import build_stacked_networks
from tests.helpers import tiny_dcgan_pair


@pytest.fixture
def policy():
    def set_policy(name):
        keras.mixed_precision.set_global_policy(name)

    yield set_policy
    keras.mixed_precision.set_global_policy("float32")


def build(cls):
    generator, critic = tiny_dcgan_pair()
    return cls(generator, critic, critic_steps=2, seed=0)


@pytest.mark.parametrize("cls", [keras_wgan.WGAN, keras_wgan.WGANGP])
def test_mixed_bfloat16_trains_with_float32_outputs_and_metrics(policy, cls):
    policy("mixed_bfloat16")
    model = build(cls)
    assert model.critic.layers[1].compute_dtype == "bfloat16"  # the convolutions
    assert model.generator.output.dtype == "float32" and model.critic.output.dtype == "float32"
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1)).astype("float32")
    history = model.fit(make_dataset(images, 4, critic_steps=2), epochs=2, verbose=0)
    assert all(np.all(np.isfinite(values)) for values in history.history.values())
    assert all(v.dtype == "float32" for v in model.critic.trainable_variables)


def _skipped_updates(optimizer):
    """Updates a LossScaleOptimizer skipped: each halved the scale (growth takes 2,000 steps)."""
    return int(round(np.log2(optimizer.initial_scale / float(optimizer.dynamic_scale))))


def _images(count=32):
    return np.random.default_rng(0).uniform(-1, 1, (count, 8, 8, 1)).astype("float32")


@pytest.mark.parametrize("cls", [keras_wgan.WGAN, keras_wgan.WGANGP])
def test_mixed_float16_loss_scales_both_optimizers_and_reports_the_scales(policy, cls):
    policy("mixed_float16")
    model = build(cls)
    assert model.critic.layers[1].compute_dtype == "float16"
    model.compile()
    for optimizer in (model.critic_optimizer, model.generator_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    history = model.fit(make_dataset(_images(), 4, critic_steps=2), epochs=2, verbose=0)
    logs = history.history
    assert all(np.all(np.isfinite(values)) for values in logs.values())
    # 2 epochs of 4 steps: 16 critic and 8 generator updates, applied or skipped.
    critic, generator = model.critic_optimizer, model.generator_optimizer
    assert int(critic.iterations) + _skipped_updates(critic) == 16
    assert int(generator.iterations) + _skipped_updates(generator) == 8
    assert logs["critic_loss_scale"][-1] == float(critic.dynamic_scale)
    assert logs["generator_loss_scale"][-1] == float(generator.dynamic_scale)
    assert all(v.dtype == "float32" for v in model.critic.trainable_variables)


def test_mixed_float16_skips_overflowing_updates_and_halves_the_scale(policy):
    policy("mixed_float16")
    model = build(keras_wgan.WGANGP)
    # A scale of 2**20 overflows float16 (max 65504) at once: updates are skipped, each halving
    # the scale, until the gradients fit (this critic settles at 2**13 or 2**14).
    model.compile(
        generator_optimizer=keras.optimizers.LossScaleOptimizer(
            keras.optimizers.Adam(1e-3), initial_scale=2.0**20
        ),
        critic_optimizer=keras.optimizers.LossScaleOptimizer(
            keras.optimizers.Adam(1e-3), initial_scale=2.0**20
        ),
    )
    before = [np.array(w) for w in model.critic.get_weights()]
    history = model.fit(make_dataset(_images(64), 4, critic_steps=2), epochs=1, verbose=0)
    critic = model.critic_optimizer
    skipped = _skipped_updates(critic)
    assert 3 <= skipped < 16  # some skipped, then training went on
    assert int(critic.iterations) == 16 - skipped
    # The skipped updates' infinite losses are left out of the logs; the weights moved.
    assert all(np.all(np.isfinite(values)) for values in history.history.values())
    after = model.critic.get_weights()
    assert all(np.all(np.isfinite(w)) for w in after)
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))


def test_penalty_loss_scales_the_inner_gradient(policy):
    # A float16 critic whose input gradient, 0.003**3 = 2.7e-8 per input, is below float16's
    # smallest subnormal step (6e-8): unscaled, the inner gradient rounds to 0 or 6e-8; scaled by
    # 2**15 it is 8.8e-4, exact to float16's precision.
    policy("mixed_float16")
    dim = 16

    def dense(units, initializer):
        return keras.layers.Dense(units, use_bias=False, kernel_initializer=initializer)

    critic = keras.Sequential(
        [keras.Input((dim,))]
        + [dense(dim, keras.initializers.Identity(0.003)) for _ in range(2)]
        + [dense(1, keras.initializers.Constant(0.003))]
    )
    assert critic.layers[0].compute_dtype == "float16"
    samples = tf.random.normal((4, dim))
    expected = 0.003**3 * np.sqrt(dim)
    unscaled = penalties.gradient_norms(critic, samples, epsilon=0.0)
    scaled = penalties.gradient_norms(critic, samples, epsilon=0.0, scale=2.0**15)
    assert np.all(np.abs(np.asarray(unscaled) / expected - 1) > 0.5)
    np.testing.assert_allclose(scaled, expected, rtol=2e-3)


def test_stacked_gan_refuses_mixed_float16(policy):
    policy("mixed_float16")
    networks = build_stacked_networks(
        (8, 8, 1), 3, noise_dim=4, condition_dim=2, generator_filters=4, critic_filters=4,
        residual_blocks=1,
    )
    model = keras_wgan.StackedGAN(**networks, seed=0)
    with pytest.raises(ValueError, match="StackedGAN does not support mixed_float16"):
        model.compile()
