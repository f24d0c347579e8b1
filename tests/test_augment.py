import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import augment

# A policy's uniforms per transformation: its parameters, then its gate.
COLOR = "color"  # brightness (u, gate), saturation (u, gate), contrast (u, gate)


def one_hot_image(row, column, size=8):
    image = np.zeros((size, size, 1), "float32")
    image[row, column, 0] = 1.0
    return image


def test_translation_moves_a_pixel_by_the_shift_and_drops_it_past_the_edge():
    images = np.stack([one_hot_image(2, 3), one_hot_image(2, 3), one_hot_image(0, 0)])
    shifts = np.array([[1, -2], [0, 5], [-1, 0]])
    moved = augment.translate(images, shifts).numpy()
    np.testing.assert_array_equal(moved[0], one_hot_image(3, 1))
    assert moved[0].sum() == 1.0
    np.testing.assert_array_equal(moved[1], 0.0)  # column 3 + 5 = 8, off the image
    np.testing.assert_array_equal(moved[2], 0.0)  # row 0 - 1, off the image


def test_translation_gradient_is_one_on_the_pixels_that_stay_in_the_image():
    images = tf.constant(np.random.default_rng(0).standard_normal((1, 8, 8, 1)), "float32")
    with tf.GradientTape() as tape:
        tape.watch(images)
        total = tf.reduce_sum(augment.translate(images, np.array([[1, -2]])))
    expected = np.zeros((1, 8, 8, 1), "float32")
    expected[0, :7, 2:] = 1.0  # the last row moves out below, the first two columns out left
    np.testing.assert_array_equal(tape.gradient(total, images).numpy(), expected)


def test_cutout_zeroes_the_rectangle_clipped_to_the_image():
    images = np.ones((2, 8, 8, 3), "float32")
    out = augment.cutout(images, np.array([[2, 3], [-2, 6]]), (4, 4)).numpy()
    expected = np.ones((8, 8, 3), "float32")
    expected[2:6, 3:7] = 0.0
    np.testing.assert_array_equal(out[0], expected)
    assert (out[1] == 0).sum() == 2 * 2 * 3  # rows 0-1, columns 6-7
    np.testing.assert_array_equal(out[1, :2, 6:], 0.0)


def test_colour_transformations_are_exact():
    images = np.array([[[[0.2, -0.4, 0.5]]], [[[0.1, 0.1, 0.4]]]], "float32")  # 2 images, 1x1 RGB
    brighter = augment.adjust_brightness(images, np.array([0.25, -0.5])).numpy()
    np.testing.assert_allclose(brighter, images + np.array([0.25, -0.5])[:, None, None, None])
    saturated = augment.adjust_saturation(images, np.array([2.0, 0.0])).numpy()
    mean = images.mean(axis=3, keepdims=True)
    np.testing.assert_allclose(saturated[0], mean[0] + 2.0 * (images[0] - mean[0]), atol=1e-6)
    np.testing.assert_allclose(saturated[1], np.broadcast_to(mean[1], (1, 1, 3)), atol=1e-6)
    grey = np.random.default_rng(0).standard_normal((2, 4, 4, 1)).astype("float32")
    np.testing.assert_allclose(augment.adjust_saturation(grey, np.array([0.0, 2.0])), grey)
    contrasted = augment.adjust_contrast(grey, np.array([1.5, 0.5])).numpy()
    means = grey.mean(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(contrasted.mean(axis=(1, 2, 3)), means.ravel(), atol=1e-6)
    np.testing.assert_allclose(
        contrasted - means, (grey - means) * np.array([1.5, 0.5])[:, None, None, None], atol=1e-6
    )


def test_uniforms_map_to_diffaugment_ranges():
    images = np.random.default_rng(0).standard_normal((1, 8, 8, 1)).astype("float32")
    # Brightness u=0.75 (offset +0.25); saturation and contrast u=0.5 (factor 1); gates 0.
    uniforms = np.array([[0.75, 0.0, 0.5, 0.0, 0.5, 0.0]], "float32")
    np.testing.assert_allclose(augment.augment(images, uniforms, COLOR), images + 0.25, atol=1e-6)
    # Translation on 8x8: shifts in [-1, 1]; u=0 gives -1 (up), u near 1 gives +1 (right).
    one_hot = one_hot_image(4, 4)[None]
    moved = augment.augment(one_hot, np.array([[0.0, 0.99, 0.0]]), "translation").numpy()
    np.testing.assert_array_equal(moved[0], one_hot_image(3, 5))
    # Cutout on 8x8: a 4x4 square, its centre in 0..8; u = 4.5 / 9 centres it on (4, 4).
    ones = np.ones((1, 8, 8, 1), "float32")
    out = augment.augment(ones, np.array([[0.5, 0.5, 0.0]]), "cutout").numpy()
    expected = np.ones((8, 8, 1), "float32")
    expected[2:6, 2:6] = 0.0
    np.testing.assert_array_equal(out[0], expected)


def test_gates_apply_each_transformation_below_the_probability():
    images = np.zeros((2, 8, 8, 1), "float32")
    # Brightness +0.25 on both images, its gate 0.3 on the first and 0.7 on the second;
    # saturation and contrast gated off (0.9).
    uniforms = np.array([[0.75, 0.3, 0.5, 0.9, 0.5, 0.9], [0.75, 0.7, 0.5, 0.9, 0.5, 0.9]])
    out = augment.augment(images, uniforms, COLOR, probability=0.5).numpy()
    np.testing.assert_allclose(out[0], 0.25)
    np.testing.assert_allclose(out[1], 0.0)
    # At probability 0 nothing changes (up to rounding), whatever the uniforms.
    uniforms = np.random.default_rng(1).uniform(size=(2, 12))
    noisy = np.random.default_rng(2).standard_normal((2, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(augment.augment(noisy, uniforms, probability=0.0), noisy, atol=1e-6)


def test_policies_are_checked_and_counted():
    assert augment.transformations("color,translation,cutout") == (
        "brightness", "saturation", "contrast", "translation", "cutout"
    )
    assert augment.uniform_count("color,translation,cutout") == 12
    for policy in ("color,zoom", "", "cutout,cutout", None):
        with pytest.raises(ValueError, match=f"augment_policy={policy!r}"):
            augment.transformations(policy)


def test_augmentation_is_the_same_under_xla():
    images = np.random.default_rng(0).standard_normal((4, 8, 8, 3)).astype("float32")
    uniforms = np.random.default_rng(1).uniform(size=(4, 12)).astype("float32")
    compiled = tf.function(augment.augment, jit_compile=True)
    np.testing.assert_allclose(
        compiled(images, uniforms), augment.augment(images, uniforms), atol=1e-6
    )


def test_overfitting_heuristic_is_the_sign_from_the_middle_of_the_scores():
    real = np.array([[3.0], [4.0], [5.0], [6.0]], "float32")
    fake = np.array([[0.0], [1.0], [0.0], [1.0]], "float32")
    assert augment.overfitting_heuristic(real, fake).numpy() == 1.0
    # A constant added to every score (which a Wasserstein critic does not see) changes nothing.
    assert augment.overfitting_heuristic(real - 100, fake - 100).numpy() == 1.0
    mixed = np.array([[-2.0], [2.0], [-1.0], [1.0]], "float32")
    assert augment.overfitting_heuristic(mixed, -mixed).numpy() == 0.0


def test_adjusted_probability_steps_by_the_sign_and_stays_in_range():
    assert np.isclose(augment.adjusted_probability(0.5, 1.0, 0.6, 0.01), 0.51)
    assert np.isclose(augment.adjusted_probability(0.5, 0.0, 0.6, 0.01), 0.49)
    assert augment.adjusted_probability(0.0, -1.0, 0.6, 0.01) == 0.0
    assert augment.adjusted_probability(0.995, 1.0, 0.6, 0.01) == 1.0


def test_ada_probability_rises_on_positive_real_scores_and_falls_on_mixed_ones():
    layer = augment.Augmentation(adaptive=True)
    step = 4 * 64 / 500_000  # an interval of 4 critic updates of 64 real images
    for _ in range(3):
        layer.observe(1.0, 64)
    assert layer.probability.numpy() == 0.0  # not yet a whole interval
    layer.observe(1.0, 64)
    assert np.isclose(layer.probability.numpy(), step)
    assert layer.update_count.numpy() == 0.0 and layer.image_total.numpy() == 0.0
    layer.probability.assign(0.5)
    real, fake = np.array([[-2.0], [2.0], [-1.0], [1.0]]), np.array([[2.0], [-2.0], [1.0], [-1]])
    for _ in range(4):  # mixed real scores: r_t = 0 < 0.6
        layer.observe(augment.overfitting_heuristic(real, fake), 64)
    assert np.isclose(layer.probability.numpy(), 0.5 - step)


def test_diffaugment_layer_has_no_state_and_serializes():
    layer = augment.Augmentation("translation,cutout")
    assert layer.weights == [] and layer.probability is None
    restored = augment.Augmentation.from_config(layer.get_config())
    assert (restored.policy, restored.adaptive, restored.uniform_count) == (
        "translation,cutout", False, 6
    )
