"""Count what Amazon counts: attribution per item, one identity per order, hand-built edge files.

Every expectation below is counted by hand from the rows written in the test.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis import read_all_orders, read_exports
from oos_analysis.exceptions import DataQualityWarning, ReportFormatError
from oos_analysis.io.readers import read_stockout_log
from oos_analysis.metric.orders import coverage, orders_from_exports, orders_from_items

HEADER = ["amazon-order-id", "purchase-date", "last-updated-date", "order-status",
          "fulfillment-channel", "sales-channel", "sku", "item-status", "item-price"]
T = "2026-03-02T10:00:00+00:00"
U = "2026-03-03T10:00:00+00:00"
O1, O2, O3 = "111-0000001-0000001", "111-0000002-0000002", "111-0000003-0000003"


def all_orders_text(rows) -> str:
    """rows: (order id, order status, item status, sku[, price, updated, channel, purchase])."""
    lines = ["\t".join(HEADER)]
    for r in rows:
        order, status, item, sku = r[:4]
        price = r[4] if len(r) > 4 else "10.00"
        updated = r[5] if len(r) > 5 else U
        channel = r[6] if len(r) > 6 else "Amazon.com"
        bought = r[7] if len(r) > 7 else T
        lines.append("\t".join([order, bought, updated, status, "Merchant", channel, sku, item,
                                price]))
    return "\n".join(lines) + "\n"


def read(rows):
    return read_all_orders(io.StringIO(all_orders_text(rows)))


def by_id(orders):
    return orders.set_index("order_id")


def report(rows, *, payments=None):
    """rows: (order id, sku, flag); payments: order id -> payments-date (default: paid)."""
    frame = pd.DataFrame(rows, columns=["order_id", "sku", "buyer_requested_cancel"])
    frame["buyer_requested_cancel"] = frame["buyer_requested_cancel"].astype("boolean")
    dates = [(payments or {}).get(o, T) for o in frame["order_id"]]
    frame["payments_date"] = pd.to_datetime(dates, utc=True)
    return frame


# --- a buyer request excuses only what was requested ------------------------------------------

def test_flag_on_the_shipped_item_does_not_excuse_the_cancelled_one():
    items = read([(O1, "Shipped", "Shipped", "SKU-A"), (O1, "Shipped", "Cancelled", "SKU-B")])
    o = by_id(orders_from_items(items, order_report=report([(O1, "SKU-A", True),
                                                             (O1, "SKU-B", False)])))
    assert o.loc[O1, "counted"] and o.loc[O1, "attribution"] == "unknown"
    assert int(o["counted"].sum()) == 1


def test_order_excused_only_when_every_cancelled_item_is_flagged():
    items = read([(O1, "Cancelled", "", "SKU-A"), (O1, "Cancelled", "", "SKU-B"),
                  (O2, "Cancelled", "", "SKU-A"), (O2, "Cancelled", "", "SKU-B")])
    flags = report([(O1, "SKU-A", True), (O1, "SKU-B", True),
                    (O2, "SKU-A", True), (O2, "SKU-B", False)])
    o = by_id(orders_from_items(items, order_report=flags))
    assert o["counted"].to_dict() == {O1: False, O2: True}
    assert o["attribution"].to_dict() == {O1: "buyer_official", O2: "unknown"}


def test_same_sku_twice_needs_two_flags():
    items = read([(O1, "Shipped", "Cancelled", "SKU-A"), (O1, "Shipped", "Cancelled", "SKU-A")])
    one = report([(O1, "SKU-A", True), (O1, "SKU-A", False)])
    two = report([(O1, "SKU-A", True), (O1, "SKU-A", True)])
    assert by_id(orders_from_items(items, order_report=one)).loc[O1, "counted"]
    assert not by_id(orders_from_items(items, order_report=two)).loc[O1, "counted"]


def test_report_without_sku_excuses_only_when_every_row_is_flagged():
    items = read([(O1, "Shipped", "Cancelled", "SKU-A"), (O1, "Shipped", "Shipped", "SKU-B"),
                  (O2, "Cancelled", "", "SKU-A")])
    flags = report([(O1, None, True), (O1, None, False), (O2, None, True)]).drop(columns="sku")
    o = by_id(orders_from_items(items, order_report=flags))
    assert o["counted"].to_dict() == {O1: True, O2: False}


def test_log_official_request_excuses_the_order():
    items = read([(O1, "Shipped", "Shipped", "SKU-A"), (O1, "Shipped", "Cancelled", "SKU-B")])
    log = pd.DataFrame({"order_id": [O1], "resolution": ["buyer_cancelled"],
                        "official_request_at": pd.to_datetime([U], utc=True)})
    o = by_id(orders_from_items(items, stockout_log=log))
    assert not o.loc[O1, "counted"] and o.loc[O1, "attribution_source"] == "stockout_log"


def test_no_inventory_in_the_log_against_the_flag_is_a_counted_conflict():
    items = read([(O1, "Cancelled", "", "SKU-A"), (O2, "Cancelled", "", "SKU-A")])
    log = pd.DataFrame({"order_id": [O1], "resolution": ["no_inventory"],
                        "official_request_at": pd.to_datetime([None], utc=True)})
    flags = report([(O1, "SKU-A", True), (O2, "SKU-A", True)])
    with pytest.warns(DataQualityWarning, match=rf"conflicting evidence \(e.g. {O1}\)"):
        o = by_id(orders_from_items(items, order_report=flags, stockout_log=log))
    assert o.loc[O1, "counted"] and o.loc[O1, "attribution"] == "conflict"
    assert not o.loc[O2, "counted"]
    cov = coverage(o.reset_index()).iloc[0]
    assert (cov["counted"], cov["conflict"], cov["buyer_official"]) == (1, 1, 1)


# --- two genuine lines of one SKU are two lines -----------------------------------------------

def test_two_lines_of_one_sku_keep_their_cancellation():
    with warnings_as_errors():
        items = read([(O1, "Shipped", "Cancelled", "SKU-A"), (O1, "Shipped", "Shipped", "SKU-A")])
    assert len(items) == 2 and sorted(items["sku_line"]) == [0, 1]
    o = by_id(orders_from_items(items))
    assert (o.loc[O1, "items"], o.loc[O1, "cancelled_items"], o.loc[O1, "counted"]) == (2, 1, True)


def test_overlapping_files_pair_the_same_sku_lines(tmp_path):
    rows = [(O1, "Shipped", "Cancelled", "SKU-A"), (O1, "Shipped", "Shipped", "SKU-A"),
            (O2, "Shipped", "Shipped", "SKU-C")]
    a, b = tmp_path / "week1.txt", tmp_path / "week2.txt"
    a.write_text(all_orders_text(rows))
    b.write_text(all_orders_text([rows[1], rows[0], (O3, "Shipped", "Shipped", "SKU-C")]))
    with warnings_as_errors():
        exports = read_exports([a, b])
    assert len(exports.all_orders) == 4  # O1 twice, O2, O3: the overlap is not doubled
    o = by_id(orders_from_exports(exports))
    assert (o.loc[O1, "items"], o.loc[O1, "cancelled_items"]) == (2, 1)


def test_a_newer_version_of_the_line_replaces_the_older_across_files(tmp_path):
    a, b = tmp_path / "old.txt", tmp_path / "new.txt"
    a.write_text(all_orders_text([(O1, "Pending", "Unshipped", "SKU-A", "10.00", T)]))
    b.write_text(all_orders_text([(O1, "Cancelled", "", "SKU-A", "10.00", U)]))
    o = by_id(orders_from_exports(read_exports([b, a])))
    assert (o.loc[O1, "items"], o.loc[O1, "counted"]) == (1, True)


# --- order ids ----------------------------------------------------------------------------------

def test_stray_space_in_an_order_id_is_one_order():
    items = read([(O1, "Shipped", "Shipped", "SKU-A"), (" " + O1 + " ", "Shipped", "Cancelled",
                                                         "SKU-B")])
    o = orders_from_items(items)
    assert o["order_id"].tolist() == [O1] and int(o["counted"].sum()) == 1
    # a frame built by hand is stripped too
    o = orders_from_items(items.assign(order_id=[O1, O1 + " "]))
    assert len(o) == 1


def test_odd_order_id_is_warned_with_its_line():
    with pytest.warns(DataQualityWarning, match=r"'113-1' at line 3"):
        read([(O1, "Shipped", "Shipped", "SKU-A"), ("113-1", "Shipped", "Shipped", "SKU-A")])


def test_non_amazon_channel_ids_are_not_warned():
    with warnings_as_errors():
        read([("S01-4545709-4312787", "Shipped", "Shipped", "SKU-A", "1", U, "Non-Amazon")])


def test_formula_in_the_log_order_id_is_an_error():
    log = ("order_id,marketplace,sku,detected_at,resolution\n"
           f"{O1},amazon.com,A,2026-03-02,open\n"
           '"=HYPERLINK(""https://x"",""111"")",amazon.com,B,2026-03-02,open\n')
    with pytest.raises(ReportFormatError, match="formula") as caught:
        read_stockout_log(io.StringIO(log))
    assert caught.value.line == 3


def test_odd_order_id_in_the_log_is_warned_with_its_line():
    log = ("order_id,marketplace,sku,detected_at,resolution\n"
           f"{O1},amazon.com,A,2026-03-02,open\nABC-1,amazon.com,B,2026-03-02,open\n")
    with pytest.warns(DataQualityWarning, match=r"'ABC-1' at line 3"):
        read_stockout_log(io.StringIO(log))


# --- one order, one marketplace -----------------------------------------------------------------

def test_order_on_two_sales_channels_is_refused_naming_the_line():
    text = all_orders_text([(O2, "Shipped", "Shipped", "SKU-A"),
                            (O1, "Shipped", "Shipped", "SKU-A", "1", U, "Amazon.com"),
                            (O1, "Shipped", "Cancelled", "SKU-B", "1", U, "Amazon.ca")])
    with pytest.raises(ReportFormatError, match=f"order {O1} has items on two sales channels") as c:
        read_all_orders(io.StringIO(text))
    assert (c.value.line, c.value.column) == (4, "sales-channel")
    assert "line 3" in str(c.value)


# --- the stock-out log cannot rewrite history ---------------------------------------------------

def test_official_request_before_purchase_is_an_error():
    items = read([(O1, "Cancelled", "", "SKU-A")])
    log = pd.DataFrame({"order_id": [O1], "resolution": ["buyer_cancelled"],
                        "official_request_at": pd.to_datetime(["2026-03-01T00:00Z"], utc=True)})
    with pytest.raises(ReportFormatError, match=f"order {O1} 2026-03-01 00:00 UTC, before"):
        orders_from_items(items, stockout_log=log)


def test_resolved_before_detected_is_an_error_naming_the_line():
    log = ("order_id,marketplace,sku,detected_at,resolution,resolved_at\n"
           f"{O1},amazon.com,A,2026-03-02,no_inventory,2026-03-03\n"
           f"{O2},amazon.com,B,2026-03-05,buyer_cancelled,2026-03-04\n")
    with pytest.raises(ReportFormatError, match="before detected_at") as caught:
        read_stockout_log(io.StringIO(log))
    assert caught.value.line == 3


# --- pending orders ----------------------------------------------------------------------------

def test_unpaid_unpriced_cancellation_is_pending_and_counted_by_default():
    items = read([(O1, "Cancelled", "", "SKU-A", ""), (O2, "Cancelled", "", "SKU-A", ""),
                  (O3, "Cancelled", "", "SKU-A", "12.00")])
    # O1: no price, listed without payment -> pending; O2: no price but paid; O3: priced
    flags = report([(O1, "SKU-A", False), (O2, "SKU-A", False), (O3, "SKU-A", False)],
                   payments={O1: None})
    o = by_id(orders_from_items(items, order_report=flags))
    assert o["attribution"].to_dict() == {O1: "pending", O2: "unknown", O3: "unknown"}
    assert o.loc[O1, "attribution_source"] == "all_orders"
    assert int(o["counted"].sum()) == 3
    cov = coverage(o.reset_index()).iloc[0]
    assert (cov["pending"], cov["unattributed"], cov["counted"]) == (1, 2, 3)
    excluded = by_id(orders_from_items(items, order_report=flags, exclude_pending=True))
    assert excluded["counted"].to_dict() == {O1: False, O2: True, O3: True}
    cov = coverage(excluded.reset_index()).iloc[0]
    assert (cov["pending"], cov["buyer_official"]) == (1, 0)


def test_no_price_alone_is_not_pending():
    o = orders_from_items(read([(O1, "Cancelled", "", "SKU-A", "")]))
    assert o.loc[0, "attribution"] == "unknown"


# --- properties ---------------------------------------------------------------------------------

class warnings_as_errors:
    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("error", DataQualityWarning)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


day_rows = st.lists(
    st.tuples(
        st.integers(0, 5),  # order number
        st.integers(0, 3),  # purchase day (the order's own: the first row drawn for it wins)
        st.sampled_from(["Shipped", "Cancelled"]),
        st.sampled_from(["Shipped", "Cancelled", ""]),
        st.sampled_from(["SKU-A", "SKU-B"]),
    ),
    min_size=1, max_size=14,
)


def _export(rows):
    """Rows of one export, one purchase day per order (an order belongs to one day)."""
    day_of = {}
    out = []
    for n, day, status, item, sku in rows:
        day = day_of.setdefault(n, day)
        out.append((f"111-0000000-000000{n}", status, item, sku, "5.00", U, "Amazon.com",
                    f"2026-03-0{day + 1}T10:00:00+00:00"))
    return out


def _counts(paths):
    with warnings_as_errors():
        o = orders_from_exports(read_exports(paths))
    return (len(o), int(o["items"].sum()), int(o["cancelled_items"].sum()), int(o["counted"].sum()),
            sorted(o.loc[o["counted"], "order_id"]))


@settings(max_examples=15, deadline=None)
@given(day_rows, st.randoms(use_true_random=False), st.integers(0, 3), st.integers(0, 3))
def test_shuffling_or_splitting_into_overlapping_pieces_never_changes_a_count(
        tmp_path_factory, rows, rnd, cut_a, cut_b):
    folder = tmp_path_factory.mktemp("split")
    rows = _export(rows)
    whole = folder / "whole.txt"
    whole.write_text(all_orders_text(rows))
    expected = _counts([whole])
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    (folder / "shuffled.txt").write_text(all_orders_text(shuffled))
    assert _counts([folder / "shuffled.txt"]) == expected
    # split by purchase day, as Amazon's date-range exports are, into two overlapping pieces
    lo, hi = sorted((cut_a, cut_b))
    first = [r for r in shuffled if int(r[7][9]) - 1 <= hi]
    second = [r for r in rows if int(r[7][9]) - 1 >= lo]
    pieces = []
    for name, part in (("first.txt", first), ("second.txt", second)):
        if part:
            (folder / name).write_text(all_orders_text(part))
            pieces.append(folder / name)
    assert _counts(pieces) == expected
    assert _counts(pieces[::-1]) == expected


@settings(max_examples=10, deadline=None)
@given(day_rows)
def test_a_duplicate_copy_of_an_export_changes_nothing(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("copy")
    text = all_orders_text(_export(rows))
    (folder / "a.txt").write_text(text)
    (folder / "copy-of-a.txt").write_text(text)
    assert _counts([folder / "a.txt", folder / "copy-of-a.txt"]) == _counts([folder / "a.txt"])



# --- coverage: a day no export covers is unknown, not zero --------------------------------------

def _orders_file(path, days, *, cancelled=(), updated_after=True):
    """One MFN order per (day, i) in days {ISO day: count}; last update the next day."""
    rows = []
    for day, count in days.items():
        for i in range(count):
            oid = f"111-{day.replace('-', '')[1:]}-{i:07d}"
            status = "Cancelled" if (day, i) in cancelled else "Shipped"
            item = "" if status == "Cancelled" else "Shipped"
            stamp = pd.Timestamp(day, tz="UTC") + pd.Timedelta(hours=10)
            update = stamp + pd.Timedelta(days=1 if updated_after else 0, hours=1)
            rows.append((oid, status, item, "SKU-A", "5.00", update.isoformat(), "Amazon.com",
                         stamp.isoformat()))
    path.write_text(all_orders_text(rows))
    return path


def _run(capsys, *argv):
    from oos_analysis.cli import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_two_exports_a_year_apart_leave_gap_days_not_empty_days(tmp_path, capsys):
    import json

    old = _orders_file(tmp_path / "2025.txt", {f"2025-03-{d:02d}": 1 for d in range(1, 8)})
    new = _orders_file(tmp_path / "2026.txt", {"2026-03-05": 2, "2026-03-07": 2},
                       cancelled={("2026-03-07", 0)})
    code, out, _ = _run(capsys, "rate", old, new, "--format", "json", "--include-partial")
    assert code == 0
    rows = pd.DataFrame(json.loads(out)).set_index("date")
    # 2025-03-08 .. 2026-03-04 are covered by neither export: 362 days of status gap
    assert int(rows["status"].eq("gap").sum()) == 362
    assert rows.loc["2025-03-08", "status"] == "gap" and rows.loc["2026-03-04", "status"] == "gap"
    assert not rows["status"].eq("no-orders").any()
    assert rows.loc["2025-03-07", "complete"]
    # the newer window stays incomplete however old the other file: it reaches into the gap
    assert rows.loc["2026-03-07", ["orders", "seller_cancellations", "window_gap_days"]].tolist() \
        == [4, 1, 4]
    assert not rows.loc["2026-03-07", "complete"]
    # with the newer file alone it is incomplete for the same reason: the data starts inside it
    code, out, _ = _run(capsys, "rate", new, "--format", "json")
    assert [r["complete"] for r in json.loads(out)] == [False, False, False]


def test_budget_agrees_with_rate_and_its_pace_ignores_gap_days(tmp_path, capsys):
    import json

    old = _orders_file(tmp_path / "2025.txt", {f"2025-03-{d:02d}": 1 for d in range(1, 8)})
    new = _orders_file(tmp_path / "2026.txt", {"2026-03-05": 2, "2026-03-07": 2},
                       cancelled={("2026-03-07", 0)})
    code, out, _ = _run(capsys, "budget", old, new, "--format", "json")
    assert code == 0
    [row] = json.loads(out)
    assert (row["asof"], row["orders"], row["seller_cancellations"], row["status"]) == (
        "2026-03-07", 4, 1, "breach")
    assert (row["complete"], row["gap_days"]) == (False, 4)
    # 4 orders on the 3 covered days 5 .. 7 March (the 25 gap days before them do not count as
    # zero): 4/3 a day. Counting the gap days as zero would give 4/28.
    assert row["daily_orders"] == pytest.approx(4 / 3)
    # back under target: day D+j has 4 + 4/3*j orders in the window and 1 cancellation until
    # 7 March leaves it; 1 / (4 + 4/3 j) < 1/40 needs j > 27 -> the order leaves first, on 14 March
    assert row["back_under_target_on"] == "2026-03-14"
    code, out, _ = _run(capsys, "rate", old, new, "--format", "json")
    last = json.loads(out)[-1]
    assert (last["date"], last["complete"], last["status"]) == ("2026-03-07", False, "breach")


def test_export_shorter_than_seven_days_shows_partial_windows_and_says_why(tmp_path, capsys):
    f = _orders_file(tmp_path / "short.txt", {"2026-03-01": 10, "2026-03-03": 10},
                     cancelled={("2026-03-01", 0)})
    code, out, err = _run(capsys, "rate", f, "--format", "csv")
    assert code == 0
    assert out.splitlines() == [
        "marketplace,date,orders,seller_cancellations,rate,status,complete",
        "amazon.com,2026-03-01,10,1,0.1,breach,False",
        "amazon.com,2026-03-02,10,1,0.1,breach,False",
        "amazon.com,2026-03-03,20,1,0.05,breach,False",
    ]
    assert "No day has a complete 7-day window" in err
    assert "As of 2026-03-03, the data's last purchase day (UTC), complete." in err
    code, out, _ = _run(capsys, "budget", f)
    assert "partial: the data starts inside it" in out and "1 counted cancellation(s) of 20" in out


def test_a_last_day_without_a_later_update_is_partial(tmp_path, capsys):
    days = {f"2026-03-{d:02d}": 1 for d in range(1, 10)}
    whole = _orders_file(tmp_path / "whole.txt", days)
    cut = _orders_file(tmp_path / "cut.txt", days, updated_after=False)
    _, out, err = _run(capsys, "rate", whole, "--format", "csv")
    assert out.splitlines()[-1].endswith(",True") and "(UTC), complete." in err
    _, out, err = _run(capsys, "rate", cut, "--format", "csv")
    assert out.splitlines()[-1] == "amazon.com,2026-03-09,7,0,0.0,ok,False"
    assert out.splitlines()[-2].endswith(",True")
    assert "(UTC), partial" in err


def test_old_data_says_how_old_it_is(tmp_path, capsys):
    import datetime as dt

    from oos_analysis.cli.common import asof_notes

    orders = orders_from_exports(read_exports([_orders_file(tmp_path / "a.txt",
                                                            {"2026-03-01": 1})]))
    assert asof_notes(orders, today=dt.date(2026, 3, 3)) == [
        "As of 2026-03-01, the data's last purchase day (UTC), complete."]
    assert asof_notes(orders, today=dt.date(2026, 3, 4))[1] == (
        "The data ends 3 days before today (2026-03-04): download a newer All Orders report for "
        "a current figure.")


# --- one date parser on every read path ---------------------------------------------------------

def _offset_text(minutes: int, style: str) -> str:
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    return {"colon": f"{sign}{hh:02d}:{mm:02d}", "plain": f"{sign}{hh:02d}{mm:02d}",
            "hours": f"{sign}{hh:02d}"}[style]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**8), st.sampled_from([-7, -5, 0, 1, 9, 10]),
                          st.sampled_from(["colon", "plain", "hours"])),
                min_size=1, max_size=6),
       st.sampled_from(["fast", "short-row", "cp932"]))
def test_offsets_read_the_same_on_every_path(tmp_path_factory, stamps, path):
    folder = tmp_path_factory.mktemp("dates")
    base = pd.Timestamp("2024-01-01T00:00:00Z")
    rows, expected = [], []
    for i, (seconds, hours, style) in enumerate(stamps):
        instant = base + pd.Timedelta(seconds=seconds)
        local = instant.tz_convert(None) + pd.Timedelta(hours=hours)
        text = local.strftime("%Y-%m-%dT%H:%M:%S") + _offset_text(hours * 60, style)
        rows.append((f"111-0000000-{i:07d}", "Shipped", "Shipped", "SKU-A", "1.00", text,
                     "Amazon.com", text))
        expected.append(instant)
    body = all_orders_text(rows)
    f = folder / "orders.txt"
    if path == "short-row":  # a row without its trailing cells sends the file to the slow path
        body += "\t".join(["111-0000000-9999999", rows[0][5], rows[0][5], "Shipped", "Merchant",
                           "Amazon.com"]) + "\n"
        f.write_text(body)
        with pytest.warns(DataQualityWarning, match="fewer fields"):
            got = read_all_orders(f)
        got = got.iloc[:-1]
    elif path == "cp932":
        f.write_bytes(body.replace("SKU-A", "在庫").encode("cp932"))
        got = read_all_orders(f)
    else:
        f.write_text(body)
        got = read_all_orders(f)
    assert got["purchase_date"].tolist() == expected
    assert got["last_updated_date"].tolist() == expected



# --- reconciliation ----------------------------------------------------------------------------

def _perf_json(path, *, start, end, orders, count, rate, target=0.025, key="prefulfillmentCancelRate"):
    import json

    path.write_text(json.dumps({"performanceMetrics": [{
        "marketplaceId": "ATVPDKIKX0DER",
        key: {"reportingDateRange": {"reportingDateFrom": start, "reportingDateTo": end},
              "orderCount": orders, "cancellationCount": count, "status": "GOOD",
              "rate": rate, "targetValue": target, "targetCondition": "LESS_THAN"}}]}))
    return path


def test_a_range_not_starting_at_midnight_is_counted_over_the_days_it_covers(tmp_path, capsys):
    import json

    # one order a day at 12:00 UTC from 1 to 9 March; Amazon's range 1 March 08:00 .. 8 March
    # 07:59:59 covers the orders of 1 .. 7 March: 7, not the 8 of the calendar days it touches
    f = _orders_file(tmp_path / "a.txt", {f"2026-03-{d:02d}": 1 for d in range(1, 10)})
    p = _perf_json(tmp_path / "p.json", start="2026-03-01T08:00:00Z", end="2026-03-08T07:59:59Z",
                   orders=7, count=0, rate=0.0)
    code, out, _ = _run(capsys, "reconcile", f, p, "--format", "json")
    assert code == 0
    [row] = json.loads(out)
    assert (row["kit_orders"], row["amazon_orders"], row["likely_reason"]) == (7, 7, "all consistent")


def test_percent_looking_rate_and_target_are_converted_with_a_warning(tmp_path):
    from oos_analysis.io.readers import read_seller_performance

    p = _perf_json(tmp_path / "p.json", start="2026-03-01T00:00Z", end="2026-03-07T23:59Z",
                   orders=200, count=2, rate=1.0, target=2.5)
    with pytest.warns(DataQualityWarning) as record:
        row = read_seller_performance(p).iloc[0]
    messages = " ".join(str(w.message) for w in record)
    assert "p.json" in messages
    assert "prefulfillmentCancelRate.rate is 1, which reads as a percent" in messages
    assert "prefulfillmentCancelRate.targetValue is 2.5" in messages
    assert (row["rate"], row["target_value"]) == (0.01, 0.025)
    # 0.96 is below 1, yet 2 / 208 = 0.0096: the rate matches count / orders only as a percent
    p = _perf_json(tmp_path / "q.json", start="2026-03-01T00:00Z", end="2026-03-07T23:59Z",
                   orders=208, count=2, rate=0.96)
    with pytest.warns(DataQualityWarning, match="rate is 0.96, which reads as a percent"):
        assert read_seller_performance(p).iloc[0]["rate"] == pytest.approx(0.0096)


def test_inconsistent_amazon_figures_are_flagged(tmp_path, capsys):
    import json

    f = _orders_file(tmp_path / "a.txt", {f"2026-03-{d:02d}": 40 for d in range(1, 8)})
    p = _perf_json(tmp_path / "p.json", start="2026-03-01T00:00Z", end="2026-03-07T23:59Z",
                   orders=280, count=0, rate=0.02)
    code, out, err = _run(capsys, "reconcile", f, p, "--format", "json")
    assert code == 0 and "Amazon's own figures disagree" in err
    [row] = json.loads(out)
    assert row["amazon_consistent"] is False
    assert row["likely_reason"].startswith("Amazon's own figures disagree: 0 / 280 = 0.00%")


def test_a_json_without_the_cancel_rate_is_named(tmp_path, capsys):
    f = _orders_file(tmp_path / "a.txt", {"2026-03-01": 1})
    p = _perf_json(tmp_path / "late.json", start="2026-03-01T00:00Z", end="2026-03-07T23:59Z",
                   orders=10, count=0, rate=0.0, key="lateShipmentRate")
    code, _, err = _run(capsys, "reconcile", f, p)
    assert code == 1
    assert "late.json is a Seller Performance report but holds no pre-fulfillment cancel rate" in err
    assert "late_shipment_rate" in err and "missing from that file" in err
