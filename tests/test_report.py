"""render_report's machinery, on a tiny notebook written into tmp_path (no sample data needed)."""

from __future__ import annotations

import datetime as dt
import json
import re

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis.exceptions import OOSAnalysisError, ParameterError
from oos_analysis.report.render import (
    ReportRenderError,
    coerce_parameters,
    notebook_parameters,
    render_report,
)

PARAMETERS = """asof: str = ""  # ISO date
marketplace: str = ""  # marketplace code
n: int = 3  # a count
share: float = 0.5  # a fraction
fail: bool = False  # make the last cell raise
"""

BODY = [
    ("markdown", "# Tiny report\n\nNarration stays in the HTML."),
    (
        "code",
        "%matplotlib inline\nimport os, sys, warnings\n"
        "import pandas as pd\nimport matplotlib.pyplot as plt",
    ),
    ("code", 'print(f"n={n} share={share} asof={asof} mp={marketplace} cwd={os.getcwd()}")'),
    (
        "code",
        'frame = pd.DataFrame({"product_name": ["<script>alert(1)</script>"], "qty": [1]})\nframe',
    ),
    ("code", 'from IPython.display import HTML\nHTML("<b>bold</b><script>alert(2)</script>")'),
    ("code", 'print("SECRET-STDERR", file=sys.stderr)\nwarnings.warn("SECRET-WARNING")'),
    ("code", "fig, ax = plt.subplots()\nax.plot([1, 2]);"),
    ("code", 'assert not fail, "fail was requested"'),
]


def _write(path, *, tagged=True):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    first = nbformat.v4.new_code_cell(PARAMETERS)
    if tagged:
        first.metadata["tags"] = ["parameters"]
    cells = [first]
    for kind, source in BODY:
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cells.append(make(source))
    nb.cells = cells
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nb")
    return _write(folder / "tiny.ipynb")


@pytest.fixture(scope="module")
def rendered(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    html = render_report(
        tiny, out_dir=out, asof="2026-11-24", marketplace="US", parameters={"n": "5"}
    )
    return tiny, out, html, html.read_text(encoding="utf-8")


def test_html_and_executed_notebook_are_named_after_marketplace_and_date(rendered):
    _, out, html, _ = rendered
    assert html == out / "weekly-report-2026-11-24-US.html"
    assert (out / "weekly-report-2026-11-24-US.ipynb").is_file()


def test_parameters_reach_the_notebook_which_runs_in_its_own_folder(rendered):
    tiny, _, _, text = rendered
    assert "n=5 share=0.5 asof=2026-11-24 mp=US" in text
    assert f"cwd={tiny.parent}" in text


def test_html_has_no_code_prompts_stderr_or_warnings(rendered):
    _, _, _, text = rendered
    assert "Narration stays in the HTML." in text
    for source in (
        "import pandas",
        "pd.DataFrame(",
        "plt.subplots",
        "print(f",
        "fail was requested",
    ):
        assert source not in text
    assert "In&nbsp;[" not in text
    assert not re.search(
        r'class="[^"]*(jp-InputPrompt|jp-OutputPrompt|jp-InputArea-editor|hl-ipython)', text
    )
    # 7 body cells, the parameters cell and the one papermill injects.
    code_cells = re.findall(r'<div class="([^"]*jp-CodeCell[^"]*)"', text)
    assert len(code_cells) == 9 and all("jp-mod-noInput" in c for c in code_cells)
    assert "SECRET-STDERR" not in text and "SECRET-WARNING" not in text


def test_markup_in_cell_output_is_escaped(rendered):
    _, _, _, text = rendered
    assert "<script>alert(1)" not in text and "<script>alert(2)" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in text
    assert "<b>bold</b>" in text  # harmless markup survives the allow-list


def test_chart_is_embedded(rendered):
    _, _, _, text = rendered
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', text)) == 1


def test_failing_cell_keeps_executed_notebook_and_writes_no_html(tiny, tmp_path):
    stale = tmp_path / "weekly-report-2026-11-24-US.html"
    stale.write_text("from last week")
    with pytest.raises(ReportRenderError, match="AssertionError: fail was requested") as info:
        render_report(
            tiny,
            out_dir=tmp_path,
            asof="2026-11-24",
            marketplace="US",
            parameters={"fail": "true"},
        )
    executed = tmp_path / "weekly-report-2026-11-24-US.ipynb"
    assert info.value.executed == executed
    assert str(executed) in str(info.value)
    assert not stale.exists()
    nb = json.loads(executed.read_text())
    errors = [
        o
        for c in nb["cells"]
        if c["cell_type"] == "code"
        for o in c["outputs"]
        if o["output_type"] == "error"
    ]
    assert len(errors) == 1 and errors[0]["ename"] == "AssertionError"
    assert isinstance(info.value, OOSAnalysisError)


@pytest.mark.parametrize(
    ("parameters", "match"),
    [
        ({"horizon": "14"}, r"unknown report parameter\(s\) \['horizon'\].*'fail', 'marketplace'"),
        ({"n": "three"}, r"n must be an int; got 'three'"),
        ({"share": "half"}, r"share must be a float"),
        ({"fail": "maybe"}, r"fail must be a bool"),
    ],
)
def test_bad_parameters_are_rejected_before_anything_runs(tiny, tmp_path, parameters, match):
    out = tmp_path / "out"
    with pytest.raises(ParameterError, match=match):
        render_report(tiny, out_dir=out, asof="2026-11-24", marketplace="US", parameters=parameters)
    assert not out.exists()


@pytest.mark.parametrize(
    ("asof", "marketplace", "match"),
    [("24/11/2026", "US", "ISO date"), ("2026-11-24", "../US", "file name")],
)
def test_bad_date_or_marketplace(tiny, tmp_path, asof, marketplace, match):
    with pytest.raises(ParameterError, match=match):
        render_report(tiny, out_dir=tmp_path / "o", asof=asof, marketplace=marketplace)
    assert not (tmp_path / "o").exists()


def test_date_object_is_accepted_for_asof_when_checking_names(tiny, tmp_path):
    # A date object and an unknown parameter: the date passes, the parameter is refused.
    with pytest.raises(ParameterError, match="unknown"):
        render_report(
            tiny,
            out_dir=tmp_path,
            asof=dt.date(2026, 11, 24),
            marketplace="JP",
            parameters={"nope": 1},
        )


def test_notebook_without_parameters_cell_is_refused(tmp_path):
    path = _write(tmp_path / "untagged.ipynb", tagged=False)
    with pytest.raises(ParameterError, match="no cell tagged 'parameters'"):
        notebook_parameters(path)


def test_missing_notebook_is_refused(tmp_path):
    with pytest.raises(ParameterError, match="does not exist"):
        notebook_parameters(tmp_path / "nope.ipynb")


def test_coerce_keeps_non_text_values_and_does_not_mutate():
    declared = {
        "n": {"inferred_type_name": "int"},
        "flag": {"inferred_type_name": "bool"},
        "tz": {"inferred_type_name": "str"},
    }
    given_ = {"n": 7, "flag": "No", "tz": "00123"}
    before = dict(given_)
    assert coerce_parameters(declared, given_) == {"n": 7, "flag": False, "tz": "00123"}
    assert given_ == before


@settings(max_examples=100, deadline=None)
@given(st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text())
def test_coerce_round_trips_text(number, fraction, text):
    declared = {
        "i": {"inferred_type_name": "int"},
        "f": {"inferred_type_name": "float"},
        "s": {"inferred_type_name": "str"},
    }
    out = coerce_parameters(declared, {"i": str(number), "f": repr(fraction), "s": text})
    assert out == {"i": number, "f": fraction, "s": text}


# --- the weekly report on the sample data ----------------------------------------------------

import html as _html  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import oos_analysis as oa  # noqa: E402
from oos_analysis.io.schema import is_pii_column, snake_case  # noqa: E402
from oos_analysis.metric.budget import budget_summary  # noqa: E402
from oos_analysis.metric.listing import listing_risk  # noqa: E402

SCRIPT = "<script>alert(1)</script>"
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "weekly-report.ipynb"


def _rewrite(path: Path, change) -> list[list[str]]:
    """Rewrite a tab-separated export row by row with ``change(header, row)``; return the rows."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = [line.split("\t") for line in lines[1:]]
    for row in rows:
        change(header, row)
    path.write_text(
        "\n".join(["\t".join(header)] + ["\t".join(r) for r in rows]) + "\n", encoding="utf-8"
    )
    return [header, *rows]


def _read(files):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", oa.DataQualityWarning)
        exports = oa.read_exports(files)
    return exports, oa.orders_from_exports(exports)


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory):
    """The sample US exports, with a product named like a script tag and buyer PII everywhere."""
    folder = tmp_path_factory.mktemp("sample")
    oa.generate_sample(folder)
    us = folder / "us"
    files = sorted(str(p) for p in us.iterdir())
    exports, orders = _read(files)
    risky = listing_risk(exports.all_orders, orders, asof="2026-11-24")
    sku = risky.loc[risky["marketplace"] == "amazon.com", "sku"].iloc[0]

    def rename(header, row):
        if row[header.index("sku")] == sku:
            row[header.index("product-name")] = SCRIPT

    _rewrite(us / "all-orders.txt", rename)
    table = _rewrite(us / "order-report.txt", rename)
    header = table[0]
    pii_columns = [i for i, name in enumerate(header) if is_pii_column(snake_case(name))]
    pii = {row[i] for row in table[1:] for i in pii_columns if i < len(row) and len(row[i]) > 3}
    assert any("@" in value for value in pii) and len(pii) > 100  # the fixture really has PII
    return files, pii


@pytest.fixture(scope="module")
def weekly(sample_files, tmp_path_factory):
    files, _ = sample_files
    out = tmp_path_factory.mktemp("reports")
    cwd = tmp_path_factory.mktemp("elsewhere")  # a cron job's working directory is anywhere
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "oos_analysis",
            "report",
            *files,
            "--out",
            str(out),
            "--param",
            "draws=4000",
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    html_path = Path(done.stdout.strip())
    return html_path, html_path.read_text(encoding="utf-8"), done


def test_cli_prints_the_html_path_named_after_the_day(weekly):
    html_path, _, done = weekly
    assert html_path.name == "weekly-report-2026-11-24.html" and html_path.is_file()
    assert html_path.with_suffix(".ipynb").is_file()
    assert done.stdout.count("\n") == 1  # the path and nothing else


def test_report_shows_no_code_and_no_traceback(weekly):
    _, text, _ = weekly
    body = text[text.index("<main>") :]
    assert "Traceback" not in text and "Error" not in body
    for source in ("import ", "oa.read_exports", "report_table(", "plt.subplots"):
        assert source not in text
    assert "In&nbsp;[" not in text
    code_cells = re.findall(r'<div class="([^"]*jp-CodeCell[^"]*)"', text)
    assert code_cells and all("jp-mod-noInput" in c for c in code_cells)


def test_report_headline_matches_the_library(weekly, sample_files):
    _, text, _ = weekly
    _, orders = _read(sample_files[0])
    now = budget_summary(orders, asof="2026-11-24").set_index("marketplace").loc["amazon.com"]
    plain = _html.unescape(re.sub(r"<[^>]+>", "", text))
    assert (f"{now['seller_cancellations']} counted cancellation(s) in {now['orders']} orders"
            in plain)
    assert f"{now['rate']:.2%}" in plain
    assert f"Room left this week: {now['remaining']} more" in plain


def test_report_has_its_charts(weekly):
    _, text, _ = weekly
    # daily rate, p-chart, budget and breach fan, for amazon.com and for amazon.ca
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', text)) == 8


def test_report_never_shows_buyer_pii(weekly, sample_files):
    _, text, _ = weekly
    _, pii = sample_files
    leaked = sorted(v for v in pii if v in text or _html.escape(v) in text)
    assert leaked == []


def test_product_names_are_text_not_markup(weekly):
    _, text, _ = weekly
    assert SCRIPT not in text
    assert _html.escape(SCRIPT) in text


def test_failing_cell_exits_non_zero_keeps_notebook_writes_no_html(sample_files, tmp_path):
    files, _ = sample_files
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "oos_analysis",
            "report",
            *files,
            "--out",
            str(tmp_path),
            "--asof",
            "2026-11-24",
            "--marketplace",
            "amazon.com",
            "--param",
            "horizon=0",
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: the report notebook stopped at cell")
    assert "Traceback" not in done.stderr
    assert (tmp_path / "weekly-report-2026-11-24-amazon.com.ipynb").is_file()
    assert not (tmp_path / "weekly-report-2026-11-24-amazon.com.html").exists()


def test_unknown_parameter_is_rejected_before_anything_runs(tmp_path, capsys):
    from oos_analysis.cli import main

    out = tmp_path / "out"
    assert main(["report", "--out", str(out), "--param", "horizn=14"]) == 1
    assert "unknown report parameter(s) ['horizn']" in capsys.readouterr().err
    assert not out.exists()


def test_report_notebook_has_a_parameters_cell_with_typed_defaults():
    declared = notebook_parameters(NOTEBOOK)
    assert {
        "files",
        "asof",
        "marketplace",
        "tz",
        "threshold",
        "horizon",
        "loss_cap",
        "seed",
        "draws",
    } <= set(declared)
    assert all(p["inferred_type_name"] != "None" for p in declared.values())


def test_report_from_the_store_matches_the_report_from_files(weekly, sample_files, tmp_path):
    files, _ = sample_files
    store = tmp_path / "store"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", oa.DataQualityWarning)  # the sample's short rows
        assert oa.import_files(files, store=store)["status"].eq("imported").all()
    out = tmp_path / "reports"
    done = subprocess.run(
        [sys.executable, "-m", "oos_analysis", "report", "--store", str(store), "--out", str(out),
         "--param", "draws=4000"],
        cwd=tmp_path, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
    )
    assert done.returncode == 0, done.stderr
    from_store = Path(done.stdout.strip())
    assert from_store.name == weekly[0].name

    def headline(text):
        plain = _html.unescape(re.sub(r"<[^>]+>", "", text))
        return re.findall(r"The 7-day rate as of .*?more counted cancellation\(s\)\.", plain, re.S)

    assert len(headline(weekly[1])) == 2  # amazon.com and amazon.ca
    assert headline(from_store.read_text(encoding="utf-8")) == headline(weekly[1])


def test_report_refuses_files_and_store_together(sample_files, tmp_path, capsys):
    files, _ = sample_files
    from oos_analysis.cli import main

    assert main(["report", files[0], "--store", str(tmp_path)]) == 1
    assert "either export files or --store" in capsys.readouterr().err


def test_report_is_static_and_contacts_no_other_site(weekly):
    _, text, _ = weekly
    assert "<script" not in text.lower()  # no JavaScript at all, escaped product names aside
    assert not re.search(r"""(src|href)=["']?https?://""", text)
