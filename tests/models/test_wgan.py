import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_wgan
from keras_wgan import networks
from keras_wgan.data import make_dataset
from tests.helpers import config_round_trip
from tests.helpers import keras_file_round_trip
from tests.helpers import tiny_dcgan_pair
from tests.helpers import tiny_mlp_pair
from tests.helpers import tiny_model
from tests.helpers import toy_points


def tiny_wgan(cls=keras_wgan.WGAN, critic_steps=3, **kwargs):
    return tiny_model(cls, critic_steps=critic_steps, compiled=False, **kwargs)


def test_fit_counts_critic_steps_critic_updates_per_generator_update():
    model = tiny_wgan(critic_steps=3)
    model.compile()
    model.fit(make_dataset(toy_points(96), 4, critic_steps=3), epochs=2, verbose=0)
    steps = 2 * (96 // 12)
    assert int(model.generator_optimizer.iterations) == steps
    assert int(model.critic_optimizer.iterations) == 3 * steps


class RecordingWGAN(keras_wgan.WGAN):
    """Records what each critic update saw and the critic weights right after it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.real_batches, self.largest_weights = [], []

    def update_critic(self, real, labels=None):
        super().update_critic(real, labels)
        self.real_batches.append(keras.ops.convert_to_numpy(real))
        self.largest_weights.append(
            max(float(np.max(np.abs(v.numpy()))) for v in self.critic.trainable_variables)
        )


def test_every_critic_variable_is_clipped_after_every_update():
    model = tiny_wgan(RecordingWGAN, clip_value=0.02)
    # RMSprop's first steps move weights by about the learning rate: make it large so that
    # unclipped weights would leave the bounds at once.
    model.compile(critic_optimizer=keras.optimizers.RMSprop(0.1), run_eagerly=True)
    initial = max(float(np.max(np.abs(v.numpy()))) for v in model.critic.trainable_variables)
    assert initial > 0.02
    model.fit(make_dataset(toy_points(48), 4, critic_steps=3), epochs=1, verbose=0)
    assert len(model.largest_weights) == 12
    assert max(model.largest_weights) <= 0.02


def test_each_critic_update_gets_a_fresh_real_batch():
    points = np.stack([np.arange(48.0), np.zeros(48)], axis=1).astype("float32")  # row ids
    model = tiny_wgan(RecordingWGAN, critic_steps=3)
    model.compile(run_eagerly=True)
    dataset = make_dataset(points, 4, critic_steps=3, shuffle=False)
    model.fit(dataset, epochs=1, verbose=0)
    ids = [batch[:, 0].astype(int).tolist() for batch in model.real_batches]
    assert len(ids) == 12 and all(len(batch) == 4 for batch in ids)
    # Every sample of the epoch feeds exactly one critic update.
    assert sorted(sum(ids, [])) == list(range(48))
    # Within a step, row i of the 12-row element goes to critic update i % 3.
    assert ids[:3] == [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]]


def test_metrics_follow_the_sign_convention():
    model = tiny_wgan()
    model.compile()
    history = model.fit(make_dataset(toy_points(96), 4, critic_steps=3), epochs=1, verbose=0)
    logs = {name: values[-1] for name, values in history.history.items()}
    assert set(logs) == {
        "critic_loss", "generator_loss", "generator_gradient_norm", "wasserstein_estimate",
        "clipped_fraction",
    }
    assert np.isclose(logs["critic_loss"], -logs["wasserstein_estimate"], atol=1e-6)
    assert 0.0 <= logs["clipped_fraction"] <= 1.0


def test_clipped_fraction_counts_weights_at_the_bound():
    model = tiny_wgan(clip_value=0.5)
    for variable in model.critic.trainable_variables:
        variable.assign(np.full(variable.shape, 0.1, "float32"))
    model.critic.trainable_variables[0].assign(
        np.full(model.critic.trainable_variables[0].shape, -0.5, "float32")
    )
    total = sum(np.prod(v.shape) for v in model.critic.trainable_variables)
    expected = np.prod(model.critic.trainable_variables[0].shape) / total
    _, diagnostics = model.critic_penalty(None, None)
    assert np.isclose(float(diagnostics["clipped_fraction"]), expected)


def test_critic_warmup_runs_one_hundred_critic_updates_traced_once():
    traces = []

    class CountingWGAN(keras_wgan.WGAN):
        def train_step(self, data):
            traces.append(1)  # runs once per trace, not per step
            return super().train_step(data)

    generator, critic = tiny_mlp_pair()
    model = CountingWGAN(generator, critic, critic_steps=2, critic_warmup=True, seed=1)
    model.compile(jit_compile=True)
    model.fit(make_dataset(toy_points(24), 4, critic_steps=2), epochs=1, verbose=0)
    assert int(model.generator_optimizer.iterations) == 3
    assert int(model.critic_optimizer.iterations) == 300  # generator steps 0, 1, 2 < 25
    assert len(traces) == 1


def test_critic_warmup_schedule_returns_to_critic_steps_and_every_500th():
    model = tiny_wgan(critic_steps=2, critic_warmup=True)
    model.compile()
    dataset = make_dataset(toy_points(8), 4, critic_steps=2)
    model.generator_optimizer.iterations.assign(30)
    model.fit(dataset, epochs=1, verbose=0)
    assert int(model.critic_optimizer.iterations) == 2
    model.generator_optimizer.iterations.assign(500)
    model.fit(dataset, epochs=1, verbose=0)
    assert int(model.critic_optimizer.iterations) == 102


def test_predict_generates_samples():
    model = tiny_wgan()
    latent = np.random.default_rng(0).standard_normal((5, 2)).astype("float32")
    np.testing.assert_allclose(model.predict(latent, verbose=0), model.generator(latent), atol=1e-6)


def test_seeded_runs_are_repeatable():
    weights = []
    for _ in range(2):
        keras.utils.set_random_seed(7)
        generator, critic = tiny_mlp_pair()
        model = keras_wgan.WGAN(generator, critic, critic_steps=3)
        model.compile()
        model.fit(make_dataset(toy_points(48), 4, 3, seed=0), epochs=1, verbose=0)
        weights.append(model.generator.get_weights())
    for first, second in zip(*weights):
        np.testing.assert_array_equal(first, second)


def test_config_round_trip_is_json():
    model = tiny_wgan(clip_value=0.05, critic_warmup=True)
    restored = config_round_trip(model)
    assert restored.critic.trainable_variables[0].constraint.clip_value == 0.05


def test_keras_file_round_trip_continues_training_identically(tmp_path):
    model = tiny_wgan()
    model.compile(critic_optimizer=keras.optimizers.RMSprop(1e-3))
    dataset = make_dataset(toy_points(48), 4, critic_steps=3, shuffle=False)
    model.fit(dataset, epochs=1, verbose=0)
    restored = keras_file_round_trip(model, tmp_path)

    assert restored.compiled and restored.critic_optimizer.learning_rate.numpy() == np.float32(1e-3)
    for ours, theirs in [
        (model.critic_optimizer, restored.critic_optimizer),
        (model.generator_optimizer, restored.generator_optimizer),
    ]:
        assert len(ours.variables) == len(theirs.variables) > 2  # iterations, rates, slots
        for a, b in zip(ours.variables, theirs.variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(
        model.seed_generator.state.numpy(), restored.seed_generator.state.numpy()
    )

    model.fit(dataset, epochs=1, verbose=0)
    restored.fit(dataset, epochs=1, verbose=0)
    for a, b in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert int(restored.critic_optimizer.iterations) == 2 * 12


def test_image_models_train_on_dcgan_networks():
    images = np.random.default_rng(0).uniform(-1, 1, (40, 8, 8, 1)).astype("float32")
    for cls in (keras_wgan.WGAN, keras_wgan.WGANGP):
        generator, critic = tiny_dcgan_pair()
        model = cls(generator, critic, critic_steps=2)
        model.compile()
        history = model.fit(make_dataset(images, 4, critic_steps=2), epochs=1, verbose=0)
        assert all(np.isfinite(values[-1]) for values in history.history.values())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"critic_steps": 0}, "critic_steps=0"),
        ({"critic_steps": 2.0}, "critic_steps=2.0"),
        ({"clip_value": -1.0}, "clip_value=-1.0"),
        ({"latent_dim": 3}, "latent_dim=3"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    generator, critic = tiny_mlp_pair()
    with pytest.raises(ValueError, match=message):
        keras_wgan.WGAN(generator, critic, **kwargs)


def test_networks_that_do_not_fit_together_are_refused():
    generator = networks.build_mlp_generator(output_dim=3, latent_dim=2, hidden_units=(4,))
    critic = networks.build_mlp_critic(input_dim=2, hidden_units=(4,))
    message = r"makes samples of shape \(3,\) but the critic takes \(2,\)"
    with pytest.raises(ValueError, match=message):
        keras_wgan.WGAN(generator, critic)
    with pytest.raises(ValueError, match="generator"):
        keras_wgan.WGAN("generator", critic)


def test_data_of_the_wrong_shape_is_refused_before_training():
    model = tiny_wgan()
    model.compile()
    images = make_dataset(np.zeros((24, 8, 8, 1), "float32"), 4, critic_steps=3)
    with pytest.raises(ValueError, match=r"shape \(8, 8, 1\) .* generator makes \(2,\)"):
        model.fit(images, verbose=0)
    assert int(model.critic_optimizer.iterations) == 0


def test_batches_not_divisible_by_critic_steps_are_refused():
    model = tiny_wgan(critic_steps=3)
    model.compile()
    dataset = tf.data.Dataset.from_tensor_slices(toy_points(20)).batch(10, drop_remainder=True)
    with pytest.raises(ValueError, match="Received a batch of 10 samples"):
        model.fit(dataset, verbose=0)


# In a graph, eagerly, and under whole-step XLA (which ignores assertions: fit checks the
# first batch before the step).
@pytest.mark.parametrize("compiled", [{}, {"run_eagerly": True}, {"jit_compile": True}])
def test_a_dynamic_batch_that_does_not_split_stops_fit_before_any_update(compiled):
    model = tiny_wgan(critic_steps=2)
    model.compile(**compiled)
    weights, seed = model.get_weights(), model.seed_generator.state.numpy()
    # `batch(15)` without drop_remainder: the batch size is known only in the step.
    dataset = tf.data.Dataset.from_tensor_slices(toy_points(40)).batch(15)
    message = r"Received a batch of 15 samples, not a multiple of 2\. .*critic_steps=model\."
    with pytest.raises(ValueError, match=message):
        model.fit(dataset, verbose=0)
    # The whole step was stopped: no update, no counter, no random draw.
    assert int(model.critic_optimizer.iterations) == int(model.generator_optimizer.iterations) == 0
    np.testing.assert_array_equal(model.seed_generator.state.numpy(), seed)
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_a_dataset_made_for_other_critic_steps_is_refused_and_a_transformed_one_trains():
    model = tiny_wgan(critic_steps=2)
    model.compile()
    with pytest.raises(ValueError, match=r"critic_steps=5\): batches of 20 samples.*"
                       r"Received: dataset critic_steps=5, model critic_steps=2"):
        model.fit(make_dataset(toy_points(40), 4, critic_steps=5), verbose=0)
    # A transformation loses what make_dataset recorded: the batches train unchecked.
    model.fit(make_dataset(toy_points(40), 4, critic_steps=2).take(2), verbose=0)
    assert int(model.generator_optimizer.iterations) == 2


def test_compile_is_checked():
    model = tiny_wgan()
    with pytest.raises(ValueError, match="compile"):
        model.fit(make_dataset(toy_points(24), 4, critic_steps=3), verbose=0)
    optimizer = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="same object"):
        model.compile(generator_optimizer=optimizer, critic_optimizer=optimizer)
    with pytest.raises(ValueError, match="loss"):
        model.compile(loss="mse")


@pytest.mark.parametrize("base", [keras_wgan.WGAN, keras_wgan.WGANGP])
def test_xla_step_compiles_once_and_never_retraces(base):
    traces = []

    class Counting(base):
        def train_step(self, data):
            traces.append(1)  # Python runs only while tracing
            return super().train_step(data)

    generator, critic = tiny_dcgan_pair()
    model = Counting(generator, critic, critic_steps=2, seed=0)
    model.compile(jit_compile=True)
    images = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
    history = model.fit(make_dataset(images, 4, critic_steps=2), epochs=3, verbose=0)
    assert int(model.generator_optimizer.iterations) == 12
    assert len(traces) == 1
    assert all(np.all(np.isfinite(values)) for values in history.history.values())
    if base is keras_wgan.WGAN:
        assert max(float(np.max(np.abs(v))) for v in model.critic.get_weights()) <= 0.01

