"""The rendered report in a real browser (headless Chromium): nothing overflows at 1280 or 400 px.

Skipped, with the reason, where Chromium and chromedriver are not installed; ``.ci/run`` installs
them from Debian's packages, so CI always runs it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from oos_analysis.report.browser import browser, find_chromium, layout_problems

pytest.importorskip("selenium", reason="selenium is in the test extra: pip install -e '.[test]'")
pytestmark = pytest.mark.skipif(
    find_chromium() is None,
    reason="no Chromium with chromedriver on PATH; apt-get install chromium chromium-driver "
    "(.ci/run does this) to run the browser test",
)
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample" / "us"
WIDE = "<td class=\"wrap\">" + "a-very-long-product-name-without-spaces-" * 8 + "</td>"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    done = subprocess.run(
        [sys.executable, "-m", "oos_analysis", "report", *map(str, sorted(SAMPLE.iterdir())),
         "--out", str(out), "--param", "draws=2000"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())


@pytest.fixture(scope="module")
def chrome():
    with browser() as driver:
        yield driver


@pytest.mark.parametrize("width", [1280, 400])
def test_nothing_overflows_the_page_and_tables_scroll_in_their_box(chrome, page, width):
    assert layout_problems(chrome, page, width) == []


def test_the_check_sees_a_table_that_does_not_scroll(chrome, page, tmp_path):
    # The same page with the scrolling boxes switched off must fail the check at phone width.
    broken = tmp_path / "broken.html"
    text = page.read_text(encoding="utf-8").replace(
        "</head>", "<style>* {overflow: visible !important}</style></head>")
    broken.write_text(text.replace("<td", WIDE + "<td", 1), encoding="utf-8")
    problems = layout_problems(chrome, broken, 400)
    assert any("does not scroll" in p for p in problems)
    assert any("the page is" in p for p in problems)
