"""The render path's shortcuts: nbformat without rfc3987_syntax, HTML from the notebook in memory."""

from __future__ import annotations

import copy
import importlib.util
import subprocess
import sys

import nbformat
import pytest

from oos_analysis.report.render import notebook_to_html


def _executed() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    code = nbformat.v4.new_code_cell("show()", execution_count=1)
    code.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="kept line\n"),
        nbformat.v4.new_output("stream", name="stderr", text="warning: dropped\n"),
        nbformat.v4.new_output("display_data", data={
            "text/html": "<table><tr><td>&lt;script&gt;x</td></tr></table><script>bad()</script>",
            "text/plain": "table"}),
        nbformat.v4.new_output("error", ename="ValueError", evalue="secret-evalue", traceback=["tb"]),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# Weekly report\nSome *text*."), code,
                nbformat.v4.new_raw_cell("raw, dropped")]
    return nb


def test_html_from_memory_equals_html_from_the_file(tmp_path):
    nb = _executed()
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    before = copy.deepcopy(nb)
    from_memory = notebook_to_html(nb)
    assert nb == before  # the caller's notebook is left as it was
    assert from_memory == notebook_to_html(path)
    assert "kept line" in from_memory and "warning: dropped" not in from_memory
    assert "secret-evalue" not in from_memory and "raw, dropped" not in from_memory
    assert "<script>bad()" not in from_memory


def test_reading_a_notebook_does_not_load_rfc3987_syntax(tmp_path):
    path = tmp_path / "one.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    cell = nbformat.v4.new_code_cell('asof: str = ""')
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nbformat.write(nb, path)
    code = (
        "import sys\n"
        "from oos_analysis.report.render import notebook_parameters\n"
        f"print(sorted(notebook_parameters({str(path)!r})))\n"
        "print('jsonschema' in sys.modules, 'rfc3987_syntax' in sys.modules)\n"
        "import importlib.util\n"
        "if importlib.util.find_spec('rfc3987_syntax') is not None:\n"
        "    import rfc3987_syntax  # still importable afterwards\n"
        "    print('imported', rfc3987_syntax.__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    lines = done.stdout.splitlines()
    assert lines[:2] == ["['asof']", "True False"]
    if importlib.util.find_spec("rfc3987_syntax") is None:
        pytest.skip("rfc3987_syntax is not installed here")
    assert lines[2] == "imported rfc3987_syntax"


def test_a_warmed_exporter_carries_nothing_from_one_notebook_to_the_next():
    from oos_analysis.report.render import _warm_html_exporter

    nb = _executed()
    other = copy.deepcopy(nb)
    other.metadata["title"] = "Another <title>"
    other.cells[0].source = "# Other\n<b>text</b>"
    first = notebook_to_html(nb)  # a new exporter
    warmed = _warm_html_exporter()
    assert notebook_to_html(nb, exporter=warmed) == first
    notebook_to_html(other, exporter=warmed)
    assert notebook_to_html(nb, exporter=warmed) == first
    assert notebook_to_html(_stripped(nb)) == first  # what is dropped is dropped before export


def _stripped(nb):
    nb = copy.deepcopy(nb)
    nb.cells[1].outputs = [o for o in nb.cells[1].outputs if o.output_type != "error"
                           and o.get("name") != "stderr"]
    nb.cells = [c for c in nb.cells if c.cell_type != "raw"]
    return nb
