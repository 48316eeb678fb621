"""The exact breach probability, and the Monte Carlo held against it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from test_simulation import MP, make_log, make_orders

from oos_analysis import (
    ParameterError,
    SimulationInputs,
    breach_probability,
    daily_breach_probability,
    simulate,
)


def brute_force(n0, c0, lam, pi, threshold=0.025, n_max=None):
    """Sum over the total orders N and the counted K | N ~ Binomial(N, pi), in fractions."""
    from fractions import Fraction

    t = Fraction(str(threshold))
    n_max = n_max or int(lam + 12 * math.sqrt(lam + 1) + 30)
    total = 0.0
    for n in range(n_max + 1):
        p_n = stats.poisson.pmf(n, lam) if lam > 0 else float(n == 0)
        if p_n == 0 or n0 + n == 0:
            continue
        k = np.arange(n + 1)
        breach = np.array([Fraction(c0 + int(x), n0 + n) >= t for x in k])
        total += p_n * stats.binom.pmf(k, n, pi)[breach].sum()
    return total


def test_deterministic_windows():
    assert breach_probability(39, 1, expected_orders=0, counted_probability=0.5) == 1.0
    assert breach_probability(40, 1, expected_orders=0, counted_probability=0.5) == 1.0
    assert breach_probability(41, 1, expected_orders=0, counted_probability=0.5) == 0.0
    assert breach_probability(0, 0, expected_orders=0, counted_probability=0.5) == 0.0
    assert breach_probability(100, 0, expected_orders=50, counted_probability=0.0) == 0.0
    # Everything new is counted: (0 + N) / N = 100 % whenever an order arrives.
    assert breach_probability(expected_orders=2, counted_probability=1.0) == pytest.approx(
        1 - math.exp(-2))


@pytest.mark.parametrize("n0, c0, lam, pi", [
    (0, 0, 5.0, 0.02),      # tiny window: one counted order breaches
    (30, 0, 10.0, 0.03),
    (120, 2, 90.0, 0.01),
    (200, 4, 10.0, 0.005),  # one more tips it over (5 * 40 = 200 ... + new orders)
    (0, 0, 210.0, 0.0105),
    (10, 3, 0.5, 0.2),
])
def test_matches_a_brute_force_double_sum(n0, c0, lam, pi):
    assert breach_probability(n0, c0, expected_orders=lam, counted_probability=pi) == \
        pytest.approx(brute_force(n0, c0, lam, pi), abs=1e-9)


def test_other_threshold():
    got = breach_probability(50, 0, expected_orders=20, counted_probability=0.05, threshold=0.02)
    assert got == pytest.approx(brute_force(50, 0, 20, 0.05, threshold=0.02), abs=1e-9)


@pytest.mark.parametrize("kwargs, word", [
    ({"existing_orders": 3, "existing_cancellations": 4}, "cannot exceed"),
    ({"existing_orders": -1}, "whole count"),
    ({"existing_orders": 2.5}, "whole count"),
    ({"expected_orders": -1}, "expected_orders"),
    ({"counted_probability": 1.2}, "counted_probability"),
    ({"threshold": 2.5}, "threshold"),
])
def test_bad_arguments(kwargs, word):
    call = {"expected_orders": 1.0, "counted_probability": 0.1, **kwargs}
    with pytest.raises(ParameterError, match=word):
        breach_probability(**call)


@settings(max_examples=80, deadline=None)
@given(n0=st.integers(0, 300), extra_c=st.integers(0, 6), lam=st.floats(0, 300),
       p=st.floats(0, 0.5), dp=st.floats(0, 0.5), b=st.floats(0, 1), q=st.floats(0, 1))
def test_more_stockouts_never_lower_the_probability(n0, extra_c, lam, p, dp, b, q):
    c0 = min(extra_c, n0)

    def prob(stockout):
        inputs = SimulationInputs(orders_per_day=1, stockout_rate=stockout, buy_at_loss=b,
                                  buyer_accept=q)
        return breach_probability(n0, c0, expected_orders=lam,
                                  counted_probability=inputs.counted_probability)

    low, high = prob(p), prob(min(p + dp, 1.0))
    assert 0 <= low <= 1 and 0 <= high <= 1
    assert high >= low - 1e-9


@settings(max_examples=80, deadline=None)
@given(n0=st.integers(0, 300), extra_c=st.integers(0, 6), lam=st.floats(0, 300),
       p=st.floats(0, 1), b=st.floats(0, 1), db=st.floats(0, 1), q=st.floats(0, 1))
def test_more_buying_at_a_loss_never_raises_the_probability(n0, extra_c, lam, p, b, db, q):
    c0 = min(extra_c, n0)

    def prob(buy):
        inputs = SimulationInputs(orders_per_day=1, stockout_rate=p, buy_at_loss=buy,
                                  buyer_accept=q)
        return breach_probability(n0, c0, expected_orders=lam,
                                  counted_probability=inputs.counted_probability)

    assert prob(min(b + db, 1.0)) <= prob(b) + 1e-9


# --- the Monte Carlo against the exact answer ---------------------------------------------------

SCENARIOS = {
    "empty history, 30 a day": dict(
        orders=None, log=None, start="2026-12-01",
        inputs=SimulationInputs(orders_per_day=30, stockout_rate=0.03, buy_at_loss=0.5,
                                buyer_accept=0.3)),
    "tiny shop, one cancellation breaches": dict(
        orders=None, log=None, start="2026-12-01",
        inputs=SimulationInputs(orders_per_day=[1, 2, 1, 3, 2, 0, 0], stockout_rate=0.1)),
    "history, stuck order and a plan": dict(
        orders=make_orders({"2026-11-25": 40, "2026-11-28": 35, "2026-11-30": 30},
                           counted={"2026-11-28": 1}),
        log=make_log([{"order_id": "A-2026-11-30-000", "marketplace": MP,
                       "detected_at": "2026-11-30T13:00Z", "loss_if_bought": None,
                       "resolution": "open"}]),
        cancel=["A-2026-11-25-003"], start=None,
        inputs=SimulationInputs(orders_per_day=25, stockout_rate=0.04, buy_at_loss=0.25,
                                buyer_accept=0.5)),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_monte_carlo_within_four_standard_errors(name):
    sc = SCENARIOS[name]
    draws = 20_000
    common = dict(inputs=sc["inputs"], stockout_log=sc["log"], start=sc["start"], horizon=12,
                  cancel=sc.get("cancel", ()))
    mc = simulate(sc["orders"], draws=draws, rng=2024, **common).days
    exact = daily_breach_probability(sc["orders"], **common)
    pd.testing.assert_series_equal(mc["date"], exact["date"])
    p = exact["p_breach"].to_numpy()
    se = np.sqrt(np.maximum(p * (1 - p), 1e-12) / draws)
    assert np.all(np.abs(mc["p_breach"].to_numpy() - p) <= 4 * se + 1e-12), (mc, exact)
    assert p.max() > 0.01  # a scenario where breaching is a real possibility


def test_daily_exact_does_not_modify_inputs():
    sc = SCENARIOS["history, stuck order and a plan"]
    before_o, before_l = sc["orders"].copy(deep=True), sc["log"].copy(deep=True)
    daily_breach_probability(sc["orders"], inputs=sc["inputs"], stockout_log=sc["log"],
                             horizon=3)
    pd.testing.assert_frame_equal(sc["orders"], before_o)
    pd.testing.assert_frame_equal(sc["log"], before_l)
