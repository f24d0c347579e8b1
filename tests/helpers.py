"""Small networks, data, configurations and round-trip checks shared by the tests."""

import json
import socket

import keras
import numpy as np

from keras_wgan import WGANGP
from keras_wgan import networks


def tiny_mlp_pair(units=(8, 8), latent_dim=2, dim=2, critic_normalization=None):
    generator = networks.build_mlp_generator(
        output_dim=dim, latent_dim=latent_dim, hidden_units=units
    )
    critic = networks.build_mlp_critic(
        input_dim=dim, hidden_units=units, normalization=critic_normalization
    )
    return generator, critic


def tiny_dcgan_pair(num_classes=None, normalization="layer"):
    """DCGAN networks for 8x8x1 images with 4 base filters and a latent of 4."""
    generator = networks.build_generator(
        (8, 8, 1), latent_dim=4, base_filters=4, num_classes=num_classes
    )
    critic = networks.build_critic(
        (8, 8, 1), base_filters=4, normalization=normalization, num_classes=num_classes
    )
    return generator, critic


def tiny_image_model():
    """A compiled WGAN-GP on `tiny_dcgan_pair` (8x8x1 images), critic_steps=2."""
    generator, critic = tiny_dcgan_pair()
    model = WGANGP(generator, critic, critic_steps=2, seed=0)
    model.compile()
    return model


def tiny_model(cls=WGANGP, critic_steps=2, seed=1, compiled=True, **kwargs):
    """A `cls` model on 2-D MLPs of 8x8 units, seeded so that its initial weights repeat."""
    keras.utils.set_random_seed(0)
    generator, critic = tiny_mlp_pair()
    model = cls(generator, critic, critic_steps=critic_steps, seed=seed, **kwargs)
    if compiled:
        model.compile()
    return model


def tiny_model_with_average(cls=WGANGP, **kwargs):
    """`tiny_model` keeping a generator EMA whose weights are moved off the generator's (by 0.5),
    so that the averaged and the trained generator sample differently without training."""
    model = tiny_model(cls, ema_decay=0.9, **kwargs)
    model.ema_generator.set_weights([w + 0.5 for w in model.ema_generator.get_weights()])
    return model


def toy_points(count, seed=0):
    return np.random.default_rng(seed).standard_normal((count, 2)).astype("float32")


def tiny_config(tmp_path, **overrides):
    """A `TrainConfig` for ring8 on 8x8 MLPs: 320 points, 5 generator steps an epoch, 2 epochs.

    An epoch is one pass over the samples (`steps_per_epoch=0`), on digits too.
    """
    from keras_wgan import run_config

    fields = dict(
        dataset="ring8", epochs=2, hidden_units=(8, 8), num_samples=320, batch_size=32,
        critic_steps=2, steps_per_epoch=0, saved_models_dir=str(tmp_path / "saved_models"),
        verbose=0,
    )
    fields.update(overrides)
    return run_config.TrainConfig(**fields)


def first_examples(dataset, count):
    """The first `count` elements of a `tf.data.Dataset`, as NumPy."""
    return list(dataset.take(count).as_numpy_iterator())


def as_json(value):
    """`value` as JSON reads it back (tuples become lists)."""
    return json.loads(json.dumps(value))


def config_round_trip(instance):
    """Serializes a Keras object through JSON text and back; the type and config must survive."""
    restored = keras.saving.deserialize_keras_object(
        as_json(keras.saving.serialize_keras_object(instance))
    )
    assert type(restored) is type(instance)
    assert as_json(restored.get_config()) == as_json(instance.get_config())
    return restored


def keras_file_round_trip(model, directory, name="model.keras"):
    """Saves `model` to a `.keras` file in `directory` and loads it back with no custom objects."""
    path = directory / name
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored) is type(model)
    return restored


def training_state(model):
    """Every variable a resumed run depends on: weights, both optimizers, the seed state."""
    return (
        [v.numpy() for v in model.weights]
        + [v.numpy() for v in model.generator_optimizer.variables]
        + [v.numpy() for v in model.critic_optimizer.variables]
        + [model.seed_generator.state.numpy()]
    )


def assert_same_training_state(model, other):
    ours, theirs = training_state(model), training_state(other)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


class PixelFeatures:
    """A stand-in extractor: the raw pixels as features, no class probabilities."""

    name = "pixels"

    def __call__(self, images):
        images = np.asarray(images, "float64")
        return images.reshape(len(images), -1), None

    def describe(self, accuracy=None):
        return "raw pixels"


def free_ports(count):
    """Ports free on localhost now (held open together, so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("localhost", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
