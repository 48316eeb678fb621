"""The data as it was known at the end of a day, so a report for an earlier day sees no later fact.

Exports are downloaded today, but a report "as of" an earlier day must show what the seller could
have known then. :func:`known_on` cuts every report kind back to the end of that day (in ``tz``):

* **All Orders / order report**: orders placed after the day do not exist yet. A cancellation whose
  order's ``last_updated_date`` falls after the day has not happened yet: the order (or item) is
  read as still pending;
* **Amazon's cancel-rate download**: orders placed after the day, and orders whose cancellation
  has not happened yet, are not listed;
* **stock-out log**: a case detected after the day is left out; a request, reminder, official
  request or resolution stamped after it has not happened (the case is still open);
* **Seller Performance**: only the reporting windows that ended by the end of the day.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ..io.schema import CANCELLED
from .rate import check_tz, day_label, day_number

__all__ = ["known_on", "day_end"]

_LOG_STAMPS = ("request_sent_at", "reminder_sent_at", "official_request_at", "resolved_at")


def day_end(asof, tz: str = "UTC") -> pd.Timestamp:
    """Return the first instant (UTC) after the as-of day in ``tz``.

    Examples
    --------
    >>> day_end("2026-11-24", "Asia/Tokyo")
    Timestamp('2026-11-24 15:00:00+0000', tz='UTC')
    """
    tz = check_tz(tz)
    day = day_number(asof, tz, "asof")
    return (day_label(day) + pd.Timedelta(days=1)).tz_localize(tz).tz_convert("UTC")


def _after(frame: pd.DataFrame, column: str, end: pd.Timestamp) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return (frame[column].notna() & (frame[column] >= end)).astype(bool)


def _keep(frame: pd.DataFrame, column: str, end: pd.Timestamp) -> pd.DataFrame:
    later = _after(frame, column, end)
    return frame.loc[~later] if later.any() else frame


def _orders_not_yet_cancelled(items: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    later = _after(items, "last_updated_date", end)
    if not later.any():
        return items
    items = items.copy()
    for column, pending in (("order_status", "pending"), ("item_status", "unshipped")):
        if column in items.columns:
            undo = later & items[column].eq(CANCELLED).fillna(False).astype(bool)
            items.loc[undo, column] = pending
    return items


def _log_as_of(log: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    stamps = [c for c in ("detected_at", *_LOG_STAMPS) if c in log.columns]
    if not any(_after(log, c, end).any() for c in stamps):
        return log
    log = log.loc[~_after(log, "detected_at", end)].copy()
    if "resolution" in log.columns:
        reopened = _after(log, "resolved_at", end) & log["resolution"].ne("open").fillna(False)
        log.loc[reopened.astype(bool), "resolution"] = "open"
    for column in _LOG_STAMPS:
        if column in log.columns:
            log.loc[_after(log, column, end), column] = pd.NaT
    return log


def known_on(exports, asof, *, tz: str = "UTC"):
    """Return a copy of ``exports`` cut back to what was known at the end of ``asof`` (in ``tz``).

    Parameters
    ----------
    exports : Exports
        What :func:`~oos_analysis.read_exports` or the store's ``load`` returned. Not modified.
    asof : date-like
        The day; everything stamped from the next midnight in ``tz`` on is unknown.
    tz : str, default "UTC"

    Returns
    -------
    Exports
        Same files, each report kind cut back as the module docstring says.

    Examples
    --------
    >>> import pandas as pd
    >>> from oos_analysis.io.readers import Exports
    >>> items = pd.DataFrame({"order_id": ["A", "B"], "order_status": ["cancelled"] * 2,
    ...     "purchase_date": pd.to_datetime(["2026-10-28T10:00Z"] * 2),
    ...     "last_updated_date": pd.to_datetime(["2026-10-29T10:00Z", "2026-10-30T10:00Z"])})
    >>> empty = pd.DataFrame()
    >>> exports = Exports((), items, empty, empty, empty, empty)
    >>> known_on(exports, "2026-10-29").all_orders["order_status"].tolist()
    ['cancelled', 'pending']
    """
    end = day_end(asof, tz)
    items = _orders_not_yet_cancelled(_keep(exports.all_orders, "purchase_date", end), end)
    report = _keep(exports.order_report, "purchase_date", end)

    download = exports.cancel_download
    if len(download) and "order_id" in download.columns:
        cancelled = pd.Series(False, index=items.index)
        for column in ("order_status", "item_status"):
            if column in items.columns:
                cancelled |= items[column].eq(CANCELLED).fillna(False).astype(bool)
        undone = set(exports.all_orders["order_id"].dropna()) - set(items.loc[cancelled, "order_id"])
        # Orders the export does not hold at all stay listed: that is Amazon's word, not ours.
        undone &= set(exports.all_orders.loc[
            _after(exports.all_orders, "last_updated_date", end)
            | _after(exports.all_orders, "purchase_date", end), "order_id"].dropna())
        drop = _after(download, "order_date", end) | download["order_id"].isin(undone)
        download = download.loc[~drop] if drop.any() else download

    log = exports.stockout_log
    if len(log):
        log = _log_as_of(log, end)
    perf = exports.seller_performance
    if len(perf) and "date_to" in perf.columns:
        ended = perf["date_to"].notna() & (perf["date_to"] < end)
        perf = perf if ended.all() else perf.loc[ended]
    cut = dict(all_orders=items, order_report=report, cancel_download=download,
               stockout_log=log, seller_performance=perf)
    if all(frame is getattr(exports, kind) for kind, frame in cut.items()):
        return exports  # nothing was stamped after the day: the same object, nothing copied
    return replace(exports, **cut)
