"""Without a stock-out log the forecast runs on the seller's own counted cancellations per order."""

from __future__ import annotations

import pandas as pd
import pytest

from oos_analysis import ParameterError, SimulationInputs


def orders(per_day: dict[str, int], counted: dict[str, int]) -> pd.DataFrame:
    rows = [
        {"order_id": f"{day}-{i}", "marketplace": "amazon.com",
         "purchase_date": pd.Timestamp(f"{day}T12:00:00Z"), "in_metric": True,
         "counted": i < counted.get(day, 0)}
        for day, n in per_day.items() for i in range(n)
    ]
    return pd.DataFrame(rows)


def test_counted_share_over_90_days_stands_in_for_the_stockout_rate():
    # 10 orders a day for 100 days; 1 counted cancellation on each of the last 4 days and 5 on a
    # day 95 days back, which is outside the trailing 90 days and must not count.
    days = pd.date_range("2026-01-01", periods=100, freq="D").strftime("%Y-%m-%d")
    frame = orders({d: 10 for d in days}, {**{d: 1 for d in days[-4:]}, days[4]: 5})
    inputs = SimulationInputs.from_history(frame, None, asof=days[-1])
    assert inputs.stockout_rate == pytest.approx(4 / 900)
    assert inputs.buy_probability == 0 and inputs.buyer_accept == 0
    assert inputs.counted_probability == pytest.approx(4 / 900)
    assert inputs.sources["stockout_rate"].startswith("estimated without a stock-out log")
    assert "4 counted cancellations / 900 orders" in inputs.sources["stockout_rate"]


def test_an_empty_log_is_no_log_and_a_given_rate_still_wins():
    frame = orders({"2026-03-01": 20, "2026-03-02": 20}, {"2026-03-02": 2})
    empty = pd.DataFrame(columns=["order_id", "marketplace", "detected_at"])
    assert SimulationInputs.from_history(frame, empty, orders_per_day=20).stockout_rate == pytest.approx(2 / 40)
    given = SimulationInputs.from_history(frame, None, stockout_rate=0.2, orders_per_day=20)
    assert given.stockout_rate == 0.2 and given.sources["stockout_rate"] == "given"


def test_no_orders_at_all_still_asks_for_the_rate():
    with pytest.raises(ParameterError, match="--stockout-rate"):
        SimulationInputs.from_history(orders({}, {}), None, orders_per_day=3)
