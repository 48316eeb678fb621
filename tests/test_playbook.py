"""The playbook: one next action per open stock-out (cancellation-rules.md section 1)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis import DataQualityWarning, ParameterError, ReportFormatError
from oos_analysis.playbook import ACTIONS, next_actions

ASOF = "2026-11-24"
D = dt.date


def ts(text):
    return pd.Timestamp(text, tz="UTC")


def log(*cases):
    """A stock-out log with one row per case; unspecified fields are empty / defaults."""
    rows = []
    for number, fields in enumerate(cases):
        row = {
            "order_id": f"111-000000{number}-0000000",
            "marketplace": "amazon.com",
            "sku": f"SKU-{number}",
            "detected_at": ts("2026-11-18 09:00"),
            "ship_by": ts("2026-11-27 06:59:59"),
            "loss_if_bought": None,
            "request_sent_at": pd.NaT,
            "reminder_sent_at": pd.NaT,
            "official_request_at": pd.NaT,
            "resolution": "open",
            "resolved_at": pd.NaT,
        }
        row.update(fields)
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in ("detected_at", "ship_by", "request_sent_at", "reminder_sent_at",
                   "official_request_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["loss_if_bought"] = frame["loss_if_bought"].astype("Float64")
    return frame


def one(frame, **options):
    options.setdefault("asof", ASOF)
    result = next_actions(frame, **options)
    assert len(result) == 1
    return result.iloc[0]


# --- each branch, with dates on both sides of each deadline ---------------------------------------


@pytest.mark.parametrize("resolution", ["bought", "buyer_cancelled", "no_inventory"])
def test_closed_cases_get_no_action(resolution):
    frame = log({"resolution": resolution, "resolved_at": ts("2026-11-22")})
    result = next_actions(frame, asof=ASOF)
    assert result.empty
    assert list(result.columns)[:5] == ["order_id", "marketplace", "sku", "action", "due"]


def test_official_request_beats_everything():
    frame = log({
        "loss_if_bought": 1.0,
        "request_sent_at": ts("2026-11-21"),
        "reminder_sent_at": ts("2026-11-23"),
        "official_request_at": ts("2026-11-23 18:00"),
        "ship_by": ts("2026-11-22"),
    })
    row = one(frame, loss_cap=10)
    assert row["action"] == "cancel_buyer_request"
    assert row["due"] == D(2026, 11, 24)
    assert "Buyer Canceled" in row["reason"] and "2026-11-23" in row["reason"]
    assert row["past_ship_by"]


def test_official_request_before_our_request_is_accepted():
    frame = log({"official_request_at": ts("2026-11-21"), "request_sent_at": ts("2026-11-22")})
    assert one(frame)["action"] == "cancel_buyer_request"


def test_order_report_flag_counts_as_official_request():
    frame = log({"request_sent_at": ts("2026-11-23")})
    report = pd.DataFrame({
        "order_id": [frame.loc[0, "order_id"], "other"],
        "buyer_requested_cancel": pd.array([True, False], dtype="boolean"),
    })
    row = one(frame, order_report=report)
    assert row["action"] == "cancel_buyer_request"
    assert "official_request_at" in row["reason"]
    unflagged = report.assign(buyer_requested_cancel=pd.array([False, True], dtype="boolean"))
    assert one(frame, order_report=unflagged)["action"] == "wait"


@pytest.mark.parametrize(
    ("loss", "cap", "action"),
    [
        (10.0, 10.0, "buy_at_loss"),  # exactly at the cap is within it
        (10.01, 10.0, "send_request"),
        (-3.0, 0.0, "buy_at_loss"),  # a profit is within any cap
        (0.5, 0.0, "send_request"),
        (25000.0, None, "buy_at_loss"),  # no cap: any source is used
        (None, None, "send_request"),  # no source at all
        (None, 100.0, "send_request"),
    ],
)
def test_buy_at_loss_against_the_cap(loss, cap, action):
    row = one(log({"loss_if_bought": loss}), loss_cap=cap)
    assert row["action"] == action
    assert row["due"] == D(2026, 11, 24)
    if action == "send_request":
        expected = "no source has stock" if loss is None else "above the cap"
        assert expected in row["reason"]


def test_buy_at_loss_even_after_a_request():
    row = one(log({"loss_if_bought": 5.0, "request_sent_at": ts("2026-11-21")}), loss_cap=20)
    assert row["action"] == "buy_at_loss"
    assert "ships after all" in row["reason"]


def test_no_request_after_the_deadline_and_a_same_day_decision_on_it():
    # Amazon's end of day: 07:59:59Z is 23:59:59 Pacific the day before (amazon.com)
    late = one(log({"ship_by": ts("2026-11-24 07:59:59")}))  # ship-by day 23 November
    assert late["action"] == "cancel_no_inventory" and "has passed" in late["reason"]
    assert late["due"] == D(2026, 11, 24) and late["past_ship_by"]
    today = one(log({"ship_by": ts("2026-11-25 07:59:59")}))  # ship-by day 24 November
    assert today["action"] == "send_request" and "Today is the decision deadline" in today["reason"]
    early = one(log({"ship_by": ts("2026-11-26 07:59:59")}))
    assert early["action"] == "send_request" and "decision deadline" not in early["reason"]


@pytest.mark.parametrize(
    ("sent", "days", "action", "due"),
    [
        ("2026-11-22 23:59", 2, "send_reminder", D(2026, 11, 24)),  # 2 calendar days old
        ("2026-11-23 00:00", 2, "wait", D(2026, 11, 25)),  # 1 day old
        ("2026-11-24 08:00", 2, "wait", D(2026, 11, 26)),  # sent today
        ("2026-11-19 10:00", 2, "send_reminder", D(2026, 11, 21)),  # overdue since the 21st
        ("2026-11-21 10:00", 3, "send_reminder", D(2026, 11, 24)),
        ("2026-11-22 10:00", 3, "wait", D(2026, 11, 25)),
        ("2026-11-24 10:00", 0, "send_reminder", D(2026, 11, 24)),
    ],
)
def test_wait_then_reminder(sent, days, action, due):
    row = one(log({"request_sent_at": ts(sent)}), reminder_days=days)
    assert row["action"] == action
    assert row["due"] == due


@pytest.mark.parametrize(
    ("ship_by", "margin", "asof", "action", "due"),
    [
        # Amazon's end-of-day instants: local (Pacific) ship-by days 25 and 23 November
        ("2026-11-26 07:59:59", 0, "2026-11-24", "wait", D(2026, 11, 25)),
        ("2026-11-26 07:59:59", 0, "2026-11-25", "cancel_no_inventory", D(2026, 11, 25)),
        ("2026-11-26 07:59:59", 1, "2026-11-23", "wait", D(2026, 11, 24)),
        ("2026-11-26 07:59:59", 1, "2026-11-24", "cancel_no_inventory", D(2026, 11, 24)),
        ("2026-11-24 07:59:59", 0, "2026-11-24", "cancel_no_inventory", D(2026, 11, 23)),
    ],
)
def test_wait_after_reminder_then_cancel_no_inventory(ship_by, margin, asof, action, due):
    frame = log({
        "detected_at": ts("2026-11-19"),
        "request_sent_at": ts("2026-11-20"),
        "reminder_sent_at": ts("2026-11-22"),
        "ship_by": ts(ship_by),
    })
    row = one(frame, asof=asof, margin_days=margin)
    assert row["action"] == action
    assert row["due"] == due
    assert row["decision_deadline"] == D(2026, 11, 25) - dt.timedelta(days=margin) - (
        dt.timedelta(days=2) if ship_by.startswith("2026-11-24") else dt.timedelta(0)
    )
    if action == "cancel_no_inventory":
        assert "No Inventory" in row["reason"] and "counts against the rate" in row["reason"]


def test_past_the_deadline_without_a_reminder_goes_to_the_decision():
    # A cancellation never comes after the ship-by day: no waiting for a reminder past it.
    row = one(log({"request_sent_at": ts("2026-11-23"), "ship_by": ts("2026-11-22")}))
    assert row["action"] == "cancel_no_inventory" and row["due"] == D(2026, 11, 22)
    assert row["past_ship_by"] and "now" in row["reason"]


@pytest.mark.parametrize(
    ("ship_by", "past"),
    [("2026-11-23 23:59", True), ("2026-11-24 00:00", False), ("2026-11-24 23:59", False)],
)
def test_past_ship_by_flag(ship_by, past):
    row = one(log({"ship_by": ts(ship_by), "loss_if_bought": 1.0}))
    assert row["action"] == "buy_at_loss"
    assert bool(row["past_ship_by"]) is past
    assert ("Past the ship-by day" in row["reason"]) is past


def test_ship_by_from_the_order_report():
    frame = log({"ship_by": pd.NaT, "request_sent_at": ts("2026-11-20"),
                 "reminder_sent_at": ts("2026-11-22")})
    order_id = frame.loc[0, "order_id"]
    report = pd.DataFrame({
        "order_id": [order_id, order_id],
        "promise_date": [ts("2026-11-30"), ts("2026-11-30")],
        "latest_ship_date": [ts("2026-11-26 06:59"), ts("2026-11-24 06:59")],
    })
    row = one(frame, order_report=report)
    assert row["ship_by"] == ts("2026-11-24 06:59")  # earliest item, latest_ship_date wins
    assert row["action"] == "cancel_no_inventory"
    promise_only = report.drop(columns="latest_ship_date")
    assert one(frame, order_report=promise_only)["action"] == "wait"


def test_sorted_by_due_then_late_then_urgency():
    frame = log(
        {"request_sent_at": ts("2026-11-23")},  # wait, due 25th
        {"loss_if_bought": 1.0},  # buy, due 24th
        {"official_request_at": ts("2026-11-23")},  # cancel_buyer_request, due 24th
        {"request_sent_at": ts("2026-11-20")},  # reminder, due 22nd
        {"loss_if_bought": 1.0, "ship_by": ts("2026-11-23")},  # buy, late
    )
    result = next_actions(frame, asof=ASOF)
    assert list(result["action"]) == [
        "send_reminder", "buy_at_loss", "cancel_buyer_request", "buy_at_loss", "wait"
    ]
    assert list(result["past_ship_by"]) == [False, True, False, False, False]
    assert str(result["due"].dtype) == "date32[day][pyarrow]"


def test_asof_accepts_dates_and_timestamps():
    frame = log({"request_sent_at": ts("2026-11-22 12:00")})
    for asof in (D(2026, 11, 24), "2026-11-24", pd.Timestamp("2026-11-24 23:00", tz="UTC"),
                 pd.Timestamp("2026-11-25 07:00", tz="Asia/Tokyo")):
        assert one(frame, asof=asof)["action"] == "send_reminder"


def test_input_frames_are_not_modified():
    frame = log({"request_sent_at": ts("2026-11-20"), "ship_by": pd.NaT},
                {"loss_if_bought": 3.0, "resolution": "bought", "resolved_at": ts("2026-11-21")})
    report = pd.DataFrame({"order_id": [frame.loc[0, "order_id"]],
                           "latest_ship_date": [ts("2026-11-26")],
                           "buyer_requested_cancel": pd.array([False], dtype="boolean")})
    before, report_before = frame.copy(), report.copy()
    next_actions(frame, asof=ASOF, order_report=report)
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(report, report_before)


# --- problems in the log --------------------------------------------------------------------------


def test_all_problems_are_listed_in_one_error():
    frame = log(
        {"reminder_sent_at": ts("2026-11-22")},  # line 2: reminder without request
        {"request_sent_at": ts("2026-11-22"), "reminder_sent_at": ts("2026-11-21")},  # line 3
        {"ship_by": pd.NaT},  # line 4: no ship-by anywhere
        {"loss_if_bought": 2.0},  # line 5: fine
        {"resolved_at": ts("2026-11-22")},  # line 6: open but resolved
        {"request_sent_at": ts("2026-11-17")},  # line 7: request before detection (18th)
        {"official_request_at": ts("2026-11-25 00:00")},  # line 8: fine (not yet as of ASOF)
        {"resolution": "refunded"},  # line 9
    )
    with pytest.raises(ReportFormatError) as info:
        next_actions(frame, asof=ASOF)
    message = str(info.value)
    assert message.startswith("stock-out log: 6 problem(s)")
    for line in (2, 3, 4, 6, 7, 9):
        assert f"line {line} (order 111-000000{line - 2}-0000000)" in message
    assert "line 5" not in message and "line 8" not in message
    assert "request_sent_at is empty" in message
    assert "is before request_sent_at" in message
    assert "no ship-by date" in message
    assert "resolved_at is set" in message
    assert "is before detected_at" in message
    assert "'refunded'" in message
    assert "\n" not in message


def test_log_is_replayed_as_it_stood_on_the_asof_day():
    frame = log(
        {"request_sent_at": ts("2026-11-23 09:00"), "official_request_at": ts("2026-11-25")},
        {"resolution": "bought", "resolved_at": ts("2026-11-25"), "loss_if_bought": 3.0},
        {"detected_at": ts("2026-11-25"), "ship_by": ts("2026-11-28")},
    )
    result = next_actions(frame, asof=ASOF, loss_cap=1.0).set_index("order_id")
    # The official request of the 25th has not arrived on the 24th: still waiting.
    assert result.loc["111-0000000-0000000", "action"] == "wait"
    # Bought on the 25th, so open on the 24th; its loss is over the cap: ask the buyer.
    assert result.loc["111-0000001-0000000", "action"] == "send_request"
    # Detected on the 25th: not a case yet on the 24th.
    assert "111-0000002-0000000" not in result.index
    later = next_actions(frame, asof="2026-11-25", loss_cap=1.0).set_index("order_id")
    assert later.loc["111-0000000-0000000", "action"] == "cancel_buyer_request"
    assert "111-0000001-0000000" not in later.index


def test_duplicate_open_order_and_line_column():
    frame = log({}, {"loss_if_bought": 1.0})
    frame.loc[1, "order_id"] = frame.loc[0, "order_id"]
    frame["line"] = [10, 14]
    frame.attrs["source"] = "log.csv"
    with pytest.raises(ReportFormatError, match=r"^log\.csv: 1 problem.*line 14 .*open on line 10"):
        next_actions(frame, asof=ASOF)


def test_timestamp_on_the_asof_day_is_fine():
    frame = log({"official_request_at": ts("2026-11-24 23:59:59")})
    assert one(frame)["action"] == "cancel_buyer_request"


def test_missing_columns_and_bad_parameters():
    with pytest.raises(ReportFormatError, match="no resolution column"):
        next_actions(log({}).drop(columns="resolution"), asof=ASOF)
    with pytest.raises(ParameterError, match="asof"):
        next_actions(log({}), asof="next tuesday")
    with pytest.raises(ParameterError, match="reminder_days"):
        next_actions(log({}), asof=ASOF, reminder_days=-1)
    with pytest.raises(ParameterError, match="margin_days"):
        next_actions(log({}), asof=ASOF, margin_days=1.5)
    with pytest.raises(ParameterError, match="loss_cap"):
        next_actions(log({}), asof=ASOF, loss_cap=-5)


def test_closed_case_without_resolved_at_warns_but_does_not_stop():
    frame = log({"resolution": "no_inventory"}, {"loss_if_bought": 1.0})
    with pytest.warns(DataQualityWarning, match="111-0000000-0000000"):
        result = next_actions(frame, asof=ASOF)
    assert list(result["action"]) == ["buy_at_loss"]


# --- property: exactly one action per open case, or a clear error ---------------------------------

_day = st.integers(min_value=0, max_value=20)


@st.composite
def _cases(draw):
    """Random timestamps in a valid order (detection <= request <= reminder), some missing."""
    start = ts("2026-11-10")
    detected = draw(_day)
    request = draw(st.none() | st.integers(detected, 25))
    reminder = None if request is None else draw(st.none() | st.integers(request, 26))
    official = draw(st.none() | _day)
    fields = {
        "detected_at": start + pd.Timedelta(days=detected),
        "ship_by": draw(st.none() | st.just(start + pd.Timedelta(days=draw(_day)))) or pd.NaT,
        "loss_if_bought": draw(st.none() | st.floats(-10, 100, allow_nan=False)),
        "request_sent_at": pd.NaT if request is None else start + pd.Timedelta(days=request),
        "reminder_sent_at": pd.NaT if reminder is None else start + pd.Timedelta(days=reminder),
        "official_request_at": pd.NaT if official is None else start + pd.Timedelta(days=official),
        "resolution": draw(st.sampled_from(["open", "open", "open", "bought", "no_inventory"])),
    }
    if fields["resolution"] != "open":
        fields["resolved_at"] = start + pd.Timedelta(days=draw(_day))
    return fields


@settings(max_examples=150, deadline=None)
@given(
    cases=st.lists(_cases(), min_size=1, max_size=4),
    asof=st.integers(0, 30),
    cap=st.none() | st.floats(0, 50, allow_nan=False),
    reminder_days=st.integers(0, 4),
    margin_days=st.integers(0, 3),
)
def test_each_open_case_gets_exactly_one_action_or_a_clear_error(
    cases, asof, cap, reminder_days, margin_days
):
    frame = log(*cases)
    day = D(2026, 11, 10) + dt.timedelta(days=asof)
    try:
        result = next_actions(frame, asof=day, loss_cap=cap, reminder_days=reminder_days,
                              margin_days=margin_days)
    except ReportFormatError as error:
        message = str(error)
        # Errors only for the documented problems, and each names its row.
        assert "line " in message
        assert "no ship-by date" in message
        return
    # The log as it stood at the end of the as-of day: later cases unknown, later closes undone.
    end = pd.Timestamp(day, tz="UTC") + pd.Timedelta(days=1)
    known = frame["detected_at"].isna() | (frame["detected_at"] < end)
    still_open = frame["resolution"].eq("open") | (frame["resolved_at"].notna()
                                                  & (frame["resolved_at"] >= end))
    open_ids = list(frame.loc[known & still_open, "order_id"])
    assert sorted(result["order_id"]) == sorted(open_ids)
    assert result["action"].isin(ACTIONS).all()
    assert result["reason"].str.len().gt(0).all()
    assert not result["reason"].str.contains("\n").any()
    for _, row in result.iterrows():
        case = frame.loc[frame["order_id"] == row["order_id"]].iloc[0]
        if row["action"] in ("wait", "send_reminder"):
            assert pd.notna(case["request_sent_at"])
            # a reminder or a wait never runs past the decision deadline (short handling times)
            assert row["due"] <= row["decision_deadline"]
        if row["action"] == "cancel_no_inventory":
            assert day >= row["decision_deadline"]
            # without a request only once the deadline has passed: no time left to ask
            assert pd.notna(case["request_sent_at"]) or day > row["decision_deadline"]


# --- what a No Inventory cancellation does to the rate ------------------------------------------


def _orders(stamps, counted):
    return pd.DataFrame({
        "order_id": [f"112-{i:07d}-0000000" for i in range(len(stamps))],
        "marketplace": "amazon.com",
        "purchase_date": pd.to_datetime(stamps, utc=True),
        "in_metric": True,
        "cancelled": counted,
        "attribution": ["unknown" if c else None for c in counted],
        "counted": counted,
    })


def test_no_inventory_effect_on_the_orders_window():
    stuck = {"request_sent_at": ts("2026-11-20"), "reminder_sent_at": ts("2026-11-22"),
             "ship_by": ts("2026-11-24")}
    frame = log(stuck, dict(stuck, ship_by=ts("2026-11-23")), {"loss_if_bought": 1.0},
                dict(stuck, ship_by=ts("2026-11-22")))
    # Window 18-24 Nov: 120 orders, one counted (1 / 120). The first stuck order is one of them.
    # Window 10-16 Nov: 40 orders, none counted; the second stuck order was placed on the 10th.
    stamps = ["2026-11-20T10:00Z"] * 120 + ["2026-11-10T10:00Z"] * 40
    counted = [False, True] + [False] * 158
    orders = _orders(stamps, counted)
    orders.loc[0, "order_id"] = frame.loc[0, "order_id"]
    orders.loc[120, "order_id"] = frame.loc[1, "order_id"]
    before = orders.copy()
    result = next_actions(frame, asof=ASOF, orders=orders).set_index("order_id")
    pd.testing.assert_frame_equal(orders, before)
    first = result.loc[frame.loc[0, "order_id"]]
    assert first["action"] == "cancel_no_inventory"
    assert first["rate_before"] == pytest.approx(1 / 120)
    assert first["rate_after"] == pytest.approx(2 / 120)
    # 40 * (1 + k) < 120 allows one more; after it, none.
    assert (first["remaining_before"], first["remaining_after"]) == (1, 0)
    second = result.loc[frame.loc[1, "order_id"]]
    assert second["rate_before"] == 0 and second["rate_after"] == pytest.approx(1 / 40)
    assert (second["remaining_before"], second["remaining_after"]) == (0, 0)
    # Not a No Inventory action, or an order missing from the orders frame: no effect shown.
    assert pd.isna(result.loc[frame.loc[2, "order_id"], "rate_after"])
    assert result.loc[frame.loc[3, "order_id"], "action"] == "cancel_no_inventory"
    assert pd.isna(result.loc[frame.loc[3, "order_id"], "remaining_after"])


def test_empty_log_and_minimal_columns():
    empty = next_actions(log({}).iloc[:0], asof=ASOF)
    assert empty.empty and "reason" in empty.columns
    # Only the columns a hand-kept log must have; strings are read as UTC timestamps.
    minimal = pd.DataFrame({"order_id": ["111-0000009-0000009"], "resolution": ["open"],
                            "ship_by": ["2026-11-26"], "request_sent_at": ["2026-11-21 08:00"]})
    row = one(minimal)
    assert row["action"] == "send_reminder" and row["due"] == D(2026, 11, 23)
    assert pd.isna(row["marketplace"]) and pd.isna(row["sku"])
