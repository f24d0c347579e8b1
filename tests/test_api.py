"""docs/api.md lists every public name, and each `__all__` names only what its module holds."""

import importlib
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import write_api_doc  # noqa: E402


@pytest.mark.parametrize("module", write_api_doc.MODULES)
def test_every_public_name_exists(module):
    loaded = importlib.import_module(module)
    missing = [name for name in loaded.__all__ if not hasattr(loaded, name)]
    assert missing == []


def test_the_api_doc_is_current():
    # On failure: python tools/write_api_doc.py
    assert (ROOT / "docs" / "api.md").read_text() == write_api_doc.render()
