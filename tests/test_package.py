"""The package's house rules, read from its source: imports point down, private names stay home."""

import ast
import pathlib

import pytest

import keras_wgan

PACKAGE = pathlib.Path(keras_wgan.__file__).parent


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(path):
    """`(module imported, names)` for each keras_wgan import at the top of a module's file."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("keras_wgan"):
            yield node.module, [alias.name for alias in node.names]


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported_modules(module):
    """The keras_wgan modules `module` imports at load time (a name may be a submodule)."""
    found = set()
    for source, names in top_level_imports(MODULES[module]):
        for name in names:
            found.add(f"{source}.{name}" if f"{source}.{name}" in MODULES else source)
    return found - {module}


def test_no_private_name_is_imported_from_another_module():
    offenders = [
        f"{module} imports {name} from {source}"
        for module, path in MODULES.items()
        for source, names in top_level_imports(path)
        for name in names
        if name.startswith("_") and source != module
    ]
    assert offenders == []


def test_modules_import_without_cycles():
    # Every module and package `__init__` sits above everything it imports at load time; only
    # the package root, which gathers the public names, is left out.
    graph = {
        module: imported_modules(module) - {"keras_wgan"}
        for module in MODULES
        if module != "keras_wgan"
    }
    done, path = set(), []

    def visit(module):
        if module in path:
            raise AssertionError(" -> ".join(path[path.index(module):] + [module]))
        if module in done:
            return
        path.append(module)
        for other in graph.get(module, ()):
            visit(other)
        path.pop()
        done.add(module)

    for module in graph:
        visit(module)
    assert len(done) == len(graph) > 40


@pytest.mark.parametrize(
    "orig_argv, argv, lazy",
    [
        (["python", "-m", "keras_wgan", "train"], ["-m", "train"], True),
        (["python", "-m", "keras_wgan.cli", "train"], ["-m", "train"], True),
        (["python", "/venv/bin/keras-wgan", "train"], ["/venv/bin/keras-wgan", "train"], True),
        # Everything else loads the package at once (load_model must find the model classes).
        (["python", "-m", "pytest", "-q"], ["/venv/bin/pytest", "-q"], False),
        (["python", "-m", "mypackage.train"], ["-m"], False),
        (["python", "train.py"], ["train.py"], False),
        (["python", "-c", "import keras_wgan"], ["-c"], False),
    ],
)
def test_only_the_command_line_loads_the_package_lazily(monkeypatch, orig_argv, argv, lazy):
    import sys

    monkeypatch.setattr(sys, "orig_argv", orig_argv)
    monkeypatch.setattr(sys, "argv", argv)
    assert keras_wgan._started_as_command_line() is lazy
