import numpy as np
import pytest

from keras_wgan import data
from keras_wgan import evaluation


def test_separated_groups_of_images_make_their_own_clusters():
    rng = np.random.default_rng(0)
    dark = -0.9 + 0.05 * rng.standard_normal((30, 4, 4, 1))
    light = 0.9 + 0.05 * rng.standard_normal((10, 4, 4, 1))
    images = np.concatenate([dark, light]).astype("float32")
    ids, frequencies = data.cluster_images(images, 2, seed=0)
    assert ids.dtype == np.int32 and ids.shape == (40,)
    assert len(set(ids[:30])) == 1 and len(set(ids[30:])) == 1 and ids[0] != ids[-1]
    assert sorted(frequencies) == [0.25, 0.75]
    # The same images and seed give the same clusters.
    np.testing.assert_array_equal(data.cluster_images(images, 2, seed=0)[0], ids)


def test_clusters_of_the_digits_pixels_mostly_agree_with_their_classes():
    images, labels = evaluation.load_split("digits", "train")
    ids, frequencies = data.cluster_images(images, 10, seed=0)
    assert abs(sum(frequencies) - 1) < 1e-9 and min(frequencies) > 0
    # Purity: the share of digits whose cluster's most common class is their own. k-means on
    # the 64 pixels gives about 0.79 (0.79 measured for seeds 0-2).
    majority = {c: np.bincount(labels[ids == c]).argmax() for c in range(10)}
    purity = np.mean([majority[c] == label for c, label in zip(ids, labels)])
    assert 0.7 < purity < 0.9


@pytest.mark.parametrize("clusters", [1, 0, 2.0, True, 41])
def test_bad_cluster_counts_are_refused(clusters):
    images = np.zeros((40, 4, 4, 1), "float32")
    with pytest.raises(ValueError, match="clusters"):
        data.cluster_images(images, clusters)
