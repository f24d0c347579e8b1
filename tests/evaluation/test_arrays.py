"""The scores on arrays as a group: NumPy/SciPy leaves, tested examples, blockwise computation."""

import ast
import doctest
import importlib

import numpy as np
import pytest

import keras_wgan
from keras_wgan import evaluation
from keras_wgan.evaluation import _arrays

MODULES = ["_arrays", "modes", "distances", "manifold", "classes"]


@pytest.mark.parametrize("name", MODULES)
def test_scores_on_arrays_import_only_numpy_and_scipy(name):
    module = importlib.import_module(f"keras_wgan.evaluation.{name}")
    imported = set()
    for node in ast.walk(ast.parse(open(module.__file__).read())):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    package = {"keras_wgan.evaluation._arrays"}
    assert {name.split(".")[0] for name in imported - package} <= {"math", "numbers", "numpy",
                                                                    "scipy"}


@pytest.mark.parametrize("name", ["modes", "distances", "classes"])
def test_docstring_examples(name):
    module = importlib.import_module(f"keras_wgan.evaluation.{name}")
    result = doctest.testmod(module, extraglobs={"keras_wgan": keras_wgan})
    assert result.attempted > 0
    assert result.failed == 0


def test_chunked_results_match_unchunked(monkeypatch):
    generator = np.random.default_rng(12)
    real = generator.standard_normal((60, 3))
    fake = generator.standard_normal((50, 3)) + 0.3
    functions = [
        lambda: evaluation.kernel_distance(real, fake),
        lambda: evaluation.precision_recall(real, fake),
        lambda: evaluation.density_coverage(real, fake),
        lambda: evaluation.mode_metrics(fake, real[:7], 0.5),
    ]
    expected = [function() for function in functions]
    monkeypatch.setattr(_arrays, "CHUNK_ELEMENTS", 70)  # blocks of one or two rows
    for function, value in zip(functions, expected):
        assert function() == pytest.approx(value, rel=1e-12)
