"""Writes docs/api.md: every public name of keras_wgan, one line each, from the packages' `__all__`.

    python tools/write_api_doc.py          # rewrites docs/api.md
    python tools/write_api_doc.py --check  # exit 1 if docs/api.md is not what this writes

`tests/test_api.py` runs the check.
"""

import argparse
import importlib
import inspect
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The repository's package, whatever is installed.
sys.path.insert(0, str(ROOT))
API_DOC = ROOT / "docs" / "api.md"
# The public modules, in the order a reader meets them.
MODULES = (
    "keras_wgan",
    "keras_wgan.models",
    "keras_wgan.losses",
    "keras_wgan.penalties",
    "keras_wgan.constraints",
    "keras_wgan.augment",
    "keras_wgan.networks",
    "keras_wgan.data",
    "keras_wgan.callbacks",
    "keras_wgan.checkpointing",
    "keras_wgan.evaluation",
    "keras_wgan.export",
    "keras_wgan.config",
    "keras_wgan.config_files",
    "keras_wgan.run_config",
    "keras_wgan.recipes",
    "keras_wgan.training",
    "keras_wgan.cli",
)


def describe(value):
    """One line: a callable's or class's first docstring line, a constant's value."""
    if inspect.ismodule(value):
        return "module: " + _first_line(value.__doc__)
    if inspect.isclass(value) or callable(value):
        return _first_line(inspect.getdoc(value))
    if isinstance(value, str) and os.path.isabs(value):
        # A path of this machine: named from the repository's root, the same on every clone.
        inside = os.path.commonpath([value, str(ROOT)]) == str(ROOT)
        return f"a path: `{os.path.relpath(value, ROOT)}`" if inside else "a path"
    text = repr(value)
    if len(text) <= 60:
        return f"`{text}`"
    items = list(value) if isinstance(value, (dict, tuple, list)) else []
    shown = ", ".join(str(item) for item in items)
    if len(shown) > 70:
        shown = shown[:70].rsplit(", ", 1)[0] + ", ..."
    kind = "keys" if isinstance(value, dict) else "items"
    return f"a {type(value).__name__}; {kind}: {shown}" if items else f"a {type(value).__name__}"


def _first_line(doc):
    doc = (doc or "").strip()
    if not doc:
        return ""
    first = doc.split("\n\n")[0]
    return " ".join(first.split())


def render():
    lines = [
        "# The public API",
        "",
        "Every public name, one line each, written by `tools/write_api_doc.py` from each "
        "module's `__all__` (`tests/test_api.py` checks that it is current). Anything else is "
        "private and may change.",
    ]
    for name in MODULES:
        module = importlib.import_module(name)
        public = getattr(module, "__all__", None)
        if public is None:
            raise ValueError(f"{name} has no __all__")
        lines += ["", f"## `{name}`", ""]
        for item in sorted(public, key=str.lower):
            lines.append(f"- `{item}`: {describe(getattr(module, item))}".rstrip(": "))
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if API_DOC.read_text() != text:
            print(f"{API_DOC} is out of date: run python tools/write_api_doc.py", file=sys.stderr)
            return 1
        return 0
    API_DOC.write_text(text)
    print(f"Wrote {API_DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
