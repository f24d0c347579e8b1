"""The package's house rules, read from its source: imports point down, private names stay home."""

import ast
import pathlib
import re

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


def prose_lines(path):
    """`(docstring and comment lines, non-blank lines)` of a module."""
    import io
    import tokenize

    source = path.read_text()
    nonblank = {number for number, line in enumerate(source.splitlines(), 1) if line.strip()}
    prose = {token.start[0] for token in tokenize.generate_tokens(io.StringIO(source).readline)
             if token.type == tokenize.COMMENT}
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            prose.update(range(body[0].lineno, body[0].end_lineno + 1))
    return len(prose & nonblank), len(nonblank)


def test_the_house_modules_of_one_concept_contracts_not_notebooks():
    sizes = {module: len(path.read_text().splitlines()) for module, path in MODULES.items()}
    assert {module: size for module, size in sizes.items() if size > 450} == {}
    counts = [prose_lines(path) for path in MODULES.values()]
    prose, nonblank = (sum(column) for column in zip(*counts))
    assert prose / nonblank <= 0.25, f"docstrings and comments: {prose / nonblank:.1%} of lines"
    jargon = re.compile(r"\bstops? \d|\bissue \d|/work/|\(stop \d")
    found = [f"{module}: {line.strip()}" for module, path in MODULES.items()
             for line in path.read_text().splitlines() if jargon.search(line)]
    assert found == []
