"""Days the data does not cover, marked on the daily rate.

A day no export covers is unknown, not a day without orders. :func:`mark_gaps` flags each row of
:func:`~oos_analysis.metric.rate.daily_rate` whose day is such a gap, and counts the gap days its
7-day window reaches into, so a rate built on missing days is never shown as a clean number. The
gap days themselves come from the store (:func:`oos_analysis.store.gap_days`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rate import WINDOW_DAYS, check_tz

__all__ = ["mark_gaps", "gap_day_numbers", "apply_gaps"]


def gap_day_numbers(gaps: pd.DataFrame | None, tz: str = "UTC") -> dict[str, set[int]]:
    """Per marketplace, the days (int64 days since 1970-01-01 in ``tz``) touching a gap.

    A local day that overlaps an uncovered UTC day at all counts as uncovered.

    Examples
    --------
    >>> g = pd.DataFrame({"marketplace": ["amazon.com"],
    ...                   "date": [pd.Timestamp("2026-03-03", tz="UTC")]})
    >>> sorted(gap_day_numbers(g)["amazon.com"]), sorted(gap_day_numbers(g, "Asia/Tokyo")["amazon.com"])
    ([20515], [20515, 20516])
    """
    out: dict[str, set[int]] = {}
    if gaps is None or gaps.empty:
        return out
    tz = check_tz(tz)
    starts = pd.to_datetime(gaps["date"], utc=True)
    ends = starts + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    for stamps in (starts, ends):
        local = stamps.dt.tz_convert(tz).dt.tz_localize(None).dt.floor("D")
        days = local.astype("datetime64[ns]").to_numpy().astype(np.int64) // 86_400_000_000_000
        for market, day in zip(gaps["marketplace"], days, strict=True):
            out.setdefault(market, set()).add(int(day))
    return out


def apply_gaps(daily: pd.DataFrame, gaps: pd.DataFrame | None, *, tz: str = "UTC") -> pd.DataFrame:
    """:func:`mark_gaps`, then status ``gap`` for uncovered days and ``complete`` False for windows
    reaching into one (a rate built on unknown days is never a clean figure).

    Examples
    --------
    >>> daily = pd.DataFrame({"marketplace": "amazon.com", "status": ["ok", "no-orders", "ok"],
    ...                       "complete": True, "date": pd.date_range("2026-11-08", periods=3)})
    >>> gaps = pd.DataFrame({"marketplace": ["amazon.com"],
    ...                      "date": [pd.Timestamp("2026-11-09", tz="UTC")]})
    >>> apply_gaps(daily, gaps)[["date", "status", "complete", "window_gap_days"]]
            date status  complete  window_gap_days
    0 2026-11-08     ok      True                0
    1 2026-11-09    gap     False                1
    2 2026-11-10     ok     False                1
    """
    if gaps is None:
        gaps = pd.DataFrame({"marketplace": pd.Series(dtype="str"),
                             "date": pd.Series(dtype="datetime64[us, UTC]")})
    marked = mark_gaps(daily, gaps, tz=tz)
    return marked.assign(
        status=marked["status"].where(~marked["in_gap"], "gap").astype("str"),
        complete=marked["complete"].to_numpy(dtype=bool) & marked["window_gap_days"].eq(0).to_numpy(),
    )


def mark_gaps(daily: pd.DataFrame, gaps: pd.DataFrame, *, tz: str = "UTC") -> pd.DataFrame:
    """Flag the days of a daily rate whose 7-day window includes days no export covers.

    A gap is unknown data, not zero orders: the rate of a day whose window reaches into a gap may
    be missing orders and cancellations, so it must not be read as a clean figure.

    Parameters
    ----------
    daily : DataFrame
        Output of :func:`~oos_analysis.metric.rate.daily_rate`: ``marketplace`` and ``date`` (naive
        midnight of the day in ``tz``).
    gaps : DataFrame
        Output of :func:`gap_days`: ``marketplace`` and ``date`` (UTC days).
    tz : str, default "UTC"
        The time zone ``daily`` was bucketed in; a local day touching an uncovered UTC day counts
        as uncovered.

    Returns
    -------
    DataFrame
        A copy of ``daily`` with ``in_gap`` (the day itself is uncovered) and
        ``window_gap_days`` (uncovered days among the day and the six before it).

    Examples
    --------
    >>> daily = pd.DataFrame({"marketplace": "amazon.com",
    ...                       "date": pd.date_range("2026-11-08", periods=3)})
    >>> gaps = pd.DataFrame({"marketplace": ["amazon.com"],
    ...                      "date": [pd.Timestamp("2026-11-09", tz="UTC")]})
    >>> mark_gaps(daily, gaps)
      marketplace       date  in_gap  window_gap_days
    0  amazon.com 2026-11-08   False                0
    1  amazon.com 2026-11-09    True                1
    2  amazon.com 2026-11-10   False                1
    """
    tz = check_tz(tz)
    starts = pd.to_datetime(gaps["date"], utc=True)
    ends = starts + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    local = pd.DataFrame({
        "marketplace": pd.concat([gaps["marketplace"], gaps["marketplace"]], ignore_index=True),
        "date": pd.concat([starts, ends], ignore_index=True)
        .dt.tz_convert(tz).dt.tz_localize(None).dt.floor("D").astype("datetime64[ns]"),
    }).drop_duplicates()
    # One integer per (marketplace, day), marketplaces far apart, so that the uncovered days of a
    # day's window are a range of the sorted uncovered keys: two binary searches per row.
    both = pd.concat([local["marketplace"], daily["marketplace"]], ignore_index=True)
    codes = pd.factorize(both, use_na_sentinel=False)[0].astype(np.int64) << 32
    day = np.int64(86_400_000_000_000)
    gap_day = local["date"].to_numpy().astype(np.int64) // day
    dates = pd.to_datetime(daily["date"]).astype("datetime64[ns]").to_numpy().astype(np.int64)
    uncovered = np.unique(codes[: len(local)] + gap_day)
    key = codes[len(local):] + dates // day
    in_gap = np.searchsorted(uncovered, key, "right") > np.searchsorted(uncovered, key, "left")
    window = (np.searchsorted(uncovered, key, "right")
              - np.searchsorted(uncovered, key - (WINDOW_DAYS - 1), "left"))
    return daily.assign(
        in_gap=pd.Series(in_gap, index=daily.index, dtype="bool"),
        window_gap_days=pd.Series(window, index=daily.index, dtype="int64"),
    )
