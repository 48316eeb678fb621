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

__all__ = ["mark_gaps"]


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
