"""Every Python code block of the README and of docs/ runs, so that the docs cannot drift from
the code.

The blocks of one file run in order in one namespace (like a reader going down the page), in a
temporary folder. An HTML comment on the line before a block's fence changes how it runs:

- `<!-- test: skip REASON -->`: not run (e.g. it needs a cluster; the reason names the test that
  covers it);
- `<!-- test: setup CODE -->`: CODE runs first (what the prose around the block supposes);
- `<!-- test: replace OLD => NEW ; OLD => NEW -->`: tiny sizes, e.g. `epochs=50 => epochs=1`.

Slow (opt-in with --run-slow): the blocks train the real networks for a step or two each.
"""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^( *)```python\n(.*?)^\1```", re.S | re.M)
MARKER = re.compile(r"<!-- test: (skip|setup|replace)\b(.*?)-->\s*$", re.S)


def code_blocks(path):
    """`(line, code, directives)` of each Python block of `path`, indentation removed."""
    text = path.read_text()
    for match in FENCE.finditer(text):
        indent, code = match.group(1), match.group(2)
        code = "\n".join(line[len(indent):] for line in code.splitlines())
        before = text[: match.start()].rstrip("\n").splitlines()
        directives = []
        # The comment lines right above the fence, nearest last.
        while before and before[-1].strip().startswith("<!-- test:"):
            found = MARKER.match(before.pop().strip())
            if found is None:
                raise ValueError(f"{path.name}: a malformed test marker above line "
                                 f"{text[: match.start()].count(chr(10)) + 1}")
            directives.insert(0, (found.group(1), found.group(2).strip()))
        yield text[: match.start()].count("\n") + 1, code, directives


def prepared(code, directives):
    """The code to run, or `None` for a skipped block."""
    setup = []
    for kind, argument in directives:
        if kind == "skip":
            return None
        if kind == "setup":
            setup.append(argument)
        if kind == "replace":
            for pair in argument.split(" ; "):
                old, new = (part.strip() for part in pair.split("=>"))
                if old not in code:
                    raise ValueError(f"replace: {old!r} is not in the block")
                code = code.replace(old, new)
    return "\n".join([*setup, code])


def test_every_block_is_found_and_markers_parse():
    blocks = [block for path in DOCUMENTS for block in code_blocks(path)]
    assert len(blocks) >= 6
    for _, code, directives in blocks:
        prepared(code, directives)  # raises on a replace that no longer matches


@pytest.mark.slow
@pytest.mark.usefixtures("classifier_cache")
@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_the_python_blocks_run(path, tmp_path, monkeypatch):
    import keras

    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    previous_policy = keras.config.dtype_policy()
    try:
        for line, code, directives in code_blocks(path):
            source = prepared(code, directives)
            if source is None:
                continue
            try:
                exec(compile(source, f"{path.name}:{line}", "exec"), namespace)
            except Exception as error:
                raise AssertionError(
                    f"The block at {path.name}:{line} failed: {type(error).__name__}: {error}"
                ) from error
    finally:
        keras.config.set_dtype_policy(previous_policy)
