"""The daily 7-day pre-fulfillment cancel rate, per marketplace.

Definitions follow ``cancellation-rules.md`` section 3:

* an order belongs to the window of its **purchase date**; the window for day D is D-6 ... D;
* days are **UTC days by default** (Amazon's Seller Performance JSON reports whole UTC days); a
  ``tz`` option buckets by marketplace-local days instead;
* the denominator is **all MFN orders** placed in the window, whatever their status; the numerator
  is the counted cancellations among them (unattributed ones included, conservatively);
* a day is a **breach iff rate >= threshold**; exactly 2.5 % (1 in 40) is not healthy.

The window's length, the threshold and their checks live in :mod:`~oos_analysis.metric.window`
(which needs no pandas) and are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..exceptions import ParameterError
from ..io.schema import require_columns
from .window import (
    DEFAULT_THRESHOLD,
    WINDOW_DAYS,
    check_threshold,
    check_tz,
    day_number,
    exceeds,
)

__all__ = [
    "day_number",
    "DEFAULT_THRESHOLD",
    "WINDOW_DAYS",
    "check_threshold",
    "check_tz",
    "local_day",
    "daily_rate",
    "exceeds",
    "metric_days",
    "asof_days",
    "day_label",
    "data_end",
    "Extent",
    "data_extent",
]

_DAY_NS = 86_400 * 10**9


def local_day(timestamps: pd.Series, tz: str = "UTC") -> np.ndarray:
    """Return the day of each UTC timestamp in ``tz`` as int64 days since 1970-01-01 (NaT -> min).

    Examples
    --------
    >>> s = pd.Series(pd.to_datetime(["2026-03-09T23:30:00-07:00"], utc=True))
    >>> local_day(s).astype("datetime64[D]"), local_day(s, "America/Los_Angeles").astype("datetime64[D]")
    (array(['2026-03-10'], dtype='datetime64[D]'), array(['2026-03-09'], dtype='datetime64[D]'))
    """
    tz = check_tz(tz)
    stamps = pd.Series(timestamps)
    if not isinstance(stamps.dtype, pd.DatetimeTZDtype):
        raise ParameterError(
            f"purchase dates must be tz-aware timestamps (UTC); got dtype {stamps.dtype}. Build the "
            "orders frame with orders_from_items() from read_exports()."
        )
    if tz != "UTC":
        stamps = stamps.dt.tz_convert(tz).dt.tz_localize(None)
    # Stay in the column's own unit (pandas 3 reads seconds): no conversion copy.
    unit = np.datetime_data(stamps.dtype.base if hasattr(stamps.dtype, "base") else stamps.dtype)[0]
    values = stamps.to_numpy(dtype=f"datetime64[{unit}]").view(np.int64)
    nat = values == np.iinfo(np.int64).min
    days = values // (_DAY_NS // np.timedelta64(1, unit).astype("timedelta64[ns]").astype(np.int64))
    days[nat] = np.iinfo(np.int64).min
    return days


def _require(frame: pd.DataFrame, columns) -> None:
    require_columns(frame, columns, what="the orders frame",
                    advice="Build it with orders_from_items() (one row per order, with in_metric "
                    "and counted).")

def daily_rate(
    orders: pd.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    tz: str = "UTC",
    start=None,
    end=None,
    marketplace=None,
    include_partial: bool = False,
    gaps: pd.DataFrame | None = None,
    extent: Extent | None = None,
) -> pd.DataFrame:
    """Return the 7-day cancel rate for every day and marketplace.

    For day D the window holds the MFN orders placed D-6 ... D by purchase date; ``orders`` counts
    them all (the denominator is every MFN order, whatever its status), ``seller_cancellations``
    the counted ones among them, unattributed included (``cancellation-rules.md`` section 3).
    Status is ``breach`` iff ``rate >= threshold``, decided in exact arithmetic, so 1 in 40 is a
    breach at 2.5 % and 1 in 41 is not.

    Parameters
    ----------
    orders : DataFrame
        The frame :func:`~oos_analysis.orders_from_items` returns.
    threshold : float, default 0.025
        The target as a fraction.
    tz : str, default "UTC"
        Time zone whose calendar days make the window (UTC matches Amazon's JSON report;
        e.g. ``"America/Los_Angeles"`` for marketplace-local days).
    start, end : date-like, optional
        First and last day label to report (inclusive, in ``tz``).
    marketplace : str or list of str, optional
        Only these marketplaces (e.g. ``"amazon.com"``).
    include_partial : bool, default False
        Also report the first six days of each marketplace's data, whose windows reach back before
        the data starts; they are marked ``complete=False``. A marketplace whose data spans fewer
        than 7 days has no complete window: its partial days are always reported.
    gaps : DataFrame, optional
        Days no export covers (``marketplace``, ``date`` as UTC days: :func:`~oos_analysis.store.gap_days`
        or :func:`~oos_analysis.store.spans.export_gap_days`). Such a day has status ``gap``, and
        every window reaching into one is ``complete=False`` (columns ``in_gap`` and
        ``window_gap_days`` are added).
    extent : Extent, optional
        Where the whole data begins and ends (:func:`data_extent` of every order), when
        ``orders`` holds only some of them: at least every order purchased in the windows of the
        days shown (``start`` - 6 ... ``end``), as a read of a few months of a store gives.
        Which days are shown and complete, and the marketplaces there are, then come from it;
        the counts from ``orders``. By default, ``data_extent(orders, tz)``.

    Returns
    -------
    DataFrame
        ``marketplace``, ``date`` (naive midnight of the day in ``tz``), ``orders``,
        ``seller_cancellations``, ``rate`` (NaN without orders), ``status`` (``ok``, ``breach``,
        ``no-orders`` or ``gap``), ``complete`` (the window starts inside the data, reaches into
        no gap, and does not end on a last day the data may not hold whole: see
        :func:`data_end`) and ``unattributed`` (counted cancellations nobody could attribute).
        Days run from each marketplace's first day of data (+6 unless ``include_partial``) to its
        last.

    Examples
    --------
    >>> days = pd.to_datetime(["2026-03-01T12:00Z"] * 40 + ["2026-03-07T12:00Z"], utc=True)
    >>> o = pd.DataFrame({"marketplace": "amazon.com", "purchase_date": days, "in_metric": True,
    ...                   "counted": [True] + [False] * 40, "attribution": pd.NA})
    >>> daily_rate(o)[["date", "orders", "seller_cancellations", "rate", "status"]]
            date  orders  seller_cancellations     rate status
    0 2026-03-07      41                     1  0.02439     ok
    """
    threshold = check_threshold(threshold)
    tz = check_tz(tz)
    _require(orders, ("marketplace", "purchase_date", "in_metric", "counted"))
    days = local_day(orders["purchase_date"], tz)
    extent = _extent(orders, tz, days) if extent is None else extent
    if extent.tz != tz:
        raise ParameterError(f"the extent is of {extent.tz} days, the rate of {tz} days.")
    # only marketplaces with MFN orders (anywhere in the data) get a row, in name order
    names = np.asarray(sorted(extent.days), dtype=object)
    codes = _codes(orders["marketplace"], names)
    keep = (
        orders["in_metric"].to_numpy(dtype=bool)
        & (days != np.iinfo(np.int64).min)
        & (codes >= 0)
    )
    codes = codes[keep].astype(np.int64)
    if marketplace is not None:
        wanted = [marketplace] if isinstance(marketplace, str) else list(marketplace)
        unknown = [m for m in wanted if m not in set(names)]
        if unknown:
            raise ParameterError(
                f"no MFN orders for marketplace(s) {unknown} in the data; the data has "
                f"{list(names) or 'none'}. Use one of those names, e.g. 'amazon.com'."
            )
    days = days[keep]
    counted = orders["counted"].to_numpy(dtype=bool)[keep]
    if "attribution" in orders:
        unknown = orders["attribution"].eq("unknown").fillna(False).to_numpy(dtype=bool)
        unattributed = counted & unknown[keep]
    else:
        unattributed = np.zeros_like(counted)
    if not len(names):
        return _frame([], [], [], [], [], [], threshold)

    bounds = np.asarray([extent.days[m] for m in names], dtype=np.int64).reshape(-1, 2)
    first_day = int(bounds[:, 0].min())
    span = int(bounds[:, 1].max() - first_day + 1)
    nm = len(names)
    inside = (days >= first_day) & (days < first_day + span)
    if not inside.all():
        raise ParameterError("the orders reach outside the extent given for them: pass "
                             "data_extent() of every order, or none.")
    slot = codes * span + (days - first_day)
    n = np.bincount(slot, minlength=nm * span).reshape(nm, span)
    c = np.bincount(slot[counted], minlength=nm * span).reshape(nm, span)
    u = np.bincount(slot[unattributed], minlength=nm * span).reshape(nm, span)
    first = bounds[:, 0] - first_day
    last = bounds[:, 1] - first_day
    col = np.arange(span)
    complete = col[None, :] >= first[:, None] + (WINDOW_DAYS - 1)
    short = (last - first + 1) < WINDOW_DAYS  # no complete window at all: show the partial ones
    partial_ok = include_partial | short
    show = np.where(partial_ok[:, None], col[None, :] >= first[:, None], complete) & (
        col[None, :] <= last[:, None]
    )
    end_day, end_complete = data_end(orders, tz, extent=extent)
    if end_day is not None and not end_complete:
        complete &= (first_day + col < end_day)[None, :]
    lo = day_number(start, tz, "start")
    hi = day_number(end, tz, "end")
    label = first_day + col
    if lo is not None:
        show &= (label >= lo)[None, :]
    if hi is not None:
        show &= (label <= hi)[None, :]
    if marketplace is not None:
        show &= np.isin(names, wanted)[:, None]

    def window(a):
        cs = np.cumsum(a, axis=1)
        cs[:, WINDOW_DAYS:] -= cs[:, :-WINDOW_DAYS].copy()
        return np.rint(cs).astype(np.int64)

    rows, cols = np.nonzero(show)
    out = _frame(
        names[rows],
        label[cols],
        window(n)[rows, cols],
        window(c)[rows, cols],
        window(u)[rows, cols],
        complete[rows, cols],
        threshold,
    )
    if gaps is not None:
        from .gaps import apply_gaps

        out = apply_gaps(out, gaps, tz=tz)
    return out


def _codes(values: pd.Series, names) -> np.ndarray:
    """The position of each value in ``names`` (-1 where missing or not among them)."""
    codes, uniques = pd.factorize(values)
    where = {name: i for i, name in enumerate(names)}
    table = np.asarray([where.get(u, -1) for u in uniques] + [-1], dtype=np.int64)
    return table[codes]  # code -1 (missing) takes the last entry, -1


def data_end(orders: pd.DataFrame, tz: str = "UTC", *,
             extent: Extent | None = None) -> tuple[int | None, bool]:
    """The data's last purchase day (int64 day in ``tz``) and whether the data holds it whole.

    An export made during a day holds only the orders placed so far that day. The kit takes the
    last day as complete only when some order in the data was updated after that day ended
    (``last_updated_date``): the export was made later. Without that proof, the day is partial.
    A frame without a ``last_updated_date`` column (built by hand) is not judged: complete.

    Examples
    --------
    >>> o = pd.DataFrame({"in_metric": True,
    ...     "purchase_date": pd.to_datetime(["2026-03-09T10:00Z"], utc=True),
    ...     "last_updated_date": pd.to_datetime(["2026-03-09T13:00Z"], utc=True)})
    >>> day, whole = data_end(o); str(day_label(day).date()), whole
    ('2026-03-09', False)

    With ``extent`` (:func:`data_extent` of every order, when ``orders`` holds some), the last
    day and the latest update are the extent's.
    """
    if extent is not None:
        if extent.last_day is None:
            return None, True
        return extent.last_day, _whole(extent.last_day, extent.newest, extent.updates, tz)
    if "purchase_date" not in orders or not len(orders):
        return None, True
    days = local_day(orders["purchase_date"], tz)
    days = days[days != np.iinfo(np.int64).min]
    if not len(days):
        return None, True
    last = int(days.max())
    if "last_updated_date" not in orders:
        return last, True
    return last, _whole(last, pd.Series(orders["last_updated_date"]).max(), True, tz)


def _whole(last: int, newest, updates: bool, tz: str) -> bool:
    """Whether day ``last`` (in ``tz``) is held whole: an update came after it ended."""
    if not updates:
        return True
    if pd.isna(newest):
        return False
    end = pd.Timestamp((last + 1) * _DAY_NS).tz_localize(tz).tz_convert("UTC")
    return bool(pd.Timestamp(newest).tz_convert("UTC") >= end)


@dataclass(frozen=True)
class Extent:
    """Where the data begins and ends, for a rate computed from some of its orders.

    ``days`` maps each marketplace with MFN orders to the first and last day (int64 days in
    ``tz``) one of them was purchased; ``last_day`` is the last purchase day of any order (None
    without one); ``newest`` the latest ``last_updated_date`` of any order (NaT if none);
    ``updates`` whether the orders have that column at all. :func:`data_extent` computes it
    from orders; :meth:`join` joins the extents of orders read in pieces.
    """

    tz: str
    days: dict = field(default_factory=dict)
    last_day: int | None = None
    newest: pd.Timestamp = pd.NaT
    updates: bool = True

    def join(self, other: Extent) -> Extent:
        """The extent of the orders of both (of the same ``tz``)."""
        if other.tz != self.tz:
            raise ParameterError(f"cannot join extents of {self.tz} and {other.tz} days.")
        days = dict(self.days)
        for market, (lo, hi) in other.days.items():
            old = days.get(market)
            days[market] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))
        ends = [d for d in (self.last_day, other.last_day) if d is not None]
        stamps = [t for t in (self.newest, other.newest) if not pd.isna(t)]
        return Extent(self.tz, days, max(ends) if ends else None,
                      max(stamps) if stamps else pd.NaT, self.updates or other.updates)


def data_extent(orders: pd.DataFrame, tz: str = "UTC") -> Extent:
    """The :class:`Extent` of ``orders``: what :func:`daily_rate` takes of the data's edges.

    Examples
    --------
    >>> o = pd.DataFrame({"marketplace": ["amazon.com", "amazon.ca", "amazon.com"],
    ...     "purchase_date": pd.to_datetime(["2026-03-01T12:00Z", "2026-03-02T12:00Z",
    ...                                      "2026-03-05T12:00Z"], utc=True),
    ...     "in_metric": [True, False, True]})
    >>> e = data_extent(o)
    >>> {m: [str(day_label(d).date()) for d in b] for m, b in e.days.items()}, e.last_day
    ({'amazon.com': ['2026-03-01', '2026-03-05']}, 20517)
    """
    tz = check_tz(tz)
    _require(orders, ("marketplace", "purchase_date", "in_metric"))
    return _extent(orders, tz, local_day(orders["purchase_date"], tz))


def _extent(orders: pd.DataFrame, tz: str, days: np.ndarray) -> Extent:
    """:func:`data_extent` of ``orders`` whose purchase days in ``tz`` are ``days``."""
    dated = days != np.iinfo(np.int64).min
    keep = orders["in_metric"].to_numpy(dtype=bool) & dated & \
        orders["marketplace"].notna().to_numpy(dtype=bool)
    bounds = {}
    if keep.any():
        codes, markets = pd.factorize(orders["marketplace"])
        spans = pd.Series(days[keep]).groupby(codes[keep], sort=False)
        low, high = spans.min(), spans.max()
        bounds = {str(markets[i]): (int(low[i]), int(high[i])) for i in low.index}
    updates = "last_updated_date" in orders
    newest = pd.Series(orders["last_updated_date"]).max() if updates and len(orders) else pd.NaT
    return Extent(tz, bounds, int(days[dated].max()) if dated.any() else None,
                  pd.NaT if pd.isna(newest) else pd.Timestamp(newest), updates)


def _frame(markets, days, n, c, u, complete, threshold) -> pd.DataFrame:
    n = np.asarray(n, dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, c / np.maximum(n, 1), np.nan)
    status = np.where(n == 0, "no-orders", np.where(exceeds(c, n, threshold), "breach", "ok"))
    return pd.DataFrame(
        {
            "marketplace": pd.Series(markets, dtype="str"),
            "date": pd.Series(np.asarray(days, dtype=np.int64) * _DAY_NS, dtype="datetime64[ns]"),
            "orders": n,
            "seller_cancellations": c,
            "rate": rate.astype(float),
            "status": pd.Series(status, dtype="str"),
            "complete": np.asarray(complete, dtype=bool),
            "unattributed": np.asarray(u, dtype=np.int64),
        }
    )


def metric_days(orders: pd.DataFrame, tz: str = "UTC") -> pd.DataFrame:
    """Return the in-metric orders with ``day`` (int64 days since 1970-01-01 in ``tz``).

    A helper for the budget, roll-off and listing views, which work per marketplace and day.
    """
    _require(orders, ("order_id", "marketplace", "purchase_date", "in_metric", "counted"))
    days = local_day(orders["purchase_date"], tz)
    keep = (
        orders["in_metric"].to_numpy(dtype=bool)
        & (days != np.iinfo(np.int64).min)
        & orders["marketplace"].notna().to_numpy()
    )
    columns = [c for c in ("order_id", "marketplace", "purchase_date", "counted", "attribution")
               if c in orders]
    out = orders.loc[keep, columns].assign(day=days[keep])
    if "attribution" not in out:
        out["attribution"] = pd.Series(pd.NA, index=out.index, dtype="str")
    return out.reset_index(drop=True)


def asof_days(frame: pd.DataFrame, asof, tz: str = "UTC") -> pd.Series:
    """Return the as-of day per marketplace: ``asof``, or else the last purchase day in the data.

    One day for every marketplace, so that a small marketplace with no orders on the last day is
    reported for the same window as the others rather than for an older one.
    """
    fixed = day_number(asof, tz, "asof")
    marketplaces = frame.groupby("marketplace", sort=True)["day"].max()
    if fixed is None:
        fixed = int(marketplaces.max()) if len(marketplaces) else 0
    return pd.Series(fixed, index=marketplaces.index, dtype=np.int64)


def day_label(day) -> pd.Timestamp:
    """Turn an int64 day number back into a naive midnight Timestamp (NaT for None)."""
    return pd.NaT if day is None else pd.Timestamp(int(day) * _DAY_NS)
