"""`interpolate` and `slerp`: paths between latents and between classes, ends included."""

import numpy as np
import pytest

from keras_wgan import WGANGP
from keras_wgan import evaluation
from keras_wgan import networks
from keras_wgan.evaluation.interpolation import slerp
from keras_wgan.evaluation.sampling import seeded_latent
from tests.helpers import keras_file_round_trip
from tests.helpers import tiny_dcgan_pair


@pytest.fixture(scope="module")
def unconditional():
    return tiny_dcgan_pair()[0]


@pytest.fixture(scope="module")
def conditional():
    return tiny_dcgan_pair(num_classes=3)[0]


def ends(rows, seed=0, truncation=None, latent_dim=4):
    return seeded_latent(2 * rows, latent_dim, seed, truncation).reshape(rows, 2, latent_dim)


def angle(a, b):
    cosine = np.sum(a * b, -1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.arccos(np.clip(cosine, -1, 1))


def test_slerp_keeps_the_ends_exactly():
    rng = np.random.default_rng(0)
    start, end = rng.standard_normal((2, 5, 16)).astype("float32")
    path = slerp(start, end, np.linspace(0, 1, 9))
    assert path.shape == (5, 9, 16) and path.dtype == np.float32
    np.testing.assert_array_equal(path[:, 0], start)
    np.testing.assert_array_equal(path[:, -1], end)


def test_slerp_between_equal_norms_runs_on_the_sphere_at_constant_angular_speed():
    rng = np.random.default_rng(1)
    start, end = rng.standard_normal((2, 64, 128))
    end *= (np.linalg.norm(start, axis=-1) / np.linalg.norm(end, axis=-1))[:, None]
    fractions = np.linspace(0, 1, 7)
    path = slerp(start, end, fractions)
    norms = np.linalg.norm(path, axis=-1)
    np.testing.assert_allclose(norms / np.linalg.norm(start, axis=-1)[:, None], 1.0, rtol=1e-5)
    for k, fraction in enumerate(fractions):
        np.testing.assert_allclose(
            angle(start, path[:, k]), fraction * angle(start, end), atol=1e-3
        )
    # A straight line cuts inside: about 1/sqrt(2) of the norm halfway, for Gaussian latents.
    assert np.all(np.linalg.norm((start + end) / 2, axis=-1) < 0.8 * norms[:, 3])


def test_slerp_of_parallel_ends_is_the_straight_line():
    start = np.ones((1, 3))
    np.testing.assert_allclose(slerp(start, 2 * start, [0.0, 0.5, 1.0])[0, 1], 1.5 * start[0])


@pytest.mark.parametrize("truncation", [None, 0.5])
def test_latent_rows_end_at_the_generator_samples_of_their_end_latents(unconditional, truncation):
    rows = evaluation.interpolate(unconditional, steps=5, rows=3, seed=2, truncation=truncation)
    assert rows.shape == (3, 5, 8, 8, 1)
    latents = ends(3, seed=2, truncation=truncation)
    np.testing.assert_allclose(rows[:, 0], unconditional(latents[:, 0]).numpy(), atol=1e-6)
    np.testing.assert_allclose(rows[:, -1], unconditional(latents[:, 1]).numpy(), atol=1e-6)
    assert not np.allclose(rows[:, 2], rows[:, 0], atol=1e-3)


def test_class_rows_visit_every_class_at_a_fixed_latent(conditional):
    rows = evaluation.interpolate(conditional, steps=4, seed=1)
    assert rows.shape == (3, 4, 8, 8, 1)  # one row per class: 0 -> 1, 1 -> 2, 2 -> 0
    latent = ends(3, seed=1)[:, 0]
    for column, labels in ((0, [0, 1, 2]), (-1, [1, 2, 0])):
        expected = conditional([latent, np.int32(labels)]).numpy()
        np.testing.assert_allclose(rows[:, column], expected, atol=1e-6)


def test_chosen_classes_are_visited_in_turn_and_one_class_gives_latent_rows(conditional):
    rows = evaluation.interpolate(conditional, steps=3, rows=3, seed=1, classes=[2, 0])
    latent = ends(3, seed=1)[:, 0]
    np.testing.assert_allclose(
        rows[:, -1], conditional([latent, np.int32([0, 2, 0])]).numpy(), atol=1e-6
    )
    within = evaluation.interpolate(conditional, steps=3, rows=2, seed=1, classes=[2])
    latents = ends(2, seed=1)
    np.testing.assert_allclose(
        within[:, -1], conditional([latents[:, 1], np.int32([2, 2])]).numpy(), atol=1e-6
    )


def test_a_saved_conditional_model_interpolates_between_classes(tmp_path):
    generator, critic = tiny_dcgan_pair(num_classes=3)
    model = WGANGP(generator, critic, seed=0)
    model.compile()
    restored = keras_file_round_trip(model, tmp_path)
    np.testing.assert_allclose(
        evaluation.interpolate(restored, steps=3, seed=4),
        evaluation.interpolate(model, steps=3, seed=4),
        atol=1e-6,
    )


def test_a_cluster_sampler_keeps_each_row_in_its_cluster(conditional):
    sampler = networks.build_cluster_sampler(conditional, [0.5, 0.5, 0.0001])
    rows = evaluation.interpolate(sampler, steps=4, rows=4, seed=3)
    latents = seeded_latent(8, 5, 3, None, 1).reshape(4, 2, 5)
    np.testing.assert_allclose(rows[:, 0], sampler(latents[:, 0]).numpy(), atol=1e-6)
    kept = np.concatenate([latents[:, 0, :1], latents[:, 1, 1:]], axis=1)
    np.testing.assert_allclose(rows[:, -1], sampler(kept).numpy(), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(steps=1), "steps=1"),
        (dict(steps=3, rows=0), "rows=0"),
        (dict(steps=3, classes=[1]), "unconditional generator"),
    ],
)
def test_bad_arguments_are_refused_naming_the_value(unconditional, kwargs, message):
    with pytest.raises(ValueError, match=message):
        evaluation.interpolate(unconditional, **kwargs)


@pytest.mark.parametrize("classes", [[3], [-1], [], [True], [0.5]])
def test_classes_out_of_range_are_refused(conditional, classes):
    with pytest.raises(ValueError, match=r"in \[0, 2\]. Received: classes="):
        evaluation.interpolate(conditional, steps=3, classes=classes)
