"""The read_* functions: one per export, on fixtures made in the image of Amazon's files."""

from __future__ import annotations

import gzip
import hashlib
import io

import pandas as pd
import pytest

from oos_analysis import (
    DataQualityWarning,
    ReportFormatError,
    read_all_orders,
    read_cancel_download,
    read_order_report,
    read_seller_performance,
    read_stockout_log,
)
from oos_analysis.io import schema

UTC = pd.Timestamp


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


# --- All Orders ---------------------------------------------------------------------------------


def test_real_2022_rows(fixtures):
    df = read_all_orders(fixtures / "all-orders-2022-real.txt")
    assert df["order_id"].tolist() == [
        "113-8871452-8288246", "114-5642155-9428269", "112-8173974-4673832"]
    assert df["order_status"].tolist() == ["cancelled"] * 3
    assert df["item_status"].isna().all()
    assert df["fulfillment_channel"].tolist() == ["MFN"] * 3
    assert df["marketplace"].tolist() == ["amazon.com"] * 3
    assert df.loc[0, "purchase_date"] == ts("2022-07-18T18:52:47+00:00")
    assert df.loc[0, "item_price"] == 14.0 and pd.isna(df.loc[2, "item_price"])
    assert df["quantity"].tolist() == [0, 0, 0]
    assert df.loc[0, "ship_postal_code"] == "00000"
    assert "cpf" not in df.columns
    assert df["is_business_order"].tolist() == [False] * 3


def test_canonical_dtypes(fixtures):
    df = read_all_orders(fixtures / "all-orders-2022-real.txt")
    assert str(df["purchase_date"].dtype).endswith(", UTC]")
    assert str(df["last_updated_date"].dtype).endswith(", UTC]")
    assert df["quantity"].dtype == "Int64"
    assert df["item_price"].dtype == "Float64"
    assert df["signature_confirmation_recommended"].dtype == "boolean"
    for column in ("order_id", "sku", "ship_postal_code", "product_name", "sales_channel"):
        assert pd.api.types.is_string_dtype(df[column]), column


def test_mixed_offsets_statuses_channels_and_verbatim_values(fixtures):
    df = read_all_orders(fixtures / "all-orders-29col-mixed.txt")
    # 11:52:47-07:00 is 18:52:47 UTC; 00:00+09:00 is 15:00 UTC the day before
    assert df["purchase_date"].tolist() == [
        ts("2024-07-18T18:52:47Z"), ts("2024-07-18T18:52:47Z"), ts("2024-07-18T18:52:47Z"),
        ts("2024-07-18T15:00:00Z")]
    assert df["order_status"].tolist() == ["cancelled", "shipped", "shipped", "pending"]
    assert df["item_status"].tolist()[1:3] == ["shipped", "cancelled"]
    assert df["fulfillment_channel"].tolist() == ["MFN", "MFN", "MFN", "AFN"]
    assert df["sales_channel"].tolist() == ["Amazon.com", "Amazon.co.jp", "Amazon.co.jp",
                                            "Non-Amazon"]
    assert df["marketplace"].tolist() == ["amazon.com", "amazon.co.jp", "amazon.co.jp",
                                          schema.NON_AMAZON]
    assert df.loc[0, "product_name"] == '"Kyoto" matcha whisk'
    assert df.loc[1, "product_name"] == "Tenugui towel "
    assert df.loc[2, "product_name"] == "Hario V60 | White"
    assert df["ship_postal_code"].tolist() == ["02134", "150-0001", "150-0001", "00501"]
    assert "url" in df.columns


@pytest.mark.parametrize(
    "name",
    ["all-orders-32col-amazon-it.txt", "all-orders-33col-is-sold-by-ab.txt",
     "all-orders-archived.txt", "all-orders-reordered.txt", "all-orders-bom-crlf.txt",
     "all-orders.txt.gz", "all-orders-utf16.txt", "all-orders-cp932.txt",
     "all-orders-cp1252.txt"],
)
def test_every_layout_and_encoding_reads(fixtures, name):
    if name == "all-orders-32col-amazon-it.txt":  # its order id was scrubbed to 'scrubbed'
        with pytest.warns(DataQualityWarning, match=r"'scrubbed' at line 2"):
            df = read_all_orders(fixtures / name)
    else:
        df = read_all_orders(fixtures / name)
    assert len(df) >= 1
    assert list(df.columns[:8]) == [
        "order_id", "merchant_order_id", "purchase_date", "last_updated_date", "order_status",
        "fulfillment_channel", "sales_channel", "marketplace"] or "order_id" in df.columns
    assert df["purchase_date"].notna().all()
    assert set(df["fulfillment_channel"]) <= {"MFN", "AFN"}


def test_item_cancelled_in_shipped_order_amazon_it(fixtures):
    with pytest.warns(DataQualityWarning, match="3-7-7"):
        df = read_all_orders(fixtures / "all-orders-32col-amazon-it.txt")
    row = df.iloc[0]
    assert (row["order_status"], row["item_status"]) == ("shipped", "cancelled")
    assert row["fulfillment_channel"] == "AFN"
    assert row["marketplace"] == "amazon.it"
    assert row["item_price"] == 89.95
    assert row["ship_postal_code"] == "30041-8435"


def test_reordered_columns_give_the_same_values(fixtures):
    a = read_all_orders(fixtures / "all-orders-29col-mixed.txt")
    b = read_all_orders(fixtures / "all-orders-reordered.txt")
    for column in ("order_id", "purchase_date", "order_status", "marketplace", "product_name",
                   "ship_postal_code", "quantity"):
        assert a[column].tolist() == b[column].tolist(), column


def test_encodings_decode_product_names(fixtures):
    jp = read_all_orders(fixtures / "all-orders-cp932.txt")
    assert jp.loc[0, "product_name"] == "在庫切れの抹茶セット"
    fr = read_all_orders(fixtures / "all-orders-cp1252.txt")
    assert fr.loc[0, "product_name"] == "Crème brûlée torch"
    forced = read_all_orders(fixtures / "all-orders-cp932.txt", encoding="cp932")
    assert forced.loc[0, "product_name"] == "在庫切れの抹茶セット"


def test_file_objects_binary_text_and_gzip(fixtures):
    path = fixtures / "all-orders-2022-real.txt"
    expected = read_all_orders(path)
    pd.testing.assert_frame_equal(read_all_orders(io.BytesIO(path.read_bytes())), expected)
    pd.testing.assert_frame_equal(read_all_orders(io.StringIO(path.read_text())), expected)
    zipped = io.BytesIO(gzip.compress(path.read_bytes()))
    pd.testing.assert_frame_equal(read_all_orders(zipped), expected)


def test_short_rows_are_padded_with_a_warning(fixtures):
    with pytest.warns(DataQualityWarning, match="fewer fields than the header"):
        df = read_all_orders(fixtures / "all-orders-short-rows.txt")
    assert len(df) == 2
    # the short row lost its last two fields: price-designation and the signature flag
    assert pd.isna(df.loc[0, "signature_confirmation_recommended"])
    assert df.loc[1, "signature_confirmation_recommended"] == False  # noqa: E712


def test_concatenated_exports_keep_each_item_once_latest_update(fixtures):
    with pytest.warns(DataQualityWarning) as record:
        df = read_all_orders(fixtures / "all-orders-concatenated.txt")
    messages = [str(w.message) for w in record]
    assert any("header line appears 1 more time" in m for m in messages)
    assert any("1 row(s) are older versions of a line" in m for m in messages)
    assert sorted(df["order_id"]) == sorted(
        ["113-8871452-8288246", "114-5642155-9428269", "112-8173974-4673832"])
    kept = df.set_index("order_id").loc["113-8871452-8288246", "last_updated_date"]
    assert kept == ts("2022-07-30T09:00:00Z")


def test_rows_without_an_order_id_are_never_older_versions_of_each_other(tmp_path):
    # Three blank ids of one SKU at three update times: nothing says they are one line, so each
    # is kept and counted as left out; the one real older version (order ...01) still goes.
    from oos_analysis import MissingOrderIdWarning, orders_from_exports, read_exports

    head = "amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\t" \
           "fulfillment-channel\tsales-channel\tsku\n"
    rows = [("111-0000001-0000001", "09-02T10", "09-02T11"), ("", "09-03T10", "09-03T11"),
            ("  ", "09-04T10", "09-04T11"), ("111-0000001-0000001", "09-02T10", "09-05T11"),
            ("", "11-05T10", "11-05T11")]
    path = tmp_path / "blank-ids.txt"
    path.write_text(head + "".join(
        f"{oid}\t2026-{p}:00:00Z\t2026-{u}:00:00Z\tShipped\tMerchant\tAmazon.com\tSKU-1\n"
        for oid, p, u in rows), encoding="utf-8")
    with pytest.warns(DataQualityWarning) as record:
        orders = orders_from_exports(read_exports([path]))
    said = [str(w.message) for w in record]
    assert any(m.startswith(f"{path.as_posix()}: 1 row(s) are older") for m in said)
    missing = [str(w.message) for w in record if w.category is MissingOrderIdWarning]
    assert [m.split(" ")[0] for m in missing] == ["3"]
    assert orders["order_id"].tolist() == ["111-0000001-0000001"]


def test_header_only_is_zero_orders(fixtures):
    df = read_all_orders(fixtures / "all-orders-header-only.txt")
    assert len(df) == 0
    assert "order_id" in df.columns and str(df["purchase_date"].dtype).endswith(", UTC]")


def test_bad_timestamp_names_line_and_column(fixtures):
    with pytest.raises(ReportFormatError) as caught:
        read_all_orders(fixtures / "all-orders-bad-date.txt")
    err = caught.value
    assert (err.line, err.column) == (3, "purchase-date")
    assert "18/07/2022 17:15" in str(err) and "all-orders-bad-date.txt" in str(err)


def test_spreadsheet_resave_is_explained(fixtures):
    with pytest.raises(ReportFormatError, match="spreadsheet") as caught:
        read_all_orders(fixtures / "all-orders-spreadsheet.csv")
    assert caught.value.line == 2


def test_missing_required_column_is_named(fixtures):
    with pytest.raises(ReportFormatError, match=r"needs the column\(s\) order-status, which this header lacks"):
        read_all_orders(fixtures / "all-orders-missing-status.txt")


def test_other_report_passed_to_the_wrong_reader(fixtures):
    with pytest.raises(ReportFormatError, match="looks like the Order Report"):
        read_all_orders(fixtures / "order-report-2009.txt")


def test_row_with_extra_values_names_its_line():
    text = "amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel\tsales-channel\n"
    text += "1\t2024-01-01T00:00:00Z\tShipped\tMFN\tAmazon.com\n"
    text += "2\t2024-01-01T00:00:00Z\tShipped\tMFN\tAmazon.com\tstray\n"
    with pytest.raises(ReportFormatError, match="6 fields but the header has 5") as caught:
        read_all_orders(io.StringIO(text))
    assert caught.value.line == 3


def test_readers_never_change_files(fixtures):
    for name in ("all-orders-concatenated.txt", "all-orders-short-rows.txt",
                 "stockout-log-excel-cp932.csv"):
        path = fixtures / name
        before = hashlib.sha256(path.read_bytes()).hexdigest()
        with pytest.warns(DataQualityWarning) if "log" not in name else _nothing():
            (read_stockout_log if "log" in name else read_all_orders)(path)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# --- Order Report / Unshipped -------------------------------------------------------------------


PII = ("buyer_email", "buyer_name", "buyer_phone_number", "recipient_name", "ship_address_1",
       "ship_address_2", "ship_address_3", "ship_phone_number", "cpf",
       "buyer_identification_number", "buyer_identification_type", "delivery_instructions")


def test_order_report_2025_drops_pii_and_reads_buyer_request(fixtures):
    with pytest.warns(DataQualityWarning, match="fewer fields"):
        df = read_order_report(fixtures / "order-report-2025-all-columns.txt")
    assert not set(PII) & set(df.columns)
    assert not any("Jane" in str(v) or "Example Ave" in str(v) for v in df.to_numpy().ravel())
    assert df["order_item_id"].tolist() == ["240278395364561", "1111"]
    assert df["buyer_requested_cancel"].tolist() == [False, True]
    assert df["buyer_cancel_reason"].tolist()[1] == "No longer needed"
    assert df.loc[0, "payments_date"] == ts("2025-09-25T10:15:07Z")
    assert df.loc[0, "promise_date"] == ts("2025-09-27T06:59:59Z")
    assert df["days_past_promise"].tolist() == [-2, -2]
    assert df.loc[0, "marketplace"] == "amazon.com"
    assert df["verge_of_late_shipment"].tolist() == [False, False]


def test_order_report_2009_two_items_one_order(fixtures):
    df = read_order_report(fixtures / "order-report-2009.txt")
    assert df["order_id"].nunique() == 1 and len(df) == 2
    assert df.loc[0, "purchase_date"] == ts("2009-01-01T18:50:49Z")
    assert df["quantity_purchased"].tolist() == [1, 2]
    assert not set(PII) & set(df.columns)
    assert df["buyer_requested_cancel"].isna().all()
    assert df["marketplace"].isna().all()


def test_unshipped_orders(fixtures):
    df = read_order_report(fixtures / "unshipped-orders.txt")
    assert df.loc[0, "quantity_to_ship"] == 1
    assert df.loc[0, "is_prime"] == False  # noqa: E712
    assert df.loc[0, "ship_postal_code"] == "02134"
    assert "recipient_name" not in df and "buyer_email" not in df


def test_help_page_spelling_of_the_buyer_request_column(fixtures):
    df = read_order_report(fixtures / "order-report-cancelation-spelling.txt")
    assert df["buyer_requested_cancel"].tolist() == [True, False]
    assert df["buyer_cancel_reason"].tolist()[0] == "Ordered by mistake"
    assert "buyer_requested_cancel_" not in df


# --- cancel rate download -----------------------------------------------------------------------


def test_cancel_download_csv(fixtures):
    df = read_cancel_download(fixtures / "cancel-download.csv")
    assert list(df.columns) == ["order_id", "order_date", "impacts_account_health"]
    assert df["order_id"].tolist() == ["111-0000001-0000001", "111-0000004-0000004"]
    assert df["order_date"].tolist() == [ts("2024-07-18T00:00Z"), ts("2024-07-19T00:00Z")]
    assert df["impacts_account_health"].tolist() == [True, False]


def test_cancel_download_header_variants_and_tsv(fixtures):
    df = read_cancel_download(fixtures / "cancel-download-variant.tsv")
    assert df["order_date"].tolist() == [ts("2024-07-18T00:00Z"), ts("2024-07-20T03:00Z")]
    assert df["impacts_account_health"].tolist() == [True, False]


def test_cancel_download_bad_flag():
    text = "Order Date,Order ID,Impacts Account Health\n2024-07-18,1,Yes\n2024-07-18,2,maybe\n"
    with pytest.raises(ReportFormatError, match="'maybe'") as caught:
        read_cancel_download(io.StringIO(text))
    assert caught.value.line == 3


# --- Seller Performance JSON --------------------------------------------------------------------


def test_seller_performance(fixtures):
    df = read_seller_performance(fixtures / "seller-performance.json")
    assert df["metric"].tolist() == ["pre_fulfillment_cancel_rate", "late_shipment_rate",
                                     "valid_tracking_rate", "order_defect_rate_mfn",
                                     "order_defect_rate_afn"]
    pfcr = df.iloc[0]
    assert (pfcr["orders"], pfcr["defects"], pfcr["rate"]) == (400, 9, 0.0225)
    assert (pfcr["target_value"], pfcr["target_condition"]) == (0.025, "LESS_THAN")
    assert pfcr["date_from"] == ts("2024-07-12T00:00:00Z")
    assert pfcr["account_status"] == "NORMAL" and pfcr["marketplace"] == "amazon.com"
    assert df.iloc[1]["defects"] == 30 and df.iloc[2]["orders"] == 1400
    assert df.iloc[2]["defects"] == 1386
    assert df.iloc[3]["defects"] == 3 and df.iloc[3]["orders"] == 3000


def test_seller_performance_example_key_without_seconds(fixtures):
    # Amazon's schema example is not consistent with itself: 551 / 17197 is 3.2 %, not 0.5 %
    with pytest.warns(DataQualityWarning, match="Amazon's own figures disagree"):
        df = read_seller_performance(fixtures / "seller-performance-example-key.json")
    row = df.iloc[0]
    assert row["metric"] == "pre_fulfillment_cancel_rate"
    assert row["marketplace"] == "amazon.co.jp"
    assert row["date_to"] == ts("2020-11-18T23:59:00Z")
    assert pd.isna(row["account_status"])
    assert (row["orders"], row["defects"]) == (17197, 551)


def test_seller_performance_errors():
    with pytest.raises(ReportFormatError, match="malformed") as caught:
        read_seller_performance(io.StringIO('{"performanceMetrics": [\n{"a": }]}'))
    assert caught.value.line == 2
    bad = ('{"performanceMetrics": [{"marketplaceId": "X", "lateShipmentRate": '
           '{"rate": "high", "orderCount": 3}}]}')
    with pytest.raises(ReportFormatError, match="lateShipmentRate.rate is 'high'"):
        read_seller_performance(io.StringIO(bad))


# --- stock-out log ------------------------------------------------------------------------------


def test_stockout_log(fixtures):
    df = read_stockout_log(fixtures / "stockout-log.csv")
    assert list(df.columns) == [*schema.STOCKOUT_LOG_COLUMNS, "notes"]
    assert df["marketplace"].tolist() == ["amazon.com"] * 3
    assert df["detected_at"].tolist() == [ts("2024-07-18T09:30Z"), ts("2024-07-18T00:00Z"),
                                          ts("2024-07-19T01:00Z")]
    assert df.loc[0, "resolved_at"] == ts("2024-07-22T01:00Z")
    assert df["loss_if_bought"].tolist()[1] == 1200.0 and pd.isna(df.loc[0, "loss_if_bought"])
    assert df["resolution"].tolist() == ["no_inventory", "bought", "buyer_cancelled"]
    assert df.loc[2, "official_request_at"] == ts("2024-07-20T12:00Z")
    assert df.loc[0, "notes"] == "all shops sold out"


def test_stockout_log_naive_times_in_given_zone(fixtures):
    df = read_stockout_log(fixtures / "stockout-log.csv", tz="Asia/Tokyo")
    assert df.loc[0, "detected_at"] == ts("2024-07-18T00:30Z")  # 09:30 JST
    assert df.loc[2, "detected_at"] == ts("2024-07-19T01:00Z")  # had an offset: unchanged


@pytest.mark.parametrize(
    "name", ["stockout-log-excel-cp932.csv", "stockout-log-excel-utf8-bom.csv"])
def test_stockout_log_spreadsheet_resaves(fixtures, name):
    df = read_stockout_log(fixtures / name)
    assert df.loc[0, "order_id"] == "111-0000001-0000001"
    assert df.loc[0, "detected_at"] == ts("2024-07-18T09:30Z")
    assert df.loc[0, "メモ"] == "在庫切れ、依頼済み"


def test_stockout_log_tab_separated(fixtures):
    df = read_stockout_log(fixtures / "stockout-log.tsv")
    assert df.loc[0, "resolution"] == "open" and df.loc[0, "marketplace"] == "amazon.com"


@pytest.mark.parametrize(
    ("name", "line", "column"),
    [("stockout-log-bad-resolution.csv", 3, "resolution"),
     ("stockout-log-negative-loss.csv", 2, "loss_if_bought")],
)
def test_stockout_log_errors_name_the_line(fixtures, name, line, column):
    with pytest.raises(ReportFormatError) as caught:
        read_stockout_log(fixtures / name)
    assert (caught.value.line, caught.value.column) == (line, column)


def test_stockout_log_bad_time_and_zone():
    text = ",".join(schema.STOCKOUT_LOG_COLUMNS) + "\n1,amazon.com,S,yesterday,,,,,,open,\n"
    with pytest.raises(ReportFormatError, match="'yesterday'") as caught:
        read_stockout_log(io.StringIO(text))
    assert caught.value.line == 2
    from oos_analysis import ParameterError

    with pytest.raises(ParameterError, match="not a time zone"):
        read_stockout_log(io.StringIO(text), tz="Mars/Olympus")
