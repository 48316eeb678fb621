"""One row per order, with whether it enters the metric and who a cancellation is attributed to.

The rules come from ``cancellation-rules.md`` section 3:

* only **MFN orders on an Amazon sales channel** enter the metric; AFN and non-Amazon orders are
  kept in the frame but marked ``in_metric=False`` with the reason, so :func:`coverage` can show
  what was left out;
* an order is **cancelled** when its order status is cancelled or any of its items is; it counts
  once, however many items (the unit is orders);
* a cancellation is **counted** unless evidence says the buyer requested it officially: the order
  report's buyer-request flag on **every** cancelled item of the order (the flag sits on an item
  row and speaks for that item only), or the stock-out log's ``buyer_cancelled`` with an official
  request date. Amazon's Account Health download, where it lists the order, **overrides every
  other source**. Without any evidence the attribution is ``unknown`` and the order is counted
  (conservative); a "buyer cancelled" reason without an official request still counts;
* evidence that disagrees (the log says ``no_inventory``, the report's flag says requested) is a
  ``conflict``: counted, and listed in a warning;
* a fully cancelled order with no item price in the All Orders report, which the order report
  lists without a payment date, is probably one the buyer cancelled while it was still **pending**, which Amazon leaves out. Its attribution is
  ``pending``; it is counted unless ``exclude_pending`` (the cautious default counts it).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..exceptions import DataQualityWarning, MissingOrderIdWarning, ReportFormatError
from ..io.order_files import map_unique
from ..io.schema import AFN, CANCELLED, MFN, NON_AMAZON, marketplace_from_channel, require_columns
from . import grouping

__all__ = ["ORDER_COLUMNS", "NO_SOURCE", "INPUT_COLUMNS", "orders_from_items",
           "orders_from_exports", "coverage"]

ORDER_COLUMNS = (
    "order_id",
    "marketplace",
    "sales_channel",
    "fulfillment_channel",
    "purchase_date",
    "last_updated_date",
    "order_status",
    "items",
    "cancelled_items",
    "cancelled",
    "partial_cancel",
    "in_metric",
    "excluded_reason",
    "attribution",
    "attribution_source",
    "counted",
)
"""Columns of the frame :func:`orders_from_items` returns, in order."""

NO_SOURCE = "none"
"""``attribution_source`` of a cancelled order that no report attributes (``attribution`` unknown)."""

INPUT_COLUMNS = {
    "all_orders": ("order_id", "purchase_date", "last_updated_date", "order_status",
                   "item_status", "fulfillment_channel", "sales_channel", "marketplace", "sku",
                   "item_price"),
    "order_report": ("order_id", "sku", "buyer_requested_cancel", "payments_date"),
}
"""Every column :func:`orders_from_exports` reads of the big report kinds (the small ones are read
whole): a reader that needs only the orders frame reads these. A function here that reads another
column of those kinds must add it (tests/test_orders_inputs.py checks on the zoo of samples)."""

_CHANNELS = {"MFN": MFN, "MERCHANT": MFN, "AFN": AFN, "AMAZON": AFN}
_REQUIRED = ("order_id", "purchase_date", "order_status", "fulfillment_channel")


def _require(frame: pd.DataFrame, columns, what: str) -> None:
    require_columns(
        frame, columns, what=f"the {what} frame",
        advice=f"Pass the frame read_exports() returns for that report (Exports.{what}).",
    )

def _text(series: pd.Series) -> pd.Series:
    return grouping.as_text(series)


def _channels(values: pd.Series) -> pd.Series:
    """MFN/AFN of each fulfilment channel (else missing), worked out once per distinct value.

    The readers already write ``MFN``/``AFN``; a frame built by hand may hold ``Merchant`` or
    `` mfn ``. Stripping and upper-casing a few distinct values instead of every order's.
    """
    return map_unique(values, lambda u: _CHANNELS.get(str(u).strip().upper()))


def missing_ids_message(rows: int) -> str:
    """The warning about All Orders rows without an order id (left out of the metric)."""
    return (f"{rows} order row(s) have no order id and were left out of the metric; check the "
            "All Orders export for blank amazon-order-id cells.")


def _flag(series: pd.Series) -> np.ndarray:
    return series.astype("boolean").fillna(False).to_numpy(dtype=bool)


def orders_from_items(
    items: pd.DataFrame,
    *,
    order_report: pd.DataFrame | None = None,
    cancel_download: pd.DataFrame | None = None,
    stockout_log: pd.DataFrame | None = None,
    exclude_pending: bool = False,
) -> pd.DataFrame:
    """Collapse an All Orders export (one row per item) to one row per order, with attribution.

    Parameters
    ----------
    items : DataFrame
        ``Exports.all_orders``: ``order_id``, ``purchase_date`` (UTC), ``order_status``,
        ``fulfillment_channel`` and, when present, ``item_status``, ``sales_channel``,
        ``marketplace``, ``last_updated_date``.
    order_report : DataFrame, optional
        ``Exports.order_report``; its ``buyer_requested_cancel`` flag marks official requests, item
        by item (matched on ``sku`` when both reports have it, else the order is excused only when
        every one of its report rows is flagged); its ``payments_date`` shows an order was paid.
    cancel_download : DataFrame, optional
        ``Exports.cancel_download`` (Amazon's Account Health download); ``impacts_account_health``
        decides, for the orders it lists, whether they count.
    stockout_log : DataFrame, optional
        ``Exports.stockout_log``; ``resolution == "buyer_cancelled"`` with ``official_request_at``
        set means an official request, ``no_inventory`` or an unofficial ``buyer_cancelled`` a
        seller cancellation.
    exclude_pending : bool, default False
        Leave out of the count the cancellations attributed ``pending`` (for sellers whose
        reconciliation with Amazon's figures shows Amazon does not count them).

    Returns
    -------
    DataFrame
        One row per order with the columns of :data:`ORDER_COLUMNS`. ``excluded_reason`` is
        ``"afn"``, ``"non_amazon"`` or ``"no_channel"`` (sales or fulfillment channel missing) for
        orders outside the metric; ``attribution`` is ``"seller"``, ``"buyer_official"``,
        ``"conflict"``, ``"pending"`` or ``"unknown"`` for cancelled orders; ``counted`` is
        ``in_metric & cancelled`` and not an official buyer request (nor ``pending`` with
        ``exclude_pending``). ``attribution_source`` is ``"stockout_log"``,
        ``"order_report"``, ``"amazon_download"`` or ``"none"`` (no evidence) for cancelled orders
        and missing only for orders that were not cancelled.

    Raises
    ------
    ParameterError
        A frame lacks a column the rules need.
    ReportFormatError
        The stock-out log dates an official request before the order was placed.

    Warns
    -----
    MissingOrderIdWarning
        Rows without an order id were left out (a :class:`DataQualityWarning`).
    DataQualityWarning
        Amazon's download lists orders that are not in the order export, or marks as impacting
        account health an order the export does not show as cancelled (then Amazon wins).

    Examples
    --------
    >>> items = pd.DataFrame({
    ...     "order_id": ["A", "A", "B", "C"],
    ...     "purchase_date": pd.to_datetime(["2026-03-01T10:00Z"] * 4, utc=True),
    ...     "order_status": ["shipped", "shipped", "cancelled", "shipped"],
    ...     "item_status": ["shipped", "cancelled", None, "shipped"],
    ...     "fulfillment_channel": ["MFN", "MFN", "MFN", "AFN"],
    ...     "sales_channel": ["Amazon.com"] * 4,
    ... })
    >>> orders_from_items(items)[["order_id", "items", "cancelled", "partial_cancel", "counted"]]
      order_id  items  cancelled  partial_cancel  counted
    0        A      2       True            True     True
    1        B      1       True           False     True
    2        C      1      False           False    False
    """
    _require(items, _REQUIRED, "all_orders")
    # the ids factorized once (as integers where they have Amazon's form), stripped, blank missing
    codes, uniques = grouping.order_codes(items["order_id"])
    if (codes < 0).any():
        warnings.warn(missing_ids_message(int((codes < 0).sum())), MissingOrderIdWarning,
                      stacklevel=2)
        keep = codes >= 0
        items, codes = items[keep], codes[keep]
    k = len(uniques)
    first = grouping.first_rows(codes)

    order_cancel = _flag(items["order_status"].eq(CANCELLED))
    item_cancel = (
        _flag(items["item_status"].eq(CANCELLED)) if "item_status" in items else order_cancel & False
    )
    row_cancel = order_cancel | item_cancel
    n_items = np.bincount(codes, minlength=k).astype(np.int64)
    cancelled_items = np.bincount(codes[row_cancel], minlength=k).astype(np.int64)
    any_order_cancel = np.bincount(codes[order_cancel], minlength=k) > 0
    cancelled = cancelled_items > 0

    def at_first(column: str) -> pd.Series:
        if column not in items:
            return pd.Series(pd.NA, index=range(k), dtype="str")
        return items[column].iloc[first].reset_index(drop=True)

    status = _text(at_first("order_status"))
    status = status.where(~any_order_cancel, CANCELLED)
    channel_raw = at_first("sales_channel")
    marketplace = _text(at_first("marketplace"))
    missing_mp = marketplace.isna()
    if missing_mp.any():
        derived = channel_raw[missing_mp].map(marketplace_from_channel, na_action="ignore")
        marketplace = marketplace.where(~missing_mp, derived.astype("str"))
    fulfil = _channels(at_first("fulfillment_channel"))

    # Earliest purchase and latest update per order, on the timestamps' integers (NaT skipped).
    purchase = grouping.group_min(items["purchase_date"], codes, k)
    if "last_updated_date" in items:
        updated = grouping.group_max(items["last_updated_date"], codes, k)
    else:
        updated = pd.Series(pd.NaT, index=range(k), dtype=purchase.dtype)

    is_afn = fulfil.eq(AFN).to_numpy()
    non_amazon = marketplace.eq(NON_AMAZON).fillna(False).to_numpy(dtype=bool)
    no_channel = (marketplace.isna() | fulfil.isna()).to_numpy()
    reason = np.select([is_afn, non_amazon, no_channel], [0, 1, 2], default=-1)
    in_metric = reason < 0

    orders = pd.DataFrame(
        {
            "order_id": uniques,
            "marketplace": marketplace,
            "sales_channel": _text(channel_raw),
            "fulfillment_channel": fulfil.astype("str"),
            "purchase_date": purchase,
            "last_updated_date": updated,
            "order_status": status,
            "items": n_items,
            "cancelled_items": cancelled_items,
            "cancelled": cancelled,
            "partial_cancel": cancelled & (cancelled_items < n_items),
            "in_metric": in_metric,
            "excluded_reason": grouping.from_codes(reason, ["afn", "non_amazon", "no_channel"]),
        },
        copy=False,  # every column is new here: no second copy of millions of rows
    )
    # the cancelled rows first, then Python strings: not one object per row of the export
    lines = pd.DataFrame({
        "order_id": uniques.iloc[codes[row_cancel]].to_numpy(),
        "sku": _text(items["sku"][row_cancel]).to_numpy() if "sku" in items else None,
    })
    unpriced = _unpriced(items, codes, k)
    return _attribute(orders, order_report, cancel_download, stockout_log, lines=lines,
                      unpriced=unpriced, exclude_pending=exclude_pending)


def _unpriced(items: pd.DataFrame, codes: np.ndarray, k: int) -> np.ndarray:
    """Per order: True when the export has an item price column and no row of the order has one."""
    if "item_price" not in items:
        return np.zeros(k, dtype=bool)
    priced = items["item_price"].notna().to_numpy(dtype=bool)
    return np.bincount(codes[priced], minlength=k) == 0


def _report_excuses(ids: pd.Series, lines: pd.DataFrame, order_report: pd.DataFrame) -> np.ndarray:
    """Per order: True when the order report flags a buyer request on every cancelled item.

    Items are matched on SKU when both reports carry it on every row of the order; otherwise the
    order is excused only when each of its report rows is flagged and there are at least as many
    flagged rows as cancelled items (cautious: an unflagged row might be the cancelled one).
    """
    report = pd.DataFrame({
        "order_id": _text(order_report["order_id"]).str.strip(),
        "sku": _text(order_report["sku"]) if "sku" in order_report else pd.Series(
            pd.NA, index=order_report.index, dtype="str"),
        "flag": _flag(order_report["buyer_requested_cancel"]),
    })
    candidates = set(report.loc[report["flag"], "order_id"])
    excused: set = set()
    rows = report[report["order_id"].isin(candidates)].groupby("order_id", sort=False)
    for order, cancelled in lines[lines["order_id"].isin(candidates)].groupby("order_id", sort=False):
        rep = rows.get_group(order)
        if rep["sku"].notna().all() and cancelled["sku"].notna().all():
            have = rep.loc[rep["flag"], "sku"].value_counts()
            need = cancelled["sku"].value_counts()
            ok = bool((have.reindex(need.index, fill_value=0) >= need).all())
        else:
            ok = bool(rep["flag"].all()) and int(rep["flag"].sum()) >= len(cancelled)
        if ok:
            excused.add(order)
    return ids.isin(excused).to_numpy()


def _unpaid(ids: pd.Series, order_report) -> np.ndarray:
    """Per order: True when the order report lists the order and no row of it has a payment date.

    Amazon's All Orders report leaves the price of cancelled rows blank now and then, so a missing
    price alone does not prove an order was never paid: the order report's empty
    ``payments-date`` must say so too.
    """
    if order_report is None or not len(order_report) or "payments_date" not in order_report:
        return np.zeros(len(ids), dtype=bool)
    report_ids = _text(order_report["order_id"]).str.strip()
    paid = report_ids[order_report["payments_date"].notna().to_numpy()]
    return (ids.isin(report_ids) & ~ids.isin(paid)).to_numpy()


def _check_log_dates(log: pd.DataFrame, orders: pd.DataFrame) -> None:
    """An official request dated before the order was placed cannot be true: refuse the log."""
    purchase = orders.set_index("order_id")["purchase_date"]
    placed = _text(log["order_id"]).map(purchase)
    early = np.array((log["official_request_at"].notna() & placed.notna()).to_numpy(dtype=bool))
    early[early] = (log["official_request_at"][early] < placed[early]).to_numpy(dtype=bool)
    if early.any():
        at = int(np.argmax(early))
        row = log.iloc[at]
        line = int(row["line"]) if "line" in log and pd.notna(row["line"]) else None
        raise ReportFormatError(
            f"the stock-out log dates the official cancellation request of order "
            f"{row['order_id']} {row['official_request_at']:%Y-%m-%d %H:%M} UTC, before the order "
            f"was placed ({placed.iloc[at]:%Y-%m-%d %H:%M} UTC); expected a request after the "
            "purchase. Correct official_request_at in that row: a wrong date must not excuse a "
            "cancellation.",
            source=log.attrs.get("source", "stock-out log"),
            line=line,
            column="official_request_at",
        )


def _attribute(orders, order_report, cancel_download, stockout_log, *, lines=None,
               unpriced=None, exclude_pending=False) -> pd.DataFrame:
    ids = orders["order_id"]
    cancelled = orders["cancelled"].to_numpy().copy()
    # blank outside the cancelled orders (every assignment below is masked by `cancelled`)
    attribution = np.full(len(orders), "", dtype=object)
    attribution[cancelled] = "unknown"
    source = np.full(len(orders), "", dtype=object)
    if lines is None:
        lines = pd.DataFrame({"order_id": ids[cancelled].to_numpy(), "sku": None})

    log_seller = np.zeros(len(orders), dtype=bool)
    log_official = np.zeros(len(orders), dtype=bool)
    if stockout_log is not None and len(stockout_log):
        _require(stockout_log, ("order_id", "resolution", "official_request_at"), "stockout_log")
        _check_log_dates(stockout_log, orders)
        log = stockout_log.drop_duplicates("order_id", keep="last")
        official = log["official_request_at"].notna() & log["resolution"].eq("buyer_cancelled")
        seller = log["resolution"].isin(["no_inventory", "buyer_cancelled"]) & ~official
        log_ids = _text(log["order_id"]).str.strip()
        log_official = ids.isin(log_ids[official.fillna(False).to_numpy()]).to_numpy() & cancelled
        log_seller = ids.isin(log_ids[seller.fillna(False).to_numpy()]).to_numpy() & cancelled
        attribution[log_official], source[log_official] = "buyer_official", "stockout_log"
        attribution[log_seller], source[log_seller] = "seller", "stockout_log"
        no_inventory = ids.isin(
            log_ids[log["resolution"].eq("no_inventory").fillna(False).to_numpy()]
        ).to_numpy() & cancelled
    else:
        no_inventory = np.zeros(len(orders), dtype=bool)

    if order_report is not None and len(order_report) and "buyer_requested_cancel" in order_report:
        excused = _report_excuses(ids, lines, order_report) & cancelled & ~log_official
        clash = excused & no_inventory
        agree = excused & ~no_inventory
        attribution[agree], source[agree] = "buyer_official", "order_report"
        attribution[clash], source[clash] = "conflict", "stockout_log+order_report"
        if clash.any():
            listed = ", ".join(ids[clash].iloc[:5])
            warnings.warn(
                f"{int(clash.sum())} cancelled order(s) have conflicting evidence (e.g. "
                f"{listed}): the stock-out log says no_inventory while the order report flags a "
                "buyer request. They are counted (attribution 'conflict'); Amazon's Account "
                "Health download would settle it.",
                DataQualityWarning,
                stacklevel=3,
            )

    if unpriced is not None:
        full = cancelled & (orders["cancelled_items"].to_numpy() == orders["items"].to_numpy())
        pending = full & unpriced & _unpaid(ids, order_report)
        pending[pending] = attribution[pending] == "unknown"
        attribution[pending], source[pending] = "pending", "all_orders"

    if cancel_download is not None and len(cancel_download):
        _require(cancel_download, ("order_id", "impacts_account_health"), "cancel_download")
        listed = cancel_download.drop_duplicates("order_id", keep="last")
        listed_ids = _text(listed["order_id"])
        unknown_ids = ~listed_ids.isin(ids)
        if unknown_ids.any():
            warnings.warn(
                f"Amazon's cancel-rate download lists {int(unknown_ids.sum())} order(s) that are not "
                f"in the order exports (e.g. {listed_ids[unknown_ids].iloc[0]}); they are left out. "
                "Export All Orders for the dates of that download so the kit sees them.",
                DataQualityWarning,
                stacklevel=3,
            )
        impacts = pd.Series(_flag(listed["impacts_account_health"]), index=listed_ids.to_numpy())
        decided = ids.map(impacts)
        yes = decided.eq(True).fillna(False).to_numpy(dtype=bool)
        no = decided.eq(False).fillna(False).to_numpy(dtype=bool)
        surprise = yes & ~cancelled
        if surprise.any():
            warnings.warn(
                f"Amazon's cancel-rate download counts {int(surprise.sum())} order(s) the order "
                f"export does not show as cancelled (e.g. {ids[surprise].iloc[0]}); the export is "
                "probably older than the download. They are counted, as Amazon says.",
                DataQualityWarning,
                stacklevel=3,
            )
            cancelled = cancelled | yes
        attribution[yes & cancelled], source[yes & cancelled] = "seller", "amazon_download"
        attribution[no & cancelled], source[no & cancelled] = "buyer_official", "amazon_download"

    rows = np.flatnonzero(cancelled)  # only these rows can hold an attribution
    attribution[rows[attribution[rows] == ""]] = "unknown"
    # A cancellation no evidence speaks for has the source "none": a value, so that grouping by
    # source (as every attribution table does) keeps those rows instead of dropping them as NaN.
    source[rows[source[rows] == ""]] = NO_SOURCE
    chosen, excluded = attribution[rows], np.zeros(len(orders), dtype=bool)
    excluded[rows] = (chosen == "buyer_official") | (exclude_pending & (chosen == "pending"))
    return orders.assign(
        cancelled=cancelled,
        partial_cancel=orders["partial_cancel"].to_numpy() & cancelled,
        attribution=grouping.labels(attribution, rows),
        attribution_source=grouping.labels(source, rows),
        counted=orders["in_metric"].to_numpy() & cancelled & ~excluded,
    )


def orders_from_exports(exports, *, exclude_pending: bool = False) -> pd.DataFrame:
    """Build the orders frame from what :func:`~oos_analysis.read_exports` returned.

    Uses ``exports.all_orders`` for the orders and the other reports, when present, for
    attribution (see :func:`orders_from_items`).
    """
    return orders_from_items(
        exports.all_orders,
        order_report=exports.order_report,
        cancel_download=exports.cancel_download,
        stockout_log=exports.stockout_log,
        exclude_pending=exclude_pending,
    )


def coverage(orders: pd.DataFrame) -> pd.DataFrame:
    """Say what entered the metric and what was left out, per marketplace and channel.

    Parameters
    ----------
    orders : DataFrame
        The frame :func:`orders_from_items` returns.

    Returns
    -------
    DataFrame
        One row per ``marketplace`` and ``fulfillment_channel`` (missing values kept as <NA>) with
        ``orders``, ``included`` (in the metric), ``excluded_afn``, ``excluded_non_amazon``,
        ``excluded_no_channel``, ``cancelled``, ``counted``, ``buyer_official`` (cancelled, not
        counted), ``unattributed`` (counted with attribution ``unknown``), ``pending`` (in the
        metric, attributed ``pending``, counted or not) and ``conflict`` (counted on conflicting
        evidence).

    Examples
    --------
    >>> o = pd.DataFrame({"marketplace": ["amazon.com", "amazon.com", "non-amazon"],
    ...     "fulfillment_channel": ["MFN", "AFN", "MFN"], "in_metric": [True, False, False],
    ...     "excluded_reason": [pd.NA, "afn", "non_amazon"], "cancelled": [True, False, True],
    ...     "counted": [True, False, False], "attribution": ["unknown", pd.NA, "unknown"]})
    >>> coverage(o)[["marketplace", "fulfillment_channel", "orders", "included", "unattributed"]]
      marketplace fulfillment_channel  orders  included  unattributed
    0  amazon.com                 AFN       1         0             0
    1  amazon.com                 MFN       1         1             1
    2  non-amazon                 MFN       1         0             0
    """
    _require(
        orders,
        ("marketplace", "fulfillment_channel", "in_metric", "excluded_reason", "cancelled",
         "counted", "attribution"),
        "orders",
    )
    reason = orders["excluded_reason"]
    work = pd.DataFrame(
        {
            "marketplace": orders["marketplace"],
            "fulfillment_channel": orders["fulfillment_channel"],
            "orders": 1,
            "included": orders["in_metric"].astype(int),
            "excluded_afn": reason.eq("afn").fillna(False).astype(int),
            "excluded_non_amazon": reason.eq("non_amazon").fillna(False).astype(int),
            "excluded_no_channel": reason.eq("no_channel").fillna(False).astype(int),
            "cancelled": orders["cancelled"].astype(int),
            "counted": orders["counted"].astype(int),
            "buyer_official": (orders["in_metric"] & orders["cancelled"] & ~orders["counted"]
                               & orders["attribution"].ne("pending").fillna(True)).astype(int),
            "unattributed": (orders["counted"] & orders["attribution"].eq("unknown").fillna(False)).astype(
                int
            ),
            "pending": (orders["in_metric"] & orders["attribution"].eq("pending").fillna(False)).astype(
                int
            ),
            "conflict": (orders["counted"] & orders["attribution"].eq("conflict").fillna(False)).astype(
                int
            ),
        }
    )
    return (
        work.groupby(["marketplace", "fulfillment_channel"], dropna=False, sort=True)
        .sum()
        .reset_index()
        .astype({c: "int64" for c in work.columns[2:]})
    )
