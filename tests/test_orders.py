"""Orders from items: one row per order, metric membership and attribution."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis.exceptions import DataQualityWarning, ParameterError
from oos_analysis.metric.orders import ORDER_COLUMNS, coverage, orders_from_items


def make_items(rows):
    """rows: (order_id, purchase ISO, order_status, item_status, channel, sales_channel[, sku])."""
    frame = pd.DataFrame(
        [r[:6] for r in rows],
        columns=["order_id", "purchase_date", "order_status", "item_status",
                 "fulfillment_channel", "sales_channel"],
    )
    frame["purchase_date"] = pd.to_datetime(frame["purchase_date"], utc=True)
    frame["marketplace"] = frame["sales_channel"].map(
        {"Amazon.com": "amazon.com", "Amazon.co.jp": "amazon.co.jp", "Non-Amazon": "non-amazon"}
    ).astype("str")
    frame["sku"] = [r[6] if len(r) > 6 else "SKU-" + r[0] for r in rows]
    return frame


T = "2026-03-02T10:00:00+00:00"


def by_id(orders):
    return orders.set_index("order_id")


def test_multi_item_order_counts_once_and_partial_cancel():
    items = make_items([
        ("A", T, "shipped", "shipped", "MFN", "Amazon.com"),
        ("A", T, "shipped", "cancelled", "MFN", "Amazon.com"),
        ("A", T, "shipped", "shipped", "MFN", "Amazon.com"),
        ("B", T, "shipped", "shipped", "MFN", "Amazon.com"),
        ("B", T, "shipped", "shipped", "MFN", "Amazon.com"),
    ])
    o = by_id(orders_from_items(items))
    assert len(o) == 2
    assert (o.loc["A", "items"], o.loc["A", "cancelled_items"]) == (3, 1)
    assert o.loc["A", "cancelled"] and o.loc["A", "partial_cancel"] and o.loc["A", "counted"]
    assert o.loc["A", "attribution"] == "unknown"
    assert (o.loc["B", "items"], o.loc["B", "cancelled"], o.loc["B", "counted"]) == (2, False, False)
    assert pd.isna(o.loc["B", "attribution"])
    assert int(o["counted"].sum()) == 1


def test_whole_order_cancel_with_blank_item_status():
    # Amazon leaves item-status empty on whole-order cancellations (amazon-reports.md 1.2).
    items = make_items([
        ("A", T, "cancelled", None, "MFN", "Amazon.com"),
        ("A", T, "cancelled", None, "MFN", "Amazon.com"),
    ])
    o = by_id(orders_from_items(items))
    assert (o.loc["A", "cancelled_items"], o.loc["A", "partial_cancel"]) == (2, False)
    assert o.loc["A", "order_status"] == "cancelled" and o.loc["A", "counted"]


def test_afn_non_amazon_and_missing_channel_are_excluded():
    items = make_items([
        ("F", T, "cancelled", None, "AFN", "Amazon.com"),
        ("N", T, "cancelled", None, "MFN", "Non-Amazon"),
        ("X", T, "cancelled", None, None, "Amazon.com"),
        ("M", T, "cancelled", None, "Merchant", "Amazon.com"),
        ("Z", T, "cancelled", None, "Amazon", "Amazon.com"),
    ])
    o = by_id(orders_from_items(items))
    reasons = o["excluded_reason"]
    assert reasons[["F", "N", "X", "Z"]].tolist() == ["afn", "non_amazon", "no_channel", "afn"]
    assert pd.isna(reasons["M"])
    assert o["in_metric"].to_dict() == {"F": False, "N": False, "X": False, "M": True, "Z": False}
    assert o["counted"].to_dict() == {"F": False, "N": False, "X": False, "M": True, "Z": False}
    assert o.loc["M", "fulfillment_channel"] == "MFN"


def test_marketplace_derived_from_sales_channel_when_missing():
    items = make_items([("A", T, "shipped", "shipped", "MFN", "Amazon.co.uk")]).drop(columns="marketplace")
    o = orders_from_items(items)
    assert o.loc[0, "marketplace"] == "amazon.co.uk" and o.loc[0, "in_metric"]


def _two_cancellations():
    return make_items([
        ("A", T, "cancelled", None, "MFN", "Amazon.com"),
        ("B", T, "cancelled", None, "MFN", "Amazon.com"),
        ("C", T, "shipped", "shipped", "MFN", "Amazon.com"),
    ])


def test_buyer_request_flag_keeps_order_in_denominator_out_of_numerator():
    report = pd.DataFrame({"order_id": ["A", "B", "C"], "buyer_requested_cancel": [True, pd.NA, True]})
    o = by_id(orders_from_items(_two_cancellations(), order_report=report))
    assert o.loc["A", "attribution"] == "buyer_official"
    assert o.loc["A", "attribution_source"] == "order_report"
    assert o.loc["A", "in_metric"] and not o.loc["A", "counted"]
    assert o.loc["B", "attribution"] == "unknown" and o.loc["B", "counted"]
    # a flag on an order that was not cancelled attributes nothing
    assert pd.isna(o.loc["C", "attribution"]) and not o.loc["C", "counted"]


def test_stockout_log_attribution():
    items = make_items([(i, T, "cancelled", None, "MFN", "Amazon.com") for i in "ABCD"])
    log = pd.DataFrame({
        "order_id": ["A", "B", "C", "D"],
        "resolution": ["buyer_cancelled", "buyer_cancelled", "no_inventory", "open"],
        "official_request_at": pd.to_datetime([T, None, None, None], utc=True),
    })
    o = by_id(orders_from_items(items, stockout_log=log))
    assert o["attribution"].to_dict() == {
        "A": "buyer_official", "B": "seller", "C": "seller", "D": "unknown"
    }
    # "buyer cancelled" without an official request still counts
    assert o["counted"].to_dict() == {"A": False, "B": True, "C": True, "D": True}
    assert o.loc["A", "attribution_source"] == "stockout_log"
    # no evidence is a value, not a missing one, so a groupby on the source keeps the order
    assert o.loc["D", "attribution_source"] == "none"


def test_attribution_source_is_never_missing_for_a_cancellation():
    items = make_items([("A", T, "cancelled", None, "MFN", "Amazon.com"),
                        ("B", T, "shipped", None, "MFN", "Amazon.com")])
    o = by_id(orders_from_items(items))
    assert o.loc["A", "attribution_source"] == "none" and pd.isna(o.loc["B", "attribution_source"])
    grouped = orders_from_items(items).query("cancelled").groupby(
        ["attribution", "attribution_source", "counted"]).size()
    assert grouped.sum() == 1


def test_amazon_download_overrides_everything():
    items = make_items([(i, T, "cancelled", None, "MFN", "Amazon.com") for i in "ABC"])
    report = pd.DataFrame({"order_id": ["A"], "buyer_requested_cancel": [True]})
    log = pd.DataFrame({"order_id": ["B"], "resolution": ["no_inventory"],
                        "official_request_at": pd.to_datetime([None], utc=True)})
    download = pd.DataFrame({"order_id": ["A", "B"], "impacts_account_health": [True, False]})
    o = by_id(orders_from_items(items, order_report=report, stockout_log=log, cancel_download=download))
    assert o["counted"].to_dict() == {"A": True, "B": False, "C": True}
    assert o["attribution"].to_dict() == {"A": "seller", "B": "buyer_official", "C": "unknown"}
    assert o.loc["A", "attribution_source"] == "amazon_download"
    assert o.loc["B", "attribution_source"] == "amazon_download"


def test_download_listing_unknown_order_warns():
    download = pd.DataFrame({"order_id": ["Q"], "impacts_account_health": [True]})
    with pytest.warns(DataQualityWarning, match="not in the order exports"):
        o = orders_from_items(_two_cancellations(), cancel_download=download)
    assert int(o["counted"].sum()) == 2


def test_download_counting_an_uncancelled_order_wins_with_warning():
    download = pd.DataFrame({"order_id": ["C"], "impacts_account_health": [True]})
    with pytest.warns(DataQualityWarning, match="does not show as cancelled"):
        o = by_id(orders_from_items(_two_cancellations(), cancel_download=download))
    assert o.loc["C", "counted"] and o.loc["C", "cancelled"] and o.loc["C", "attribution"] == "seller"


def test_inputs_are_not_mutated():
    items = _two_cancellations()
    report = pd.DataFrame({"order_id": ["A"], "buyer_requested_cancel": [True]})
    download = pd.DataFrame({"order_id": ["B"], "impacts_account_health": [False]})
    log = pd.DataFrame({"order_id": ["A"], "resolution": ["no_inventory"],
                        "official_request_at": pd.to_datetime([None], utc=True)})
    copies = [f.copy(deep=True) for f in (items, report, download, log)]
    with pytest.warns(DataQualityWarning, match="conflicting evidence"):
        orders = orders_from_items(items, order_report=report, cancel_download=download,
                                   stockout_log=log)
    for before, after in zip(copies, (items, report, download, log), strict=True):
        pd.testing.assert_frame_equal(before, after)
    snapshot = orders.copy(deep=True)
    coverage(orders)
    pd.testing.assert_frame_equal(snapshot, orders)


def test_missing_column_is_a_parameter_error():
    with pytest.raises(ParameterError, match="fulfillment_channel"):
        orders_from_items(_two_cancellations().drop(columns="fulfillment_channel"))


def test_columns_and_empty_input():
    o = orders_from_items(_two_cancellations().iloc[:0])
    assert tuple(o.columns) == ORDER_COLUMNS and len(o) == 0
    assert tuple(orders_from_items(_two_cancellations()).columns) == ORDER_COLUMNS


def test_purchase_date_is_earliest_and_utc():
    items = make_items([
        ("A", "2026-03-02T10:00:00-07:00", "shipped", "shipped", "MFN", "Amazon.com"),
        ("A", "2026-03-02T09:00:00-07:00", "shipped", "shipped", "MFN", "Amazon.com"),
    ])
    o = orders_from_items(items)
    assert o.loc[0, "purchase_date"] == pd.Timestamp("2026-03-02T16:00:00Z")


def test_coverage_hand_counted():
    items = make_items([
        ("A", T, "cancelled", None, "MFN", "Amazon.com"),
        ("B", T, "cancelled", None, "MFN", "Amazon.com"),
        ("C", T, "shipped", "shipped", "MFN", "Amazon.com"),
        ("D", T, "cancelled", None, "AFN", "Amazon.com"),
        ("E", T, "shipped", "shipped", "MFN", "Non-Amazon"),
    ])
    report = pd.DataFrame({"order_id": ["A"], "buyer_requested_cancel": [True]})
    cov = coverage(orders_from_items(items, order_report=report)).set_index(
        ["marketplace", "fulfillment_channel"]
    )
    mfn = cov.loc[("amazon.com", "MFN")]
    assert mfn[["orders", "included", "cancelled", "counted", "buyer_official", "unattributed"]].tolist() == [
        3, 3, 2, 1, 1, 1
    ]
    assert cov.loc[("amazon.com", "AFN"), ["orders", "excluded_afn", "counted"]].tolist() == [1, 1, 0]
    assert cov.loc[("non-amazon", "MFN"), ["orders", "excluded_non_amazon"]].tolist() == [1, 1]


item_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D", "E"]),
        st.sampled_from(["shipped", "cancelled", "pending"]),
        st.sampled_from(["shipped", "cancelled", None]),
        st.sampled_from(["MFN", "AFN"]),
        st.sampled_from(["Amazon.com", "Non-Amazon"]),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(item_rows)
def test_invariants(rows):
    items = make_items([(i, T, s, it, ch, sc) for i, s, it, ch, sc in rows])
    o = by_id(orders_from_items(items))
    assert sorted(o.index) == sorted(set(items["order_id"]))
    assert int(o["items"].sum()) == len(items)
    for oid, group in items.groupby("order_id"):
        any_cancel = (group["order_status"] == "cancelled").any() or (group["item_status"] == "cancelled").any()
        assert o.loc[oid, "cancelled"] == any_cancel
        expect_metric = group["fulfillment_channel"].iloc[0] == "MFN" and group["sales_channel"].iloc[0] != "Non-Amazon"
        assert o.loc[oid, "in_metric"] == expect_metric
    assert (o["counted"] <= (o["cancelled"] & o["in_metric"])).all()
    assert (o["cancelled_items"] <= o["items"]).all()
    assert np.array_equal(o["attribution"].notna().to_numpy(), o["cancelled"].to_numpy())
