"""`keras_wgan.evaluation` as a package: its public names, and imports that point down."""

import ast
import inspect
import pathlib

import keras_wgan
from keras_wgan import evaluation

# The modules from the bottom up: each imports only from modules before it.
LAYERS = [
    "_arrays", "modes", "distances", "manifold", "classes", "classifier", "extractors",
    "data_classifier", "references", "reference_cache", "own_data", "toys", "sampling",
    "interpolation", "generators", "report",
]
PACKAGE = pathlib.Path(evaluation.__file__).parent


def test_public_names_are_importable_and_unique():
    assert len(set(evaluation.__all__)) == len(evaluation.__all__)
    assert [name for name in evaluation.__all__ if not hasattr(evaluation, name)] == []
    # The functions, not modules of the same name.
    assert inspect.isfunction(evaluation.features) and inspect.isfunction(evaluation.probabilities)


def test_the_scores_on_arrays_have_one_home():
    assert not (PACKAGE.parent / "metrics.py").exists()
    assert "metrics" not in keras_wgan.__all__


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
