"""What-if simulation of the cancellation rate over the coming weeks (Monte Carlo).

The model follows the playbook of ``cancellation-rules.md`` section 1 (buy at a loss, else ask
the buyer to cancel through Amazon's official flow, else cancel as No Inventory; only the last
counts) and the definitions of section 3 (window D-6 ... D by purchase date, UTC days, breach iff
``rate >= threshold``, one marketplace at a time). From an as-of day, over ``horizon`` days
starting the day after:

* new MFN orders on day ``d`` are Poisson(``lambda_d``), ``lambda_d`` by weekday;
* each new order hits a stock-out with probability ``p``;
* a stock-out is bought at a loss with probability ``b``, or, given a loss cap, whenever its loss
  (drawn from the log's recorded ``loss_if_bought``; blank means no source has stock) is within
  the cap;
* otherwise the buyer is asked to cancel and does so officially with probability ``q`` (not
  counted, still in the denominator); otherwise the seller cancels as No Inventory, counted on the
  order's purchase day. Each new order is thus counted with probability ``pi = p (1 - b)(1 - q)``;
* the six days before the horizon come from the data (orders and counted cancellations stay);
  open stuck orders from the log go through the same policy on their purchase day; planned
  cancellations are counted with certainty.

By Poisson thinning a day's counted new orders are Poisson(``lambda_d pi``), independent of the
uncounted ones, Poisson(``lambda_d (1 - pi)``); paths are drawn that way as (day, path) integer
arrays and 7-day sums come from cumulative sums. Expected loss, requests and reminders are exact
expectations, not samples. Policies passed in ``policies=`` share the draws (common random numbers:
an order counted under a policy that buys more is counted under every policy that buys less), so
their breach probabilities are ordered as the policies are. A window without orders never breaches.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from ..exceptions import DataQualityWarning, ParameterError
from ..metric.budget import remaining_cancellations
from ..metric.rate import (
    DEFAULT_THRESHOLD,
    WINDOW_DAYS,
    check_threshold,
    check_tz,
)
from .inputs import _DAY_NS, _LEAD, SimulationInputs, _day, _market_log, _market_orders

__all__ = ["SimulationInputs", "SimulationResult", "simulate"]

@dataclass(frozen=True)
class SimulationResult:
    """What :func:`simulate` returns.

    Attributes
    ----------
    inputs : SimulationInputs
        The parameters used.
    days : DataFrame
        One row per horizon day: ``date``, ``p_breach``, ``rate_p05``, ``rate_p50``,
        ``rate_p95``, ``cancellations_p05``, ``cancellations_p50``, ``cancellations_p95`` (counted
        cancellations in the 7-day window) and ``expected_remaining`` (mean remaining budget).
    summary : DataFrame
        One row: ``marketplace``, ``start``, ``horizon``, ``p_any_breach``, ``p_any_breach_se``,
        ``expected_cancellations``, ``expected_loss``, ``expected_requests``,
        ``expected_reminders``, ``open_orders``, ``planned``, ``draws``, ``seed``.
    policies : DataFrame or None
        With ``policies=``: one row per policy, see :func:`oos_analysis.compare_policies`.
    """

    inputs: SimulationInputs
    days: pd.DataFrame
    summary: pd.DataFrame
    policies: pd.DataFrame | None = None



@dataclass(frozen=True)
class _Scenario:
    marketplace: str | None
    start: int  # first simulated day (days since 1970-01-01)
    horizon: int
    hist_orders: np.ndarray  # the 6 days before start
    hist_counted: np.ndarray  # counted cancellations, planned ones included
    open_day: np.ndarray  # index 0..5 into the history days
    open_loss: np.ndarray
    open_official: np.ndarray
    open_requested: np.ndarray
    open_reminded: np.ndarray
    planned: int


def _scenario(orders, stockout_log, *, asof, start, horizon, marketplace, cancel, tz):
    try:
        horizon = int(horizon)
    except (TypeError, ValueError):
        horizon = 0
    if horizon < 1:
        raise ParameterError(f"horizon must be a whole number of days, 1 or more; got {horizon!r}.")
    market, days, counted, ids = _market_orders(orders, marketplace, tz)
    asof_day, start_day = _day(asof, "asof", tz), _day(start, "start", tz)
    if asof_day is None:
        if start_day is not None:
            asof_day = start_day - 1
        elif days.size:
            asof_day = int(days.max())
        else:
            raise ParameterError(
                "no order history and no start date: pass start (--start 2026-12-01) to "
                "simulate from an empty history."
            )
    if start_day is None:
        start_day = asof_day + 1
    if start_day != asof_day + 1:
        raise ParameterError(
            f"start must be the day after the as-of day; got asof {asof} and start {start}. "
            "Give only one of them."
        )
    first = start_day - _LEAD
    in_lead = (days >= first) & (days <= asof_day)
    hist_orders = np.bincount(days[in_lead] - first, minlength=_LEAD)
    hist_counted = np.bincount(days[in_lead & counted] - first, minlength=_LEAD)
    by_id = dict(zip(ids, range(len(ids)), strict=True))

    planned = []
    for order_id in dict.fromkeys(cancel or ()):
        i = by_id.get(order_id)
        if i is None:
            raise ParameterError(
                f"planned cancellation {order_id!r} is not an MFN order of {market} in the data; "
                "check the order id (planned cancellations must be orders already placed)."
            )
        if counted[i]:
            raise ParameterError(
                f"order {order_id!r} is already a counted cancellation in the data; leave it out "
                "of the planned cancellations."
            )
        if not first <= days[i] <= asof_day:
            raise ParameterError(
                f"order {order_id!r} was placed on {_label(days[i])}, outside the windows of the "
                f"horizon (from {_label(first)}); cancelling it changes none of the simulated "
                "days. Leave it out."
            )
        planned.append(i)
        hist_counted[days[i] - first] += 1

    log = _market_log(stockout_log, market, asof_day, tz)
    is_open = log["resolution"] == "open"
    rows = [j for j in np.flatnonzero(is_open)
            if log["order_id"][j] not in {ids[i] for i in planned}]
    matched = [(j, by_id[log["order_id"][j]]) for j in rows if log["order_id"][j] in by_id]
    if len(matched) < len(rows):
        warnings.warn(
            f"{len(rows) - len(matched)} open stock-out(s) in the log are not among the MFN "
            f"orders of {market} in the data and were left out of the simulation; add the "
            "order export that covers them.",
            DataQualityWarning,
            stacklevel=3,
        )
    matched = [(j, i) for j, i in matched if not counted[i] and first <= days[i] <= asof_day]
    pick = np.array([j for j, _ in matched], dtype=np.int64)
    return _Scenario(
        marketplace=market,
        start=start_day,
        horizon=horizon,
        hist_orders=hist_orders.astype(np.int64),
        hist_counted=hist_counted.astype(np.int64),
        open_day=np.array([days[i] - first for _, i in matched], dtype=np.int64),
        open_loss=log["loss"][pick].astype(float),
        open_official=log["official"][pick].astype(bool),
        open_requested=log["requested"][pick].astype(bool),
        open_reminded=log["reminded"][pick].astype(bool),
        planned=len(planned),
    )


def _label(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def _horizon_lambda(inputs: SimulationInputs, sc: _Scenario) -> np.ndarray:
    days = sc.start + np.arange(sc.horizon)
    return np.asarray(inputs.orders_per_day)[(days + 3) % 7]


def _open_buy_probability(inputs: SimulationInputs, sc: _Scenario) -> np.ndarray:
    buyable = np.isfinite(sc.open_loss)
    if inputs.loss_cap is not None:
        return (buyable & (sc.open_loss <= inputs.loss_cap)).astype(float)
    return np.where(buyable, inputs.buy_probability, 0.0)


def _expectations(inputs: SimulationInputs, sc: _Scenario) -> dict:
    stockouts = float(_horizon_lambda(inputs, sc).sum()) * inputs.stockout_rate
    beta, q, r = inputs.buy_probability, inputs.buyer_accept, inputs.reminders_per_request
    live = ~sc.open_official  # the buyer already asked Amazon: nothing to buy or send
    open_beta = np.where(live, _open_buy_probability(inputs, sc), 0.0)
    open_requests = np.where(live & ~sc.open_requested, 1 - open_beta, 0.0)
    open_reminders = np.where(live & ~sc.open_reminded, (1 - open_beta) * r, 0.0)
    open_loss = np.where(open_beta > 0, open_beta * np.nan_to_num(sc.open_loss), 0.0)
    return {
        "expected_cancellations": stockouts * (1 - beta) * (1 - q)
        + float(np.sum(np.where(live, (1 - open_beta) * (1 - q), 0.0))) + sc.planned,
        "expected_bought": stockouts * beta + float(np.sum(open_beta)),
        "expected_loss": (stockouts * inputs.loss_per_stockout if stockouts else 0.0)
        + float(np.sum(open_loss)),
        "expected_requests": stockouts * (1 - beta) + float(np.sum(open_requests)),
        "expected_reminders": stockouts * (1 - beta) * r + float(np.sum(open_reminders)),
    }


class _Thinner:
    """Common random numbers: the counted orders of a policy that counts ``r`` times as many.

    Each counted order of the top policy carries a uniform number and stays counted under a
    policy with ratio ``r`` iff the number is below ``r``; so the policies' counts are nested.
    """

    def __init__(self, counted: np.ndarray, rng: np.random.Generator):
        self.shape = counted.shape
        flat = counted.ravel()
        self.one = np.flatnonzero(flat == 1)
        self.u_one = rng.random(self.one.size, dtype=np.float32)
        many = np.flatnonzero(flat > 1)
        k = flat[many]
        self.groups = [(many[k == v], rng.random((int((k == v).sum()), int(v)), dtype=np.float32))
                       for v in np.unique(k)]

    def __call__(self, r: float) -> np.ndarray:
        out = np.zeros(self.shape[0] * self.shape[1], dtype=np.int16)
        out[self.one[self.u_one < r]] = 1
        for cells, u in self.groups:
            out[cells] = (u < r).sum(axis=1)
        return out.reshape(self.shape)


def _poisson(means: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Poisson draws, one row per mean; small means by inversion of one uniform per draw.

    Counted cancellations have small means (a fraction per day), where inverting the CDF on the
    few non-zero cells is about twice as fast as ``Generator.poisson``; large means use the latter.
    """
    out = np.empty((means.size, draws), dtype=np.int64)
    for j, mu in enumerate(means):
        if mu > 10:
            out[j] = rng.poisson(mu, size=draws)
            continue
        u = rng.random(draws)
        k = np.arange(int(mu + 12 * np.sqrt(mu) + 25))
        pmf = np.exp(-mu) * np.cumprod(np.r_[1.0, mu / k[1:]])
        cdf = np.cumsum(pmf)
        cdf[-1] = 1.0  # the tail beyond is below 1e-16
        out[j] = 0
        hit = np.flatnonzero(u >= cdf[0])
        out[j, hit] = np.searchsorted(cdf, u[hit], side="right")
    return out


def _rolling(lead: np.ndarray, new: np.ndarray):
    """Yield the 7-day sum of each horizon day, one row of paths at a time.

    ``lead`` holds the six days before the horizon (shape (6, 1) or (6, paths)), ``new`` the
    simulated days; row by row keeps the work in cache instead of making (days, paths) copies.
    """
    w = lead.sum(axis=0, dtype=np.int64) + new[0]
    yield w
    for j in range(1, new.shape[0]):
        w = w + new[j] - (lead[j - 1] if j <= _LEAD else new[j - WINDOW_DAYS])
        yield w


def _run(sc: _Scenario, policies, *, draws, rng, threshold, stats=False):
    """Draw the paths once; return each policy's P(any breach) and the first one's day stats."""
    lam = _horizon_lambda(policies[0], sc)
    pis = np.array([p.counted_probability for p in policies])
    top = float(pis.max())
    shape = (sc.horizon, draws)
    counted_top = _poisson(lam * top, draws, rng)
    uncounted = rng.poisson((lam * (1 - top))[:, None], size=shape)
    thin = _Thinner(counted_top, rng) if np.any(pis < top) else None
    n_open = sc.open_day.size
    if n_open:
        u_buy, u_accept = rng.random((n_open, draws)), rng.random((n_open, draws))

    frac = Fraction(str(threshold))
    a, b = frac.numerator, frac.denominator
    window_orders = np.empty(shape, dtype=np.int32)
    need = np.empty(shape, dtype=np.int32)
    no_lead = np.zeros((_LEAD, 1), dtype=np.int64)
    rows = zip(_rolling(sc.hist_orders[:, None], uncounted), _rolling(no_lead, counted_top),
               strict=True)
    for j, (m, k) in enumerate(rows):
        window_orders[j] = n = m + k
        # Smallest count that breaches: ceil(a n / b), and at least 1 (no orders, no breach).
        np.maximum(-((-a * n) // b), 1, out=need[j])

    any_breach, days, seen = [], None, {}
    for idx, policy in enumerate(policies):
        lead = sc.hist_counted[:, None]
        if n_open:
            beta = _open_buy_probability(policy, sc)
            if policy.loss_cap is not None:
                kept = np.broadcast_to(beta[:, None] < 1, (n_open, draws)).copy()
            else:
                kept = u_buy >= beta[:, None]
            kept &= (u_accept >= policy.buyer_accept) & ~sc.open_official[:, None]
            lead = np.repeat(lead, draws, axis=1)
            np.add.at(lead, sc.open_day, kept.astype(np.int64))
        key = (pis[idx], policy.loss_cap, policy.buy_probability, policy.buyer_accept)
        if idx > 0 and not n_open and key in seen:
            any_breach.append(any_breach[seen[key]])
            continue
        seen[key] = idx
        counted = counted_top if pis[idx] == top else thin(pis[idx] / top)
        hit = np.zeros(draws, dtype=bool)
        detail = stats and idx == 0
        if detail:
            days = {name: [] for name in ("p_breach", "rate", "cancellations", "remaining")}
        for j, c in enumerate(_rolling(lead, counted)):
            breach = c >= need[j]
            hit |= breach
            if detail:
                days["p_breach"].append(breach.mean())
                for name, value in zip(("rate", "cancellations", "remaining"),
                                       _row_stats(c, window_orders[j], threshold), strict=True):
                    days[name].append(value)
        any_breach.append(float(hit.mean()))
    return np.array(any_breach), days


_LEVELS = np.array([0.05, 0.5, 0.95])


def _row_stats(c: np.ndarray, n: np.ndarray, threshold: float):
    """Quantiles of the rate and the count, and the mean remaining budget, for one day.

    Works on the distinct (counted, orders) pairs, so the budget arithmetic runs on a few
    hundred pairs instead of every path.
    """
    n_lo = int(n.min())
    span = int(n.max()) - n_lo + 1
    counts = np.bincount(c * span + (n - n_lo))
    keys = np.flatnonzero(counts)
    weight = counts[keys]
    cc, nn = keys // span, keys % span + n_lo
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(nn > 0, cc / np.maximum(nn, 1), 0.0)
    remaining = remaining_cancellations(cc, nn, threshold=threshold)
    return (_weighted_quantiles(rate, weight, _LEVELS),
            _weighted_quantiles(cc.astype(float), weight, _LEVELS),
            float(np.dot(remaining, weight)) / c.size)


def _weighted_quantiles(values, weights, levels):
    """``np.quantile(np.repeat(values, weights), levels)`` without the repeat (linear method)."""
    order = np.argsort(values, kind="stable")
    values, cum = values[order], np.cumsum(weights[order])
    h = (cum[-1] - 1) * levels
    lo = np.floor(h)
    x_lo = values[np.searchsorted(cum, lo, side="right")]
    x_hi = values[np.minimum(np.searchsorted(cum, lo + 1, side="right"), values.size - 1)]
    return x_lo + (h - lo) * (x_hi - x_lo)


def simulate(
    orders: pd.DataFrame | None,
    *,
    stockout_log: pd.DataFrame | None = None,
    inputs: SimulationInputs | None = None,
    asof=None,
    start=None,
    horizon: int = 28,
    marketplace: str | None = None,
    cancel=(),
    policies=(),
    policy_draws: int = 20_000,
    threshold: float = DEFAULT_THRESHOLD,
    draws: int = 10_000,
    rng=None,
    tz: str = "UTC",
) -> SimulationResult:
    """Simulate the 7-day cancellation rate of one marketplace over the coming days.

    Parameters
    ----------
    orders : DataFrame or None
        :func:`~oos_analysis.orders_from_items` output; None or empty for no history.
    stockout_log : DataFrame, optional
        ``Exports.stockout_log``: open stuck orders enter the simulation.
    inputs : SimulationInputs, optional
        The parameters; default :meth:`SimulationInputs.from_history` on the same data.
    asof, start : date-like, optional
        Last day of history and first simulated day (``start = asof + 1``; give either).
        Default: the last purchase day in the data.
    horizon : int, default 28
        Simulated days.
    marketplace : str, optional
        Default: the marketplace with the most MFN orders.
    cancel : sequence of str, default ()
        Order ids to cancel for sure ("what if I cancel these three?").
    policies : sequence of SimulationInputs, default ()
        Buying policies to compare (see :func:`~oos_analysis.compare_policies`); they share
        one set of paths of their own, drawn after the main ones, so the main result does not
        depend on them.
    policy_draws : int, default 20000
        Paths for the policy comparison; its standard error is reported.
    threshold : float, default 0.025
    draws : int, default 10000
        Simulated paths.
    rng : int or numpy.random.Generator, optional
        Seed or generator; the same seed gives the same result.
    tz : str, default "UTC"
        Time zone of the day boundaries.

    Returns
    -------
    SimulationResult

    Raises
    ------
    ParameterError
        Unusable dates, counts or probabilities; a planned cancellation that is not an
        uncounted MFN order in the windows; too little history to estimate a parameter.

    Examples
    --------
    >>> inputs = SimulationInputs(orders_per_day=30, stockout_rate=0.03, buy_at_loss=0.5)
    >>> result = simulate(None, inputs=inputs, start="2026-12-01", horizon=7, draws=2000, rng=1)
    >>> result.days["date"].dt.strftime("%Y-%m-%d").iloc[[0, -1]].tolist()
    ['2026-12-01', '2026-12-07']
    >>> round(float(result.summary["expected_cancellations"].iloc[0]), 2)   # 7 * 30 * 0.015
    3.15
    """
    threshold = check_threshold(threshold)
    tz = check_tz(tz)
    try:
        draws = int(draws)
    except (TypeError, ValueError):
        draws = 0
    if draws < 1:
        raise ParameterError(f"draws must be a whole number, 1 or more; got {draws!r}.")
    seed = int(rng) if isinstance(rng, int | np.integer) else None
    rng = np.random.default_rng(rng)
    sc = _scenario(orders, stockout_log, asof=asof, start=start, horizon=horizon,
                   marketplace=marketplace, cancel=cancel, tz=tz)
    if inputs is None:
        inputs = SimulationInputs.from_history(orders, stockout_log, asof=_label(sc.start - 1),
                                               marketplace=sc.marketplace, tz=tz)
    (p_any,), stats = _run(sc, [inputs], draws=draws, rng=rng, threshold=threshold,
                          stats=True)
    policies = list(policies)
    if policies:
        try:
            policy_draws = int(policy_draws)
        except (TypeError, ValueError):
            policy_draws = 0
        if policy_draws < 1:
            raise ParameterError(f"policy_draws must be 1 or more; got {policy_draws!r}.")
        p_policies, _ = _run(sc, policies, draws=policy_draws, rng=rng, threshold=threshold)
    rate, cancellations = np.array(stats["rate"]), np.array(stats["cancellations"])
    days = pd.DataFrame({
        "date": pd.Series((sc.start + np.arange(sc.horizon)) * _DAY_NS, dtype="datetime64[ns]"),
        "p_breach": np.array(stats["p_breach"], dtype=float),
        "rate_p05": rate[:, 0], "rate_p50": rate[:, 1], "rate_p95": rate[:, 2],
        "cancellations_p05": cancellations[:, 0],
        "cancellations_p50": cancellations[:, 1],
        "cancellations_p95": cancellations[:, 2],
        "expected_remaining": np.array(stats["remaining"], dtype=float),
    })

    def se(p, n=draws):
        return float(np.sqrt(p * (1 - p) / n))

    summary = pd.DataFrame([{
        "marketplace": sc.marketplace,
        "start": pd.Timestamp(sc.start * _DAY_NS),
        "horizon": sc.horizon,
        "p_any_breach": float(p_any),
        "p_any_breach_se": se(p_any),
        **_expectations(inputs, sc),
        "open_orders": int(sc.open_day.size),
        "planned": sc.planned,
        "draws": draws,
        "seed": seed,
    }])
    frame = None
    if policies:
        frame = pd.DataFrame([{
            "policy": policy.policy,
            "buy_at_loss": policy.buy_at_loss,
            "loss_cap": policy.loss_cap,
            "buy_probability": policy.buy_probability,
            **_expectations(policy, sc),
            "p_any_breach": float(p),
            "p_any_breach_se": se(p, policy_draws),
            "draws": policy_draws,
        } for policy, p in zip(policies, p_policies, strict=True)])
    return SimulationResult(inputs=inputs, days=days, summary=summary, policies=frame)
