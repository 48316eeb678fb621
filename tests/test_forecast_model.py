"""The richer forecast: exact checks beyond one day, each effect's direction, estimation by hand.

The exact any-breach probability (dynamic programming over the window's state) is an independent
computation: it never samples, and it shares only the scenario set-up with the simulator.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_simulation import MP, days, make_log, make_orders

from oos_analysis import ParameterError, SimulationInputs, simulate
from oos_analysis.forecast.exact import any_breach_probability, daily_breach_probability
from oos_analysis.forecast.inputs import History


def _open_log():
    return make_log([
        # asked and reminded: at the reminder stage
        {"order_id": "A-2026-11-28-000", "marketplace": MP, "sku": "S1",
         "detected_at": "2026-11-28T13:00Z", "ship_by": "2026-12-01", "loss_if_bought": 5.0,
         "request_sent_at": "2026-11-28T14:00Z", "reminder_sent_at": "2026-11-29T14:00Z",
         "resolution": "open"},
        # no source had stock, not asked yet
        {"order_id": "A-2026-11-27-001", "marketplace": MP, "sku": "S2",
         "detected_at": "2026-11-27T13:00Z", "loss_if_bought": None, "resolution": "open"},
    ])


def _agree(orders, inputs, *, draws, seed, **kw):
    exact = any_breach_probability(orders, inputs=inputs, **kw)
    mc = simulate(orders, inputs=inputs, draws=draws, rng=seed, **kw).summary.iloc[0]
    assert abs(mc["p_any_breach"] - exact) <= 4 * max(mc["p_any_breach_se"], 1e-4), (
        mc["p_any_breach"], exact)
    return exact, mc


# --- exact any-breach: by hand, and against the Monte Carlo --------------------------------------

def test_any_breach_by_hand():
    # Fewer than 40 orders in any window: one counted order breaches, so P(any) over 3 days is
    # 1 - exp(-(2 + 2 + 2) * 0.01).
    inputs = SimulationInputs(orders_per_day=2, stockout_rate=0.01)
    p = any_breach_probability(None, inputs=inputs, start="2026-12-01", horizon=3)
    assert p == pytest.approx(1 - math.exp(-0.06), abs=1e-9)
    # One day: the same as the one-day exact sum.
    one = daily_breach_probability(None, inputs=inputs, start="2026-12-01", horizon=1)
    assert any_breach_probability(None, inputs=inputs, start="2026-12-01", horizon=1) == \
        pytest.approx(float(one["p_breach"].iloc[0]), abs=1e-9)
    with pytest.raises(ParameterError, match="up to 7"):
        any_breach_probability(None, inputs=inputs, start="2026-12-01", horizon=8)
    with pytest.raises(ParameterError, match="without bursts"):
        any_breach_probability(None, inputs=SimulationInputs(
            orders_per_day=2, stockout_rate=0.01, burst_orders=2), start="2026-12-01")


def test_monte_carlo_agrees_with_the_exact_dp_negative_binomial_level_and_open_orders():
    orders = make_orders({d: 8 for d in days("2026-11-24", 6)}, counted={"2026-11-26": 1})
    inputs = SimulationInputs(orders_per_day=[6, 5, 4, 3, 5, 6, 7], stockout_rate=0.05,
                              buy_at_loss=0.3, buyer_accept=0.4, reminder_accept=0.1,
                              dispersion=6.0, level_sd=0.2)
    exact, _ = _agree(orders, inputs, stockout_log=_open_log(), horizon=5, partial_day=False,
                      draws=40_000, seed=11)
    assert 0.3 < exact < 0.99


def test_monte_carlo_agrees_with_the_exact_dp_partial_day_topped_up():
    orders = make_orders({d: 8 for d in days("2026-11-24", 6)}, counted={"2026-11-26": 1})
    inputs = SimulationInputs(orders_per_day=[6, 5, 4, 3, 5, 6, 7], stockout_rate=0.05,
                              buy_at_loss=0.3, buyer_accept=0.4)
    exact, mc = _agree(orders, inputs, horizon=6, draws=40_000, seed=12)
    assert mc["topped_up"] == 0.5 and mc["note"] == (
        "the data ends 12:00 UTC on 11-29; the rest of that day is simulated")
    assert 0.05 < exact < 0.95


def test_monte_carlo_agrees_with_the_exact_dp_when_one_cancellation_breaches():
    # 1.5 orders a day: no window reaches 40 orders, so a single counted order is a breach.
    orders = make_orders({d: 1 for d in days("2026-11-24", 6)})
    inputs = SimulationInputs(orders_per_day=1.5, stockout_rate=0.04, buy_at_loss=0.25)
    exact, _ = _agree(orders, inputs, horizon=7, partial_day=False, draws=40_000, seed=13)
    assert exact == pytest.approx(1 - math.exp(-1.5 * 7 * 0.04 * 0.75), abs=1e-9)


# --- each effect moves the risk the right way -----------------------------------------------------

@settings(max_examples=15, deadline=None)
@given(b_low=st.floats(0, 1), b_high=st.floats(0, 1), z=st.floats(0, 0.9),
       m=st.floats(1, 3), ell=st.floats(1, 4), seed=st.integers(0, 2**16))
def test_less_buying_within_bursts_never_lowers_the_risk(b_low, b_high, z, m, ell, seed):
    b_low, b_high = sorted((b_low, b_high))
    base = SimulationInputs(orders_per_day=20, stockout_rate=0.05, buyer_accept=0.2,
                            burst_orders=m, burst_days=ell, burst_no_source=z)
    # One run, common random numbers: a stock-out counted when buying more is counted when
    # buying less, path by path.
    result = simulate(None, inputs=base, start="2026-12-01", horizon=10, draws=1, rng=seed,
                      policies=[base.with_policy(buy_at_loss=b_low),
                                base.with_policy(buy_at_loss=b_high)], policy_draws=1500)
    p = result.policies["p_any_breach"].to_numpy()
    assert p[0] >= p[1]


@settings(max_examples=10, deadline=None)
@given(ell=st.floats(1.5, 3), longer=st.floats(1.5, 3), seed=st.integers(0, 2**16))
def test_longer_bursts_raise_the_risk(ell, longer, seed):
    # Episodes start as often and stock out orders at the same pace while they last; longer
    # ones stock out more orders. Monte Carlo on both sides, so within 4 standard errors.
    pace, starts = 0.8, 0.02
    short = SimulationInputs(orders_per_day=25, stockout_rate=starts * (1 + pace * ell),
                             burst_orders=1 + pace * ell, burst_days=ell, buy_at_loss=0.3)
    long_ = short.replace(stockout_rate=starts * (1 + pace * (ell + longer)),
                          burst_orders=1 + pace * (ell + longer), burst_days=ell + longer)
    kw = dict(start="2026-12-01", horizon=14, draws=3000, rng=seed, compare_playbooks=False)
    a = simulate(None, inputs=short, **kw).summary.iloc[0]
    b = simulate(None, inputs=long_, **kw).summary.iloc[0]
    se = math.hypot(a["p_any_breach_se"], b["p_any_breach_se"])
    assert b["p_any_breach"] >= a["p_any_breach"] - 4 * se


def test_bursts_at_the_same_stockout_count_raise_a_low_risk():
    # The recomputation: same average number of stock-outs, clustered -> more risk.
    kw = dict(start="2026-12-01", horizon=28, draws=20_000, rng=3, compare_playbooks=False)
    alone = SimulationInputs(orders_per_day=30, stockout_rate=0.02, buy_at_loss=0.6)
    burst = alone.replace(burst_orders=3, burst_days=3, burst_no_source=0.3)
    a = simulate(None, inputs=alone, **kw).summary.iloc[0]
    b = simulate(None, inputs=burst, **kw).summary.iloc[0]
    assert b["expected_cancellations"] == pytest.approx(a["expected_cancellations"])
    assert b["p_any_breach"] > a["p_any_breach"] + 10 * b["p_any_breach_se"]


@settings(max_examples=15, deadline=None)
@given(lam=st.floats(3, 15), covered=st.floats(0.05, 0.95), c0=st.integers(1, 3),
       horizon=st.integers(1, 6))
def test_a_partial_day_topped_up_is_less_risk_than_treating_it_complete(lam, covered, c0,
                                                                         horizon):
    # No new stock-outs: the risk is what the window already holds, and the orders still to
    # come that day can only dilute it. Exact on both sides.
    per = {d: int(lam) for d in days("2026-11-24", 5)}
    per["2026-11-29"] = max(int(lam * covered), c0)
    orders = make_orders(per, counted={"2026-11-29": c0})
    inputs = SimulationInputs(orders_per_day=lam, stockout_rate=0.0)
    kw = dict(inputs=inputs, horizon=horizon, asof="2026-11-29")
    topped = any_breach_probability(orders, partial_day=covered, **kw)
    complete = any_breach_probability(orders, partial_day=False, **kw)
    assert topped <= complete + 1e-9  # the exact sums leave out at most 1e-10 each


def test_topping_up_a_thin_partial_day_by_hand():
    # Five days of 6 orders, then the as-of day with 2 orders by 09:36 (40 % of it), one of them
    # counted: 1 in 32. No new stock-outs. Tomorrow breaches iff the window stays at 40 orders
    # or fewer, i.e. iff at most 8 more orders come in.
    per = {d: 6 for d in days("2026-11-23", 5)} | {"2026-11-28": 2}
    orders = make_orders(per, counted={"2026-11-28": 1})
    inputs = SimulationInputs(orders_per_day=6, stockout_rate=0.0)
    kw = dict(inputs=inputs, horizon=1, asof="2026-11-28")
    from scipy import stats

    complete = any_breach_probability(orders, partial_day=False, **kw)
    topped = any_breach_probability(orders, partial_day=0.4, **kw)
    assert complete == pytest.approx(stats.poisson.cdf(8, 6), abs=1e-9)
    assert topped == pytest.approx(stats.poisson.cdf(8, 6 + 0.6 * 6), abs=1e-9)
    s = simulate(orders, partial_day=0.4, draws=20_000, rng=1, **kw).summary.iloc[0]
    assert abs(s["p_any_breach"] - topped) < 4 * s["p_any_breach_se"]
    assert s["expected_orders"] == pytest.approx(0.6 * 6 + 6) and s["topped_up"] == 0.6


@settings(max_examples=15, deadline=None)
@given(multiplier=st.floats(1.05, 3), seed=st.integers(0, 2**16))
def test_a_sale_multiplier_brings_more_orders(multiplier, seed):
    base = SimulationInputs(orders_per_day=[10, 12, 14, 16, 18, 20, 22], stockout_rate=0.02)
    sale = base.replace(events=[("2026-12-03", "2026-12-05", multiplier)])
    kw = dict(start="2026-12-01", horizon=7, draws=2000, rng=seed)
    a = simulate(None, inputs=base, **kw)
    b = simulate(None, inputs=sale, **kw)
    # Exactly: the three sale days' expected orders grow by the multiplier.
    lam = np.array(base.orders_per_day)[[3, 4, 5]]  # 2026-12-03 is a Thursday
    assert b.summary["expected_orders"].iloc[0] - a.summary["expected_orders"].iloc[0] == \
        pytest.approx((multiplier - 1) * lam.sum())
    # Simulated: the windows holding the sale days have more orders on average.
    extra = (multiplier - 1) * lam.sum()
    gap = b.days["orders_mean"].iloc[-1] - a.days["orders_mean"].iloc[-1]
    assert gap == pytest.approx(extra, abs=6 * math.sqrt(2 * 110 * multiplier / 2000))


@settings(max_examples=20, deadline=None)
@given(q=st.floats(0, 1), ratio=st.floats(0, 1), seed=st.integers(0, 2**16))
def test_reminder_stages_mean_fewer_official_cancellations(q, ratio, seed):
    orders = make_orders({d: 10 for d in days("2026-11-24", 6)})
    inputs = SimulationInputs(orders_per_day=10, stockout_rate=0.0, buyer_accept=q,
                              reminder_accept=q * ratio)
    log = _open_log()
    asked = log.copy()
    asked["reminder_sent_at"] = pd.NaT  # the same orders, before any reminder
    kw = dict(inputs=inputs, horizon=7, draws=2000, rng=seed, partial_day=False)
    at_reminder = simulate(orders, stockout_log=log, **kw).summary.iloc[0]
    before = simulate(orders, stockout_log=asked, **kw).summary.iloc[0]
    assert at_reminder["expected_official"] <= before["expected_official"] + 1e-12
    # By hand: the reminded order (bought with probability 0 here) cancels officially with the
    # reminder's chance; the unsourced one with the request's.
    assert at_reminder["expected_official"] == pytest.approx(q * ratio + q)
    # Fewer official cancellations, more counted: the risk never falls (same draws).
    assert at_reminder["p_any_breach"] >= before["p_any_breach"]


# --- the rest of the model ------------------------------------------------------------------------

def test_an_open_order_past_amazons_auto_cancel_counts_for_sure():
    orders = make_orders({d: 100 for d in days("2026-11-20", 10)})
    log = make_log([{"order_id": "A-2026-11-24-000", "marketplace": MP, "sku": "S",
                     "detected_at": "2026-11-24T13:00Z", "ship_by": "2026-11-20",
                     "loss_if_bought": 1.0, "resolution": "open"}])
    inputs = SimulationInputs(orders_per_day=100, stockout_rate=0.0, buy_at_loss=1.0)
    s = simulate(orders, stockout_log=log, inputs=inputs, horizon=3, draws=100, rng=0,
                 partial_day=False).summary.iloc[0]
    # Ship-by 11-20 + 7 days < 11-30: auto-cancelled, counted although it could be bought.
    assert s["auto_cancelled"] == 1 and s["expected_cancellations"] == 1.0
    later = log.assign(ship_by=pd.to_datetime(["2026-11-26"], utc=True))
    s = simulate(orders, stockout_log=later, inputs=inputs, horizon=3, draws=100, rng=0,
                 partial_day=False).summary.iloc[0]
    assert s["auto_cancelled"] == 0 and s["expected_cancellations"] == 0.0


def test_no_request_counts_every_stockout_not_bought():
    inputs = SimulationInputs(orders_per_day=30, stockout_rate=0.04, buy_at_loss=0.5,
                              buyer_accept=0.5)
    result = simulate(None, inputs=inputs, start="2026-12-01", horizon=7, draws=4000, rng=2)
    pb = result.playbooks.set_index("playbook")
    assert pb.loc["request", "expected_cancellations"] == pytest.approx(7 * 30 * 0.01)
    assert pb.loc["no-request", "expected_cancellations"] == pytest.approx(7 * 30 * 0.02)
    assert pb.loc["no-request", "expected_requests"] == 0.0
    # Common random numbers: every path that breaches under the playbook breaches under the rule.
    assert pb.loc["no-request", "p_any_breach"] >= pb.loc["request", "p_any_breach"]
    assert result.summary["p_any_breach"].iloc[0] == pb.loc["request", "p_any_breach"]
    other = simulate(None, inputs=inputs, start="2026-12-01", horizon=7, draws=4000, rng=2,
                     playbook="no-request")
    assert other.summary["p_any_breach"].iloc[0] == pb.loc["no-request", "p_any_breach"]


def test_same_seed_same_result_and_one_generator():
    inputs = SimulationInputs(orders_per_day=25, stockout_rate=0.04, buy_at_loss=0.4,
                              buyer_accept=0.3, dispersion=8, level_sd=0.1, burst_orders=1.8,
                              burst_days=2.5, burst_no_source=0.3)
    kw = dict(start="2026-12-01", horizon=14, draws=3000)
    a = simulate(None, inputs=inputs, rng=5, **kw)
    b = simulate(None, inputs=inputs, rng=5, **kw)
    pd.testing.assert_frame_equal(a.days, b.days)
    pd.testing.assert_frame_equal(a.playbooks, b.playbooks)
    gen = np.random.default_rng(5)
    first = simulate(None, inputs=inputs, rng=gen, **kw)
    second = simulate(None, inputs=inputs, rng=gen, **kw)  # the generator moved on
    pd.testing.assert_frame_equal(first.days, a.days)
    assert not first.days["p_breach"].equals(second.days["p_breach"])


def test_bursts_estimated_from_the_log_by_hand():
    orders = make_orders({d: 20 for d in days("2026-09-01", 80)})
    rows = []
    # SKU A: days 1, 2, 4 (one episode: gaps <= 3), then day 20 (a new one); losses blank in
    # the first episode (no source). SKU B..: 17 lone stock-outs with a loss.
    for i, day in enumerate(["2026-10-01", "2026-10-02", "2026-10-04"]):
        rows.append({"order_id": f"a{i}", "sku": "A", "detected_at": f"{day}T10:00Z",
                     "resolution": "no_inventory", "loss_if_bought": None})
    rows.append({"order_id": "a3", "sku": "A", "detected_at": "2026-10-20T10:00Z",
                 "resolution": "bought", "loss_if_bought": 2.0})
    for i in range(17):
        day = pd.Timestamp("2026-10-01") + pd.Timedelta(days=2 * i)
        rows.append({"order_id": f"b{i}", "sku": f"B{i}", "detected_at": f"{day:%Y-%m-%d}T10:00Z",
                     "resolution": "bought", "loss_if_bought": 3.0})
    log = make_log([{**r, "marketplace": MP} for r in rows])
    inputs = SimulationInputs.from_history(orders, log)
    # 21 stock-outs in 19 episodes; lengths 4, 1, and 17 x 1 days; 1 of 19 without a source.
    assert inputs.burst_orders == pytest.approx(21 / 19)
    assert inputs.burst_days == pytest.approx((4 + 1 + 17) / 19)
    assert inputs.burst_no_source == pytest.approx(1 / 19)
    assert "3 in same-SKU bursts" in inputs.sources["burst_orders"]
    short = SimulationInputs.from_history(orders, log.iloc[:10])
    assert short.burst_orders == 1.0
    assert short.sources["burst_orders"].startswith("fallback: independent stock-outs (10")


def test_reminder_stage_estimated_from_the_log_by_hand():
    orders = make_orders({d: 20 for d in days("2026-10-01", 30)})
    rows = []
    for i in range(8):  # 8 reminded; 2 of them then cancelled officially
        rows.append({"order_id": f"r{i}", "detected_at": "2026-10-05T01:00Z",
                     "request_sent_at": "2026-10-05T02:00Z",
                     "reminder_sent_at": "2026-10-06T02:00Z",
                     "official_request_at": "2026-10-07T02:00Z" if i < 2 else None,
                     "resolution": "buyer_cancelled" if i < 2 else "no_inventory"})
    for i in range(4):  # 4 cancelled officially after the request, before any reminder
        rows.append({"order_id": f"q{i}", "detected_at": "2026-10-05T01:00Z",
                     "request_sent_at": "2026-10-05T02:00Z",
                     "official_request_at": "2026-10-05T09:00Z",
                     "resolution": "buyer_cancelled"})
    log = make_log([{**r, "marketplace": MP, "sku": r["order_id"]} for r in rows])
    inputs = SimulationInputs.from_history(orders, log)
    assert inputs.buyer_accept == pytest.approx(6 / 12)
    assert inputs.reminder_accept == pytest.approx(2 / 8)
    assert inputs.sources["reminder_accept"] == (
        "estimated: 2 of 8 reminded buyers cancelled officially")


def test_partial_day_detected_from_the_last_purchase():
    orders = make_orders({d: 5 for d in days("2026-11-01", 10)})
    hist = History.build(orders)
    assert hist.covered_fraction(hist.last_day) == 0.5  # make_orders buys at 12:00
    assert hist.covered_fraction(hist.last_day - 1) == 1.0
    assert hist.data_end() == "12:00 UTC on 11-10"
    tokyo = History.build(orders, tz="Asia/Tokyo")
    assert tokyo.covered_fraction(tokyo.last_day) == pytest.approx(21 / 24)


def test_backtest_scores_by_hand_and_beats_naive_on_the_sample():
    from oos_analysis.forecast.backtest import backtest

    orders = make_orders({d: 30 for d in days("2026-09-01", 60)},
                         counted={d: 1 for d in days("2026-10-01", 30)[::10]})
    result = backtest(orders, horizon=7, every=5, draws=500, rng=1)
    f = result.starts["forecast"].to_numpy()
    o = result.starts["observed"].to_numpy(dtype=float)
    g = result.starts["naive"].to_numpy()
    assert result.brier == pytest.approx(np.mean((f - o) ** 2))
    assert result.naive_brier == pytest.approx(np.mean((g - o) ** 2))
    assert result.reliability["count"].sum() == len(result.starts)
    # At most 1 counted of 210 orders in a window never breaches: nothing observed.
    assert not o.any()
    assert result.verdict.startswith(f"Backtest over {len(result.starts)} start day(s)")


# --- one run, every horizon -----------------------------------------------------------------------

def test_every_horizon_of_one_run_agrees_with_the_exact_dp():
    """``horizons`` reads the 1..7-day chances off one 7-day run; each matches its own exact DP."""
    orders = make_orders({d: 8 for d in days("2026-11-24", 6)}, counted={"2026-11-26": 1})
    inputs = SimulationInputs(orders_per_day=[6, 5, 4, 3, 5, 6, 7], stockout_rate=0.05,
                              buy_at_loss=0.3, buyer_accept=0.4, reminder_accept=0.1,
                              dispersion=6.0, level_sd=0.2)
    kw = dict(stockout_log=_open_log(), partial_day=False)
    run = simulate(orders, inputs=inputs, horizon=7, draws=40_000, rng=21, **kw)
    rows = run.horizons.set_index("days")
    assert list(rows.index) == list(range(1, 8))
    for h in range(1, 8):
        exact = any_breach_probability(orders, inputs=inputs, horizon=h, **kw)
        got, se = rows.loc[h, "p_any_breach"], rows.loc[h, "p_any_breach_se"]
        assert abs(got - exact) <= 4 * max(se, 1e-4), (h, got, exact)


@pytest.mark.parametrize("bursty", [False, True])
def test_horizon_rows_repeat_the_shorter_runs_and_the_summary(bursty):
    orders = make_orders({d: 8 for d in days("2026-11-24", 6)}, counted={"2026-11-26": 1})
    inputs = SimulationInputs(orders_per_day=7, stockout_rate=0.04, buy_at_loss=0.2,
                              buyer_accept=0.3)
    if bursty:
        inputs = inputs.replace(burst_orders=2.0, burst_days=3.0, dispersion=8.0)
    kw = dict(stockout_log=_open_log(), partial_day=False)
    run = simulate(orders, inputs=inputs, horizon=12, draws=3000, rng=5, **kw)
    rows = run.horizons.set_index("days")
    expected = [c for c in rows.columns if c.startswith("expected_")]
    assert len(expected) == 7
    # The last row is the summary; the expectations of a shorter horizon are those of a run
    # with that horizon (they are exact, not sampled).
    last = run.summary.iloc[0]
    assert rows.loc[12, "p_any_breach"] == last["p_any_breach"]
    for col in expected:
        assert rows.loc[12, col] == pytest.approx(last[col], rel=1e-12, nan_ok=True)
    for h in (1, 4, 9):
        short = simulate(orders, inputs=inputs, horizon=h, draws=200, rng=5, **kw).summary.iloc[0]
        for col in expected:
            assert rows.loc[h, col] == pytest.approx(short[col], rel=1e-12, nan_ok=True)
    # To date: never falls, never below the day's own chance, the same in both frames.
    to_date = run.days["p_any_breach_to_date"].to_numpy()
    assert (np.diff(to_date) >= 0).all()
    assert (to_date >= run.days["p_breach"].to_numpy()).all()
    assert to_date[0] == run.days["p_breach"].iloc[0]
    assert list(to_date) == list(rows["p_any_breach"])


def test_small_poisson_per_cell_follows_the_poisson_law():
    """The inversion used for the stock-outs, one mean per cell, against the exact pmf."""
    from oos_analysis.forecast.simulation import _small_poisson

    means = np.array([0.0, 0.05, 0.45, 2.3, 9.9], dtype=np.float32)
    n = 200_000
    grid = np.repeat(means[:, None], n, axis=1)  # one mean per cell, not one per row
    got = _small_poisson(grid, grid.shape, np.random.default_rng(3))
    assert got.shape == grid.shape and (got[0] == 0).all()
    for mu, row in zip(map(float, means[1:]), got[1:], strict=True):
        observed = np.bincount(row.astype(np.int64), minlength=40)
        for k in range(40):
            expected = n * math.exp(-mu) * mu**k / math.factorial(k)
            if expected >= 30:
                assert abs(observed[k] - expected) <= 5 * math.sqrt(expected), (mu, k)
            elif expected < 1e-3:
                assert observed[k] <= 1, (mu, k)


def test_sliding_windows_equal_the_plain_seven_day_sums():
    from oos_analysis.forecast.simulation import _windows

    timeline = np.random.default_rng(0).integers(0, 50, size=(6 + 20, 33)).astype(np.int32)
    got = _windows(timeline)
    plain = np.array([timeline[j:j + 7].sum(axis=0) for j in range(20)])
    assert got.shape == (20, 33) and (got == plain).all()


def test_days_scored_chunk_by_chunk_agree_with_the_exact_daily_chance():
    """More paths than one chunk: every day's chance and mean orders still cover all paths."""
    from oos_analysis.forecast.simulation import _CHUNK

    orders = make_orders({d: 8 for d in days("2026-11-24", 6)}, counted={"2026-11-27": 1})
    inputs = SimulationInputs(orders_per_day=[6, 5, 4, 3, 5, 6, 7], stockout_rate=0.05,
                              buy_at_loss=0.3, buyer_accept=0.4)
    draws = 2 * _CHUNK + 977
    run = simulate(orders, inputs=inputs, horizon=7, partial_day=False, draws=draws, rng=8)
    exact = daily_breach_probability(orders, inputs=inputs, horizon=7, partial_day=False)
    got = run.days["p_breach"].to_numpy()
    want = exact["p_breach"].to_numpy()
    se = np.sqrt(np.maximum(want * (1 - want), 1e-4) / draws)
    assert (np.abs(got - want) <= 4 * se).all(), (got, want)
    # Mean orders in each window: the known history plus the expected new days, exactly.
    lam = np.array(inputs.orders_per_day)[(run.days["date"].dt.day_of_week.to_numpy())]
    known = np.array([8 * (6 - j) for j in range(7)])
    expected = known + np.cumsum(lam)
    assert np.allclose(run.days["orders_mean"], expected, rtol=0.02)


@pytest.mark.parametrize("joint", [True, False])
@pytest.mark.parametrize("m, ell", [(1.3, 1.5), (4.0, 5.0), (2.0, 1.0)])
def test_episode_length_and_count_follow_their_joint_law(monkeypatch, joint, m, ell):
    """Episodes with further stock-outs: length geometric, count Poisson(pace * length), >= 1."""
    from oos_analysis.forecast import simulation

    simulation._joint_table.cache_clear()
    if not joint:  # the fallback for very high paces: length first, then a truncated Poisson
        monkeypatch.setattr(simulation, "_JOINT_CELLS", 0)
        assert simulation._joint_table(ell, 1.0) is None
    else:
        assert simulation._joint_table(ell, 1.0) is not None
    inputs = SimulationInputs(orders_per_day=30, stockout_rate=0.03, burst_orders=m,
                              burst_days=ell)
    n = 200_000
    length, count = simulation._episode_shapes(inputs, n, np.random.default_rng(4))
    assert (count >= 1).all() and (length >= 1).all()
    nu = inputs.burst_pace
    g = 1 - 1 / ell
    law = {}
    for L in range(1, 40):
        p_len = (1 - g) * g ** (L - 1) if ell > 1 else float(L == 1)
        for k in range(1, 40):
            law[L, k] = p_len * math.exp(-nu * L) * (nu * L) ** k / math.factorial(k)
    total = sum(law.values())
    observed = pd.Series(list(zip(length.astype(int), count, strict=True))).value_counts()
    for cell, p in law.items():
        expected = n * p / total
        if expected >= 30:
            assert abs(observed.get(cell, 0) - expected) <= 5 * math.sqrt(expected), (cell, expected)
    simulation._joint_table.cache_clear()  # nothing built under the patched limit stays cached


@settings(max_examples=60, deadline=None)
@given(weights=st.lists(st.one_of(st.just(0.0), st.floats(1e-12, 1.0)), min_size=1, max_size=300)
       .filter(lambda w: sum(w) > 0),
       seed=st.integers(0, 2**16))
def test_guided_search_is_searchsorted(weights, seed):
    from oos_analysis.forecast.simulation import _guided_search

    cdf = np.cumsum(weights)
    guide = np.searchsorted(cdf, np.arange(cdf.size) / cdf.size * cdf[-1], side="right")
    u = np.random.default_rng(seed).random(2000)
    u[:2] = [0.0, np.nextafter(1.0, 0.0)]
    want = np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), cdf.size - 1)
    assert (_guided_search(cdf, guide, u) == want).all()
