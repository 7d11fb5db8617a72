"""The chapters' figure modules stay independent of each other.

A chapter's figure module (``rnnlib/figures/chNN.py``) may import the shared
figure modules (``common``, ``date_models``, ...) but never another chapter's,
so a chapter can change its figures without breaking another chapter.
"""
import ast
import re
from pathlib import Path

import pytest

FIGURES = Path(__file__).resolve().parents[1] / "rnnlib" / "figures"
CHAPTER = re.compile(r"ch\d\d$")
CHAPTER_MODULES = sorted(p for p in FIGURES.glob("ch*.py") if CHAPTER.match(p.stem))


def imported_modules(path):
    """Every module name an ``import`` or ``from ... import`` in the file names."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_there_are_chapter_modules():
    assert len(CHAPTER_MODULES) >= 9


@pytest.mark.parametrize("path", CHAPTER_MODULES, ids=lambda p: p.stem)
def test_no_chapter_figure_module_imports_another(path):
    others = {f"rnnlib.figures.{p.stem}" for p in CHAPTER_MODULES if p != path}
    assert not imported_modules(path) & others, f"{path.name} imports another chapter's figure module"
