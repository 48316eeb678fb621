"""The playbook in the marketplace's local time, with short handling times, and its two policies."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from oos_analysis import DataQualityWarning
from oos_analysis.cli import main
from oos_analysis.io.schema import MARKETPLACE_TIME_ZONES, marketplace_time_zone
from oos_analysis.playbook.actions import cumulative_effect, next_actions, ship_by_day
from oos_analysis.playbook.messages import CANCELLATION_URLS, cancellation_url
from oos_analysis.playbook.policy import CAUTION, NO_REQUEST, POLICIES, REQUEST

D = dt.date
O1, O2, O3 = "111-0000001-0000001", "111-0000002-0000002", "111-0000003-0000003"


def ts(text):
    return pd.Timestamp(text, tz="UTC")


def log(**fields):
    row = {"order_id": O1, "marketplace": "amazon.com", "sku": "SKU-A",
           "detected_at": ts("2026-11-22 09:00"), "ship_by": ts("2026-11-24 07:59:59"),
           "loss_if_bought": None, "request_sent_at": pd.NaT, "reminder_sent_at": pd.NaT,
           "official_request_at": pd.NaT, "resolution": "open", "resolved_at": pd.NaT}
    row.update(fields)
    frame = pd.DataFrame([row])
    for column in ("detected_at", "ship_by", "request_sent_at", "reminder_sent_at",
                   "official_request_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["loss_if_bought"] = frame["loss_if_bought"].astype("Float64")
    return frame


def one(frame, **options):
    result = next_actions(frame, **options)
    assert len(result) == 1
    return result.iloc[0]


# --- ship-by is a local day ---------------------------------------------------------------------

@pytest.mark.parametrize(("instant", "marketplace", "day"), [
    ("2026-11-24T07:59:59Z", "amazon.com", D(2026, 11, 23)),    # 23:59:59 PST
    ("2026-07-24T06:59:59Z", "amazon.com", D(2026, 7, 23)),     # 23:59:59 PDT
    ("2026-11-24T04:59:59Z", "amazon.ca", D(2026, 11, 23)),     # 23:59:59 EST
    ("2026-11-23T14:59:59Z", "amazon.co.jp", D(2026, 11, 23)),  # 23:59:59 JST
    ("2026-11-23T23:59:59Z", "amazon.co.uk", D(2026, 11, 23)),  # 23:59:59 GMT
    ("2026-11-23T00:00:00Z", "amazon.com", D(2026, 11, 23)),    # a bare date is that day
])
def test_ship_by_day_is_the_marketplace_local_day(instant, marketplace, day):
    assert ship_by_day(pd.Timestamp(instant), marketplace) == day


def test_one_time_zone_table():
    assert marketplace_time_zone("amazon.com") == "America/Los_Angeles"
    assert marketplace_time_zone("Amazon.ca") == "America/Toronto"
    assert marketplace_time_zone("amazon.co.jp") == "Asia/Tokyo"
    assert marketplace_time_zone("somewhere.example") == "UTC"
    assert len(set(MARKETPLACE_TIME_ZONES)) == len(MARKETPLACE_TIME_ZONES) >= 20


def test_deadline_is_the_end_of_the_local_ship_by_day():
    # promise-date 2026-11-24T07:59:59Z = end of 23 November in Pacific time (amazon.com)
    frame = log(detected_at=ts("2026-11-19"), request_sent_at=ts("2026-11-20"),
                reminder_sent_at=ts("2026-11-21"))
    row = one(frame, asof="2026-11-23")
    assert (row["action"], row["due"], row["decision_deadline"]) == (
        "cancel_no_inventory", D(2026, 11, 23), D(2026, 11, 23))
    assert not row["past_ship_by"]
    assert one(frame, asof="2026-11-24")["past_ship_by"]
    # from the order report's promise-date when the log has none
    report = pd.DataFrame({"order_id": [O1], "promise_date": [ts("2026-11-24 07:59:59")]})
    row = one(log(ship_by=pd.NaT, detected_at=ts("2026-11-19"), request_sent_at=ts("2026-11-20"),
                  reminder_sent_at=ts("2026-11-21")), asof="2026-11-23", order_report=report)
    assert row["decision_deadline"] == D(2026, 11, 23) and row["action"] == "cancel_no_inventory"


# --- short handling times -----------------------------------------------------------------------

def test_ship_by_the_day_after_purchase_finishes_before_ship_by():
    # bought and found out of stock on 22 November, ship-by the end of 23 November (Pacific)
    sent = log(request_sent_at=ts("2026-11-22 18:00"))
    first = one(sent, asof="2026-11-22")
    assert (first["action"], first["due"]) == ("wait", D(2026, 11, 23))
    second = one(sent, asof="2026-11-23")  # the reminder comes early, on the ship-by day
    assert (second["action"], second["due"]) == ("send_reminder", D(2026, 11, 23))
    assert "end of today" in second["reason"] and "comes early" in second["reason"]
    reminded = log(request_sent_at=ts("2026-11-22 18:00"), reminder_sent_at=ts("2026-11-23 16:00"))
    third = one(reminded, asof="2026-11-23")
    assert (third["action"], third["due"]) == ("cancel_no_inventory", D(2026, 11, 23))
    # a request only on the deadline day itself: no room for a reminder, the decision is today
    late = one(log(request_sent_at=ts("2026-11-23 17:00")), asof="2026-11-23")
    assert (late["action"], late["due"]) == ("cancel_no_inventory", D(2026, 11, 23))
    assert "unless Amazon's official request arrives first" in late["reason"]


# --- the two policies ---------------------------------------------------------------------------

def test_no_request_policy_cancels_at_once_and_keeps_buying_and_official_requests():
    assert POLICIES == (REQUEST, NO_REQUEST) == ("request", "no-request")
    frame = pd.concat([
        log(ship_by=ts("2026-11-28 07:59:59")),                                # no source
        log(order_id=O2, loss_if_bought=3.0, ship_by=ts("2026-11-28 07:59:59")),  # source
        log(order_id=O3, detected_at=ts("2026-11-20"), request_sent_at=ts("2026-11-21"),
            official_request_at=ts("2026-11-22")),
    ], ignore_index=True)
    by = next_actions(frame, asof="2026-11-22", policy=NO_REQUEST).set_index("order_id")
    assert by["action"].to_dict() == {O1: "cancel_no_inventory", O2: "buy_at_loss",
                                      O3: "cancel_buyer_request"}
    assert by.loc[O1, "due"] == D(2026, 11, 22)
    assert "without asking the buyer" in by.loc[O1, "reason"]
    default = next_actions(frame, asof="2026-11-22").set_index("order_id")
    assert default.loc[O1, "action"] == "send_request"
    with pytest.raises(Exception, match="not a playbook policy"):
        next_actions(frame, asof="2026-11-22", policy="ask-nicely")


def test_odd_order_ids_never_reach_the_playbook():
    frame = pd.concat([log(), log(order_id='=HYPERLINK("x")'), log(order_id="113-1")],
                      ignore_index=True)
    with pytest.warns(DataQualityWarning, match="2 open case"):
        result = next_actions(frame, asof="2026-11-22")
    assert result["order_id"].tolist() == [O1]


# --- the cumulative effect ----------------------------------------------------------------------

def test_cumulative_effect_adds_the_cancellations_up():
    # 120 orders on 20 November, none counted: room for 2 (40 * (0 + k) < 120 -> k <= 2)
    orders = pd.DataFrame({
        "order_id": [f"112-0000000-{i:07d}" for i in range(120)] + [O3],
        "marketplace": "amazon.com", "in_metric": True, "counted": False, "attribution": None,
        "purchase_date": [ts("2026-11-20 10:00")] * 120 + [ts("2026-11-10 10:00")],
    })
    actions = pd.DataFrame({
        "order_id": ["112-0000000-0000001", "112-0000000-0000002", O3, "112-0000000-0000003"],
        "marketplace": "amazon.com",
        "action": ["cancel_no_inventory", "cancel_no_inventory", "cancel_no_inventory", "wait"],
        "due": [D(2026, 11, 24), D(2026, 11, 23), D(2026, 11, 24), D(2026, 11, 24)],
    })
    row = cumulative_effect(actions, orders, asof="2026-11-24").iloc[0]
    # three due by the 24th; O3 was placed on 10 November, before the window 18 .. 24 November,
    # so two add to it
    assert (row["cancellations"], row["in_window"], row["orders"]) == (3, 2, 120)
    assert (row["remaining_before"], row["remaining_after"]) == (2, 0)
    assert row["rate_after"] == pytest.approx(2 / 120)


# --- the help links and the caution --------------------------------------------------------------

def test_help_links_are_the_current_page_per_marketplace():
    page = "/gp/help/customer/display.html?nodeId=GSL37WQTJZUYA9QE"
    assert CANCELLATION_URLS == {
        "amazon.com": "https://www.amazon.com" + page,
        "amazon.co.uk": "https://www.amazon.co.uk" + page,
        "amazon.co.jp": "https://www.amazon.co.jp" + page,
    }
    assert cancellation_url("amazon.de") == "https://www.amazon.de" + page
    assert "201722390" in CAUTION and "Order cancellations" in CAUTION


LOG = ("order_id,marketplace,sku,detected_at,ship_by,loss_if_bought,request_sent_at,"
       "reminder_sent_at,official_request_at,resolution,resolved_at,product_name\n"
       f"{O1},amazon.com,MUG,2026-11-22,2026-11-28,,,,,open,,Tea mug\n")


def test_actions_and_message_show_the_caution_only_when_they_suggest_a_request(tmp_path, capsys):
    f = tmp_path / "log.csv"
    f.write_text(LOG)
    assert main(["actions", str(f), "--asof", "2026-11-24"]) == 0
    out = capsys.readouterr().out
    assert "send_request" in out and CAUTION in out
    assert "about 7 days after its expected ship date" in out
    assert main(["actions", str(f), "--asof", "2026-11-24", "--policy", "no-request"]) == 0
    out = capsys.readouterr().out
    assert "cancel_no_inventory" in out and "send_request" not in out and CAUTION not in out
    assert main(["message", O1, str(f)]) == 0
    out, err = capsys.readouterr()
    assert "GSL37WQTJZUYA9QE" in out and CAUTION in err
    assert main(["message", O1, str(f), "--policy", "no-request"]) == 1
    assert "writes no message" in capsys.readouterr().err
