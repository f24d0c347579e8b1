"""`keras_wgan.evaluation` as a package: the old paths still work, and imports point down."""

import ast
import inspect
import pathlib

import keras_wgan
from keras_wgan import evaluation

# Every public name of keras_wgan/evaluation.py when the package was one module.
OLD_NAMES = [
    "CLASSIFIER_VERSION", "CLASSIFIER_EPOCHS", "FEATURES_LAYER", "FEATURE_DIM", "SPLIT_SEED",
    "DEGRADED_CLASSES", "NUM_CLASSES", "PRECISION_RECALL_K", "DENSITY_COVERAGE_K",
    "IMAGE_SAMPLES", "TOY_SAMPLES", "HIGHER_IS_BETTER", "CACHE_ENV", "cache_dir",
    "classifier_path", "build_digits_classifier", "train_digits_classifier", "features",
    "probabilities", "heldout_accuracy", "describe_features", "FeatureWeightsUnavailableError",
    "DigitsClassifierFeatures", "InceptionV3Features", "FEATURE_EXTRACTORS", "get_extractor",
    "verdict", "ImageScorer", "score_images", "check_comparable", "score_toy", "num_classes_of",
    "balanced_labels", "generate", "digits_scorer", "score_generator", "get_extractor_name",
    "format_table", "compact",
]
# Public names added since: the classifiers by dataset (the digits' and MNIST-5k's).
NEW_NAMES = [
    "CLASSIFIERS", "build_classifier", "classifier_dataset", "load_split", "train_classifier",
    "ClassifierFeatures", "Mnist5kClassifierFeatures", "dataset_extractor_name",
    "dataset_scorer",
    # The default classifiers shipped with the package, and the training they skip.
    "PACKAGED_DIR", "PACKAGED_MANIFEST", "packaged_classifier_path", "packaged_accuracy",
    "fit_classifier",
]
# The modules from the bottom up: each imports only from modules before it.
LAYERS = [
    "metrics", "classifier", "extractors", "references", "toys", "sampling",
    "generators", "report",
]
PACKAGE = pathlib.Path(evaluation.__file__).parent


def test_every_name_of_the_old_module_is_in_the_package():
    assert sorted(evaluation.__all__) == sorted(OLD_NAMES + NEW_NAMES)
    assert [name for name in OLD_NAMES if not hasattr(evaluation, name)] == []
    # The functions, not modules of the same name.
    assert inspect.isfunction(evaluation.features) and inspect.isfunction(evaluation.probabilities)


def test_keras_wgan_metrics_re_exports_the_evaluation_metrics():
    public = {
        name for name, value in vars(evaluation.metrics).items()
        if inspect.isfunction(value) and not name.startswith("_")
        and value.__module__ == evaluation.metrics.__name__
    }
    assert set(keras_wgan.metrics.__all__) == public
    for name in public:
        assert getattr(keras_wgan.metrics, name) is getattr(evaluation.metrics, name)


def test_modules_import_down_only_and_no_private_names():
    assert sorted(path.stem for path in PACKAGE.glob("*.py")) == sorted(LAYERS + ["__init__"])
    for layer, module in enumerate(LAYERS):
        tree = ast.parse((PACKAGE / f"{module}.py").read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not node.module.startswith("keras_wgan"):
                continue
            if node.module == "keras_wgan.evaluation":  # a sibling module, by name
                imported = [alias.name for alias in node.names]
            elif node.module.startswith("keras_wgan.evaluation."):
                imported = [node.module.rsplit(".", 1)[1]]
                assert not any(alias.name.startswith("_") for alias in node.names), module
            else:
                continue
            for other in imported:
                assert LAYERS.index(other) < layer, f"{module} imports {other}"
