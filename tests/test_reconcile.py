"""Reconciliation with Amazon's Seller Performance numbers."""

import pandas as pd
import pytest

from oos_analysis.exceptions import ParameterError
from oos_analysis.metric.reconciliation import reconcile


def perf(orders, defects, rate, start="2026-03-02T00:00Z", end="2026-03-08T23:59Z"):
    return pd.DataFrame({
        "marketplace": ["amazon.com"], "metric": ["pre_fulfillment_cancel_rate"],
        "date_from": pd.to_datetime([start], utc=True), "date_to": pd.to_datetime([end], utc=True),
        "orders": pd.array([orders], dtype="Int64"), "defects": pd.array([defects], dtype="Int64"),
        "rate": pd.array([rate], dtype="Float64"), "target_value": [0.025], "status": ["GOOD"],
    })


def orders(days, *, counted=(), unknown=(), hour=12):
    ids = [f"O{i}" for i in range(len(days))]
    return pd.DataFrame({
        "order_id": ids, "marketplace": "amazon.com",
        "purchase_date": pd.to_datetime([f"2026-03-{d:02d}T{hour:02d}:00:00Z" for d in days], utc=True),
        "in_metric": True,
        "counted": [i in counted for i in range(len(days))],
        "attribution": pd.Series(["unknown" if i in unknown else ("seller" if i in counted else None)
                                  for i in range(len(days))], dtype="str"),
    })


def test_consistent():
    days = [d for d in range(2, 9) for _ in range(10)]
    o = orders(days + [1, 9], counted={0})  # orders outside the range are ignored
    row = reconcile(o, perf(70, 1, 1 / 70)).iloc[0]
    assert (row["kit_orders"], row["kit_cancellations"]) == (70, 1)
    assert row["kit_rate"] == pytest.approx(1 / 70) and row["difference"] == pytest.approx(0)
    assert row["likely_reason"] == "all consistent" and row["kit_status"] == "ok"


def test_missing_days_named():
    o = orders([d for d in range(2, 7) for _ in range(10)])  # no Mar 7, 8
    row = reconcile(o, perf(70, 0, 0.0)).iloc[0]
    assert row["kit_orders"] == 50
    assert "missing days" in row["likely_reason"] and "2026-03-07, 2026-03-08" in row["likely_reason"]


def test_unattributed_named():
    o = orders([d for d in range(2, 9) for _ in range(10)], counted={0, 1}, unknown={1})
    row = reconcile(o, perf(70, 1, 1 / 70)).iloc[0]
    assert (row["kit_cancellations"], row["kit_unattributed"]) == (2, 1)
    assert row["likely_reason"].startswith("unattributed cancellations")
    assert row["kit_status"] == "breach"  # 2/70 = 2.86 %


def test_day_boundary_named():
    # 70 orders inside the range, plus 3 placed at 05:00Z on Mar 9: Amazon, cutting days at a
    # marketplace-local boundary, could have counted them.
    o = pd.concat([orders([d for d in range(2, 9) for _ in range(10)]), orders([9, 9, 9], hour=5)],
                  ignore_index=True)
    o["order_id"] = [f"X{i}" for i in range(len(o))]
    row = reconcile(o, perf(73, 0, 0.0)).iloc[0]
    assert row["kit_orders"] == 70
    assert row["likely_reason"].startswith("day boundary")


def test_unexplained_difference_and_other_marketplace():
    o = orders([d for d in range(2, 9) for _ in range(10)])
    row = reconcile(o, perf(200, 0, 0.0)).iloc[0]
    assert row["likely_reason"].startswith("unexplained")
    other = perf(5, 0, 0.0).assign(marketplace="amazon.ca")
    row = reconcile(o, other).iloc[0]
    assert row["kit_orders"] == 0 and pd.isna(row["kit_rate"]) and "missing days" in row["likely_reason"]


def test_needs_cancel_rate_entry_and_does_not_mutate():
    o = orders([2, 3])
    p = perf(2, 0, 0.0)
    before_o, before_p = o.copy(deep=True), p.copy(deep=True)
    reconcile(o, p)
    pd.testing.assert_frame_equal(before_o, o)
    pd.testing.assert_frame_equal(before_p, p)
    with pytest.raises(ParameterError, match="no pre-fulfillment cancel rate metric "
                       r"\(it has late_shipment_rate\)"):
        reconcile(o, p.assign(metric="late_shipment_rate"))
