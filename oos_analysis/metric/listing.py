"""Listings at risk of removal after repeated seller cancellations.

Separate from the 2.5 % limit, Amazon may remove an offer after two consecutive seller
cancellations for orders placed in the last 30 days on that listing (``cancellation-rules.md``
section 2). The kit flags a SKU with one counted cancellation in that period as a warning (the next
one can get the offer removed) and with two or more as at risk. It counts any two, consecutive or
not, which errs on the cautious side; "seller cancellation" means counted, so unattributed ones
are included as everywhere else in the kit (section 3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import ParameterError
from ..io.schema import CANCELLED
from .rate import asof_days, check_tz, metric_days

__all__ = ["LISTING_DAYS", "listing_risk"]

LISTING_DAYS = 30
"""Look-back of the per-listing rule: orders placed in the last 30 days."""

_COLUMNS = ["marketplace", "sku", "asin", "product_name", "seller_cancellations", "level",
            "last_cancelled_order"]


def listing_risk(
    items: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    asof=None,
    days: int = LISTING_DAYS,
    tz: str = "UTC",
) -> pd.DataFrame:
    """Return the SKUs with counted seller cancellations among orders of the last ``days`` days.

    Parameters
    ----------
    items : DataFrame
        ``Exports.all_orders`` (one row per item): ``order_id``, ``sku`` and, when present,
        ``asin``, ``product_name``, ``order_status``, ``item_status``.
    orders : DataFrame
        The frame :func:`~oos_analysis.orders_from_items` built from ``items``.
    asof : date-like, optional
        Last day of the look-back (default: the last purchase day in the data).
    days : int, default 30
    tz : str, default "UTC"

    Returns
    -------
    DataFrame
        ``marketplace``, ``sku``, ``asin``, ``product_name``, ``seller_cancellations`` (orders),
        ``level`` (``"warning"`` for one, ``"at_risk"`` for two or more) and
        ``last_cancelled_order`` (the most recently placed one), worst first. In a partly cancelled
        order only the cancelled items' SKUs are blamed; in a whole cancellation, every SKU.

    Examples
    --------
    >>> items = pd.DataFrame({"order_id": ["A", "B", "C"], "sku": ["S1", "S1", "S2"],
    ...                       "order_status": "cancelled", "item_status": None})
    >>> orders = pd.DataFrame({"order_id": ["A", "B", "C"], "marketplace": "amazon.com",
    ...     "purchase_date": pd.to_datetime(["2026-03-01", "2026-03-09", "2026-03-09"], utc=True),
    ...     "in_metric": True, "counted": True})
    >>> listing_risk(items, orders)[["sku", "seller_cancellations", "level", "last_cancelled_order"]]
      sku  seller_cancellations    level last_cancelled_order
    0  S1                     2  at_risk                    B
    1  S2                     1  warning                    C
    """
    tz = check_tz(tz)
    if not isinstance(days, (int, np.integer)) or days < 1:
        raise ParameterError(f"days must be a whole number of days >= 1 (30 by default); got {days!r}.")
    missing = [c for c in ("order_id", "sku") if c not in items]
    if missing:
        raise ParameterError(
            f"the all_orders frame lacks column(s) {missing}; found {list(items.columns)}. "
            "Listing risk needs the All Orders export, which has one row per SKU."
        )
    frame = metric_days(orders, tz)
    counted = frame[frame["counted"]]
    if counted.empty:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in _COLUMNS}).astype(
            {"seller_cancellations": "int64"}
        )
    asof_each = counted["marketplace"].map(asof_days(frame, asof, tz)).to_numpy(dtype=np.int64)
    day = counted["day"].to_numpy()
    recent = counted[(day > asof_each - days) & (day <= asof_each)]

    wanted = [c for c in ("order_id", "sku", "asin", "product_name", "order_status", "item_status")
              if c in items]
    lines = items.loc[items["order_id"].astype("str").isin(recent["order_id"]), wanted].copy()
    lines["order_id"] = lines["order_id"].astype("str")
    row_cancel = pd.Series(False, index=lines.index)
    for col in ("order_status", "item_status"):
        if col in lines:
            row_cancel |= lines[col].eq(CANCELLED).fillna(False)
    # Blame the cancelled lines; if an order shows none (Amazon's download counted it), blame all.
    has_cancel_line = row_cancel.groupby(lines["order_id"]).transform("any")
    lines = lines[row_cancel | ~has_cancel_line]
    lines = lines.merge(recent[["order_id", "marketplace", "purchase_date"]], on="order_id")
    for col in ("asin", "product_name"):
        if col not in lines:
            lines[col] = pd.Series(pd.NA, index=lines.index, dtype="str")
    lines = lines.sort_values("purchase_date", kind="stable")
    grouped = lines.groupby(["marketplace", "sku"], sort=True, dropna=False)
    out = grouped.agg(
        asin=("asin", "last"),
        product_name=("product_name", "last"),
        seller_cancellations=("order_id", "nunique"),
        last_cancelled_order=("order_id", "last"),
    ).reset_index()
    out["level"] = np.where(out["seller_cancellations"] >= 2, "at_risk", "warning")
    out = out.sort_values(["seller_cancellations", "marketplace", "sku"],
                          ascending=[False, True, True], kind="stable")
    return out[_COLUMNS].reset_index(drop=True).astype({"level": "str", "seller_cancellations": "int64"})
