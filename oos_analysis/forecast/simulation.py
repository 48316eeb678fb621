"""What-if simulation of the cancellation rate over the coming weeks (Monte Carlo).

The model follows the playbook of ``cancellation-rules.md`` section 1 (buy at a loss, else ask
the buyer to cancel through Amazon's official flow, else cancel as No Inventory; only the last
counts) and the definitions of section 3 (window D-6 ... D by purchase date, breach iff
``rate >= threshold``, one marketplace at a time). From an as-of day, over ``horizon`` days
starting the day after, each simulated path draws:

* **demand**: a level ``G`` for the whole path (gamma, mean 1, standard deviation ``level_sd``:
  the estimate's uncertainty), then each day's orders as Poisson with mean
  ``lambda_weekday * G * exp(trend * t) * event multiplier * E_day``, ``E_day`` gamma with
  shape ``dispersion`` (so daily orders are negative binomial; no ``E`` when Poisson);
* **the rest of a partial last day**: when the data ends part-way through the as-of day, the
  orders still to come that day are drawn at that weekday's pace scaled to the hours left;
* **stock-out episodes**: each order starts an episode with probability ``p / m`` (``m`` the
  mean stock-outs per episode). An episode lasts ``L`` days (geometric, mean ``burst_days``)
  and, while it lasts, further orders of that SKU stock out at ``(m - 1) / burst_days`` a day
  (they are orders the day had anyway: the count of orders is unchanged). With probability
  ``burst_no_source`` no source has stock for the whole episode and nothing can be bought;
  otherwise each of its stock-outs is bought with probability ``b / (1 - burst_no_source)``,
  so that ``b`` stays the overall share bought. Episodes seen in the log shortly before the
  as-of day go on with the same chances. With ``m = 1`` stock-outs are independent;
* **the playbook**: a stock-out not bought is asked to cancel officially (``request``), and the
  buyer does so with probability ``q`` (not counted, still in the denominator); otherwise, and
  always under ``no-request``, it is cancelled as No Inventory and counted on the order's
  purchase day;
* **history and open orders**: the six days before the horizon come from the data as known on
  the as-of day; open stuck orders from the log go through the same playbook, with the
  reminder-stage chance for a buyer who has had the reminder, and are counted for sure once
  Amazon's auto-cancel (``auto_cancel_days`` past the ship-by day) has passed; planned
  cancellations are counted with certainty.

Each stock-out carries one uniform number and is counted under a policy iff the number is
below that policy's counted probability, so policies passed in ``policies=`` and the two
playbook policies share every draw (common random numbers): an order counted under a policy
that buys more is counted under every policy that buys less. Expected loss, requests and
reminders are exact expectations, not samples. A window without orders never breaches. Every
draw comes from the one generator passed in; the same seed gives the same result.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..exceptions import DataQualityWarning, ParameterError
from ..metric.window import (
    DEFAULT_THRESHOLD,
    WINDOW_DAYS,
    check_threshold,
    check_tz,
    remaining_cancellations,
)
from .inputs import (
    _DAY_NS,
    _LEAD,
    _NAT,
    NO_REQUEST,
    PLAYBOOK_POLICIES,
    REQUEST,
    History,
    SimulationInputs,
    _day,
    _episodes,
    _label,
)

__all__ = ["SimulationInputs", "SimulationResult", "SimulationTables", "simulate"]

_MAX_EPISODE_DAYS = 120
_CARRY_DAYS = 30  # log episodes whose last stock-out is older than this are over


@dataclass(frozen=True)
class SimulationTables:
    """The numbers of a :class:`SimulationResult` as numpy arrays and plain records.

    What the result's frames are built from, for code that should not pay for pandas (the
    command line with given inputs formats its output from these). Same columns, same order,
    same values as the frames.

    Attributes
    ----------
    days : dict of str to numpy.ndarray
        The columns of ``SimulationResult.days``; ``date`` as ``datetime64[D]``.
    summary : dict
        The one row of ``SimulationResult.summary``; ``start`` as ``numpy.datetime64`` (a day).
    playbooks : list of dict or None
        The rows of ``SimulationResult.playbooks``, ``request`` first.
    policies : list of dict or None
        The rows of ``SimulationResult.policies``.
    horizons : dict of str to numpy.ndarray
        The columns of ``SimulationResult.horizons``.
    """

    days: dict
    summary: dict
    playbooks: list | None
    policies: list | None
    horizons: dict


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What :func:`simulate` returns.

    The frames are built on first access (pandas is imported then, not before); ``tables``
    holds the same numbers as arrays and records.

    Attributes
    ----------
    inputs : SimulationInputs
        The parameters used.
    days : DataFrame
        One row per horizon day: ``date``, ``p_breach``, ``rate_p05``, ``rate_p50``,
        ``rate_p95``, ``cancellations_p05``, ``cancellations_p50``, ``cancellations_p95`` (counted
        cancellations in the 7-day window), ``orders_mean`` (mean orders in the window),
        ``expected_remaining`` (mean remaining budget) and ``p_any_breach_to_date`` (the chance
        of a breach on at least one day from the first simulated day through this one).
    summary : DataFrame
        One row: ``marketplace``, ``start``, ``horizon``, ``p_any_breach``, ``p_any_breach_se``,
        ``expected_orders``, ``expected_cancellations``, ``expected_bought``, ``expected_loss``,
        ``expected_official``, ``expected_requests``, ``expected_reminders``, ``open_orders``,
        ``auto_cancelled`` (open orders already past Amazon's auto-cancel), ``carried_episodes``,
        ``planned``, ``topped_up`` (share of the as-of day simulated), ``note`` (where the data
        ends, when the last day is partial), ``playbook``, ``draws``, ``seed``.
    policies : DataFrame or None
        With ``policies=``: one row per policy, see :func:`oos_analysis.compare_policies`.
    playbooks : DataFrame or None
        The two playbook policies (``request``, ``no-request``) on the same paths as the main
        result: ``playbook``, ``p_any_breach``, ``p_any_breach_se``, ``expected_cancellations``,
        ``expected_official``, ``expected_requests``, ``expected_loss``.
    horizons : DataFrame or None
        The forecast as if the horizon ended on each day, from the same paths: one row per
        length ``days`` = 1 ... horizon, with ``p_any_breach``, ``p_any_breach_se`` and the
        expectations of ``summary`` (``expected_orders`` ... ``expected_reminders``) for that
        many days. Its last row repeats ``summary``. One run at 28 days gives the 7- and
        14-day chances too.
    tables : SimulationTables
        The same numbers without pandas.
    """

    inputs: SimulationInputs
    tables: SimulationTables

    @functools.cached_property
    def days(self):
        import pandas as pd

        columns = dict(self.tables.days)
        day = columns["date"].astype(np.int64)
        columns["date"] = pd.Series(day * _DAY_NS, dtype="datetime64[ns]")
        return pd.DataFrame(columns)

    @functools.cached_property
    def summary(self):
        import pandas as pd

        record = dict(self.tables.summary)
        note = record["note"]
        record["start"] = pd.Timestamp(int(record["start"].astype(np.int64)) * _DAY_NS)
        record["note"] = None
        summary = pd.DataFrame([record])
        summary.loc[0, "note"] = note
        return summary

    @functools.cached_property
    def playbooks(self):
        import pandas as pd

        rows = self.tables.playbooks
        return None if rows is None else pd.DataFrame(rows)

    @functools.cached_property
    def policies(self):
        import pandas as pd

        rows = self.tables.policies
        return None if rows is None else pd.DataFrame(rows)

    @functools.cached_property
    def horizons(self):
        import pandas as pd

        return pd.DataFrame(self.tables.horizons)


@dataclass(frozen=True)
class _Scenario:
    marketplace: str | None
    asof: int
    start: int  # first simulated day (days since 1970-01-01)
    horizon: int
    hist_orders: np.ndarray  # the 6 days before start
    hist_counted: np.ndarray  # counted cancellations, planned ones included
    open_day: np.ndarray  # index 0..5 into the history days
    open_loss: np.ndarray
    open_official: np.ndarray
    open_requested: np.ndarray
    open_reminded: np.ndarray
    open_ship_by: np.ndarray
    planned: int
    topup: float  # share of the as-of day still to simulate
    data_end: str | None
    carry_last: np.ndarray  # last stock-out day of recent log episodes
    carry_buyable: np.ndarray


def _scenario(hist: History, *, asof, start, horizon, cancel, partial_day=None):
    try:
        horizon = int(horizon)
    except (TypeError, ValueError):
        horizon = 0
    if horizon < 1:
        raise ParameterError(f"horizon must be a whole number of days, 1 or more; got {horizon!r}.")
    tz, market, days = hist.tz, hist.marketplace, hist.days
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
    counted = hist.counted_asof(asof_day)
    ids = hist.ids
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

    log = hist.log_asof(asof_day)
    is_open = log["resolution"] == "open"
    planned_ids = {ids[i] for i in planned}
    rows = [j for j in np.flatnonzero(is_open) if log["order_id"][j] not in planned_ids]
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

    if partial_day is None or partial_day is True:
        covered = hist.covered_fraction(asof_day)
    elif partial_day is False:
        covered = 1.0
    else:
        try:
            covered = float(partial_day)
        except (TypeError, ValueError):
            covered = float("nan")
        if not 0 <= covered <= 1:
            raise ParameterError(
                "partial_day is the share of the as-of day the data covers (0.5 = it ends at "
                f"noon), True to detect it or False to treat the day as complete; got "
                f"{partial_day!r}."
            )
    end = hist.data_end() if covered < 1 and partial_day in (None, True) else None

    recent = log["detected"] >= asof_day - _CARRY_DAYS
    if recent.any():
        episode, _, last, _ = _episodes(log["sku"][recent], log["detected"][recent])
        n_ep = last.size
        buyable = np.bincount(episode, weights=np.isfinite(log["loss"][recent]),
                              minlength=n_ep) > 0
    else:
        last, buyable = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    return _Scenario(
        marketplace=market,
        asof=asof_day,
        start=start_day,
        horizon=horizon,
        hist_orders=hist_orders.astype(np.int64),
        hist_counted=hist_counted.astype(np.int64),
        open_day=np.array([days[i] - first for _, i in matched], dtype=np.int64),
        open_loss=log["loss"][pick].astype(float),
        open_official=log["official"][pick].astype(bool),
        open_requested=log["requested"][pick].astype(bool),
        open_reminded=log["reminded"][pick].astype(bool),
        open_ship_by=log["ship_by"][pick].astype(np.int64),
        planned=len(planned),
        topup=1.0 - covered,
        data_end=end,
        carry_last=last.astype(np.int64),
        carry_buyable=buyable,
    )


def _row_lambda(inputs: SimulationInputs, sc: _Scenario) -> np.ndarray:
    """Expected orders of the rest of the as-of day (row 0) and of each horizon day."""
    days = sc.asof + np.arange(sc.horizon + 1)
    lam = np.asarray(inputs.orders_per_day)[(days + 3) % 7] * np.exp(inputs.trend
                                                                     * (days - sc.asof))
    for first, last, multiplier in inputs.events:
        lam = np.where((days >= first) & (days <= last), lam * multiplier, lam)
    lam[0] *= sc.topup
    return lam


def _horizon_lambda(inputs: SimulationInputs, sc: _Scenario) -> np.ndarray:
    return _row_lambda(inputs, sc)[1:]


def _open_buy_probability(inputs: SimulationInputs, sc: _Scenario) -> np.ndarray:
    buyable = np.isfinite(sc.open_loss)
    if inputs.loss_cap is not None:
        return (buyable & (sc.open_loss <= inputs.loss_cap)).astype(float)
    return np.where(buyable, inputs.buy_probability, 0.0)


def _open_official_probability(inputs: SimulationInputs, sc: _Scenario) -> np.ndarray:
    """Chance that each open order's buyer still cancels officially, by stage."""
    request = inputs.buyer_accept
    reminder = request if inputs.reminder_accept is None else inputs.reminder_accept
    q = np.where(sc.open_reminded, reminder, request)
    if inputs.playbook == NO_REQUEST:
        q = np.where(sc.open_requested, q, 0.0)  # a request already sent still stands
    return q


def _open_auto(inputs: SimulationInputs, sc: _Scenario) -> np.ndarray:
    """Open orders that Amazon has auto-cancelled by the first simulated day (they count)."""
    known = sc.open_ship_by != _NAT
    return known & (sc.open_ship_by + inputs.auto_cancel_days < sc.start) & ~sc.open_official


def _open_counted_probability(inputs: SimulationInputs, sc: _Scenario) -> np.ndarray:
    p = (1 - _open_buy_probability(inputs, sc)) * (1 - _open_official_probability(inputs, sc))
    p = np.where(_open_auto(inputs, sc), 1.0, p)
    return np.where(sc.open_official, 0.0, p)


def _carry_active_days(inputs: SimulationInputs, sc: _Scenario, upto) -> np.ndarray:
    """Expected active days of each log episode carried over, within the simulated rows up to
    each horizon in ``upto``: shape (episodes, len(upto))."""
    if not inputs.bursty or not sc.carry_last.size or inputs.burst_days <= 1:
        return np.zeros((sc.carry_last.size, len(upto)))
    g = 1 - 1 / inputs.burst_days
    d = sc.asof + np.arange(sc.horizon + 1)
    gap = d[None, :] - sc.carry_last[:, None]
    return np.cumsum(np.where(gap > 0, g ** np.maximum(gap, 0), 0.0), axis=1)[:, upto]


def _expectations(inputs: SimulationInputs, sc: _Scenario, upto=None) -> dict:
    """Exact expectations over the horizon (floats), or over each horizon in ``upto`` (arrays).

    Only the stock-outs of the simulated days depend on the horizon; open orders and planned
    cancellations are the same for every horizon.
    """
    horizons = np.atleast_1d(sc.horizon if upto is None else upto)
    lam = np.cumsum(_row_lambda(inputs, sc))[horizons]  # row 0 is the rest of the as-of day
    z = inputs.burst_no_source
    beta = (1 - z) * inputs.source_buy_probability
    q = inputs.official_probability
    r = inputs.reminders_per_request if inputs.playbook == REQUEST else 0.0
    stockouts = lam * inputs.stockout_rate
    carry = _carry_active_days(inputs, sc, horizons) * inputs.burst_pace
    carry_beta = np.where(sc.carry_buyable, inputs.source_buy_probability, 0.0)
    stockouts_carry = carry.sum(axis=0)
    live = ~sc.open_official  # the buyer already asked Amazon: nothing to buy or send
    auto = _open_auto(inputs, sc)
    open_beta = np.where(live & ~auto, _open_buy_probability(inputs, sc), 0.0)
    open_q = np.where(live & ~auto, _open_official_probability(inputs, sc), 0.0)
    asks = inputs.playbook == REQUEST
    open_requests = np.where(live & ~auto & ~sc.open_requested & asks, 1 - open_beta, 0.0)
    open_reminders = np.where(live & ~auto & ~sc.open_reminded & asks, (1 - open_beta) * r, 0.0)
    open_loss = np.where(open_beta > 0, open_beta * np.nan_to_num(sc.open_loss), 0.0)
    bought_carry = carry_beta @ carry
    not_bought = stockouts * (1 - beta) + stockouts_carry - bought_carry
    with np.errstate(invalid="ignore"):
        loss = np.where(stockouts > 0, stockouts * inputs.loss_per_stockout, 0.0)
    out = {
        "expected_orders": lam,
        "expected_cancellations": not_bought * (1 - q)
        + float(np.sum(np.where(live, (1 - open_beta) * (1 - open_q), 0.0))) + sc.planned,
        "expected_bought": stockouts * beta + bought_carry + float(np.sum(open_beta)),
        "expected_loss": loss + float(np.sum(open_loss)),
        "expected_official": not_bought * q + float(np.sum((1 - open_beta) * open_q)),
        "expected_requests": (not_bought if asks else 0.0) + float(np.sum(open_requests)),
        "expected_reminders": not_bought * r + float(np.sum(open_reminders)),
    }
    out = {k: np.broadcast_to(np.asarray(v, dtype=float), horizons.shape) for k, v in out.items()}
    if upto is None:
        return {k: float(v[0]) for k, v in out.items()}
    return {k: v.copy() for k, v in out.items()}


def _small_poisson(mean: np.ndarray, shape, rng: np.random.Generator) -> np.ndarray:
    """Poisson draws of the given shape, for small means, by inverting one uniform per draw.

    With one mean per row (``mean`` of shape (rows, 1)) a table per row is searched on the few
    non-zero cells. With one mean per cell the inversion walks the cumulative probabilities,
    keeping at each step only the cells whose uniform lies beyond them (about a third after the
    first step for a mean of 0.45), which is two to three times faster than
    ``Generator.poisson``. Means above 10 go to ``Generator.poisson``.
    """
    if mean.size and float(mean.max()) > 10:
        return rng.poisson(np.broadcast_to(mean, shape))
    if mean.shape[1] == 1:
        u = rng.random(shape)
        out = np.zeros(shape, dtype=np.int64)
        mean = np.broadcast_to(mean, (shape[0], 1))
        for j, mu in enumerate(mean[:, 0]):
            cdf = _poisson_cdf(float(mu))
            hit = np.flatnonzero(u[j] >= cdf[0])
            out[j, hit] = np.searchsorted(cdf, u[j, hit], side="right")
        return out
    # One mean per cell. The first three counts (0, 1, 2) are decided on every cell at once in
    # float32, with no index arrays; the few cells beyond 2 (about 1 % for a mean of 0.45) go on
    # in float64 one count at a time.
    mu = np.ascontiguousarray(np.broadcast_to(mean, shape), dtype=np.float32).ravel()
    # u is turned into what is left of it beyond P(X <= k), in place; X > k while it is >= 0.
    u = rng.random(mu.size, dtype=np.float32)
    pmf = np.exp(-mu)
    u -= pmf
    out = (u >= 0).view(np.int8)  # counts stay far below 127 for means <= 10
    for k in (1, 2):
        pmf *= mu
        if k == 2:
            pmf *= np.float32(0.5)
        u -= pmf
        out += u >= 0
    live = np.flatnonzero(out == 3)
    mu, rest = mu[live].astype(np.float64), u[live].astype(np.float64)
    pmf = np.exp(-mu) * mu * mu / 2
    top = float(mean.max(initial=0.0))
    for k in range(3, int(top + 12 * np.sqrt(top) + 25)):
        pmf = pmf * mu / k
        rest = rest - pmf
        beyond = rest >= 0
        live, pmf, rest, mu = live[beyond], pmf[beyond], rest[beyond], mu[beyond]
        if not live.size:
            break
        out[live] = k + 1
    # Whatever is left lies in a tail below 1e-16: it keeps the last count reached.
    return out.reshape(shape)


def _poisson_cdf(mu: float) -> np.ndarray:
    k = np.arange(int(mu + 12 * np.sqrt(mu) + 25))
    cdf = np.cumsum(np.exp(-mu) * np.cumprod(np.r_[1.0, mu / k[1:]]))
    cdf[-1] = 1.0  # the tail beyond is below 1e-16
    return cdf


def _top(policies) -> tuple[float, float]:
    """Counted probabilities (source, no source) of the policy that counts the most."""
    q = min(p.official_probability for p in policies)
    b = min(p.source_buy_probability for p in policies)
    return (1 - b) * (1 - q), 1 - q


def _length_table(inputs: SimulationInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Episode lengths 1..120, their chances, and the chances of that length with at least one
    further stock-out."""
    return _length_table_of(inputs.burst_days, inputs.burst_pace)


@functools.lru_cache(maxsize=8)
def _length_table_of(ell: float, nu: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    length = np.arange(1, _MAX_EPISODE_DAYS + 1, dtype=float)
    if ell > 1:
        g = 1 - 1 / ell
        p = (1 - g) * g ** (length - 1)
    else:
        p = (length == 1).astype(float)
    with_extra = p * -np.expm1(-nu * length)
    for table in (length, p, with_extra):
        table.flags.writeable = False  # cached: shared by every call
    return length, p, with_extra


_JOINT_CELLS = 1 << 20


def _episode_shapes(inputs: SimulationInputs, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Length in days and number of further stock-outs of ``n`` episodes that have one or more.

    Both come from one uniform each, searched in the table of their joint law (length ``L``
    with its geometric chance, further stock-outs Poisson(``burst_pace * L``), at least one).
    When the pace is so high that the table would pass a million cells, the length is drawn
    first and the count from a zero-truncated Poisson.
    """
    length, _, with_extra = _length_table(inputs)
    nu = inputs.burst_pace
    table = _joint_table(inputs.burst_days, nu)
    if table is None:
        cdf = np.cumsum(with_extra)
        pick = np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"),
                          length.size - 1)
        return length[pick], _truncated_poisson(nu * length[pick], rng)
    width, cdf, guide = table
    pick = _guided_search(cdf, guide, rng.random(n))
    return length[pick // width], pick % width + 1


def _guided_search(cdf: np.ndarray, guide: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``np.searchsorted(cdf, u * cdf[-1], side="right")``, capped at the last cell, by a guide
    table (Chen and Asau): ``guide[g]`` is the answer for ``g / len(guide)``, so each draw starts
    at most a step or two before its cell instead of bisecting thousands of cells."""
    x = u * cdf[-1]
    last = cdf.size - 1
    pick = guide[(u * guide.size).astype(np.int64)]
    live = np.flatnonzero(cdf[pick] <= x)
    while live.size:
        pick[live] += 1
        live = live[(pick[live] < last) & (cdf[np.minimum(pick[live], last)] <= x[live])]
    return np.minimum(pick, last)


@functools.lru_cache(maxsize=8)
def _joint_table(burst_days: float, nu: float):
    """(width, cumulative chances, guide table) of (length, further stock-outs) flattened
    length-major, or None when it would pass ``_JOINT_CELLS`` cells. Cached: every chunk of a
    run uses it."""
    length, p_len, _ = _length_table_of(burst_days, nu)
    top = nu * float(length[-1])
    width = int(top + 12 * np.sqrt(top) + 25)
    if length.size * width > _JOINT_CELLS:
        return None
    count = np.arange(1, width + 1, dtype=float)
    lam = nu * length[:, None]
    with np.errstate(divide="ignore"):
        log_pmf = count * np.log(lam) - lam - np.cumsum(np.log(count))
    # P(L) times P(count | L) for counts 1, 2, ...
    cdf = np.cumsum((p_len[:, None] * np.exp(log_pmf)).ravel())
    guide = np.searchsorted(cdf, np.arange(cdf.size) / cdf.size * cdf[-1], side="right")
    for table in (cdf, guide):
        table.flags.writeable = False
    return width, cdf, guide


def _truncated_poisson(lam: np.ndarray, rng) -> np.ndarray:
    """Poisson(``lam``) draws conditioned on being at least 1.

    The arrivals of a Poisson process on [0, 1) given that there is one: the first comes at a
    time ``t`` drawn from the exponential truncated to [0, 1), the others are Poisson(lam (1 - t)).
    """
    u = rng.random(lam.size)
    t = -np.log1p(u * np.expm1(-lam)) / lam
    return 1 + rng.poisson(lam * np.clip(1 - t, 0.0, 1.0))


@dataclass
class _Draws:
    """One set of simulated futures, shared by every policy (common random numbers)."""

    rows: int
    draws: int
    orders: np.ndarray  # (rows, draws): row 0 the rest of the as-of day, then the horizon
    cell: np.ndarray  # flat cell of each stock-out drawn
    extra: bool  # some stock-outs are further ones of an episode (orders the day had anyway)
    no_source: np.ndarray  # the stock-out's episode had no source in stock at all
    u: np.ndarray  # counted under a policy iff u < its counted probability for the type
    u_buy: np.ndarray  # (open orders, draws)
    u_accept: np.ndarray


def _draw(sc: _Scenario, policies, draws: int, rng) -> _Draws:
    """Draw the paths.

    A day's orders split (Poisson thinning) into independent counts: lone stock-outs counted
    under the policy that counts the most, by type (a source has stock or not), first orders
    of episodes with further stock-outs, and the rest. Only the first two kinds are followed
    one by one; a lone stock-out's uniform is drawn below that policy's counted probability.
    """
    inputs = policies[0]
    rows = sc.horizon + 1
    shape = (rows, draws)
    lam = _row_lambda(inputs, sc)
    mean = lam[:, None]
    if inputs.level_sd > 0 or inputs.dispersion is not None:
        # One float32 array, scaled in place: the day effect, then the path's level.
        if inputs.dispersion is not None:
            k = inputs.dispersion
            mean = rng.standard_gamma(k, size=shape, dtype=np.float32)
            mean *= (lam / k).astype(np.float32)[:, None]
        else:
            mean = np.repeat(lam.astype(np.float32)[:, None], draws, axis=1)
        if inputs.level_sd > 0:
            shape_g = 1 / inputs.level_sd**2
            level = rng.standard_gamma(shape_g, size=draws, dtype=np.float32)
            mean *= level / np.float32(shape_g)
    top = _top(policies)
    z, p0, nu = inputs.burst_no_source, inputs.episode_rate, inputs.burst_pace
    _, _, with_extra = _length_table(inputs)
    burst_share = float(with_extra.sum())  # episodes with further stock-outs
    kinds = np.array([p0 * (1 - burst_share) * (1 - z) * top[0],
                      p0 * (1 - burst_share) * z * top[1], p0 * burst_share])
    special = float(kinds.sum())
    counts = _small_poisson(mean * special, shape, rng)
    rest = np.empty(shape)  # float64: Generator.poisson would convert float32 means itself
    np.multiply(mean, 1 - special, out=rest)
    others = rng.poisson(rest)
    orders = np.add(others, counts, dtype=np.int32, casting="unsafe")  # a day's orders < 2**31
    flat = counts.ravel()
    cells = np.flatnonzero(flat > 0)  # on booleans: several times faster than on int8
    cell = np.repeat(cells, flat[cells])
    v = rng.random(cell.size, dtype=np.float32) * np.float32(special)
    lone = v < np.float32(kinds[0] + kinds[1])
    no_source = lone & (v >= np.float32(kinds[0]))
    u = rng.random(cell.size, dtype=np.float32)
    # A lone stock-out is drawn counted under the policy that counts the most: its uniform is
    # scaled below that policy's probability for its type (by a table, not a masked copy).
    scale = np.array([1, 1, top[0], top[1]], dtype=np.float32)
    u *= scale.take(lone.view(np.uint8) * 2 + no_source.view(np.uint8))
    extra = False
    first = np.flatnonzero(~lone)
    if first.size:
        start = cell[first]
        n_ep = start.size
        ep_no_source = rng.random(n_ep, dtype=np.float32) < np.float32(z)
        no_source[first] = ep_no_source
        ep_len, n_extra = _episode_shapes(inputs, n_ep, rng)
        ep = np.repeat(np.arange(n_ep), n_extra)
        offset = (rng.random(ep.size) * ep_len[ep]).astype(np.int64)  # floor: both positive
        # the row of each further stock-out; those beyond the horizon are dropped
        row = (start // draws)[ep] + offset
        keep = row < rows
        parts = [(np.compress(keep, start[ep] + offset * draws),
                  np.compress(keep, ep_no_source[ep]))]
        if sc.carry_last.size and inputs.burst_days > 1:
            parts.append(_draw_carry(sc, inputs, draws, rng))
        more = np.concatenate([p[0] for p in parts])
        cell = np.concatenate([cell, more])
        no_source = np.concatenate([no_source, *(p[1] for p in parts)])
        extra = more.size > 0
        u = np.concatenate([u, rng.random(more.size, dtype=np.float32)])
    n_open = sc.open_day.size
    u_buy = rng.random((n_open, draws)) if n_open else np.zeros((0, draws))
    u_accept = rng.random((n_open, draws)) if n_open else np.zeros((0, draws))
    return _Draws(rows=rows, draws=draws, orders=orders, cell=cell, extra=extra,
                  no_source=no_source, u=u, u_buy=u_buy, u_accept=u_accept)


def _draw_carry(sc: _Scenario, inputs: SimulationInputs, draws: int, rng):
    """Further stock-outs of the log's recent episodes that may still be going on."""
    g = np.log1p(-1 / inputs.burst_days)
    n_c = sc.carry_last.size
    remaining = np.floor(np.log(rng.random((n_c, draws))) / g)  # days active after the last
    lo = np.maximum(sc.carry_last - sc.asof + 1, 0)[:, None]  # first row after the last day
    hi = np.minimum(sc.horizon, remaining + (sc.carry_last - sc.asof)[:, None])
    active = np.maximum(hi - lo + 1, 0)
    count = rng.poisson(inputs.burst_pace * active).ravel()
    which = np.repeat(np.arange(count.size), count)
    row = (np.broadcast_to(lo, (n_c, draws)).ravel()[which]
           + np.floor(rng.random(which.size) * active.ravel()[which])).astype(np.int64)
    cell = row * draws + which % draws
    return cell, ~np.repeat(sc.carry_buyable, draws)[which]


def _counted(d: _Draws, sc: _Scenario, policy: SimulationInputs, lead: np.ndarray) -> np.ndarray:
    """Counted cancellations per timeline row (6 lead days, then the horizon) under a policy."""
    q = policy.official_probability
    pi_source = (1 - policy.source_buy_probability) * (1 - q)
    # Boolean logic and np.compress: both several times faster here than np.where with scalar
    # thresholds and boolean indexing.
    no_source = d.no_source
    hit = (d.u < np.float32(pi_source)) & ~no_source
    hit |= (d.u < np.float32(1 - q)) & no_source
    new = np.bincount(np.compress(hit, d.cell), minlength=d.rows * d.draws)
    new = new.reshape(d.rows, d.draws)
    timeline = np.empty((_LEAD + sc.horizon, d.draws), dtype=np.int32)
    timeline[:_LEAD] = lead
    timeline[_LEAD:] = new[1:]
    if d.extra:
        # A burst's further stock-outs are orders the day had anyway: never more counted than
        # the day's orders.
        np.minimum(timeline[_LEAD:], d.orders[1:], out=timeline[_LEAD:])
        np.minimum(new[0], d.orders[0], out=new[0])
    timeline[_LEAD - 1] += new[0]
    return timeline


def _windows(timeline: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """7-day sums ending on each horizon day, shape (horizon, draws), into ``out`` if given.

    A sliding sum, one row at a time: each step adds the day coming in and takes away the day
    going out, on contiguous rows (``np.cumsum`` along the first axis of a C-ordered array is
    more than ten times slower).
    """
    n = timeline.shape[0] - WINDOW_DAYS + 1
    if out is None:
        out = np.empty((n, timeline.shape[1]), dtype=timeline.dtype)
    np.sum(timeline[:WINDOW_DAYS], axis=0, out=out[0])
    for j in range(1, n):
        np.add(out[j - 1], timeline[j + WINDOW_DAYS - 1], out=out[j])
        out[j] -= timeline[j - 1]
    return out


def _any_to_date(breach: np.ndarray) -> np.ndarray:
    """Paths with a breach on some day from the first through each day, counted per day."""
    seen = np.zeros(breach.shape[1], dtype=bool)
    counts = np.empty(breach.shape[0], dtype=np.int64)
    for j, row in enumerate(breach):
        seen |= row
        counts[j] = np.count_nonzero(seen)
    return counts


_CHUNK = 16384
"""Paths drawn and scored at a time: the arrays of a chunk stay in the processor's cache, which
makes the whole run about a fifth faster than one pass over every path. Fixed, so that a seed
gives the same result on every machine."""


def _chunk_sizes(draws: int) -> list[int]:
    return [min(_CHUNK, draws - lo) for lo in range(0, draws, _CHUNK)]


def _drawn(sc: _Scenario, jobs, rng):
    """The paths of each job (a ``(policies, draws)`` pair), a chunk at a time, jobs in order.

    One worker thread makes every draw, in the order one thread would make them, so a seed gives
    the same numbers; while the caller scores a chunk, the worker draws the next one (the next
    job's first at the end of a job). numpy's generators and array operations release the GIL,
    so on two cores the scoring costs almost no wall time. A single chunk is drawn here.
    """
    order = [(policies, n) for policies, draws in jobs for n in _chunk_sizes(draws)]
    if len(order) == 1:
        yield _draw(sc, order[0][0], order[0][1], rng)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="oos-draws") as pool:
        ahead = pool.submit(_draw, sc, *order[0], rng)
        try:
            for following in [*order[1:], None]:
                current = ahead
                ahead = None if following is None else pool.submit(_draw, sc, *following, rng)
                yield current.result()
        finally:
            if ahead is not None:
                ahead.cancel()


def _run(sc: _Scenario, policies, stream, *, draws, threshold, stats=False, last=False):
    """Score every policy on ``draws`` paths taken, a chunk at a time, from ``stream``
    (:func:`_drawn`).

    Returns each policy's share of paths with a breach on some day up to each horizon day
    (array of shape (policies, horizon); the last column is P(any breach)) and, with
    ``stats``, the first policy's day statistics. ``last`` says that this is the stream's last
    job: its last chunk's policies are then scored in two threads (see :func:`_score_split`).
    """
    frac = Fraction(str(threshold))
    a, b = frac.numerator, frac.denominator
    hits = np.zeros((len(policies), sc.horizon), dtype=np.int64)
    if stats:
        breach_days = np.zeros(sc.horizon, dtype=np.int64)
        n_all = np.empty((sc.horizon, draws), dtype=np.int32)
        c_all = np.empty((sc.horizon, draws), dtype=np.int32)
    for lo in range(0, draws, _CHUNK):
        d = next(stream)  # ``draws`` paths from the stream: _chunk_sizes(draws), in order
        n = d.draws
        orders_tl = np.empty((_LEAD + sc.horizon, n), dtype=np.int32)
        orders_tl[:_LEAD] = sc.hist_orders[:, None]
        orders_tl[_LEAD:] = d.orders[1:]
        orders_tl[_LEAD - 1] += d.orders[0]
        # The day statistics' windows are summed straight into their place among all paths.
        n_w = _windows(orders_tl, out=n_all[:, lo:lo + n] if stats else None)
        wide = np.int64 if int(n_w.max(initial=0)) * max(a, b) >= 2**31 else np.int32
        a_n = a * n_w.astype(wide, copy=False)

        def score(idx: int, policy: SimulationInputs) -> None:
            kept = stats and idx == 0
            c_w = _windows(_counted(d, sc, policy, _lead(sc, policy, d)),
                           out=c_all[:, lo:lo + n] if kept else None)
            # rate >= a / b, decided in integers; a window without orders never breaches.
            breach = b * c_w.astype(wide, copy=False) >= a_n
            breach &= c_w > 0
            hits[idx] += _any_to_date(breach)
            if kept:
                breach_days[:] += np.count_nonzero(breach, axis=1)

        if last and lo + n >= draws and len(policies) >= _SPLIT_POLICIES:
            _score_split(score, policies)
        else:
            for idx, policy in enumerate(policies):
                score(idx, policy)
    days = None
    if stats:
        days = {"p_breach": breach_days / draws, "orders": n_all.mean(axis=1),
                "rate": [], "cancellations": [], "remaining": []}
        for j in range(sc.horizon):
            for name, value in zip(("rate", "cancellations", "remaining"),
                                   _row_stats(c_all[j], n_all[j], threshold), strict=True):
                days[name].append(value)
    return hits / draws, days


_SPLIT_POLICIES = 4
"""Policies on the stream's last chunk from which they are scored in two threads."""


def _score_split(score, policies) -> None:
    """``score(idx, policy)`` for every policy, the second half in a second thread.

    For the stream's last chunk only: until then the drawing thread keeps the second core busy,
    and after it nothing else is left to do. Each policy's counts are its own row of the hits,
    so the totals are those of scoring in turn.
    """
    half = (len(policies) + 1) // 2
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="oos-score") as pool:
        other = pool.submit(lambda: [score(i, p) for i, p in enumerate(policies) if i >= half])
        for idx, policy in enumerate(policies[:half]):
            score(idx, policy)
        other.result()


def _lead(sc: _Scenario, policy: SimulationInputs, d: _Draws) -> np.ndarray:
    """Counted cancellations of the six lead days on each path: history, planned, open orders."""
    lead = np.repeat(sc.hist_counted[:, None].astype(np.int32), d.draws, axis=1)
    if sc.open_day.size:
        p_open = _open_counted_probability(policy, sc)
        beta = _open_buy_probability(policy, sc)
        q_open = _open_official_probability(policy, sc)
        auto = _open_auto(policy, sc)
        if policy.loss_cap is not None:
            kept = np.broadcast_to(beta[:, None] < 1, d.u_buy.shape).copy()
        else:
            kept = d.u_buy >= beta[:, None]
        kept &= d.u_accept >= q_open[:, None]
        kept |= auto[:, None]
        kept &= (p_open > 0)[:, None]
        np.add.at(lead, sc.open_day, kept.astype(np.int32))
    return lead


_LEVELS = np.array([0.05, 0.5, 0.95])


def _row_stats(c: np.ndarray, n: np.ndarray, threshold: float):
    """Quantiles of the rate and the count, and the mean remaining budget, for one day.

    Works on the distinct (counted, orders) pairs, so the budget arithmetic runs on a few
    hundred pairs instead of every path.
    """
    c, n = c.astype(np.int64), n.astype(np.int64)
    n_lo = int(n.min())
    span = int(n.max()) - n_lo + 1
    counts = np.bincount(c * span + (n - n_lo))
    keys = np.flatnonzero(counts > 0)
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


def _count(value, name: str, low: int = 1) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = low - 1
    if number < low:
        raise ParameterError(f"{name} must be a whole number, {low} or more; got {value!r}.")
    return number


def partial_day_note(summary_row) -> str | None:
    """``"the data ends 12:37 UTC on 11-24; the rest of that day is simulated"``, or None."""
    end = summary_row.get("data_end") if hasattr(summary_row, "get") else None
    if not end or not summary_row.get("topped_up"):
        return None
    return f"the data ends {end}; the rest of that day is simulated"


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
    partial_day=None,
    playbook: str | None = None,
    compare_playbooks: bool = True,
    history: History | None = None,
) -> SimulationResult:
    """Simulate the 7-day cancellation rate of one marketplace over the coming days.

    Parameters
    ----------
    orders : DataFrame or None
        :func:`~oos_analysis.orders_from_items` output; None or empty for no history.
    stockout_log : DataFrame, optional
        ``Exports.stockout_log``: open stuck orders and recent episodes enter the simulation.
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
        Seed or generator; the same seed gives the same result. Every draw comes from it.
    tz : str, default "UTC"
        Time zone of the day boundaries.
    partial_day : None, bool or float, optional
        None or True: detect whether the data ends part-way through the as-of day (the last
        purchase time) and simulate the rest of that day; False: treat the day as complete; a
        number: the share of the as-of day the data covers.
    playbook : {"request", "no-request"}, optional
        The playbook policy of the main result (default: that of ``inputs``).
    compare_playbooks : bool, default True
        Also run the other playbook policy on the same paths (``result.playbooks``).
    history : History, optional
        The data already as arrays (:meth:`History.build`); then ``orders`` and
        ``stockout_log`` are not read again (the backtest uses this).

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
    >>> result.playbooks["playbook"].tolist()
    ['request', 'no-request']
    """
    threshold = check_threshold(threshold)
    tz = check_tz(tz)
    draws = _count(draws, "draws")
    seed = int(rng) if isinstance(rng, int | np.integer) else None
    rng = np.random.default_rng(rng)
    if history is None:
        history = History.build(orders, stockout_log, marketplace=marketplace, tz=tz)
    sc = _scenario(history, asof=asof, start=start, horizon=horizon, cancel=cancel,
                   partial_day=partial_day)
    if inputs is None:
        inputs = history.estimate(sc.asof)
    if playbook is not None:
        if playbook not in PLAYBOOK_POLICIES:
            raise ParameterError(
                f"playbook must be one of {', '.join(PLAYBOOK_POLICIES)}; got {playbook!r}."
            )
        if playbook != inputs.playbook:
            inputs = inputs.with_playbook(playbook)
    runs = [inputs]
    if compare_playbooks:
        runs = [inputs.with_playbook(name) if name != inputs.playbook else inputs
                for name in PLAYBOOK_POLICIES]
        runs.sort(key=lambda p: p is not inputs)
    policies = list(policies)
    jobs = [(runs, draws)]
    if policies:
        policy_draws = _count(policy_draws, "policy_draws")
        jobs.append((policies, policy_draws))
    with contextlib.closing(_drawn(sc, jobs, rng)) as stream:  # each job scored on its paths
        (to_date, stats), *grid = [_run(sc, p, stream, draws=n, threshold=threshold,
                                        stats=i == 0, last=i == len(jobs) - 1)
                                   for i, (p, n) in enumerate(jobs)]
    if policies:
        p_policies = grid[0][0][:, -1]
    p_runs = to_date[:, -1]
    p_any = p_runs[0]
    rate, cancellations = np.array(stats["rate"]), np.array(stats["cancellations"])
    days = {
        "date": (sc.start + np.arange(sc.horizon)).astype("datetime64[D]"),
        "p_breach": np.asarray(stats["p_breach"], dtype=float),
        "rate_p05": rate[:, 0], "rate_p50": rate[:, 1], "rate_p95": rate[:, 2],
        "cancellations_p05": cancellations[:, 0],
        "cancellations_p50": cancellations[:, 1],
        "cancellations_p95": cancellations[:, 2],
        "orders_mean": np.asarray(stats["orders"], dtype=float),
        "expected_remaining": np.array(stats["remaining"], dtype=float),
        "p_any_breach_to_date": to_date[0],
    }

    def se(p, n=draws):
        return float(np.sqrt(p * (1 - p) / n))

    summary = {
        "marketplace": sc.marketplace,
        "start": np.datetime64(sc.start, "D"),
        "horizon": sc.horizon,
        "p_any_breach": float(p_any),
        "p_any_breach_se": se(p_any),
        **_expectations(inputs, sc),
        "open_orders": int(sc.open_day.size),
        "auto_cancelled": int(_open_auto(inputs, sc).sum()),
        "carried_episodes": int(sc.carry_last.size) if inputs.bursty else 0,
        "planned": sc.planned,
        "topped_up": float(sc.topup),
        "data_end": sc.data_end,
        "note": None,
        "playbook": inputs.playbook,
        "draws": draws,
        "seed": seed,
    }
    summary["note"] = partial_day_note(summary)
    playbooks = None
    if compare_playbooks:
        playbooks = sorted(({
            "playbook": policy.playbook,
            "p_any_breach": float(p),
            "p_any_breach_se": se(p),
            **{k: v for k, v in _expectations(policy, sc).items()
               if k in ("expected_cancellations", "expected_official", "expected_requests",
                        "expected_loss")},
        } for policy, p in zip(runs, p_runs, strict=True)),
            key=lambda row: PLAYBOOK_POLICIES.index(row["playbook"]))
    rows = None
    if policies:
        rows = [{
            "policy": policy.policy,
            "buy_at_loss": policy.buy_at_loss,
            "loss_cap": policy.loss_cap,
            "buy_probability": policy.buy_probability,
            **_expectations(policy, sc),
            "p_any_breach": float(p),
            "p_any_breach_se": se(p, policy_draws),
            "draws": policy_draws,
        } for policy, p in zip(policies, p_policies, strict=True)]
    upto = np.arange(1, sc.horizon + 1)
    horizons = {
        "days": upto,
        "p_any_breach": to_date[0],
        "p_any_breach_se": np.sqrt(to_date[0] * (1 - to_date[0]) / draws),
        **_expectations(inputs, sc, upto),
    }
    return SimulationResult(inputs=inputs, tables=SimulationTables(
        days=days, summary=summary, playbooks=playbooks, policies=rows, horizons=horizons))
