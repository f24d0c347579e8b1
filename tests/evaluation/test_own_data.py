"""Your own images: degraded references, the data classifier's key and cached references."""

import numpy as np
import pytest

from keras_wgan import evaluation
from keras_wgan.evaluation import data_classifier
from keras_wgan.evaluation import own_data
from keras_wgan.evaluation import reference_cache


@pytest.mark.parametrize("num_classes, dropped", [
    (2, [0]), (3, [0]), (7, [0, 1]), (10, [0, 1, 2]), (20, [0, 1, 2, 3, 4, 5]),
])
def test_the_degraded_reference_drops_the_first_30_percent_of_the_classes(num_classes, dropped):
    assert own_data.degraded_classes(num_classes) == dropped


def test_unlabelled_data_drops_the_first_clusters_reaching_30_percent_never_all():
    ids = np.repeat([0, 1, 2], [10, 25, 65])
    dropped, share = own_data.dropped_clusters(ids, 3)
    assert dropped == [0, 1] and share == pytest.approx(0.35)
    assert own_data.dropped_clusters(np.repeat([0, 1], [90, 10]), 2) == ([0], 0.9)


def test_clusters_of_images_are_seeded_and_at_most_one_per_six_images():
    images = np.random.default_rng(0).uniform(-1, 1, (30, 32, 32, 3)).astype("float32")
    ids, clusters = own_data.cluster_ids(images, seed=0)
    assert clusters == 5 and ids.shape == (30,)
    assert np.array_equal(ids, own_data.cluster_ids(images, seed=0)[0])


def test_the_content_hash_and_the_classifier_key_follow_images_labels_and_settings():
    images = np.zeros((20, 8, 8, 1), "float32")
    labels = np.arange(20) % 2
    other_labels = labels[::-1].copy()
    assert data_classifier.content_hash(images, labels) != data_classifier.content_hash(
        images, other_labels
    )
    key = data_classifier.data_classifier_key(images, labels, 2)
    assert key == data_classifier.data_classifier_key(images, labels, 2)
    assert key != data_classifier.data_classifier_key(images, labels, 2, seed=1)
    assert data_classifier.data_classifier_epochs(240) == data_classifier.MAX_EPOCHS
    assert data_classifier.data_classifier_epochs(10**6) == data_classifier.MIN_EPOCHS


def test_a_scorer_restored_from_its_state_scores_as_the_original(classifier, digits):
    (images, labels), heldout = digits
    scorer = evaluation.ImageScorer((images, labels), heldout, classifier, num_samples=100)
    restored = evaluation.ImageScorer.from_state(classifier, *scorer.state())
    generated = images[::-1][:100] * 0.9
    assert restored.score(generated) == scorer.score(generated)


def test_references_are_built_once_then_read_from_the_cache(classifier, digits, tmp_path):
    (images, labels), heldout = digits
    built, said = [], []

    def build():
        built.append(1)
        return evaluation.ImageScorer((images, labels), heldout, classifier, num_samples=50)

    extractor = data_classifier.DataClassifierFeatures(classifier, "k")
    key = reference_cache.reference_key("data", extractor, num_samples=50)
    assert key != reference_cache.reference_key("data", extractor, num_samples=60)
    first = reference_cache.cached_scorer(build, extractor, key, tmp_path, log=said.append)
    second = reference_cache.cached_scorer(build, extractor, key, tmp_path, log=said.append)
    assert len(built) == 1 and said[1].startswith("Reusing cached reference statistics from ")
    assert second.references == first.references and second.num_samples == 50
    reference_cache.cached_scorer(build, extractor, key, tmp_path, refresh=True)
    assert len(built) == 2
    with open(reference_cache.reference_path(key, tmp_path), "wb") as file:
        file.write(b"cut short")
    reference_cache.cached_scorer(build, extractor, key, tmp_path, log=said.append)
    assert len(built) == 3 and said[-2].startswith("Cannot read the cached reference statistics")


def test_inception_weights_in_the_keras_cache_are_loaded_and_name_the_statistics(
    tmp_path, monkeypatch
):
    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    # A randomly initialised Inception-v3 saved under the name of the ImageNet weights.
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    path = tmp_path / "models" / evaluation.InceptionV3Features.WEIGHTS_FILE
    path.parent.mkdir()
    model = keras.applications.InceptionV3(include_top=False, weights=None, pooling="avg",
                                           input_shape=(75, 75, 3))
    with h5py.File(path, "w") as file:
        legacy_h5_format.save_weights_to_hdf5_group(file, model)
    inception = evaluation.InceptionV3Features(image_size=75, batch_size=4)
    assert inception.weights_path == str(path) and "ImageNet (Keras)" in inception.describe()
    images = np.random.default_rng(0).uniform(-1, 1, (2, 75, 75, 3)).astype("float32")
    features, _ = inception(images)
    expected = keras.ops.convert_to_numpy(model(inception.preprocess(images)))
    np.testing.assert_allclose(features, expected, rtol=1e-4, atol=1e-4)
    fingerprint = reference_cache.extractor_fingerprint(inception)
    assert fingerprint == f"inception_v3:{reference_cache.file_hash(path)}:75"
    random = evaluation.InceptionV3Features(weights=None, image_size=75)
    assert reference_cache.reference_key("data", random) is None  # random weights: not cached
