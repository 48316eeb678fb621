"""Notebooks only narrate and call: committed without outputs, python3 kernel, literal parameters,
no ``assert`` and no long code cell."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
MAX_CODE_LINES = 8
CHECKED_NOTEBOOKS = (
    "weekly-report.ipynb", "what-if.ipynb", "training-ja.ipynb", "training-en.ipynb",
)
"""Notebooks held to the shape rules: every notebook of the kit."""


def _cells(name: str) -> list[dict]:
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]


def _code(cell: dict) -> str:
    return "".join(cell["source"])


def test_every_checked_notebook_exists():
    present = {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    assert set(CHECKED_NOTEBOOKS) <= present


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_outputs_stripped_and_kernel_python3(name):
    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, name


@pytest.mark.parametrize("name", CHECKED_NOTEBOOKS)
def test_parameters_cell_holds_literals_only(name):
    tagged = [c for c in _cells(name) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    for node in ast.parse(_code(tagged[0])).body:
        assert isinstance(node, ast.AnnAssign | ast.Assign), ast.dump(node)
        ast.literal_eval(node.value)  # raises on anything but a literal


@pytest.mark.parametrize("name", CHECKED_NOTEBOOKS)
def test_code_cells_are_short_and_assert_nothing(name):
    for cell in _cells(name):
        if cell["cell_type"] != "code" or "parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        source = _code(cell)
        lines = [line for line in source.splitlines() if line.strip()]
        assert len(lines) <= MAX_CODE_LINES, source
        python = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%"))
        assert not any(isinstance(n, ast.Assert) for n in ast.walk(ast.parse(python))), source
