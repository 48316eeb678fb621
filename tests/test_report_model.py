"""The report model, its status and "as known on a day", checked without papermill."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

import oos_analysis as oa
from oos_analysis import ParameterError
from oos_analysis.cli import main
from oos_analysis.io.readers import Exports
from oos_analysis.metric.known import known_on
from oos_analysis.report.model import weekly_report
from oos_analysis.report.status import marketplace_status

ROOT = Path(__file__).resolve().parent.parent
US = ROOT / "data" / "sample" / "us"
JP = ROOT / "data" / "sample" / "jp"
ALL_ORDERS = US / "all-orders.txt"
OTHERS = [US / "order-report.txt", US / "stockout-log.csv", US / "account-health-cancel-rate.csv",
          US / "seller-performance.json"]
W = (dt.date(2026, 11, 18), dt.date(2026, 11, 24))
FAST = {"draws": 2000, "policies": False}


def read(*files):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", oa.DataQualityWarning)
        return oa.read_exports([str(f) for f in files])


@pytest.fixture(scope="module")
def sample():
    return read(ALL_ORDERS, *OTHERS)


@pytest.fixture(scope="module")
def report(sample):
    return weekly_report(sample, draws=4000)


# --- status, by hand ---------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "word", "phrase"), [
    ({"orders": 0, "cancellations": 0, "remaining": 0, "breach": False}, "NO DATA",
     "no MFN orders"),
    ({"orders": 80, "cancellations": 0, "remaining": 1, "breach": False,
      "uncovered": "runs past the end of the data (last order 2026-11-20)"}, "NO DATA",
     "runs past the end"),
    ({"orders": 40, "cancellations": 1, "remaining": 0, "breach": True}, "BREACH", "2.50%"),
    ({"orders": 41, "cancellations": 1, "remaining": 0, "breach": False}, "AT RISK",
     "no room left"),
    ({"orders": 120, "cancellations": 1, "remaining": 1, "breach": False,
      "due_cancels": ["111-1"], "due_by": dt.date(2026, 11, 25)}, "AT RISK",
     "1 stuck order (111-1) is due for No Inventory by 2026-11-25; cancelling it leaves 0 room"),
    ({"orders": 120, "cancellations": 1, "remaining": 1, "breach": False,
      "due_cancels": ["111-1", "111-2", "111-3"], "due_by": dt.date(2026, 11, 25)}, "AT RISK",
     "cancelling all 3 would breach"),
    ({"orders": 200, "cancellations": 0, "remaining": 4, "breach": False, "p_breach_7d": 0.05,
      "open_stuck": 2}, "AT RISK", "5% chance of a breach day within 7 days, with 2 stuck"),
    ({"orders": 200, "cancellations": 0, "remaining": 4, "breach": False, "p_breach_7d": 0.0499,
      "due_cancels": ["111-1"]}, "OK", "room for 4 more"),
])
def test_status_words_and_reasons(kwargs, word, phrase):
    status = marketplace_status(window=W, **kwargs)
    assert status.word == word and phrase in status.reason
    assert status.reason.count(". ") == 0 and status.reason.endswith(".")  # one sentence


# --- as known on a day -------------------------------------------------------------------------

def test_known_on_undoes_later_cancellations_log_entries_and_windows(sample):
    cut = known_on(sample, "2026-10-29")
    end = pd.Timestamp("2026-10-30", tz="UTC")
    assert cut.all_orders["purchase_date"].max() < end
    later = sample.all_orders[(sample.all_orders["purchase_date"] < end)
                              & (sample.all_orders["last_updated_date"] >= end)
                              & sample.all_orders["order_status"].eq("cancelled")]
    assert len(later)  # the sample has such orders: cancelled after the day, placed before it
    kept = cut.all_orders.set_index(["order_id", "sku"]).loc[
        list(zip(later["order_id"], later["sku"], strict=True)), "order_status"]
    assert kept.eq("pending").all()
    assert (cut.stockout_log["detected_at"] < end).all()
    for column in ("request_sent_at", "reminder_sent_at", "official_request_at", "resolved_at"):
        assert not (cut.stockout_log[column] >= end).any()
    assert cut.seller_performance.empty  # the sample's windows end on 2026-11-23
    assert len(sample.all_orders) > len(cut.all_orders)  # the input is not modified


def test_an_earlier_asof_does_not_count_later_cancellations(sample):
    early = weekly_report(sample, asof="2026-10-29", **FAST)["amazon.com"]
    known = oa.orders_from_exports(known_on(sample, "2026-10-29"))
    # Independent count: orders placed 10-23..10-29 cancelled (and counted) by the end of 10-29.
    day = known["purchase_date"].dt.date
    mine = known[known["marketplace"].eq("amazon.com") & known["in_metric"]
                 & (day >= dt.date(2026, 10, 23)) & (day <= dt.date(2026, 10, 29))]
    assert early.headline["orders"] == len(mine)
    assert early.headline["seller_cancellations"] == int(mine["counted"].sum())
    everything = oa.budget_summary(oa.orders_from_exports(sample), asof="2026-10-29")
    later = everything.set_index("marketplace").loc["amazon.com", "seller_cancellations"]
    assert later > early.headline["seller_cancellations"]  # hindsight would count more


# --- the model on the sample -------------------------------------------------------------------

def test_every_marketplace_is_in_the_report_most_orders_first(report):
    assert [m.marketplace for m in report.marketplaces] == ["amazon.com", "amazon.ca"]
    assert report.asof == dt.date(2026, 11, 24)


def test_sample_amazon_com_is_not_ok_and_names_the_stuck_orders(report, sample):
    com = report["amazon.com"]
    assert com.status.word != "OK"
    stuck = set(sample.stockout_log.loc[sample.stockout_log["resolution"] == "open", "order_id"])
    assert any(order in com.status.reason for order in stuck)
    assert "stuck order" in com.status.reason


def test_headline_agrees_with_budget_and_forecast_with_simulate(report, sample):
    orders = oa.orders_from_exports(sample)
    budget = oa.budget_summary(orders, asof="2026-11-24").set_index("marketplace")
    for section in report.marketplaces:
        row = budget.loc[section.marketplace]
        for key in ("orders", "seller_cancellations", "remaining"):
            assert section.headline[key] == row[key]
        # The report runs the forecast once to its horizon and reads the 7- and 14-day chances
        # off those paths: they are the to-date chances of the same run made directly.
        direct = oa.simulate(orders, stockout_log=sample.stockout_log, asof="2026-11-24",
                             horizon=report.horizon, marketplace=section.marketplace, draws=4000,
                             rng=0)
        to_date = direct.days["p_any_breach_to_date"]
        assert section.p_breach[7] == to_date.iloc[6]
        assert section.p_breach[14] == to_date.iloc[13]
        assert section.p_breach[report.horizon] == direct.summary["p_any_breach"].iloc[0]
        # ... and a run of its own to 7 days, on other paths, agrees within the noise.
        week = oa.simulate(orders, stockout_log=sample.stockout_log, asof="2026-11-24",
                           horizon=7, marketplace=section.marketplace, draws=4000, rng=1)
        se = float(week.summary["p_any_breach_se"].iloc[0])
        assert abs(section.p_breach[7] - week.summary["p_any_breach"].iloc[0]) <= 5 * max(se, 0.004)


def test_attribution_table_counts_every_cancelled_order(report, sample):
    orders = oa.orders_from_exports(sample)
    for section in report.marketplaces:
        mine = orders[orders["marketplace"].eq(section.marketplace) & orders["in_metric"]]
        assert section.attribution["all_data"].sum() == int(mine["cancelled"].sum())
        counted = section.attribution.loc[section.attribution["counted"], "current_window"].sum()
        assert counted == section.headline["seller_cancellations"]


def test_narrowing_to_one_marketplace(sample):
    narrowed = weekly_report(sample, marketplaces="amazon.ca", **FAST)
    assert [m.marketplace for m in narrowed.marketplaces] == ["amazon.ca"] and narrowed.narrowed
    with pytest.raises(ParameterError, match="amazon.de"):
        weekly_report(sample, marketplaces="amazon.de", **FAST)


# --- every input set renders or fails up front -------------------------------------------------

SUBSETS = [combo for k in range(len(OTHERS) + 1) for combo in itertools.combinations(OTHERS, k)]


@pytest.mark.parametrize("extra", SUBSETS, ids=lambda c: "+".join(p.stem for p in c) or "alone")
def test_all_orders_with_any_subset_builds_a_report(extra):
    model = weekly_report(read(ALL_ORDERS, *extra), **FAST)
    kinds = {p.stem for p in extra}
    for section in model.marketplaces:
        assert section.status.word in {"OK", "AT RISK", "BREACH", "NO DATA"}
        assert section.status.reason
        assert section.forecast is not None, section.notes
        assert section.without_log == ("stockout-log" not in kinds)
        if "stockout-log" not in kinds:
            assert "stock-out log" in section.notes["actions"]
        if "seller-performance" not in kinds:
            assert "Seller Performance" in section.notes["reconciliation"]


@pytest.mark.parametrize("asof", ["2026-06-01", "2026-08-20", "2026-09-30", "2026-12-10"])
def test_asof_before_inside_and_after_the_data(sample, asof):
    model = weekly_report(sample, asof=asof, **FAST)
    words = {m.status.word for m in model.marketplaces}
    if asof in ("2026-06-01", "2026-08-20", "2026-12-10"):
        assert words == {"NO DATA"}
    else:
        assert "NO DATA" not in words


def test_japan_in_cp932_renders_in_yen():
    model = weekly_report(read(*sorted(JP.iterdir())), **FAST)
    assert [m.marketplace for m in model.marketplaces] == ["amazon.co.jp"]
    assert model.marketplaces[0].currency == "JPY"


@pytest.mark.parametrize(("files", "asof", "match"), [
    ([US / "stockout-log.csv"], None, "no All Orders export"),
    ([ALL_ORDERS], "2025-01-01", "within 90 days"),
])
def test_fails_up_front_in_one_paragraph(files, asof, match, tmp_path, capsys):
    with pytest.raises(ParameterError, match=match):
        weekly_report(read(*files), asof=asof, **FAST)
    argv = ["report", *map(str, files), "--out", str(tmp_path / "out")]
    assert main([*argv, *(["--asof", asof] if asof else [])]) == 1
    err = capsys.readouterr().err
    assert match in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()  # refused before the notebook ran


# --- the same numbers from every command -------------------------------------------------------

def _json(capsys, argv):
    code = main(argv)
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.mark.parametrize("asof", ["2026-11-24", "2026-10-29"])
def test_status_budget_actions_and_simulate_agree_with_the_model(capsys, sample, asof):
    files = [str(ALL_ORDERS), *map(str, OTHERS)]
    model = weekly_report(sample, asof=asof, draws=4000, policies=False)
    code, status = _json(capsys, ["status", *files, "--asof", asof, "--format", "json",
                                  "--draws", "4000"])
    assert code == 0
    _, budget = _json(capsys, ["budget", *files, "--asof", asof, "--format", "json"])
    budget = {row["marketplace"]: row for row in budget}
    _, actions = _json(capsys, ["actions", *files, "--asof", asof, "--format", "json"])
    for row in status:
        section = model[row["marketplace"]]
        assert row["status"] == section.status.word and row["reason"] == section.status.reason
        for key in ("orders", "seller_cancellations", "remaining"):
            assert row[key] == section.headline[key] == budget[row["marketplace"]][key]
        assert row["p_breach_7d"] == section.p_breach[7]
        mine = sorted(a["order_id"] for a in actions if a["marketplace"] == row["marketplace"])
        shown = [] if section.actions is None else sorted(section.actions["order_id"])
        assert mine == shown
        _, sim = _json(capsys, ["simulate", *files, "--asof", asof, "--horizon",
                                str(model.horizon), "--draws", "4000", "--seed", "0",
                                "--marketplace", row["marketplace"], "--format", "json"])
        assert sim["days"][6]["p_any_breach_to_date"] == pytest.approx(section.p_breach[7])
        assert sim["p_any_breach"] == pytest.approx(section.p_breach[model.horizon])


def test_status_exit_codes_for_cron(capsys):
    files = [str(ALL_ORDERS), *map(str, OTHERS)]
    assert main(["status", *files, "--draws", "500"]) == 0
    assert main(["status", *files, "--draws", "500", "--fail-on", "at-risk"]) == 10
    assert main(["status", *files, "--draws", "500", "--fail-on", "breach"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("amazon.com  AT RISK  ") and len(lines) == 6
    # A typo in the crontab line is a usage error (2), never mistaken for AT RISK (10).
    with pytest.raises(SystemExit) as stop:
        main(["status", *files, "--fail-on", "at-risk", "--polcy", "request"])
    assert stop.value.code == 2


def test_a_seller_without_cancellations_is_ok_and_a_small_one_has_no_room():
    # 50 orders a day for 10 days, none cancelled: 350 in the window, room for 8 (9/350 >= 2.5%).
    items = pd.DataFrame({
        "order_id": [f"A{i}" for i in range(500)], "order_status": "shipped",
        "purchase_date": pd.to_datetime("2026-03-01T10:00Z") + pd.to_timedelta(
            [i % 10 for i in range(500)], unit="D"),
        "fulfillment_channel": "MFN", "sales_channel": "Amazon.com"})
    empty = [oa.read_exports([]).order_report, oa.read_exports([]).cancel_download,
             oa.read_exports([]).seller_performance, oa.read_exports([]).stockout_log]
    model = weekly_report(Exports((), items, *empty), **FAST)
    section = model["amazon.com"]
    assert section.headline["orders"] == 350 and section.headline["remaining"] == 8
    assert section.status.word == "OK" and section.p_breach[7] == 0
    small = weekly_report(Exports((), items.iloc[:50], *empty), **FAST)["amazon.com"]
    assert small.headline["orders"] == 35 and small.headline["remaining"] == 0
    assert small.status.word == "AT RISK" and "no room left" in small.status.reason


def test_known_on_a_day_after_everything_changes_nothing(sample):
    assert known_on(sample, "2026-12-31") is sample
    assert known_on(sample, "2026-11-24", tz="Asia/Tokyo") is sample  # ends 15:00Z, after all
    assert known_on(sample, "2026-11-24", tz="America/New_York") is sample
    assert known_on(sample, "2026-11-23") is not sample


# --- Amazon's rule against asking, and pending orders, in the report ---------------------------

def test_both_playbooks_are_compared_on_the_same_futures(report, sample):
    section = report["amazon.com"]
    rows = section.playbooks.set_index("playbook")
    assert list(rows.index) == ["request", "no-request"]
    # Same draws: without the request step only the requests already sent can still bring an
    # official cancellation, so every path has at least as many counted cancellations and the
    # breach chance cannot fall.
    assert rows.loc["no-request", "expected_official"] < rows.loc["request", "expected_official"]
    assert (rows.loc["no-request", "expected_cancellations"]
            >= rows.loc["request", "expected_cancellations"])
    assert rows.loc["no-request", "p_any_breach"] >= rows.loc["request", "p_any_breach"]


def test_no_request_policy_never_asks_the_buyer(sample):
    asked = weekly_report(sample, **FAST)["amazon.com"].actions
    ruled = weekly_report(sample, policy="no-request", **FAST)["amazon.com"].actions
    assert asked["action"].isin(["send_request", "send_reminder"]).any()
    assert not ruled["action"].isin(["send_request", "send_reminder"]).any()
    assert set(ruled["order_id"]) == set(asked["order_id"])  # the same stuck orders


def test_an_unknown_policy_is_refused(sample):
    with pytest.raises(ParameterError, match="no-request"):
        weekly_report(sample, policy="ask-nicely", **FAST)


def test_exclude_pending_only_ever_lowers_the_count(sample):
    counted = weekly_report(sample, **FAST)["amazon.com"].orders
    lenient = weekly_report(sample, exclude_pending=True, **FAST)["amazon.com"].orders
    pending = counted["attribution"].eq("pending") & counted["counted"].astype(bool)
    assert int(lenient["counted"].sum()) == int(counted["counted"].sum()) - int(pending.sum())


def test_status_takes_the_policy_and_pending_options(capsys):
    files = [str(ALL_ORDERS), *map(str, OTHERS)]
    _, rows = _json(capsys, ["status", *files, "--format", "json", "--policy", "no-request",
                          "--exclude-pending", "--draws", "2000"])
    com = next(r for r in rows if r["marketplace"] == "amazon.com")
    assert com["status"] in {"AT RISK", "BREACH"}
    assert "No Inventory" in com["reason"]
