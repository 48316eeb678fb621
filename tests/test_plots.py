"""The plot_* functions: what they draw, checked on the returned Axes (never on pixels)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from oos_analysis.exceptions import ParameterError  # noqa: E402
from oos_analysis.report.plots import (  # noqa: E402
    plot_breach_fan,
    plot_budget,
    plot_daily_rate,
    plot_p_chart,
    plot_policy_frontier,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def ax():
    return plt.subplots()[1]


def _hline_at(ax, y):
    return [line for line in ax.lines if list(line.get_ydata()) == [y, y]]


@pytest.fixture
def daily():
    # Window counts as daily_rate returns them; 1/40 is exactly the target, hence a breach.
    return pd.DataFrame(
        {
            "marketplace": ["US"] * 4,
            "date": pd.date_range("2026-11-01", periods=4),
            "orders": [50, 40, 0, 100],
            "seller_cancellations": [0, 1, 0, 3],
            "rate": [0.0, 0.025, np.nan, 0.03],
            "status": ["ok", "breach", "no-orders", "breach"],
            "complete": [True, True, True, True],
        }
    )


# --- plot_daily_rate -------------------------------------------------------------------------


def test_daily_rate_draws_line_threshold_and_breach_markers(daily, ax):
    before = daily.copy()
    out = plot_daily_rate(daily, ax=ax)
    assert out is ax
    pd.testing.assert_frame_equal(daily, before)
    rate_line, threshold = ax.lines
    assert list(rate_line.get_ydata()[[0, 1, 3]]) == [0.0, 0.025, 0.03]
    assert math.isnan(rate_line.get_ydata()[2])  # no orders: a gap, not a zero
    assert list(threshold.get_ydata()) == [0.025, 0.025]
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    marked = ax.collections[0].get_offsets()
    assert marked[:, 1].tolist() == [0.025, 0.03]


def test_daily_rate_without_status_uses_rate_at_or_above_threshold(ax):
    daily = pd.DataFrame(
        {"date": pd.date_range("2026-11-01", periods=3), "rate": [0.0249, 0.025, 0.05]}
    )
    plot_daily_rate(daily, threshold=0.025, ax=ax)
    assert ax.collections[0].get_offsets()[:, 1].tolist() == [0.025, 0.05]


def test_daily_rate_one_line_per_marketplace_and_custom_threshold(daily, ax):
    jp = daily.assign(marketplace="JP", rate=[0.01, 0.01, 0.01, 0.01], status="ok")
    plot_daily_rate(pd.concat([daily, jp]), threshold=0.02, ax=ax)
    assert len(ax.lines) == 3
    assert {line.get_label() for line in ax.lines[:2]} == {"7-day rate JP", "7-day rate US"}
    assert len(_hline_at(ax, 0.02)) == 1


def test_daily_rate_defaults_to_current_axes_and_passes_kwargs(daily):
    fig, ax = plt.subplots()
    out = plot_daily_rate(daily, color="k", threshold_kwargs={"color": "m"})
    assert out is ax
    assert ax.lines[0].get_color() == "k"
    assert ax.lines[1].get_color() == "m"


def test_missing_columns_raise_parameter_error(ax):
    with pytest.raises(ParameterError, match=r"\['rate'\]"):
        plot_daily_rate(pd.DataFrame({"date": []}), ax=ax)


# --- plot_p_chart ----------------------------------------------------------------------------


def _orders(week_counts, *, start="2026-11-02"):
    """One row per order: week i gets n_i orders of which the first c_i are counted."""
    rows = []
    for i, (n, c) in enumerate(week_counts):
        day = pd.Timestamp(start, tz="UTC") + pd.Timedelta(weeks=i, hours=12)
        rows += [{"purchase_date": day, "in_metric": True, "counted": k < c} for k in range(n)]
    return pd.DataFrame(rows)


def test_p_chart_limits_widen_with_fewer_orders(ax):
    orders = _orders([(40, 2), (10, 0)])
    before = orders.copy()
    plot_p_chart(orders, ax=ax)
    pd.testing.assert_frame_equal(orders, before)
    rates, centre, ucl, lcl, threshold = ax.lines
    assert rates.get_ydata().tolist() == [0.05, 0.0]
    assert list(centre.get_ydata()) == [0.04, 0.04]  # p-bar = 2 / 50
    expected_ucl = [0.04 + 3 * math.sqrt(0.04 * 0.96 / 40), 0.04 + 3 * math.sqrt(0.04 * 0.96 / 10)]
    assert ucl.get_ydata() == pytest.approx(expected_ucl)
    assert ucl.get_ydata()[1] > ucl.get_ydata()[0]
    assert lcl.get_ydata().tolist() == [0.0, 0.0]  # clipped at zero
    assert list(threshold.get_ydata()) == [0.025, 0.025]
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    assert pd.Timestamp(rates.get_xdata()[0]) == pd.Timestamp("2026-11-02")  # Monday week start


def test_p_chart_ignores_orders_outside_the_metric_and_uses_tz(ax):
    orders = pd.DataFrame(
        {
            # 03:00 UTC on Monday 2 Nov is still Sunday 1 Nov in Los Angeles: the week before.
            "purchase_date": pd.to_datetime(
                ["2026-11-02T03:00Z", "2026-11-03T12:00Z", "2026-11-03T13:00Z"], utc=True
            ),
            "in_metric": [True, True, False],
            "counted": [True, False, True],
        }
    )
    plot_p_chart(orders, tz="America/Los_Angeles", ax=ax)
    weeks = [pd.Timestamp(x) for x in ax.lines[0].get_xdata()]
    assert weeks == [pd.Timestamp("2026-10-26"), pd.Timestamp("2026-11-02")]
    assert ax.lines[0].get_ydata().tolist() == [1.0, 0.0]


# --- plot_budget -----------------------------------------------------------------------------


def test_budget_hand_computed_and_breach_marked(daily, ax):
    roll_off = pd.DataFrame(
        {
            "marketplace": ["US"] * 3,
            "order_id": ["111-1", "111-2", "111-3"],
            "leaves_window_on": pd.to_datetime(["2026-11-06", "2026-11-06", "2026-11-08"]),
        }
    )
    before, roll_before = daily.copy(), roll_off.copy()
    plot_budget(daily, roll_off, ax=ax)
    pd.testing.assert_frame_equal(daily, before)
    pd.testing.assert_frame_equal(roll_off, roll_before)
    # 40*(0+1) < 50 -> 1; 1/40 is at the target -> 0; no orders -> 0; 3/100 over -> 0.
    assert ax.lines[0].get_ydata().tolist() == [1, 0, 0, 0]
    over = ax.collections[0].get_offsets()
    assert len(over) == 2  # 2 Nov and 4 Nov; the empty day is not "over target"
    segments = ax.collections[1].get_segments()
    assert sorted(seg[1][1] for seg in segments) == [1, 2]  # two leave on 6 Nov, one on 8 Nov


def test_budget_without_roll_off_and_other_threshold(ax):
    daily = pd.DataFrame(
        {
            "date": pd.date_range("2026-11-01", periods=2),
            "orders": [100, 100],
            "seller_cancellations": [0, 4],
        }
    )
    plot_budget(daily, threshold=0.05, ax=ax)
    # 20*(0+k) < 100 -> k <= 4; 20*(4+k) < 100 -> k = 0
    assert ax.lines[0].get_ydata().tolist() == [4, 0]
    assert len(ax.collections) == 0  # nothing over 5 %


# --- plot_breach_fan -------------------------------------------------------------------------


def test_breach_fan_draws_band_median_threshold_and_probability(ax):
    days = pd.DataFrame(
        {
            "date": pd.date_range("2026-11-25", periods=3),
            "p_breach": [0.0, 0.2, 0.7],
            "rate_p05": [0.0, 0.0, 0.01],
            "rate_p50": [0.01, 0.02, 0.03],
            "rate_p95": [0.02, 0.04, 0.06],
            "rate_p25": [0.0, 0.01, 0.02],
        }
    )
    before = days.copy()
    out = plot_breach_fan(days, threshold=0.025, ax=ax)
    assert out is ax
    pd.testing.assert_frame_equal(days, before)
    median, threshold = ax.lines
    assert median.get_ydata().tolist() == [0.01, 0.02, 0.03]
    assert list(threshold.get_ydata()) == [0.025, 0.025]
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == 0.0 and band.max() == 0.06
    right = ax.p_breach_ax
    assert right.containers[0].datavalues.tolist() == [0.0, 0.2, 0.7]
    assert right.get_ylim() == (0.0, 1.0)
    for axis in (ax.yaxis, right.yaxis):
        assert isinstance(axis.get_major_formatter(), PercentFormatter)


# --- plot_policy_frontier --------------------------------------------------------------------


@pytest.fixture
def policies():
    return pd.DataFrame(
        {
            "policy": ["buy at loss", "ask buyer", "cancel"],
            "expected_loss": [300.0, 120.0, 0.0],
            "p_any_breach": [0.0, 0.05, 0.6],
            "expected_cancellations": [0.0, 0.4, 2.0],
        }
    )


def test_frontier_highlights_cheapest_safe_policy(policies, ax):
    before = policies.copy()
    plot_policy_frontier(policies, risk=0.05, ax=ax)
    pd.testing.assert_frame_equal(policies, before)
    assert len(ax.collections[0].get_offsets()) == 3
    # p = 0.05 is within a 5 % tolerance, and cheaper than buying at a loss.
    assert ax.collections[1].get_offsets().tolist() == [[0.05, 120.0]]
    (risk_line,) = ax.lines
    assert list(risk_line.get_xdata()) == [0.05, 0.05]
    assert isinstance(ax.xaxis.get_major_formatter(), PercentFormatter)
    assert [t.get_text() for t in ax.texts] == ["buy at loss", "ask buyer", "cancel"]


def test_frontier_stricter_risk_and_no_safe_policy(policies, ax):
    plot_policy_frontier(policies, risk=0.01, ax=ax)
    assert ax.collections[1].get_offsets().tolist() == [[0.0, 300.0]]
    fig, other = plt.subplots()
    plot_policy_frontier(policies.iloc[1:], risk=0.01, ax=other)
    assert len(other.collections[1].get_offsets()) == 0


def test_frontier_rejects_risk_outside_zero_one(policies, ax):
    with pytest.raises(ParameterError, match="between 0 and 1"):
        plot_policy_frontier(policies, risk=5, ax=ax)
