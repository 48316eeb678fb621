"""The months of a store a rate needs: only those its shown days' windows reach.

The rate for days ``start`` ... ``end`` counts the orders purchased ``start`` - 6 ... ``end`` (in
the chosen time zone). A store keeps its order rows per UTC purchase month, so those orders are
in the months from the UTC day before ``start`` - 6 to the UTC day after ``end`` (no time zone
is a whole day away from UTC); :func:`read_window` reads those months, with every column a
command asks for, and converts only the orders purchased in those bounds (:func:`window_bounds`);
of the rest it reads nothing but:

* which days are shown and complete depends on where each marketplace's MFN orders begin and
  end, and on the data's last purchase day: the two ends of the history are read, a few columns
  (order id, purchase date, status, channels, marketplace), the first and the last day first,
  then whole months from the oldest forward and from the newest back while a marketplace the
  store's imports cover has not been seen (up to the window's bounds);
* whether the last day is held whole depends on the latest update of any order: the Parquet
  statistics of every file say it, without reading a row;
* the stock-out log and Amazon's download name orders that may lie in any month: their rows are
  kept in the months read, found by a read of the order id column of the other months, and
  added (in the store's order), so attribution and its warnings are those of every order.

What is read this way gives the rate of reading everything, day by day (``tests/
test_store_zoo.py`` checks every sample profile, time zone and format). It assumes what Amazon's
exports hold: the items of one order share its purchase date, so an order is never split over
two months. A store kept whole (format 1) has no months to pick: everything is read.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from ..io.schema import ALL_ORDERS, CANCEL_DOWNLOAD, NON_AMAZON, ORDER_REPORT, STOCKOUT_LOG
from ..exceptions import MissingOrderIdWarning
from .orders import missing_ids_message, orders_from_exports, orders_from_items
from .rate import WINDOW_DAYS, Extent, data_extent, day_number, local_day

__all__ = ["Window", "read_window", "in_window", "window_months", "window_bounds"]

_EDGE_COLUMNS = ("order_id", "purchase_date", "order_status", "fulfillment_channel",
                 "sales_channel", "marketplace")
"""What the months at the ends of the history are read for: enough to say which orders are MFN
orders of which marketplace, and when they were purchased."""


@dataclasses.dataclass(frozen=True)
class Window:
    """What :func:`read_window` read: the exports and orders, the whole data's extent, and how
    many month files of the store's order kinds were read (``files_read`` whole, ``files_edge``
    a few columns of) of the ``files_held``."""

    exports: object
    orders: pd.DataFrame
    extent: Extent
    files_read: int
    files_edge: int
    files_held: int


def _month(stamp: pd.Timestamp) -> int:
    return (stamp.year - 1970) * 12 + stamp.month - 1


_PAST, _FUTURE = pd.Timestamp("1900-01-01", tz="UTC"), pd.Timestamp("2300-01-01", tz="UTC")


def window_bounds(start, end, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The UTC instants from which and before which an order can be purchased on a day
    ``start`` - 6 ... ``end`` in ``tz``: a whole UTC day wider at each end than those days
    (no time zone is a day away from UTC). An open end is far in the past or future.

    Examples
    --------
    >>> [str(t.date()) for t in window_bounds("2026-03-08", "2026-03-31", "Asia/Tokyo")]
    ['2026-03-01', '2026-04-02']
    """
    lo, hi = day_number(start, tz, "start"), day_number(end, tz, "end")
    first = _PAST if lo is None else pd.Timestamp((int(lo) - WINDOW_DAYS) * 86_400, unit="s",
                                                  tz="UTC")
    last = _FUTURE if hi is None else pd.Timestamp((int(hi) + 2) * 86_400, unit="s", tz="UTC")
    return first, last


def window_months(start, end, tz: str, months: list[int]) -> list[int]:
    """The months of ``months`` (UTC purchase months, as the store numbers them) that can hold
    an order purchased on a day ``start`` - 6 ... ``end`` in ``tz`` (either end open if None).

    Examples
    --------
    >>> m = lambda y, mo: (y - 1970) * 12 + mo - 1
    >>> held = [m(2026, 1), m(2026, 2), m(2026, 3), m(2026, 4)]
    >>> [x - m(2026, 1) for x in window_months("2026-03-05", "2026-03-31", "UTC", held)]
    [1, 2, 3]
    >>> [x - m(2026, 1) for x in window_months("2026-03-08", "2026-03-30", "UTC", held)]
    [2]
    """
    first, last = window_bounds(start, end, tz)
    return [m for m in months
            if _month(first) <= m <= _month(last - pd.Timedelta(microseconds=1))]


def in_window(orders: pd.DataFrame, start, end, tz: str = "UTC") -> pd.DataFrame:
    """The orders purchased on a day ``start`` - 6 ... ``end`` in ``tz``: those behind the rates
    of the days ``start`` ... ``end``. Both None: every order (undated ones too).

    Examples
    --------
    >>> o = pd.DataFrame({"purchase_date": pd.to_datetime(
    ...     ["2026-03-01T12:00Z", "2026-03-03T12:00Z", "2026-03-10T12:00Z", None], utc=True)})
    >>> len(in_window(o, "2026-03-09", "2026-03-09")), len(in_window(o, None, None))
    (1, 4)
    """
    lo, hi = day_number(start, tz, "start"), day_number(end, tz, "end")
    if lo is None and hi is None:
        return orders
    days = local_day(orders["purchase_date"], tz)
    keep = days != np.iinfo(np.int64).min
    if lo is not None:
        keep &= days >= lo - (WINDOW_DAYS - 1)
    if hi is not None:
        keep &= days <= hi
    return orders[keep]


def read_window(store, *, start, end, tz: str, columns, compact: bool = False,
                exclude_pending: bool = False) -> Window | None:
    """Read of ``store`` what the rate of the days ``start`` ... ``end`` (in ``tz``) needs.

    ``columns`` and ``compact`` are :func:`oos_analysis.store.load`'s. Returns None when the
    store keeps its orders whole (format 1), holds no All Orders row, or when neither end is
    given: then read it all.
    The orders are those of the months read, plus those the stock-out log or Amazon's download
    name; the extent is the whole store's (see the module's description).
    """
    from ..store.loader import Snapshot

    if start is None and end is None:
        return None
    snap = Snapshot(store)
    held = snap.months(ALL_ORDERS)
    reports = snap.months(ORDER_REPORT)
    if held is None or reports is None or not snap.rows(ALL_ORDERS):
        return None  # read it all (and say so when it holds no All Orders row)
    chosen = set(window_months(start, end, tz, sorted(set(held) | set(reports))))
    bounds = window_bounds(start, end, tz)
    named = _named(snap)  # orders the log or the download names: read wherever they are
    exports = snap.load(columns=columns, compact=compact, months=chosen, purchased=bounds,
                        also=named)
    exports = _with_named_orders(snap, exports, named, chosen, columns, compact)
    orders = _orders(snap, exports, exclude_pending)
    extent = data_extent(orders, tz)
    edge, extent = _edges(snap, held, chosen, bounds, extent, tz)
    extent = dataclasses.replace(extent, newest=snap.newest(ALL_ORDERS, "last_updated_date"),
                                 updates=True)
    count = _files_per_month(snap)
    return Window(exports, orders, extent, files_read=sum(count.get(m, 0) for m in chosen),
                  files_edge=sum(count.get(m, 0) for m in edge),
                  files_held=sum(count.values()))


def _orders(snap, exports, exclude_pending: bool) -> pd.DataFrame:
    """The orders of ``exports``, warning of the rows without an order id in the whole store
    (from the files' statistics), as a read of every month does, not of those read."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingOrderIdWarning)  # counted below, in every month
        orders = orders_from_exports(exports, exclude_pending=exclude_pending)
    blank = snap.missing(ALL_ORDERS, "order_id")
    if blank:
        warnings.warn(missing_ids_message(blank), MissingOrderIdWarning, stacklevel=3)
    return orders


def _files_per_month(snap) -> dict[int, int]:
    from ..store.parts import segments

    count: dict[int, int] = {}
    for kind in (ALL_ORDERS, ORDER_REPORT):
        for seg in segments(snap.live, snap.book, kind):
            count[seg["month"]] = count.get(seg["month"], 0) + 1
    return count


def _edges(snap, held: list[int], chosen: set[int], bounds: tuple, extent: Extent,
           tz: str) -> tuple[list[int], Extent]:
    """Join to ``extent`` that of the orders at both ends of the history, outside ``bounds``,
    read a few columns at a time, oldest forward and newest back, until each marketplace has
    been seen from that end or the window is reached. The newest orders are always read (the
    last purchase day).

    Of each month, the orders of its first (or last) day come first: when every marketplace not
    yet seen is among them, the rest of the month is not converted; nor are the orders of the
    marketplaces seen already (one with FBA orders alone is looked for up to the window, at the
    cost of its own orders). A marketplace's first and
    last day are exact where they decide a shown day (in or after the window for its last, in or
    before it for its first); a first day after the window or a last day before it decides none.
    """
    wanted = snap.marketplaces(ALL_ORDERS) - {NON_AMAZON, "unknown"}
    inside = sorted(set(held) & chosen)
    before = [(m, (_PAST, _FUTURE)) for m in held if m < min(chosen, default=np.inf)]
    after = [(m, (_PAST, _FUTURE)) for m in reversed(held) if m > max(chosen, default=-np.inf)]
    if inside:  # the rows of the window's first and last months outside its bounds
        before.append((inside[0], (_PAST, bounds[0])))
        after.append((inside[-1], (bounds[1], _FUTURE)))
    day, second = pd.Timedelta(days=1), pd.Timedelta(seconds=1)
    read = []
    for months in (before, after):
        seen: set[str] = set()
        for month, (start, stop) in months:
            if wanted and wanted <= seen:
                break
            lo, hi = snap.span(ALL_ORDERS, "purchase_date", [month])
            if pd.isna(lo) or hi < start or lo >= stop:
                continue
            lo, hi = max(lo, start), min(hi + second, stop)  # hi: before it, as bounds are
            ends = [(lo, min(lo + day, hi)) if months is before else (max(hi - day, lo), hi),
                    (lo, hi)]
            for purchased in ends:  # the orders of marketplaces seen already cannot tell more
                part = snap.frame(ALL_ORDERS, columns=_EDGE_COLUMNS, compact=True,
                                  months=[month], purchased=purchased, other_than=seen)
                with warnings.catch_warnings():  # the window's read says what is odd, once
                    warnings.simplefilter("ignore")
                    found = data_extent(orders_from_items(part), tz)
                if wanted and wanted <= seen | set(found.days):
                    break
            extent = extent.join(found)
            seen |= set(found.days)
            if month not in chosen:
                read.append(month)
    return read, extent


def _named(snap) -> list[str]:
    """The order ids (stripped) the stock-out log and Amazon's download name."""
    named: set[str] = set()
    for kind in (STOCKOUT_LOG, CANCEL_DOWNLOAD):
        frame = snap.frame(kind, columns=["order_id"]) if snap.rows(kind) else None
        if frame is not None and "order_id" in frame:
            named |= {str(i).strip() for i in frame["order_id"].dropna()}
    return sorted(named)


def _with_named_orders(snap, exports, named: list[str], chosen: set[int], columns,
                       compact: bool):
    """``exports`` with the rows of the ``named`` orders that lie in months not read, in the
    store's order (month by month, undated last)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not named:
        return exports
    named = pa.array(named, type=pa.large_string())
    have = pa.array(exports.all_orders["order_id"].astype("str"), type=pa.large_string(),
                    from_pandas=True)
    missing = named.filter(pc.invert(pc.is_in(named, value_set=pc.utf8_trim_whitespace(have))))
    if not len(missing):
        return exports
    extra = {}
    for kind in (ALL_ORDERS, ORDER_REPORT):
        wanted = None if columns is None else columns.get(kind)
        found = snap.find(kind, missing.to_pylist(), skip=chosen, columns=wanted, compact=compact)
        if len(found):
            extra[kind] = _in_store_order(getattr(exports, kind), found)
    return dataclasses.replace(exports, **extra) if extra else exports


def _in_store_order(read: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """The rows of both, month by month (undated last), each month's rows in their order; the
    rows of ``found`` after those of ``read`` when they have no purchase date to order them by
    (the columns of the order report the rate reads: its rows are looked up, never in order)."""
    from ..store.parts import month_codes

    both = pd.concat([read, found], ignore_index=True)
    order = np.argsort(month_codes(both, ALL_ORDERS), kind="stable")  # undated: the last code
    return _recoded(both.take(order).reset_index(drop=True), read)


def _recoded(both: pd.DataFrame, read: pd.DataFrame) -> pd.DataFrame:
    """``both`` with the Categorical columns of ``read`` Categorical again (a concatenation of
    two with other categories gives text)."""
    recode = {c: "category" for c in read.columns
              if isinstance(read[c].dtype, pd.CategoricalDtype)
              and not isinstance(both[c].dtype, pd.CategoricalDtype)}
    return both.astype(recode) if recode else both
