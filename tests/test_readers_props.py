"""Property tests: mangled bytes and rows give a valid frame or one of the kit's errors, nothing else."""

from __future__ import annotations

import io
import warnings

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis import (
    DataQualityWarning,
    OOSAnalysisError,
    read_all_orders,
    read_export,
    read_stockout_log,
)
from oos_analysis.io import schema

HEADER = ["amazon-order-id", "purchase-date", "order-status", "fulfillment-channel",
          "sales-channel", "product-name", "quantity", "item-price", "ship-postal-code"]
GOOD = ["113-0000001-0000001", "2024-07-18T18:52:47-07:00", "Cancelled", "Merchant", "Amazon.com",
        '"Quoted start', "1", "9.99", "02134"]

cell = st.text(alphabet=st.characters(blacklist_characters="\t\r\n"), max_size=12)


def _read(reader, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        try:
            return reader(data, **kw)
        except OOSAnalysisError:
            return None


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data):
    result = _read(read_export, io.BytesIO(data))
    assert result is None or isinstance(result.frame, pd.DataFrame)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cell, max_size=len(HEADER) + 2), max_size=6))
def test_mangled_rows_under_a_good_header(rows):
    text = "\t".join(HEADER) + "\n" + "".join("\t".join(r) + "\n" for r in rows)
    df = _read(read_all_orders, io.StringIO(text))
    if df is not None:
        assert list(df.columns[:2]) == ["order_id", "purchase_date"]
        assert str(df["purchase_date"].dtype).endswith(", UTC]")
        assert set(df["fulfillment_channel"].dropna()) <= {"MFN", "AFN"} | set(
            v.strip() for r in rows for v in r)
        assert len(df) <= len(rows)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 200), st.binary(min_size=1, max_size=8))
def test_bytes_spliced_into_a_good_file(position, junk):
    good = ("\t".join(HEADER) + "\n" + "\t".join(GOOD) + "\n").encode()
    at = min(position, len(good))
    data = good[:at] + junk + good[at:]
    result = _read(read_export, io.BytesIO(data))
    assert result is None or isinstance(result.frame, pd.DataFrame)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(cell, cell, cell, cell), max_size=5))
def test_mangled_stockout_logs(rows):
    lines = [",".join(schema.STOCKOUT_LOG_COLUMNS)]
    lines += [f"{a},amazon.com,{b},{c},,{d},,,,open," for a, b, c, d in rows]
    df = _read(read_stockout_log, io.StringIO("\n".join(lines) + "\n"))
    if df is not None:
        assert list(df.columns[:11]) == list(schema.STOCKOUT_LOG_COLUMNS)
        assert df["loss_if_bought"].dtype == "Float64"
        assert (df["loss_if_bought"].dropna() >= 0).all()


def test_good_row_round_trip_values():
    text = "\t".join(HEADER) + "\n" + "\t".join(GOOD) + "\n"
    df = read_all_orders(io.StringIO(text))
    assert df.loc[0, "product_name"] == '"Quoted start'
    assert df.loc[0, "purchase_date"] == pd.Timestamp("2024-07-19T01:52:47Z")


def test_blank_fulfillment_channel_is_missing_not_a_value():
    row = list(GOOD)
    row[HEADER.index("fulfillment-channel")] = "  "
    text = "\t".join(HEADER) + "\n" + "\t".join(row) + "\n"
    df = read_all_orders(io.StringIO(text))
    assert df["fulfillment_channel"].isna().all()
