"""``oos-analysis simulate``: outputs, reproducibility, clear errors, files never modified."""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

import pytest

from oos_analysis.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
from simulate_outputs import write_exports  # noqa: E402  (the golden cases' own exports)

EMPTY = ["simulate", "--start", "2026-12-01", "--horizon", "5", "--orders-per-day", "30",
         "--stockout-rate", "0.03", "--buy-at-loss", "0.5", "--buyer-accept", "0.3",
         "--draws", "3000", "--seed", "7"]


def run(capsys, argv):
    status = main(argv)
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.fixture
def exports(tmp_path):
    """30 days of 10 MFN orders a day (one cancelled on 11-28) and a three-row stock-out log."""
    return write_exports(tmp_path)


def test_json_without_files(capsys):
    status, out, _ = run(capsys, [*EMPTY, "--format", "json"])
    assert status == 0
    doc = json.loads(out)
    assert 0 <= doc["p_any_breach"] <= 1
    assert doc["expected_loss"] is None          # no loss recorded anywhere
    assert doc["expected_cancellations"] == pytest.approx(5 * 30 * 0.03 * 0.5 * 0.7)
    assert [d["date"] for d in doc["days"]] == [f"2026-12-0{i}" for i in range(1, 6)]
    for day in doc["days"]:
        assert day["rate_p05"] <= day["rate_p50"] <= day["rate_p95"]
        assert 0 <= day["p_breach"] <= doc["p_any_breach"]
    assert doc["seed"] == 7 and doc["draws"] == 3000
    assert doc["inputs"]["sources"]["stockout_rate"] == "given"
    assert [p["buy_at_loss"] for p in doc["policies"]] == pytest.approx(
        [i / 10 for i in range(11)])
    assert doc["policies"][-1]["p_any_breach"] == 0.0
    assert doc["cheapest_safe_policy"]["p_any_breach"] <= 0.05


def test_same_seed_same_output(capsys):
    first = run(capsys, [*EMPTY, "--format", "json"])[1]
    second = run(capsys, [*EMPTY, "--format", "json"])[1]
    assert first == second
    other = run(capsys, [*EMPTY[:-1], "8", "--format", "json"])[1]
    assert json.loads(other)["p_any_breach"] != json.loads(first)["p_any_breach"] or \
        json.loads(other)["days"] != json.loads(first)["days"]


def test_table_and_csv(capsys):
    status, out, _ = run(capsys, EMPTY)
    assert status == 0
    assert "Chance that the 7-day rate reaches 2.5% on at least one day" in out
    assert "[given]" in out and "2026-12-05" in out
    assert "Cheapest policy with a chance of any breach at or below 5.0%: buy " in out
    status, out, _ = run(capsys, [*EMPTY, "--format", "csv"])
    rows = out.strip().splitlines()
    assert rows[0].startswith("date,p_breach,rate_p05,rate_p50,rate_p95")
    assert len(rows) == 6


def test_no_safe_policy_is_said_plainly(capsys, exports):
    # Two planned cancellations on top of the counted one: 3 / 60 in the window of 2026-12-01
    # whatever is bought, so no buying policy is safe.
    argv = ["simulate", *exports, "--horizon", "2", "--draws", "300", "--seed", "2",
            "--orders-per-day", "0", "--cancel", "111-0000026-0000004", "111-0000025-0000001"]
    status, out, _ = run(capsys, argv)
    assert status == 0
    assert "No policy in the grid keeps the chance of any breach at or below 5.0%" in out
    status, out, _ = run(capsys, [*argv, "--format", "json"])
    doc = json.loads(out)
    assert doc["cheapest_safe_policy"] is None
    assert all(p["p_any_breach"] == 1.0 for p in doc["policies"])
    assert doc["planned"] == 2


def test_needs_inputs_without_files(capsys):
    status, _, err = run(capsys, ["simulate", "--orders-per-day", "30"])
    assert status == 1
    assert "--start" in err and "--stockout-rate" in err
    assert "Traceback" not in err


def test_bad_values_are_one_paragraph(capsys):
    status, _, err = run(capsys, [*EMPTY, "--buyer-accept", "1.5"])
    assert status == 1 and err.startswith("error: buyer_accept must be a probability")
    status, _, err = run(capsys, [*EMPTY, "--start", "12/01/2026"])
    assert status == 1 and "YYYY-MM-DD" in err
    status, _, err = run(capsys, [*EMPTY, "--tz", "Mars/Base"])
    assert status == 1 and "--tz" in err and "Asia/Tokyo" in err
    with pytest.raises(SystemExit):
        main([*EMPTY, "--buy-at-loss", "0.1", "--loss-cap", "3"])
    capsys.readouterr()


def test_from_files_estimates_and_leaves_files_alone(capsys, exports):
    digest = {p: hashlib.sha256(open(p, "rb").read()).hexdigest() for p in exports}
    status, out, err = run(capsys, ["simulate", *exports, "--horizon", "3", "--draws", "2000",
                                    "--seed", "1", "--format", "json"])
    assert status == 0, err
    doc = json.loads(out)
    assert doc["marketplace"] == "amazon.com" and doc["start"] == "2026-12-01"
    assert doc["open_orders"] == 1
    assert doc["inputs"]["orders_per_day"]["Mon"] == 10.0
    assert doc["inputs"]["stockout_rate"] == pytest.approx(3 / 300)
    assert doc["inputs"]["buy_at_loss"] == pytest.approx(0.5)
    assert doc["inputs"]["sources"]["orders_per_day"].startswith("estimated")
    # Loss caps come from the recorded losses 4.0 and 12.5.
    assert doc["policies"][0]["loss_cap"] == 0.0 and doc["policies"][-1]["loss_cap"] == 12.5
    assert {p: hashlib.sha256(open(p, "rb").read()).hexdigest() for p in exports} == digest


def test_planned_cancellation_from_files(capsys, exports):
    base = ["simulate", *exports, "--horizon", "2", "--draws", "500", "--seed", "3",
            "--stockout-rate", "0", "--orders-per-day", "0", "--format", "json"]
    # The window of 2026-12-01 holds the 60 orders of 11-25 .. 11-30, one counted (11-28), and
    # the stuck order of 11-30, which a cap of 20 buys (its loss is 12.5).
    status, out, _ = run(capsys, [*base, "--loss-cap", "20"])
    assert status == 0
    assert json.loads(out)["days"][0]["p_breach"] == 0.0           # 1 / 60
    status, out, _ = run(capsys, [*base, "--loss-cap", "20", "--cancel", "111-0000026-0000004"])
    assert json.loads(out)["days"][0]["p_breach"] == 1.0           # 2 / 60
    status, _, err = run(capsys, [*base, "--cancel", "111-0000027-0000000"])
    assert status == 1 and "already a counted" in err
    assert math.isfinite(json.loads(out)["p_any_breach"])


def test_exclude_pending_changes_nothing_without_pending_orders(capsys, exports):
    # The one cancellation has a price, so it is not a pending order: leaving pending orders out
    # must give exactly the same forecast on the same seed.
    argv = ["simulate", *exports, "--horizon", "3", "--draws", "2000", "--seed", "1",
            "--format", "json"]
    status, out, err = run(capsys, argv)
    assert status == 0, err
    status, lenient, err = run(capsys, [*argv, "--exclude-pending"])
    assert status == 0, err
    assert json.loads(lenient)["p_any_breach"] == json.loads(out)["p_any_breach"]


@pytest.mark.parametrize("risk", ["2", "nan", "-0.1"])
def test_a_risk_outside_0_1_is_refused(capsys, risk):
    status, out, err = run(capsys, [*EMPTY, "--risk", risk])
    assert status == 1 and out == ""
    assert err.startswith("error: risk") and "Traceback" not in err
