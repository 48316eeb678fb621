"""Policy grid, comparison on shared paths, and the cheapest safe policy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_simulation import MP, make_log, make_orders

from oos_analysis import (
    ParameterError,
    SimulationInputs,
    cheapest_safe_policy,
    compare_policies,
    policy_grid,
    simulate,
)
from oos_analysis.forecast.policy import mark_safe

LOSSES = (2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0, float("nan"))
BASE = SimulationInputs(orders_per_day=30, stockout_rate=0.04, buyer_accept=0.3, losses=LOSSES)


def test_default_grid_uses_recorded_losses():
    # Ten distinct losses: each is a cap.
    assert [p.loss_cap for p in policy_grid(BASE)] == [0.0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
    many = SimulationInputs(orders_per_day=30, stockout_rate=0.04,
                            losses=tuple(float(x) for x in range(1, 21)))
    caps = [p.loss_cap for p in policy_grid(many)]
    # The deciles of 1 .. 20 (linear interpolation): 2.9, 4.8, ..., 20.
    assert caps[0] == 0.0 and caps[1] == pytest.approx(2.9) and caps[-1] == 20.0
    assert caps == sorted(caps) and len(caps) == len(set(caps)) == 11


def test_default_grid_without_losses_uses_probabilities():
    plain = SimulationInputs(orders_per_day=30, stockout_rate=0.04)
    probs = [p.buy_at_loss for p in policy_grid(plain)]
    assert probs == pytest.approx(np.linspace(0, 1, 11))
    with pytest.raises(ParameterError, match="not both"):
        policy_grid(plain, loss_caps=[1], buy_probs=[0.5])


def test_compare_policies_frontier_is_monotone_and_expected_loss_exact():
    frame = compare_policies(None, inputs=BASE, loss_caps=[0, 5, 10, 20], start="2026-12-01",
                             horizon=14, draws=5000, rng=3)
    assert frame["policy"].tolist() == ["loss cap 0", "loss cap 5", "loss cap 10",
                                        "loss cap 20"]
    assert frame["p_any_breach"].is_monotonic_decreasing
    assert frame["p_any_breach"].iloc[0] > frame["p_any_breach"].iloc[-1]
    stockouts = 14 * 30 * 0.04
    # cap 10 buys 2, 4, 6, 8, 10 out of 11 recorded cases: mean loss per stock-out 30 / 11.
    assert frame["expected_loss"].tolist() == pytest.approx(
        [0.0, stockouts * 6 / 11, stockouts * 30 / 11, stockouts * 110 / 11])
    assert frame["buy_probability"].tolist() == pytest.approx([0, 2 / 11, 5 / 11, 10 / 11])
    assert frame["expected_cancellations"].tolist() == pytest.approx(
        [stockouts * (1 - b) * 0.7 for b in (0, 2 / 11, 5 / 11, 10 / 11)])
    assert frame["draws"].eq(5000).all()
    assert frame["safe"].tolist() == (frame["p_any_breach"] <= 0.05).tolist()


def test_compare_policies_is_reproducible():
    kw = dict(inputs=BASE, buy_probs=[0, 0.5, 1], start="2026-12-01", horizon=7, draws=2000)
    pd.testing.assert_frame_equal(compare_policies(None, rng=9, **kw),
                                  compare_policies(None, rng=9, **kw))


def test_compare_policies_estimates_from_history_and_keeps_inputs():
    span = [d.strftime("%Y-%m-%d") for d in pd.date_range("2026-10-01", "2026-11-30")]
    orders = make_orders({d: 20 for d in span})
    log = make_log([
        {"order_id": f"s{i}", "marketplace": MP, "detected_at": f"2026-11-{i + 1:02d}T00:00Z",
         "loss_if_bought": float(i), "resolution": "bought" if i % 2 else "no_inventory"}
        for i in range(20)
    ])
    before_o, before_l = orders.copy(deep=True), log.copy(deep=True)
    frame = compare_policies(orders, stockout_log=log, horizon=7, draws=1000, rng=1)
    pd.testing.assert_frame_equal(orders, before_o)
    pd.testing.assert_frame_equal(log, before_l)
    assert frame["loss_cap"].iloc[0] == 0.0 and frame["loss_cap"].iloc[-1] == 19.0


def test_cheapest_safe_policy():
    frame = pd.DataFrame({
        "policy": ["a", "b", "c", "d"],
        "expected_loss": [0.0, 50.0, 30.0, 90.0],
        "expected_bought": [0.0, 5.0, 4.0, 9.0],
        "p_any_breach": [0.5, 0.03, 0.05, 0.0],
    })
    before = frame.copy()
    assert cheapest_safe_policy(frame)["policy"] == "c"            # 5 % is within 5 %
    assert cheapest_safe_policy(frame, risk=0.04)["policy"] == "b"
    assert cheapest_safe_policy(frame, risk=0.0)["policy"] == "d"
    assert cheapest_safe_policy(frame.iloc[:1], risk=0.1) is None
    pd.testing.assert_frame_equal(frame, before)
    unknown = frame.assign(expected_loss=np.nan)
    assert cheapest_safe_policy(unknown, risk=0.04)["policy"] == "b"  # fewest purchases
    with pytest.raises(ParameterError, match="risk"):
        cheapest_safe_policy(frame, risk=5)
    with pytest.raises(ParameterError, match="p_any_breach"):
        cheapest_safe_policy(frame.drop(columns="p_any_breach"))


def test_mark_safe_does_not_modify_input():
    frame = pd.DataFrame({"p_any_breach": [0.01, 0.2]})
    out = mark_safe(frame, risk=0.05)
    assert out["safe"].tolist() == [True, False] and "safe" not in frame


@settings(max_examples=40, deadline=None)
@given(lam=st.floats(0.5, 60), p=st.floats(0, 0.3), q=st.floats(0, 1),
       probs=st.lists(st.floats(0, 1), min_size=2, max_size=5), seed=st.integers(0, 2**16))
def test_more_buying_never_raises_the_simulated_breach_probability(lam, p, q, probs, seed):
    base = SimulationInputs(orders_per_day=lam, stockout_rate=p, buyer_accept=q)
    frame = compare_policies(None, inputs=base, buy_probs=probs, start="2026-12-01",
                             horizon=7, draws=300, rng=seed)
    assert frame["buy_at_loss"].is_monotonic_increasing
    assert frame["p_any_breach"].is_monotonic_decreasing
    assert frame["expected_cancellations"].is_monotonic_decreasing


@settings(max_examples=40, deadline=None)
@given(lam=st.floats(0.5, 60), rates=st.lists(st.floats(0, 0.5), min_size=2, max_size=5),
       b=st.floats(0, 1), q=st.floats(0, 1), seed=st.integers(0, 2**16))
def test_more_stockouts_never_lower_the_simulated_breach_probability(lam, rates, b, q, seed):
    rates = sorted(rates)
    variants = [SimulationInputs(orders_per_day=lam, stockout_rate=r, buy_at_loss=b,
                                 buyer_accept=q) for r in rates]
    result = simulate(None, inputs=variants[0], policies=variants, policy_draws=300,
                      start="2026-12-01", horizon=7, draws=10, rng=seed)
    assert result.policies["p_any_breach"].is_monotonic_increasing
