"""Put the kit's cancel rate next to the one in Amazon's Seller Performance report.

Amazon reports one window per marketplace, ``reportingDateRange`` in UTC (whole days in every
report seen: ``2020-11-12T00:00Z`` .. ``2020-11-18T23:59Z``). The kit counts the orders placed
from ``reportingDateFrom`` up to the end of the minute of ``reportingDateTo``, so a range that
does not start at midnight is counted over the 7 days it covers, not the 8 calendar days it
touches. It uses its own rules (``cancellation-rules.md`` section 3: window by purchase date,
denominator all MFN orders, unattributed cancellations counted) and, where the numbers differ,
names the likely reason. Amazon's figures that disagree with themselves (count / orders is not
the rate) are flagged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import ParameterError
from ..io.schema import require_columns
from .rate import DEFAULT_THRESHOLD, check_threshold, exceeds, local_day

__all__ = ["BOUNDARY_HOURS", "reconcile", "amazon_consistent"]

BOUNDARY_HOURS = 14
"""Orders this close to the range's edges could move across under another day boundary
(marketplace time zones run from UTC-8 to UTC+9 or so)."""

_METRIC = "pre_fulfillment_cancel_rate"
_DAY = pd.Timedelta(days=1)


def _require(frame, columns, what):
    require_columns(frame, columns, what=f"the {what} frame",
                    advice=f"Pass Exports.{what} from read_exports().")

def _missing_days(all_days: np.ndarray, lo: pd.Timestamp, hi: pd.Timestamp) -> list[str]:
    wanted = pd.date_range(lo.tz_localize(None), hi.tz_localize(None), freq="D")
    have = set(all_days.tolist())
    return [d.strftime("%Y-%m-%d") for d in wanted if d.value // 86_400_000_000_000 not in have]


def amazon_consistent(orders, defects, rate) -> bool:
    """Whether Amazon's count / orders matches its rate (to the rounding of a 4-digit rate).

    Examples
    --------
    >>> amazon_consistent(17197, 551, 0.032), amazon_consistent(200, 2, 0.05)
    (True, False)
    """
    if any(pd.isna(v) for v in (orders, defects, rate)) or not orders:
        return True
    return abs(defects / orders - rate) <= 0.00005 + 0.01 * abs(rate)


def _reason(row: dict, missing: list[str], near_edges: int) -> str:
    parts = []
    if not row["amazon_consistent"]:
        parts.append(
            f"Amazon's own figures disagree: {row['amazon_cancellations']} / "
            f"{row['amazon_orders']} = {row['amazon_cancellations'] / row['amazon_orders']:.2%}, "
            f"but its rate says {row['amazon_rate']:.2%}; request the report again before "
            "comparing")
    if missing:
        shown = ", ".join(missing[:3]) + (" ..." if len(missing) > 3 else "")
        parts.append(
            f"exports missing days in the range: no order at all on {len(missing)} day(s) ({shown}); "
            "export All Orders covering Amazon's whole range"
        )
    extra = row["kit_cancellations"] - row["amazon_cancellations"]
    if extra > 0 and row["kit_unattributed"] > 0:
        parts.append(
            f"unattributed cancellations: the kit counts {row['kit_unattributed']} cancellation(s) "
            "it cannot attribute; some were probably official buyer requests. Add the Order "
            "Report with the buyer-request column, the stock-out log or Amazon's cancel-rate download"
        )
    if row["kit_orders"] != row["amazon_orders"] and 0 < abs(
        row["kit_orders"] - row["amazon_orders"]
    ) <= near_edges:
        parts.append(
            f"day boundary / tz: {near_edges} order(s) were placed within {BOUNDARY_HOURS} h of the "
            "range's edges, enough to explain the gap if Amazon cut the days differently"
        )
    same = (row["kit_orders"], row["kit_cancellations"]) == (
        row["amazon_orders"], row["amazon_cancellations"]
    )
    if same:
        return "all consistent" if row["amazon_consistent"] else parts[0]
    if not parts:
        return (
            "unexplained: the exports cover the range but the counts differ; check that every "
            "export is from this account and marketplace and is complete"
        )
    return "; ".join(parts)


def reconcile(
    orders: pd.DataFrame,
    seller_performance: pd.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Compare the kit's counts with Amazon's for each marketplace's reporting range.

    Parameters
    ----------
    orders : DataFrame
        The frame :func:`~oos_analysis.orders_from_items` returns.
    seller_performance : DataFrame
        ``Exports.seller_performance``; only ``metric == "pre_fulfillment_cancel_rate"`` is used.
    threshold : float, default 0.025
        Target for ``kit_status`` (Amazon's own ``target_value`` is shown beside it).

    Returns
    -------
    DataFrame
        One row per marketplace: ``marketplace``, ``date_from``, ``date_to`` (Amazon's range,
        UTC), ``amazon_orders``, ``kit_orders``, ``amazon_cancellations``, ``kit_cancellations``,
        ``kit_unattributed``, ``amazon_rate``, ``kit_rate``, ``difference`` (kit - Amazon, as a
        fraction), ``amazon_status``, ``kit_status``, ``target_value``, ``amazon_consistent``
        (Amazon's count / orders matches its rate) and ``likely_reason``
        (missing days, unattributed cancellations, day boundary, or "all consistent").

    Raises
    ------
    ParameterError
        No cancel-rate entry in the Seller Performance frame.

    Examples
    --------
    >>> perf = pd.DataFrame({"marketplace": ["amazon.com"], "metric": ["pre_fulfillment_cancel_rate"],
    ...     "date_from": pd.to_datetime(["2026-03-01T00:00Z"]), "date_to": pd.to_datetime(["2026-03-01T23:59Z"]),
    ...     "orders": [2], "defects": [0], "rate": [0.0], "target_value": [0.025], "status": ["GOOD"]})
    >>> o = pd.DataFrame({"order_id": ["A", "B"], "marketplace": "amazon.com", "in_metric": True,
    ...     "purchase_date": pd.to_datetime(["2026-03-01T01:00Z", "2026-03-01T20:00Z"], utc=True),
    ...     "counted": False, "attribution": pd.NA})
    >>> reconcile(o, perf)[["amazon_orders", "kit_orders", "kit_rate", "likely_reason"]]
       amazon_orders  kit_orders  kit_rate   likely_reason
    0              2           2       0.0  all consistent
    """
    threshold = check_threshold(threshold)
    _require(orders, ("marketplace", "purchase_date", "in_metric", "counted"), "orders")
    _require(seller_performance, ("marketplace", "metric", "date_from", "date_to", "orders",
                                  "defects", "rate"), "seller_performance")
    perf = seller_performance[seller_performance["metric"].eq(_METRIC).fillna(False)]
    if perf.empty:
        found = sorted(set(seller_performance["metric"].dropna()))
        raise ParameterError(
            "the Seller Performance data holds no pre-fulfillment cancel rate metric (it has "
            f"{', '.join(found) if found else 'no metric at all'}); request the Account Health "
            "report again for a marketplace with seller-fulfilled orders."
        )
    days = local_day(orders["purchase_date"], "UTC")
    attribution = orders["attribution"] if "attribution" in orders else pd.Series(pd.NA, index=orders.index)
    unknown = attribution.eq("unknown").fillna(False).to_numpy(dtype=bool)
    in_metric = orders["in_metric"].to_numpy(dtype=bool)
    counted = orders["counted"].to_numpy(dtype=bool)
    rows = []
    for entry in perf.itertuples(index=False):
        start = pd.Timestamp(entry.date_from).tz_convert("UTC")
        # "2020-11-18T23:59Z" and "...23:59:59Z" both mean: up to the end of that minute
        end = pd.Timestamp(entry.date_to).tz_convert("UTC").floor("min") + pd.Timedelta(minutes=1)
        lo, hi = start.normalize(), (end - pd.Timedelta(microseconds=1)).normalize()
        mine = orders["marketplace"].eq(entry.marketplace).fillna(False).to_numpy(dtype=bool)
        stamps = orders["purchase_date"]
        within = ((stamps >= start) & (stamps < end)).fillna(False).to_numpy(dtype=bool)
        inside = mine & in_metric & within
        edge = pd.Timedelta(hours=BOUNDARY_HOURS)
        near = mine & in_metric & (
            ((stamps - start).abs() <= edge) | ((stamps - end).abs() <= edge)
        ).fillna(False).to_numpy(dtype=bool)
        n, c = int(inside.sum()), int((inside & counted).sum())
        row = {
            "marketplace": entry.marketplace,
            "date_from": entry.date_from,
            "date_to": entry.date_to,
            "amazon_orders": entry.orders,
            "kit_orders": n,
            "amazon_cancellations": entry.defects,
            "kit_cancellations": c,
            "kit_unattributed": int((inside & counted & unknown).sum()),
            "amazon_rate": entry.rate,
            "kit_rate": c / n if n else np.nan,
            "amazon_status": getattr(entry, "status", pd.NA),
            "kit_status": "no-orders" if n == 0 else ("breach" if exceeds(c, n, threshold) else "ok"),
            "target_value": getattr(entry, "target_value", pd.NA),
            "amazon_consistent": amazon_consistent(entry.orders, entry.defects, entry.rate),
        }
        row["difference"] = row["kit_rate"] - row["amazon_rate"] if n and pd.notna(entry.rate) else np.nan
        missing = _missing_days(np.unique(days[mine]), lo, hi)
        row["likely_reason"] = _reason(row, missing, int(near.sum()))
        rows.append(row)
    columns = ["marketplace", "date_from", "date_to", "amazon_orders", "kit_orders",
               "amazon_cancellations", "kit_cancellations", "kit_unattributed", "amazon_rate",
               "kit_rate", "difference", "amazon_status", "kit_status", "target_value",
               "amazon_consistent", "likely_reason"]
    out = pd.DataFrame(rows, columns=columns)
    return out.astype({"kit_orders": "int64", "kit_cancellations": "int64",
                       "kit_unattributed": "int64", "kit_rate": "float64",
                       "difference": "float64"})
