"""read_export / read_exports / Exports: detection, concatenation, empty kinds, summary; and `check`."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from oos_analysis import (
    DataQualityWarning,
    Export,
    Exports,
    ReportFormatError,
    UnknownReportError,
    read_all_orders,
    read_export,
    read_exports,
)
from oos_analysis.cli import main
from oos_analysis.io import schema


def test_any_mix_of_files_is_sorted_by_kind(fixtures):
    exports = read_exports([
        fixtures / "all-orders-2022-real.txt", fixtures / "order-report-2009.txt",
        fixtures / "cancel-download.csv", fixtures / "seller-performance.json",
        fixtures / "stockout-log.csv"])
    assert [f.kind for f in exports.files] == [
        schema.ALL_ORDERS, schema.ORDER_REPORT, schema.CANCEL_DOWNLOAD,
        schema.SELLER_PERFORMANCE, schema.STOCKOUT_LOG]
    assert (len(exports.all_orders), len(exports.order_report), len(exports.cancel_download),
            len(exports.seller_performance), len(exports.stockout_log)) == (3, 2, 2, 5, 3)


def test_missing_kinds_are_empty_canonical_frames(fixtures):
    exports = read_exports([fixtures / "cancel-download.csv"])
    reference = read_all_orders(fixtures / "all-orders-2022-real.txt")
    assert len(exports.all_orders) == 0
    for column in ("order_id", "purchase_date", "order_status", "marketplace", "quantity"):
        assert exports.all_orders[column].dtype == reference[column].dtype, column
    assert list(exports.stockout_log.columns) == list(schema.STOCKOUT_LOG_COLUMNS)
    assert "buyer_requested_cancel" in exports.order_report
    assert exports.order_report["buyer_requested_cancel"].dtype == "boolean"
    assert "rate" in exports.seller_performance


def test_overlapping_files_keep_the_latest_update_without_warning(tmp_path, fixtures):
    header, *rows = (fixtures / "all-orders-2022-real.txt").read_text().splitlines()
    old = tmp_path / "week1.txt"
    new = tmp_path / "week2.txt"
    old.write_text("\n".join([header, rows[0], rows[1]]) + "\n")
    newer = rows[0].replace("2022-07-29T08:19:16", "2022-08-01T00:00:00")
    new.write_text("\n".join([header, newer, rows[2]]) + "\n")
    exports = read_exports([new, old])  # order of files must not matter
    df = exports.all_orders.set_index("order_id")
    assert len(df) == 3
    assert df.loc["113-8871452-8288246", "last_updated_date"] == pd.Timestamp(
        "2022-08-01T00:00:00Z")


def test_layouts_with_different_columns_combine(fixtures):
    exports = read_exports([fixtures / "all-orders-29col-mixed.txt",
                            fixtures / "all-orders-2022-real.txt"])
    df = exports.all_orders
    assert len(df) == 7
    assert df["is_business_order"].dtype == "boolean"
    assert df["is_business_order"].isna().sum() == 4  # the 29-column file has no such column
    assert "url" in df.columns and "signature_confirmation_recommended" in df.columns


def test_summary_counts_distinct_orders(fixtures):
    summary = read_exports([fixtures / "all-orders-29col-mixed.txt",
                            fixtures / "seller-performance.json"]).summary()
    first = summary.iloc[0]
    assert (first["rows"], first["orders"]) == (4, 3)
    assert first["first_date"] == pd.Timestamp("2024-07-18T15:00:00Z")
    assert first["last_date"] == pd.Timestamp("2024-07-18T18:52:47Z")
    assert first["marketplaces"] == "amazon.co.jp, amazon.com, non-amazon"
    assert first["encoding"] == "utf-8" and first["warnings"] == ""
    assert pd.isna(summary.iloc[1]["orders"])


def test_export_keeps_warnings_and_emits_them(fixtures):
    with pytest.warns(DataQualityWarning, match="fewer fields"):
        export = read_export(fixtures / "all-orders-short-rows.txt")
    assert len(export.warnings) == 1 and "line 2" in export.warnings[0]


def test_file_objects_report_their_original_encoding(fixtures):
    data = (fixtures / "all-orders-cp932.txt").read_bytes()
    export = read_export(io.BytesIO(data))
    assert (export.kind, export.encoding) == (schema.ALL_ORDERS, "cp932")
    assert export.frame.loc[0, "product_name"] == "在庫切れの抹茶セット"


def test_kind_can_be_forced(fixtures):
    with pytest.raises(ReportFormatError, match=r"needs the column\(s\) amazon-order-id.*looks like the Pre-fulfillment cancel rate download instead"):
        read_export(fixtures / "cancel-download.csv", kind=schema.ALL_ORDERS)


def test_unknown_and_broken_files_raise_the_kits_errors(fixtures):
    with pytest.raises(UnknownReportError):
        read_exports([fixtures / "all-orders-2022-real.txt", fixtures / "inventory-report.txt"])


def test_combining_does_not_change_the_frames_given(fixtures):
    export = read_export(fixtures / "all-orders-2022-real.txt")
    dup = Export("copy", export.kind, "utf-8", export.frame.copy(), ())
    before = export.frame.copy()
    Exports.from_files([export, dup])
    pd.testing.assert_frame_equal(export.frame, before)


def test_check_prints_each_file_and_fails_on_bad_ones(fixtures, capsys):
    status = main(["check", str(fixtures / "all-orders-29col-mixed.txt"),
                   str(fixtures / "s3-error.xml"), str(fixtures / "all-orders-short-rows.txt")])
    out, err = capsys.readouterr()
    assert status == 1
    assert "type: All Orders report   encoding: utf-8   rows: 4   orders: 3" in out
    assert "purchases: 2024-07-18 .. 2024-07-18 (UTC)" in out
    assert "marketplaces: amazon.co.jp, amazon.com, non-amazon" in out
    assert "warnings: 1 row(s) had fewer fields" in out
    assert err.count("error:") == 1 and "s3-error.xml" in err and "Traceback" not in err


def test_check_all_good_exits_zero(fixtures, capsys):
    assert main(["check", str(fixtures / "stockout-log.csv")]) == 0
    assert "type: stock-out log" in capsys.readouterr().out
