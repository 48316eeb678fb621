"""How much loss-making buying does it take to stay safe? A grid of buying policies.

The playbook (``cancellation-rules.md`` section 1) says: buy a stock-out even at a loss, unless
the loss is very large; otherwise ask the buyer to cancel officially; cancel as No Inventory only
as the last resort. A policy here is how far to go with the first step: a loss cap (buy whenever
the loss is at most the cap) when the stock-out log records losses, else a probability of buying.
:func:`compare_policies` runs the what-if simulation for a grid of policies on one shared set of
paths (common random numbers, so the frontier is monotone: buying more never raises the breach
probability), and :func:`cheapest_safe_policy` picks the one with the lowest expected cost whose
probability of any breach over the horizon stays within the seller's risk tolerance.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import ParameterError
from .inputs import _probability
from .simulation import SimulationInputs, simulate

__all__ = ["policy_grid", "compare_policies", "cheapest_safe_policy", "cheapest_safe_index"]

DEFAULT_RISK = 0.05
"""Highest acceptable probability of any breach over the horizon."""


def policy_grid(inputs: SimulationInputs, *, loss_caps=None, buy_probs=None) -> list:
    """Return the policies to compare, as copies of ``inputs`` with another buying rule.

    Parameters
    ----------
    inputs : SimulationInputs
        The base parameters (orders, stock-out rate, buyer acceptance, recorded losses).
    loss_caps : sequence of float, optional
        Loss caps to try. Default, when losses are recorded: 0 and each recorded loss, or the
        deciles of the recorded losses when there are more than ten distinct ones (either way
        the last cap buys every stock-out that can be bought).
    buy_probs : sequence of float, optional
        Probabilities of buying to try; default 0, 10 %, ..., 100 % when no loss is recorded.

    Returns
    -------
    list of SimulationInputs

    Examples
    --------
    >>> base = SimulationInputs(orders_per_day=20, stockout_rate=0.05,
    ...                         losses=(4.0, 10.0, float("nan")))
    >>> [p.policy for p in policy_grid(base, loss_caps=[0, 5, 10])]
    ['loss cap 0', 'loss cap 5', 'loss cap 10']
    >>> len(policy_grid(base.with_policy(buy_at_loss=0.2), buy_probs=[0, 0.5, 1]))
    3
    """
    if loss_caps is not None and buy_probs is not None:
        raise ParameterError("give loss_caps or buy_probs for the policy grid, not both.")
    recorded = np.asarray(inputs.losses, dtype=float)
    recorded = recorded[np.isfinite(recorded)]
    if loss_caps is None and buy_probs is None:
        if recorded.size:
            distinct = np.unique(recorded)
            if distinct.size > 10:
                distinct = np.quantile(recorded, np.linspace(0.1, 1, 10))
            loss_caps = np.unique(np.r_[0.0, distinct])
        else:
            buy_probs = np.linspace(0, 1, 11)
    if loss_caps is not None:
        caps = sorted({round(float(c), 2) for c in np.atleast_1d(loss_caps)})
        return [inputs.with_policy(loss_cap=c) for c in caps]
    probs = sorted({float(b) for b in np.atleast_1d(buy_probs)})
    return [inputs.with_policy(buy_at_loss=b) for b in probs]


def compare_policies(
    orders: pd.DataFrame | None,
    *,
    inputs: SimulationInputs | None = None,
    loss_caps=None,
    buy_probs=None,
    risk: float = DEFAULT_RISK,
    draws: int = 20_000,
    rng=None,
    **simulate_options,
) -> pd.DataFrame:
    """Compare buying policies: expected loss against the probability of any breach.

    Parameters
    ----------
    orders : DataFrame or None
        As for :func:`~oos_analysis.simulate`.
    inputs : SimulationInputs, optional
        Base parameters; default estimated from the data.
    loss_caps, buy_probs : sequence of float, optional
        The grid; see :func:`policy_grid`.
    risk : float, default 0.05
        Risk tolerance; marks the ``safe`` rows.
    draws : int, default 20000
        Paths shared by every policy.
    rng : int or numpy.random.Generator, optional
    **simulate_options
        Passed to :func:`~oos_analysis.simulate` (``stockout_log``, ``asof``, ``start``,
        ``horizon``, ``marketplace``, ``cancel``, ``threshold``, ``tz``).

    Returns
    -------
    DataFrame
        One row per policy, fewest purchases first: ``policy``, ``buy_at_loss``, ``loss_cap``,
        ``buy_probability``, ``expected_cancellations``, ``expected_bought``, ``expected_loss``
        (NaN when no loss is recorded), ``expected_requests``, ``expected_reminders``,
        ``p_any_breach``, ``p_any_breach_se``, ``draws``, ``safe``.

    Examples
    --------
    >>> base = SimulationInputs(orders_per_day=30, stockout_rate=0.03, buyer_accept=0.3)
    >>> frame = compare_policies(None, inputs=base, buy_probs=[0, 0.5, 1], start="2026-12-01",
    ...                          horizon=14, draws=4000, rng=7)
    >>> frame["policy"].tolist()
    ['buy 0%', 'buy 50%', 'buy 100%']
    >>> bool(frame["p_any_breach"].is_monotonic_decreasing), float(frame["p_any_breach"].iloc[-1])
    (True, 0.0)
    """
    _probability(risk, "risk")
    if inputs is None:
        inputs = simulate(orders, draws=1, rng=0, **simulate_options).inputs
    grid = policy_grid(inputs, loss_caps=loss_caps, buy_probs=buy_probs)
    # The main run is a single throwaway path; the grid gets the draws.
    result = simulate(orders, inputs=inputs, policies=grid, draws=1, policy_draws=draws,
                      rng=rng, **simulate_options)
    return mark_safe(result.policies, risk=risk)


def mark_safe(policies: pd.DataFrame, *, risk: float = DEFAULT_RISK) -> pd.DataFrame:
    """Return a copy of a policy frame with ``safe = p_any_breach <= risk``."""
    _probability(risk, "risk")
    return policies.assign(safe=policies["p_any_breach"].to_numpy(dtype=float) <= risk)


def cheapest_safe_policy(policies: pd.DataFrame, *, risk: float = DEFAULT_RISK):
    """Return the cheapest policy whose probability of any breach is at most ``risk``.

    Cheapest means the lowest expected loss; when no loss is recorded (NaN) the fewest expected
    purchases at a loss. Ties go to the lower breach probability.

    Parameters
    ----------
    policies : DataFrame
        As :func:`compare_policies` returns.
    risk : float, default 0.05

    Returns
    -------
    Series or None
        The chosen row, or None when no policy in the grid is safe enough (then even the policy
        that buys the most breaches with a probability above ``risk``; widen the grid or cut
        stock-outs at the source).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"policy": ["loss cap 0", "loss cap 10", "loss cap 50"],
    ...                       "expected_loss": [0.0, 40.0, 90.0],
    ...                       "expected_bought": [0.0, 6.0, 9.0],
    ...                       "p_any_breach": [0.4, 0.04, 0.01]})
    >>> cheapest_safe_policy(frame)["policy"]
    'loss cap 10'
    >>> cheapest_safe_policy(frame, risk=0.001) is None
    True
    """
    _probability(risk, "risk")
    missing = [c for c in ("policy", "expected_loss", "p_any_breach") if c not in policies]
    if missing:
        raise ParameterError(
            f"the policy frame lacks column(s) {missing}; pass the frame compare_policies() "
            "returns."
        )
    pick = cheapest_safe_index(
        policies["p_any_breach"].to_numpy(dtype=float), policies["expected_loss"],
        lambda: policies["expected_bought"], risk=risk)
    return None if pick is None else policies.iloc[pick]


def cheapest_safe_index(p_any_breach, expected_loss, expected_bought, *, risk: float):
    """Position of the row :func:`cheapest_safe_policy` picks, or None; on plain sequences.

    ``expected_bought`` is the column itself or a function that returns it; it is asked for
    only when some expected loss is unknown (NaN). No pandas needed.

    Examples
    --------
    >>> cheapest_safe_index([0.4, 0.04, 0.01], [0.0, 40.0, 90.0], [0.0, 6.0, 9.0], risk=0.05)
    1
    >>> cheapest_safe_index([0.4, 0.04], [float("nan")] * 2, lambda: [0.0, 6.0], risk=0.05)
    1
    """
    _probability(risk, "risk")
    p = np.asarray(p_any_breach, dtype=float)
    safe = np.flatnonzero(p <= risk)
    if not safe.size:
        return None
    loss = np.asarray(expected_loss, dtype=float)[safe]
    if np.all(np.isfinite(loss)):
        cost = loss
    else:
        bought = expected_bought() if callable(expected_bought) else expected_bought
        cost = np.asarray(bought, dtype=float)[safe]
    order = np.lexsort((p[safe], cost))
    return int(safe[order[0]])
