"""How many more cancellations a window can absorb, and how it recovers.

The rules come from ``cancellation-rules.md`` section 3: the rate is ``c / n`` over the MFN orders
placed in the 7 days D-6 ... D, healthy iff it is strictly below the threshold, and the remaining
budget is the largest ``k >= 0`` with ``(c + k) / n < threshold`` computed in exact arithmetic
(for 2.5 %: ``40 * (c + k) < n``). Counts, not rates, are what a small seller can act on.
That arithmetic on counts (:func:`remaining_cancellations`, :func:`clean_orders_needed`) lives in
:mod:`~oos_analysis.metric.window`, which needs no pandas, and is re-exported here; this module
adds the per-marketplace summary, the roll-off calendar and the recovery projection.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from .rate import (
    DEFAULT_THRESHOLD,
    WINDOW_DAYS,
    asof_days,
    check_threshold,
    check_tz,
    data_end,
    day_label,
    exceeds,
    metric_days,
)
from .window import clean_orders_needed, remaining_cancellations

__all__ = [
    "remaining_cancellations",
    "clean_orders_needed",
    "budget_summary",
    "roll_off_calendar",
    "back_under_target_on",
    "AVERAGE_DAYS",
    "HORIZON_DAYS",
]

AVERAGE_DAYS = 28
"""Trailing days whose average daily order count the recovery projection assumes."""
HORIZON_DAYS = 60
"""How far ahead :func:`back_under_target_on` looks before giving up (NaT)."""


def back_under_target_on(
    daily_orders: dict[int, int],
    daily_counted: dict[int, int],
    asof: int,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    first_day: int | None = None,
    skip_days=frozenset(),
) -> int | None:
    """Return the first day >= ``asof`` whose window is under target, or None within 60 days.

    The projection assumes no further cancellations and that orders keep arriving at the average
    daily count of the last :data:`AVERAGE_DAYS` days up to ``asof`` (fewer when the data starts
    later, from ``first_day``), leaving out ``skip_days`` (days no export covers: unknown, not
    zero orders); counted cancellations roll off when their purchase day leaves D-6 ... D. Days
    are int64 day numbers; the comparison is exact (fractions).

    Examples
    --------
    One cancellation among the 20 orders of day 0, the first day of data: day 1 projects 1 in 40
    (a breach), day 2 gives 1 in 60.

    >>> back_under_target_on({0: 20}, {0: 1}, 0, first_day=0)
    2
    """
    limit = Fraction(str(check_threshold(threshold)))
    start = asof - AVERAGE_DAYS + 1
    if first_day is not None:
        start = max(start, first_day)
    span = sum(1 for d in range(start, asof + 1) if d not in skip_days)
    avg = Fraction(sum(v for d, v in daily_orders.items() if start <= d <= asof
                       and d not in skip_days), max(span, 1))
    for j in range(HORIZON_DAYS + 1):
        day = asof + j
        lo = day - WINDOW_DAYS + 1
        n = sum(v for d, v in daily_orders.items() if lo <= d <= min(day, asof))
        c = sum(v for d, v in daily_counted.items() if lo <= d <= min(day, asof))
        total = n + avg * min(j, WINDOW_DAYS)
        if total > 0 and Fraction(c) / total < limit:
            return day
    return None


def budget_summary(
    orders: pd.DataFrame,
    *,
    asof=None,
    threshold: float = DEFAULT_THRESHOLD,
    tz: str = "UTC",
    gaps: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return, per marketplace, the window as of a day and how much room is left in it.

    Parameters
    ----------
    orders : DataFrame
        The frame :func:`~oos_analysis.orders_from_items` returns.
    asof : date-like, optional
        The day whose window D-6 ... D is summarised; by default the last purchase day in the
        data (the same day for every marketplace).
    threshold : float, default 0.025
    tz : str, default "UTC"
        Time zone of the day boundary (``cancellation-rules.md`` section 3: UTC by default).
    gaps : DataFrame, optional
        Days no export covers (as for :func:`~oos_analysis.metric.rate.daily_rate`): a window
        reaching into one is not complete, and the order pace leaves them out.

    Returns
    -------
    DataFrame
        One row per marketplace: ``marketplace``, ``asof``, ``window_start``, ``window_end``,
        ``orders``, ``seller_cancellations`` (counted, unattributed included), ``unattributed``,
        ``rate``, ``status``, ``remaining`` (:func:`remaining_cancellations`),
        ``clean_orders_needed``, ``back_under_target_on`` (``asof`` when healthy, NaT when not
        within :data:`HORIZON_DAYS` days), ``complete`` (the data covers the whole window: it
        starts inside the data, reaches into no gap and does not end on or after a last day the
        data may not hold whole; the same rule as the daily rate's), ``gap_days`` (uncovered
        days in the window), ``pending`` (cancellations attributed ``pending`` in the window) and
        ``daily_orders`` (the trailing average the projection uses, over covered days). The
        status is ``gap`` when the as-of day itself is uncovered.

    Examples
    --------
    >>> stamps = pd.to_datetime(["2026-03-01T12:00Z"] * 60 + ["2026-03-07T12:00Z"] * 20, utc=True)
    >>> o = pd.DataFrame({"order_id": range(80), "marketplace": "amazon.com", "purchase_date": stamps,
    ...                   "in_metric": True, "counted": [True] + [False] * 79})
    >>> budget_summary(o)[["asof", "orders", "seller_cancellations", "remaining", "status"]]
            asof  orders  seller_cancellations  remaining status
    0 2026-03-07      80                     1          0     ok
    """
    threshold = check_threshold(threshold)
    tz = check_tz(tz)
    frame = metric_days(orders, tz)
    from .gaps import gap_day_numbers

    uncovered = gap_day_numbers(gaps, tz)
    end_day, end_complete = data_end(orders, tz)
    rows = []
    for market, asof_day in asof_days(frame, asof, tz).items():
        mine = frame[frame["marketplace"] == market]
        inside = mine[(mine["day"] > asof_day - WINDOW_DAYS) & (mine["day"] <= asof_day)]
        n = len(inside)
        c = int(inside["counted"].sum())
        u = int((inside["counted"] & inside["attribution"].eq("unknown").fillna(False)).sum())
        per_day = mine.groupby("day").size().to_dict()
        per_day_counted = mine[mine["counted"]].groupby("day").size().to_dict()
        first_day = int(mine["day"].min())
        skip = uncovered.get(market, set())
        recover = back_under_target_on(
            per_day, per_day_counted, int(asof_day), threshold=threshold, first_day=first_day,
            skip_days=skip,
        )
        avg_lo = max(int(asof_day) - AVERAGE_DAYS + 1, first_day)
        avg_days = [d for d in range(avg_lo, int(asof_day) + 1) if d not in skip]
        in_avg = int(mine["day"].isin(avg_days).sum())
        window_gaps = sum(1 for d in range(int(asof_day) - WINDOW_DAYS + 1, int(asof_day) + 1)
                          if d in skip)
        status = "no-orders" if n == 0 else ("breach" if exceeds(c, n, threshold) else "ok")
        if int(asof_day) in skip:
            status = "gap"
        whole_end = end_day is None or asof_day < end_day or (asof_day == end_day and end_complete)
        complete = bool(asof_day - WINDOW_DAYS + 1 >= first_day) and window_gaps == 0 and whole_end
        pending = int((inside["attribution"].eq("pending").fillna(False)).sum())
        rows.append(
            {
                "marketplace": market,
                "asof": day_label(asof_day),
                "window_start": day_label(asof_day - WINDOW_DAYS + 1),
                "window_end": day_label(asof_day),
                "orders": n,
                "seller_cancellations": c,
                "unattributed": u,
                "rate": c / n if n else float("nan"),
                "status": status,
                "remaining": remaining_cancellations(c, n, threshold=threshold),
                "clean_orders_needed": clean_orders_needed(c, n, threshold=threshold),
                "back_under_target_on": day_label(recover),
                "complete": complete,
                "gap_days": window_gaps,
                "pending": pending,
                "daily_orders": in_avg / max(len(avg_days), 1),
            }
        )
    columns = ["marketplace", "asof", "window_start", "window_end", "orders",
               "seller_cancellations", "unattributed", "rate", "status", "remaining",
               "clean_orders_needed", "back_under_target_on", "complete", "gap_days", "pending",
               "daily_orders"]
    out = pd.DataFrame(rows, columns=columns)
    for col in ("asof", "window_start", "window_end", "back_under_target_on"):
        out[col] = pd.to_datetime(out[col])
    return out.astype({"marketplace": "str", "status": "str", "orders": "int64",
                       "seller_cancellations": "int64", "unattributed": "int64",
                       "remaining": "int64", "clean_orders_needed": "int64", "rate": "float64",
                       "gap_days": "int64", "pending": "int64", "complete": "bool"})


def roll_off_calendar(orders: pd.DataFrame, *, asof=None, tz: str = "UTC") -> pd.DataFrame:
    """List the counted cancellations in the window as of ``asof`` and the day each one leaves it.

    An order placed on day P is in the windows of P ... P+6 and leaves on P+7
    (``cancellation-rules.md`` section 3: the window is by purchase date).

    Parameters
    ----------
    orders : DataFrame
        The frame :func:`~oos_analysis.orders_from_items` returns.
    asof : date-like, optional
        Default: the last purchase day in the data.
    tz : str, default "UTC"

    Returns
    -------
    DataFrame
        ``marketplace``, ``order_id``, ``purchase_date`` (UTC), ``attribution``,
        ``leaves_window_on`` (naive day label in ``tz``), sorted by the day they leave.

    Examples
    --------
    >>> o = pd.DataFrame({"order_id": ["A", "B"], "marketplace": "amazon.com", "in_metric": True,
    ...     "purchase_date": pd.to_datetime(["2026-03-02T23:30Z", "2026-03-05T01:00Z"], utc=True),
    ...     "counted": [True, False], "attribution": ["unknown", pd.NA]})
    >>> roll_off_calendar(o)[["order_id", "leaves_window_on"]]
      order_id leaves_window_on
    0        A       2026-03-09
    """
    tz = check_tz(tz)
    frame = metric_days(orders, tz)
    asof_by = asof_days(frame, asof, tz)
    asof_each = frame["marketplace"].map(asof_by).to_numpy(dtype=np.int64)
    inside = (
        frame["counted"].to_numpy(dtype=bool)
        & (frame["day"].to_numpy() > asof_each - WINDOW_DAYS)
        & (frame["day"].to_numpy() <= asof_each)
    )
    out = frame.loc[inside].copy()
    out["leaves_window_on"] = pd.to_datetime(
        (out["day"].to_numpy(dtype=np.int64) + WINDOW_DAYS) * 86_400 * 10**9
    )
    out = out.sort_values(["marketplace", "leaves_window_on", "purchase_date"], kind="stable")
    return out[["marketplace", "order_id", "purchase_date", "attribution", "leaves_window_on"]].reset_index(
        drop=True
    )
