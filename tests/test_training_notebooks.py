"""The training notebooks: in step with each other, and rendered to a handout like the report."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def test_the_two_course_notebooks_differ_only_in_their_language():
    ja = nbformat.read(NOTEBOOKS / "training-ja.ipynb", as_version=4)
    en = nbformat.read(NOTEBOOKS / "training-en.ipynb", as_version=4)
    assert len(ja.cells) == len(en.cells)
    for a, b in zip(ja.cells, en.cells, strict=True):
        assert a.cell_type == b.cell_type
        assert a.source.replace('lang: str = "ja"', 'lang: str = "en"') == b.source
    assert 'lang: str = "ja"' in ja.cells[0].source
    assert ja.cells[0].metadata["tags"] == ["parameters"]


@pytest.fixture(scope="module", params=["ja", "en"])
def handout(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"handout-{request.param}")
    done = subprocess.run(
        [sys.executable, "-m", "oos_analysis", "training", "--lang", request.param,
         "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    return request.param, out, done


def test_cli_writes_the_handout_and_prints_its_path(handout):
    lang, out, done = handout
    assert done.returncode == 0, done.stderr
    html = out / f"training-{lang}.html"
    assert done.stdout.strip() == str(html) and html.is_file()
    assert done.stderr == ""
    assert sorted(p.name for p in out.iterdir()) == [f"training-{lang}.html",
                                                     f"training-{lang}.ipynb"]


def test_handout_has_no_code_no_traceback_and_worked_answers(handout):
    lang, out, _ = handout
    text = (out / f"training-{lang}.html").read_text(encoding="utf-8")
    body = text[text.index("<main>"):]
    assert "Traceback" not in text and "Error" not in body
    for source in ("course.section", "Course.from_files", "import ", "VBox(", "widget-view"):
        assert source not in text
    code_cells = re.findall(r'<div class="([^"]*jp-CodeCell[^"]*)"', text)
    assert code_cells and all("jp-mod-noInput" in c for c in code_cells)
    if lang == "ja":
        for words in ("キャンセルのルール：新人研修", "解答例", "出荷期限後の自動キャンセル",
                      "在庫切れを理由にキャンセルを依頼しない", "Pre-fulfillment Cancel Rate"):
            assert words in text
    else:
        for words in ("worked answer", "Why", "auto-cancel after the ship-by date", "No Inventory"):
            assert words in text
    assert text.count("<img") >= 1  # the budget chart
    assert "&gt; **" not in text and "**" not in text[text.index("<main>"):]  # Markdown rendered


def test_handout_outputs_show_no_warning_and_no_path(handout):
    lang, out, _ = handout
    nb = json.loads((out / f"training-{lang}.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        tags = cell["metadata"].get("tags", [])
        if cell["cell_type"] != "code" or "parameters" in tags:
            continue
        for output in cell.get("outputs", []):
            assert output.get("name") != "stderr", cell["source"]
            shown = json.dumps(output.get("data", output.get("text", "")))
            assert "Warning" not in shown and "/data/sample" not in shown
            assert str(ROOT) not in shown and "site-packages" not in shown
