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
such closed form, because the windows overlap; :func:`any_breach_probability` computes it by
dynamic programming over the window's state for short horizons (see there).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from ..exceptions import ParameterError
from ..metric.rate import DEFAULT_THRESHOLD, WINDOW_DAYS, check_threshold
from .inputs import History
from .simulation import (
    SimulationInputs,
    _open_counted_probability,
    _row_lambda,
    _scenario,
)

__all__ = ["breach_probability", "daily_breach_probability", "any_breach_probability"]

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


def _setting(orders, inputs, stockout_log, asof, start, horizon, marketplace, cancel, tz,
             partial_day):
    hist = History.build(orders, stockout_log, marketplace=marketplace, tz=tz)
    sc = _scenario(hist, asof=asof, start=start, horizon=horizon, cancel=cancel,
                   partial_day=partial_day)
    if inputs is None:
        inputs = hist.estimate(sc.asof)
    return sc, inputs


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
    partial_day=None,
) -> pd.DataFrame:
    """Return the exact P(breach) of each horizon day in :func:`~oos_analysis.simulate`'s model.

    Takes the same arguments as :func:`~oos_analysis.simulate` (without the sampling ones) and
    answers, for every simulated day, what ``SimulationResult.days["p_breach"]`` estimates.
    Holds for Poisson demand without bursts (``dispersion`` None, ``level_sd`` 0,
    ``burst_orders`` 1); a ParameterError says so otherwise.

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
    sc, inputs = _setting(orders, inputs, stockout_log, asof, start, horizon, marketplace,
                          cancel, tz, partial_day)
    _poisson_only(inputs, "daily_breach_probability")
    lam = _row_lambda(inputs, sc)
    open_p = _open_counted_probability(inputs, sc)
    lead = WINDOW_DAYS - 1
    out = []
    for j in range(sc.horizon):
        lead_rows = np.arange(j, lead)  # history days still in the window of horizon day j
        n0 = int(sc.hist_orders[lead_rows].sum())
        c0 = int(sc.hist_counted[lead_rows].sum())
        extra = np.array([1.0])
        for p in open_p[np.isin(sc.open_day, lead_rows)]:
            extra = np.convolve(extra, [1 - p, p])
        # Rows are (rest of the as-of day, horizon days); the as-of day leaves after day 6.
        expected = float(lam[max(0, j - lead + 1): j + 2].sum())
        out.append(sum(w * breach_probability(n0, c0 + e, expected_orders=expected,
                                              counted_probability=inputs.counted_probability,
                                              threshold=threshold)
                       for e, w in enumerate(extra) if w > 0))
    return pd.DataFrame({
        "date": pd.Series((sc.start + np.arange(sc.horizon)) * _DAY_NS, dtype="datetime64[ns]"),
        "p_breach": np.array(out, dtype=float),
    })


def _poisson_only(inputs: SimulationInputs, name: str, *, dispersion_ok=False) -> None:
    if inputs.bursty or (inputs.dispersion is not None and not dispersion_ok) or (
            inputs.level_sd > 0 and not dispersion_ok):
        raise ParameterError(
            f"{name} is exact for {'negative binomial' if dispersion_ok else 'Poisson'} demand "
            "without bursts; set burst_orders=1"
            + ("" if dispersion_ok else ", dispersion=None and level_sd=0") + " to use it."
        )


def any_breach_probability(
    orders: pd.DataFrame | None,
    *,
    inputs: SimulationInputs | None = None,
    stockout_log: pd.DataFrame | None = None,
    asof=None,
    start=None,
    horizon: int = 7,
    marketplace: str | None = None,
    cancel=(),
    threshold: float = DEFAULT_THRESHOLD,
    tz: str = "UTC",
    partial_day=None,
    nodes: int = 24,
    tol: float = 1e-10,
) -> float:
    """Return the exact probability of a breach on any day of a short horizon.

    Dynamic programming over the window's state. Within 7 days no simulated day leaves the
    window yet, so the window of horizon day ``j`` is the history days still in it plus *all*
    simulated orders so far: the state is the pair (simulated orders, simulated counted
    cancellations) so far, and each day moves it by that day's joint (orders, counted) law —
    Poisson or negative binomial orders, each counted with probability ``pi``. Mass in a
    breaching state is taken out day by day; what is left never breached. Open stuck orders are
    summed over each outcome (counted or not); a gamma level (``level_sd``) by Gauss-Laguerre
    quadrature with ``nodes`` points. Bursts are not covered.

    Parameters
    ----------
    horizon : int, default 7
        At most 7, or 6 when the rest of a partial as-of day is simulated (it leaves the window
        on the 7th day).

    Other parameters are those of :func:`daily_breach_probability`.

    Examples
    --------
    Two orders a day, each counted with probability 1 %: with fewer than 40 orders in the
    window a single counted order breaches, so the answer is ``1 - exp(-2 * 3 * 0.01)``.

    >>> inputs = SimulationInputs(orders_per_day=2, stockout_rate=0.01)
    >>> round(any_breach_probability(None, inputs=inputs, start="2026-12-01", horizon=3), 6)
    0.058235
    """
    from scipy import special, stats

    threshold = check_threshold(threshold)
    sc, inputs = _setting(orders, inputs, stockout_log, asof, start, horizon, marketplace,
                          cancel, tz, partial_day)
    _poisson_only(inputs, "any_breach_probability", dispersion_ok=True)
    limit = WINDOW_DAYS - (1 if sc.topup > 0 else 0)
    if sc.horizon > limit:
        raise ParameterError(
            f"any_breach_probability is exact for horizons up to {limit} days (a simulated "
            f"day must not leave the window yet); got {sc.horizon}."
        )
    frac = Fraction(str(threshold))
    a, b = frac.numerator, frac.denominator
    lam = _row_lambda(inputs, sc)
    pi = inputs.counted_probability
    if inputs.level_sd > 0:
        shape = 1 / inputs.level_sd**2
        x, w = special.roots_genlaguerre(nodes, shape - 1)
        levels, weights = x / shape, w / w.sum()
    else:
        levels, weights = np.array([1.0]), np.array([1.0])
    keep = weights > tol
    levels, weights = levels[keep], weights[keep] / weights[keep].sum()
    open_p = _open_counted_probability(inputs, sc)
    combos = [(np.zeros(len(open_p), dtype=bool), 1.0)]
    for i, p in enumerate(open_p):
        grown = []
        for mask, w in combos:
            if p < 1:
                grown.append((mask, w * (1 - p)))
            if p > 0:
                hit = mask.copy()
                hit[i] = True
                grown.append((hit, w * p))
        combos = grown
    survive = 0.0
    for level, lw in zip(levels, weights, strict=True):
        n_max = _support(float(lam.sum() * level), inputs.dispersion, tol, stats)
        n = np.arange(n_max + 1)
        steps = [_day_law(mu * level, pi, inputs.dispersion, n_max, stats) for mu in lam]
        for mask, w in combos:
            counted = sc.hist_counted.copy()
            np.add.at(counted, sc.open_day[mask], 1)
            state = np.zeros((n_max + 1, n_max + 1))
            state[0, 0] = 1.0
            for row, step in enumerate(steps):
                state = _convolve(state, step)
                if row == 0:
                    continue  # the rest of the as-of day: no horizon day ends with it
                rows = np.arange(row - 1, WINDOW_DAYS - 1)  # history days still in
                n0 = int(sc.hist_orders[rows].sum())
                c0 = int(counted[rows].sum())
                cc = c0 + n[None, :]
                nn = n0 + n[:, None]
                breach = (b * cc >= a * nn) & (cc > 0)
                state = np.where(breach, 0.0, state)
            survive += lw * w * float(state.sum())
    return float(min(max(1.0 - survive, 0.0), 1.0))


def _support(mean: float, dispersion, tol: float, stats) -> int:
    """Orders up to which the window's simulated total is followed (the rest is below tol).

    A single negative binomial with the total mean and the days' shape is more dispersed than
    the sum of the days, so its tail bounds theirs.
    """
    if mean <= 0:
        return 0
    if dispersion is None:
        return int(stats.poisson.isf(tol, mean)) + 1
    return int(stats.nbinom.isf(tol, dispersion, dispersion / (dispersion + mean))) + 1


def _day_law(mu: float, pi: float, dispersion, n_max: int, stats) -> np.ndarray:
    """Joint law of a day's (orders, counted) as a matrix [orders, counted]."""
    n = np.arange(n_max + 1)
    if mu <= 0:
        p_n = (n == 0).astype(float)
    elif dispersion is None:
        p_n = stats.poisson.pmf(n, mu)
    else:
        p_n = stats.nbinom.pmf(n, dispersion, dispersion / (dispersion + mu))
    law = p_n[:, None] * stats.binom.pmf(n[None, :], n[:, None], pi)
    return np.nan_to_num(law)


def _convolve(state: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Add one day's (orders, counted) to the state, truncated to the same support."""
    from scipy.signal import fftconvolve

    size = state.shape[0]
    out = fftconvolve(state, step)[:size, :size]
    return np.clip(out, 0.0, None)
