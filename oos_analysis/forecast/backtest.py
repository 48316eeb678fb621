"""How well did the forecast do on the seller's own past? A backtest of "any breach ahead".

For each start day in the history (every ``every`` days, once 4 weeks of history are there),
the model is estimated from the data as known on that day (orders placed by then, cancellations
known by then: an order's cancellation counts from its last update; the log's requests and
resolutions from their dates), the chance of a breach on any of the next ``horizon`` days is
simulated, and the forecast is held against what happened (the final data's windows). The score
is the Brier score, the mean of ``(forecast - outcome)**2`` (0 is perfect), next to that of a
naive forecast: the share of the past days, as known on the start day, whose window was in
breach. The reliability table groups the forecasts in bins of 10 % and gives, for each, the
mean forecast and how often a breach followed.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from ..exceptions import ParameterError
from ..metric.rate import DEFAULT_THRESHOLD, WINDOW_DAYS, check_threshold, check_tz
from .inputs import History, _label
from .simulation import _count, simulate

__all__ = ["BacktestResult", "backtest"]

MIN_HISTORY_DAYS = 28
"""A start day needs this many days of orders before it (and on it)."""


@dataclass(frozen=True)
class BacktestResult:
    """What :func:`backtest` returns.

    Attributes
    ----------
    brier, naive_brier : float
        Brier scores of the kit's forecast and of the naive one (NaN without start days).
    starts : DataFrame
        One row per start day: ``asof``, ``forecast``, ``naive``, ``observed`` (bool).
    reliability : DataFrame
        One row per non-empty bin: ``bin_low``, ``bin_high``, ``forecast`` (mean forecast in
        the bin), ``observed`` (share of starts followed by a breach), ``count``.
    marketplace : str or None
    horizon, every, draws : int
    skipped : list of str
        Start days left out, each with the reason.
    """

    brier: float
    naive_brier: float
    starts: pd.DataFrame
    reliability: pd.DataFrame
    marketplace: str | None
    horizon: int
    every: int
    draws: int
    skipped: tuple = ()

    @property
    def verdict(self) -> str:
        """One line: the two scores and whether the forecast beat the naive one."""
        n = len(self.starts)
        if n == 0:
            return ("Backtest: no start day with 4 weeks of history before it and "
                    f"{self.horizon} days after it; nothing to score yet.")
        better = self.brier < self.naive_brier
        return (
            f"Backtest over {n} start day(s), {self.horizon}-day horizon: Brier score "
            f"{self.brier:.3f} against {self.naive_brier:.3f} for the naive forecast (the "
            f"share of past days in breach) - the forecast did "
            + ("better." if better else "NOT do better; treat its numbers with caution.")
        )


def _breach_days(days: np.ndarray, counted: np.ndarray, first: int, last: int, threshold):
    """Breach flag of each day's window first..last (windows that start before first: False)."""
    size = last - first + 1
    n = np.bincount(days - first, minlength=size)[:size]
    c = np.bincount(days[counted] - first, minlength=size)[:size]
    n_w = np.convolve(n, np.ones(WINDOW_DAYS, dtype=np.int64))[:size]
    c_w = np.convolve(c, np.ones(WINDOW_DAYS, dtype=np.int64))[:size]
    frac = Fraction(str(threshold))
    breach = (frac.denominator * c_w >= frac.numerator * n_w) & (c_w > 0)
    breach[: WINDOW_DAYS - 1] = False
    return breach


def backtest(
    orders: pd.DataFrame | None,
    stockout_log: pd.DataFrame | None = None,
    *,
    marketplace: str | None = None,
    horizon: int = 7,
    every: int = 7,
    draws: int = 5_000,
    rng=None,
    threshold: float = DEFAULT_THRESHOLD,
    tz: str = "UTC",
    bins: int = 10,
    history: History | None = None,
) -> BacktestResult:
    """Forecast from each past start day as known then, and score it against what happened.

    Parameters
    ----------
    orders, stockout_log : DataFrame
        As for :func:`~oos_analysis.simulate`.
    marketplace : str, optional
        Default: the one with the most MFN orders.
    horizon : int, default 7
        Days ahead: the event scored is "a breach on any of them".
    every : int, default 7
        Days between start days (1 = every day).
    draws : int, default 5000
        Simulated paths per start day.
    rng : int or numpy.random.Generator, optional
        One generator serves every start day; the same seed gives the same result.
    threshold : float, default 0.025
    tz : str, default "UTC"
    bins : int, default 10
        Bins of the reliability table.

    Returns
    -------
    BacktestResult

    Raises
    ------
    ParameterError
        No MFN orders, or unusable options.
    """
    threshold = check_threshold(threshold)
    tz = check_tz(tz)
    horizon = _count(horizon, "horizon")
    every = _count(every, "every")
    draws = _count(draws, "draws")
    bins = _count(bins, "bins")
    rng = np.random.default_rng(rng)
    if history is None:
        history = History.build(orders, stockout_log, marketplace=marketplace, tz=tz)
    hist = history
    if not hist.days.size:
        raise ParameterError(
            "no MFN orders to backtest on; pass the order exports (All Orders report) of at "
            f"least {MIN_HISTORY_DAYS + horizon} days."
        )
    first, last = int(hist.days.min()), int(hist.days.max())
    last_complete = last if hist.covered_fraction(last) >= 1 else last - 1
    truth = _breach_days(hist.days, hist.counted, first, last_complete, threshold)
    rows, skipped = [], []
    for s in range(first + MIN_HISTORY_DAYS - 1, last_complete - horizon + 1, every):
        try:
            inputs = hist.estimate(s)
        except ParameterError as exc:
            skipped.append(f"{_label(s)}: {exc}")
            continue
        result = simulate(None, history=hist, inputs=inputs, asof=_label(s), horizon=horizon,
                          draws=draws, rng=rng, threshold=threshold, tz=tz,
                          compare_playbooks=False)
        known = _breach_days(hist.days[hist.days <= s], hist.counted_asof(s)[hist.days <= s],
                             first, s, threshold)
        past = known[WINDOW_DAYS - 1:]
        rows.append({
            "asof": pd.Timestamp(_label(s)),
            "forecast": result.tables.summary["p_any_breach"],
            "naive": float(past.mean()) if past.size else 0.0,
            "observed": bool(truth[s + 1 - first: s + horizon + 1 - first].any()),
        })
    starts = pd.DataFrame(rows, columns=["asof", "forecast", "naive", "observed"])
    f = starts["forecast"].to_numpy(dtype=float)
    o = starts["observed"].to_numpy(dtype=float)
    g = starts["naive"].to_numpy(dtype=float)
    brier = float(np.mean((f - o) ** 2)) if f.size else float("nan")
    naive = float(np.mean((g - o) ** 2)) if f.size else float("nan")
    edges = np.round(np.linspace(0, 1, bins + 1), 10)
    which = np.minimum(np.searchsorted(edges, f, side="right") - 1, bins - 1)
    table = [{"bin_low": edges[i], "bin_high": edges[i + 1],
              "forecast": float(f[which == i].mean()), "observed": float(o[which == i].mean()),
              "count": int((which == i).sum())}
             for i in range(bins) if (which == i).any()]
    reliability = pd.DataFrame(table, columns=["bin_low", "bin_high", "forecast", "observed",
                                               "count"])
    return BacktestResult(brier=brier, naive_brier=naive, starts=starts,
                          reliability=reliability, marketplace=hist.marketplace,
                          horizon=horizon, every=every, draws=draws, skipped=tuple(skipped))
