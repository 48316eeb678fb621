"""Odd and hostile files (issue 13): a correct read or one paragraph, never a traceback or buyer data.

One fixture per class, made by ``tests/fixtures/make_fixtures.py`` into ``tests/fixtures/hostile``.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pandas as pd
import pytest

from oos_analysis.cli import main
from oos_analysis.exceptions import DataQualityWarning, ReportFormatError
from oos_analysis.io.delimited import FIELD_CAP
from oos_analysis.io.readers import (
    read_all_orders,
    read_cancel_download,
    read_stockout_log,
)

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"


def run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_a_200_kb_field_in_a_gzipped_export_reads_and_a_longer_one_names_its_line(tmp_path):
    df = read_all_orders(HOSTILE / "all-orders-long-field.txt.gz")
    assert len(df) == 2
    assert len(df.loc[0, "product_name"]) == len("Matcha whisk ") + 29 * 7000
    header, first, second = gzip.decompress(
        (HOSTILE / "all-orders-long-field.txt.gz").read_bytes()).decode().splitlines()
    too_long = tmp_path / "too-long.txt.gz"
    huge = "x" * (FIELD_CAP + 10)
    too_long.write_bytes(gzip.compress(
        "\n".join([header, second, first.replace("Matcha whisk", huge)]).encode()))
    with pytest.raises(ReportFormatError) as info:
        read_all_orders(too_long)
    assert info.value.line == 3 and "1,048,576 bytes" in str(info.value)
    assert len(str(info.value)) < 600


@pytest.mark.parametrize("name", ["cancel-download-header-spaces.csv",
                                  "cancel-download-double-bom.csv"])
def test_headers_with_spaces_or_two_byte_order_marks_read(name):
    df = read_cancel_download(HOSTILE / name)
    assert df["order_id"].tolist() == ["113-8871452-8288246", "114-5642155-9428269"]
    assert df["impacts_account_health"].tolist() == [True, False]
    assert df["order_date"].tolist() == [pd.Timestamp("2024-07-18", tz="UTC"),
                                         pd.Timestamp("2024-07-19", tz="UTC")]


def test_a_quoted_header_holding_a_comma_reads_on_the_stockout_log():
    df = read_stockout_log(HOSTILE / "stockout-log-quoted-header.csv")
    assert df.loc[0, "order_id"] == "111-0000001-0000001"
    assert df.loc[0, "notes_internal"] == "asked, no reply"


def test_two_exports_concatenated_each_with_a_bom_skip_the_second_header():
    with pytest.warns(DataQualityWarning, match="header line appears 1 more time"):
        df = read_all_orders(HOSTILE / "all-orders-cat-with-boms.txt")
    assert df["order_id"].tolist() == ["113-8871452-8288246", "114-5642155-9428269",
                                       "112-8173974-4673832"]
    assert (df["order_status"] == "cancelled").all()


def test_a_nul_inside_a_name_is_read_and_inside_a_cancelled_status_names_the_line(capsys):
    df = read_all_orders(HOSTILE / "all-orders-nul-in-name.txt")
    assert df.loc[0, "product_name"].startswith("Beyond\x00Meat")
    assert df["order_status"].tolist() == ["cancelled", "cancelled"]
    status, _, err = run(["rate", str(HOSTILE / "all-orders-nul-in-status.txt")], capsys)
    assert status == 1
    assert "line 2, column 'order-status'" in err and "Cancel\\x00led" in err
    assert "\x00" not in err and "Traceback" not in err


def test_a_year_2999_is_refused_with_its_line(capsys):
    status, _, err = run(["rate", str(HOSTILE / "all-orders-year-2999.txt")], capsys)
    assert status == 1
    assert "line 3, column 'purchase-date'" in err and "2999-07-18" in err


def test_a_date_fifty_years_from_the_rest_is_refused(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("order_id,marketplace,sku,detected_at,resolution\n"
                   "113-8871452-8288246,amazon.com,S,2024-07-18,open\n"
                   "114-5642155-9428269,amazon.com,S,2024-07-19,open\n"
                   "112-8173974-4673832,amazon.com,S,2074-07-19,open\n")
    with pytest.raises(ReportFormatError) as info:
        read_stockout_log(log)
    assert info.value.line == 4 and info.value.column == "detected_at"


def test_an_sp_api_error_body_is_reported_as_amazons_error(capsys):
    status, _, err = run(["check", str(HOSTILE / "sp-api-error.json")], capsys)
    assert status == 1
    assert "Amazon returned an error instead of the report: Unauthorized" in err
    assert "not a GET_V2_SELLER_PERFORMANCE_REPORT" not in err


def test_all_orders_rows_without_a_header_say_the_header_is_missing(capsys):
    status, _, err = run(["check", str(HOSTILE / "all-orders-no-header.txt")], capsys)
    assert status == 1
    assert "header line seems to be missing" in err and "'amazon-order-id'" in err


def test_a_shifted_order_report_row_never_quotes_the_buyer(capsys):
    path = HOSTILE / "order-report-shifted-pii.txt"
    for argv in (["check", str(path)], ["rate", str(path)]):
        status, out, err = run(argv, capsys)
        assert status == 1
        assert "line 2" in err and "buyer data" in err
        for secret in ("janet", "Janet Roe", "206-555-0147", "4411 Maple"):
            assert secret not in out + err


def test_messages_cut_a_65000_character_value(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("order_id,marketplace,sku,detected_at,resolution\n"
                   f"113-8871452-8288246,amazon.com,S,2024-07-18,{'x' * 65000}\n")
    with pytest.raises(ReportFormatError) as info:
        read_stockout_log(log)
    assert len(str(info.value)) < 700 and "65,000 characters" in str(info.value)


COMMANDS = [["check"], ["import", "--store", "{tmp}/s"], ["rate"], ["budget"], ["reconcile"],
            ["actions"], ["message", "113-8871452-8288246"], ["simulate"], ["status"],
            ["report", "--out", "{tmp}/out"]]


@pytest.fixture
def odd_paths(tmp_path):
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "folder").mkdir()
    return {"a symbolic link that leads back to itself": tmp_path / "loop-a",
            "a named pipe (FIFO)": tmp_path / "fifo", "a folder": tmp_path / "folder"}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_path_that_is_not_a_regular_file_is_one_paragraph_on_every_command(
        command, odd_paths, tmp_path, capsys):
    import signal

    def hung(*_):
        raise AssertionError(f"{command[0]} blocked on a non-regular file")

    signal.signal(signal.SIGALRM, hung)
    for what, path in odd_paths.items():
        argv = [a.format(tmp=tmp_path) for a in command]
        signal.alarm(60)
        try:
            status, _, err = run([*argv, str(path)], capsys)
        finally:
            signal.alarm(0)
        assert status == 1, (command, what)
        assert err.startswith("error: ") and err.count("\n") == 1, (command, err)
        assert what in err and "Traceback" not in err, (command, err)


@pytest.mark.parametrize("encoding, said", [("rot13", "not a text encoding"),
                                            ("cp500", "not in that encoding")])
def test_an_encoding_that_is_no_text_encoding_or_decodes_nonsense_is_refused(
        encoding, said, capsys):
    sample = Path(__file__).resolve().parent.parent / "data" / "sample" / "us"
    for name in ("all-orders.txt", "stockout-log.csv"):
        status, out, err = run(["check", "--encoding", encoding, str(sample / name)], capsys)
        assert status == 1 and said in err and "rows: 0" not in out


def _csv_cells(text: str) -> list[str]:
    import csv
    import io

    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_csv_output_neutralises_formulas_and_keeps_numbers(capsys):
    sample = Path(__file__).resolve().parent.parent / "data" / "sample" / "us"
    orders = str(sample / "all-orders.txt")
    runs = {
        "actions": ["actions", orders, str(HOSTILE / "stockout-log-formulas.csv")],
        "reconcile": ["reconcile", orders, str(HOSTILE / "seller-performance-formula-id.json")],
        "rate": ["rate", orders],
    }
    for name, argv in runs.items():
        status, out, _ = run([*argv, "--format", "csv"], capsys)
        assert status == 0, name
        cells = _csv_cells(out)
        live = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")
                or (c[:1] == "-" and not c.lstrip("-").replace(".", "", 1).isdigit())]
        assert not live, (name, live)
        if name == "actions":
            assert '\'=HYPERLINK("http://example.invalid","open")' in cells
            assert "'@SUM(A1)" in cells
        if name == "reconcile":
            assert '\'=HYPERLINK("http://example.invalid","x")' in cells
            assert "0.025" in cells  # numbers stay numbers
    frame = pd.DataFrame({"amount": [-12.5, 3.0], "note": ["-12.50", "-2+3"]})
    from oos_analysis.cli.common import neutralise_formulas

    shown = neutralise_formulas(frame)
    assert shown["amount"].tolist() == [-12.5, 3.0]
    assert shown["note"].tolist() == ["-12.50", "'-2+3"]
    assert frame["note"].tolist() == ["-12.50", "-2+3"]  # the input is not changed


def test_report_html_escapes_the_file_name_the_sku_and_the_logs_extra_columns(tmp_path):
    import oos_analysis as oa

    script = "<script>alert(1)</script>"
    oa.generate_sample(tmp_path)
    us = tmp_path / "us"
    (us / "all-orders.txt").rename(us / "all-orders-<script>alert(1)<_script>.txt")
    log = us / "stockout-log.csv"
    lines = log.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    for row in rows:
        if row[head.index("resolution")] in ("", "open"):
            row[head.index("sku")] = "<img src=x onerror=alert(2)>"
    log.write_text("\n".join([lines[0] + ",<b>note</b>"]
                             + [",".join(r) + "," + script for r in rows]) + "\n",
                   encoding="utf-8")
    report, text = _page(us)
    assert "all-orders-&lt;script&gt;alert(1)&lt;_script&gt;.txt" in text
    assert "&lt;img src=x onerror=alert(2)&gt;" in text
    assert "<script" not in text.lower() and "<img src=x" not in text and "<b>note" not in text


def test_report_html_escapes_marketplace_and_channel_names(tmp_path):
    """A sales channel or a log marketplace that is markup stays text on every part of the page."""
    import oos_analysis as oa

    oa.generate_sample(tmp_path)
    us = tmp_path / "us"
    orders = us / "all-orders.txt"
    lines = orders.read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    channel = head.index("sales-channel")
    rows = [line.split("\t") for line in lines[1:]]
    ids = {row[0] for row in rows[::50]}  # a few orders from a channel whose name is markup
    for row in rows:
        if row[0] in ids:
            row[channel] = "Amazon.<script>alert(3)</script>"
    orders.write_text("\n".join([lines[0]] + ["\t".join(r) for r in rows]) + "\n",
                      encoding="utf-8")
    log = us / "stockout-log.csv"
    log_lines = log.read_text(encoding="utf-8").splitlines()
    log_head = log_lines[0].split(",")
    first = log_lines[1].split(",")
    first[log_head.index("marketplace")] = "<svg onload=alert(4)>"
    log.write_text("\n".join([log_lines[0], ",".join(first), *log_lines[2:]]) + "\n",
                   encoding="utf-8")
    report, text = _page(us)
    assert [s.marketplace for s in report.marketplaces] == ["amazon.com", "amazon.ca"]
    assert "<script" not in text.lower() and "<svg" not in text.lower()
    # Neither name becomes a marketplace: the channel is not Amazon's (its orders are left out
    # and counted as such), and log rows of an unknown marketplace belong to no section.
    left_out = report.coverage.set_index("marketplace")
    assert "non-amazon" in left_out.index


def _page(folder):
    """The report model of every file in ``folder`` and the HTML its display functions produce."""
    from oos_analysis.report import display, model

    shown: list[str] = []
    original = display._display
    display._display = lambda obj: shown.append(str(getattr(obj, "data", obj)))
    try:
        report = model.load_report(sorted(str(p) for p in folder.iterdir()))
        display.show_first_screen(report)
        for section in report.marketplaces:
            display.show_marketplace(report, section)
        display.show_coverage(report)
    finally:
        display._display = original
    return report, "\n".join(shown)
