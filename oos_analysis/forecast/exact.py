"""The exact probability that a 7-day window breaches, without sampling.

A window holds ``n0`` orders already placed with ``c0`` counted cancellations among them, and
will receive ``N ~ Poisson(Lambda)`` new orders, each counted independently with probability
``pi``. It breaches iff ``(c0 + K) / (n0 + N) >= threshold`` (``cancellation-rules.md`` section
3; a window without orders does not breach). By Poisson thinning the counted new orders
``K ~ Poisson(Lambda pi)`` are independent of the uncounted ones ``M ~ Poisson(Lambda (1 - pi))``,
so with ``threshold = a / b`` in lowest terms

    P(breach) = sum_k P(K = k) P(M <= floor(((c0 + k) b - a (n0 + k)) / a)),

a sum over ``k`` only, cut where ``P(K > k) < tol`` (the error is at most ``tol``). This is the
check on :func:`~oos_analysis.simulate`: its per-day breach probabilities must agree with
:func:`daily_breach_probability`, which applies the sum to each horizon day of the simulator's
setting (history days, Poisson new days, open stuck orders as independent Bernoulli counts,
planned cancellations as certain ones). The probability of *any* breach over the horizon has no
such closed form, because the windows overlap.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from ..exceptions import ParameterError
from ..metric.rate import DEFAULT_THRESHOLD, WINDOW_DAYS, check_threshold
from .simulation import (
    SimulationInputs,
    _horizon_lambda,
    _label,
    _open_buy_probability,
    _scenario,
)

__all__ = ["breach_probability", "daily_breach_probability"]

_DAY_NS = 86_400 * 10**9


def breach_probability(
    existing_orders: int = 0,
    existing_cancellations: int = 0,
    *,
    expected_orders: float,
    counted_probability: float,
    threshold: float = DEFAULT_THRESHOLD,
    tol: float = 1e-12,
) -> float:
    """Return the exact probability that one 7-day window ends at or above the threshold.

    Parameters
    ----------
    existing_orders, existing_cancellations : int
        Orders ``n0`` already in the window and counted cancellations ``c0 <= n0`` among them.
    expected_orders : float
        ``Lambda``, the expected number of new orders (Poisson) still to come in the window.
    counted_probability : float
        ``pi``, the probability that a new order ends as a counted cancellation
        (``p (1 - b)(1 - q)`` in the simulator's model).
    threshold : float, default 0.025
    tol : float, default 1e-12
        Bound on the probability mass left out of the sum.

    Returns
    -------
    float

    Examples
    --------
    With 39 orders placed and nothing more to come, one cancellation is 1 in 39: a breach.

    >>> breach_probability(39, 1, expected_orders=0, counted_probability=0.1)
    1.0

    An empty window expecting 5 orders breaches as soon as one is counted (40 or more orders
    are all but impossible), so the answer is close to ``1 - exp(-5 * 0.02)``:

    >>> round(breach_probability(expected_orders=5, counted_probability=0.02), 4)
    0.0952
    """
    n0, c0 = _count(existing_orders, "existing_orders"), _count(existing_cancellations,
                                                                 "existing_cancellations")
    if c0 > n0:
        raise ParameterError(
            f"existing_cancellations ({c0}) cannot exceed existing_orders ({n0}): every counted "
            "cancellation is one of the window's orders."
        )
    lam = float(expected_orders)
    if not (np.isfinite(lam) and lam >= 0):
        raise ParameterError(f"expected_orders must be zero or more; got {expected_orders!r}.")
    pi = float(counted_probability)
    if not 0 <= pi <= 1:
        raise ParameterError(
            f"counted_probability must be between 0 and 1; got {counted_probability!r}."
        )
    from scipy import stats  # only here: scipy is slow to import and the CLI never needs it

    frac = Fraction(str(check_threshold(threshold)))
    a, b = frac.numerator, frac.denominator
    mu_k, mu_m = lam * pi, lam * (1 - pi)
    k_max = int(stats.poisson.isf(tol, mu_k)) + 1 if mu_k > 0 else 0
    k = np.arange(k_max + 1, dtype=np.int64)
    p_k = stats.poisson.pmf(k, mu_k) if mu_k > 0 else (k == 0).astype(float)
    m_max = ((c0 + k) * b - a * (n0 + k)) // a
    if mu_m > 0:
        p_m = np.where(m_max >= 0, stats.poisson.cdf(np.maximum(m_max, 0), mu_m), 0.0)
    else:
        p_m = (m_max >= 0).astype(float)
    total = float(np.dot(p_k, p_m))
    if n0 == 0:
        # K = M = 0 leaves the window without orders, which is not a breach.
        total -= float(p_k[0] * np.exp(-mu_m))
    return min(max(total, 0.0), 1.0)


def _count(value, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0 or number != value:
        raise ParameterError(f"{name} must be a whole count, 0 or more; got {value!r}.")
    return number


def daily_breach_probability(
    orders: pd.DataFrame | None,
    *,
    inputs: SimulationInputs | None = None,
    stockout_log: pd.DataFrame | None = None,
    asof=None,
    start=None,
    horizon: int = 28,
    marketplace: str | None = None,
    cancel=(),
    threshold: float = DEFAULT_THRESHOLD,
    tz: str = "UTC",
) -> pd.DataFrame:
    """Return the exact P(breach) of each horizon day in :func:`~oos_analysis.simulate`'s model.

    Takes the same arguments as :func:`~oos_analysis.simulate` (without the sampling ones) and
    answers, for every simulated day, what ``SimulationResult.days["p_breach"]`` estimates.

    Returns
    -------
    DataFrame
        ``date``, ``p_breach``.

    Examples
    --------
    >>> inputs = SimulationInputs(orders_per_day=10, stockout_rate=0.05, buyer_accept=0.5)
    >>> exact = daily_breach_probability(None, inputs=inputs, start="2026-12-01", horizon=2)
    >>> exact["p_breach"].round(4).tolist()   # 1 - exp(-10 * 0.025), 1 - exp(-20 * 0.025)
    [0.2212, 0.3935]
    """
    threshold = check_threshold(threshold)
    sc = _scenario(orders, stockout_log, asof=asof, start=start, horizon=horizon,
                   marketplace=marketplace, cancel=cancel, tz=tz)
    if inputs is None:
        inputs = SimulationInputs.from_history(orders, stockout_log, asof=_label(sc.start - 1),
                                               marketplace=sc.marketplace, tz=tz)
    lam = _horizon_lambda(inputs, sc)
    open_p = (1 - _open_buy_probability(inputs, sc)) * (1 - inputs.buyer_accept)
    open_p = np.where(sc.open_official, 0.0, open_p)
    lead = WINDOW_DAYS - 1
    out = []
    for j in range(sc.horizon):
        first = j  # window rows j .. j + 6 of (6 lead days + horizon)
        lead_rows = np.arange(first, lead)
        n0 = int(sc.hist_orders[lead_rows].sum())
        c0 = int(sc.hist_counted[lead_rows].sum())
        extra = np.array([1.0])
        for p in open_p[np.isin(sc.open_day, lead_rows)]:
            extra = np.convolve(extra, [1 - p, p])
        expected = float(lam[max(0, j - lead): j + 1].sum())
        out.append(sum(w * breach_probability(n0, c0 + e, expected_orders=expected,
                                              counted_probability=inputs.counted_probability,
                                              threshold=threshold)
                       for e, w in enumerate(extra) if w > 0))
    return pd.DataFrame({
        "date": pd.Series((sc.start + np.arange(sc.horizon)) * _DAY_NS, dtype="datetime64[ns]"),
        "p_breach": np.array(out, dtype=float),
    })
