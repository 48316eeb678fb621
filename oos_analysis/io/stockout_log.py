"""The stock-out log: the kit's own CSV where staff record stuck orders and what became of them.

Amazon's exports say that an order was cancelled but never why, nor whether the buyer used the
official "Request cancellation" flow (``cancellation-rules.md`` section 2: only that flow keeps a
cancellation out of the rate). The log fills the gap, one row per order that could not be sourced:

================== =========================================================================
column             meaning
================== =========================================================================
order_id           Amazon order id (``113-8871452-8288246``)
marketplace        ``amazon.com``, ``Amazon.co.jp``, ... (normalised to ``amazon.com`` form)
sku                the SKU that is out of stock
detected_at        when the stock-out was noticed
ship_by            the order's latest ship date
loss_if_bought     loss in the marketplace currency if bought now; blank = no source has stock
request_sent_at    when the cancellation request went to the buyer
reminder_sent_at   when the reminder went out
official_request_at when Amazon's cancellation-request mail arrived (buyer used the official flow)
resolution         ``open``, ``bought``, ``buyer_cancelled`` or ``no_inventory``
resolved_at        when the resolution happened
================== =========================================================================

Other columns (notes, currency, asin, ...) are kept. Times may be ISO 8601 with an offset,
``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM`` or ``YYYY/MM/DD``; times without an offset are in the ``tz``
the reader is given. Comma or tab separated; spreadsheet re-saves (quotes, CRLF, BOM, cp932) read.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import ParameterError, ReportFormatError
from ..lazy import lazy_module
from ..redact import quote
from . import schema
from .delimited import TableSpec, check_dates, parse_timestamps, read_table
from .order_files import drop_duplicate_items, is_amazon_order_id, map_unique

pd = lazy_module("pandas")  # imported on first use: `check` imports it while Arrow reads

__all__ = ["STOCKOUT_SPEC", "read_stockout_log_table", "merge_logs"]

_TIMES = ("detected_at", "ship_by", "request_sent_at", "reminder_sent_at", "official_request_at",
          "resolved_at")
# the times that record something happening; the latest of them dates a row (ship_by is a deadline)
_EVENTS = ("resolved_at", "official_request_at", "reminder_sent_at", "request_sent_at",
           "detected_at")
STOCKOUT_SPEC = TableSpec(
    kind=schema.STOCKOUT_LOG,
    required=("order_id", "marketplace", "detected_at", "resolution"),
    column_type=lambda name: "str",
)


def _line_of(table, at: int) -> int:
    return int(table.lines[at]) if table.lines is not None else at + 2


def read_stockout_log_table(source, *, encoding=None, tz="UTC"):
    """Read a stock-out log; return (frame, encoding, warnings)."""
    try:
        pd.Timestamp("2000-01-01").tz_localize(tz)
    except Exception:  # noqa: BLE001 - pandas raises several types for unknown zones
        raise ParameterError(
            f"tz={tz!r} is not a time zone; use a name such as 'UTC', 'Asia/Tokyo' or "
            "'America/Los_Angeles'."
        ) from None
    table = read_table(source, spec=STOCKOUT_SPEC, encoding=encoding)
    frame, name = table.frame, table.source
    lines = table.lines if table.lines is not None else np.arange(len(frame)) + 2
    for column in schema.STOCKOUT_LOG_COLUMNS:
        if column not in frame:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="str")
    for column in ("order_id", "sku"):
        frame[column] = frame[column].str.strip()
    frame["marketplace"] = map_unique(frame["marketplace"], schema.marketplace_from_channel)
    for column in _TIMES:
        frame[column] = parse_timestamps(
            frame[column], source=name, column=table.headers.get(column, column), lines=lines,
            naive_tz=tz,
        )
        check_dates(frame[column], source=name, column=table.headers.get(column, column),
                    lines=lines)
    text = frame["loss_if_bought"].str.strip().str.replace(",", "", regex=False).replace("", None)
    loss = pd.to_numeric(text, errors="coerce")
    bad = (text.notna() & (pd.isna(loss) | (loss < 0))).to_numpy()
    if bad.any():
        at = int(np.argmax(bad))
        raise ReportFormatError(
            f"loss_if_bought is {quote(frame['loss_if_bought'].iloc[at])}; expected a loss of zero or "
            "more in the marketplace currency (write 0 for no loss, leave it blank when no "
            "source has stock). Correct that row.",
            source=name,
            line=int(lines[at]),
            column="loss_if_bought",
        )
    frame["loss_if_bought"] = loss.astype("Float64")
    resolution = frame["resolution"].str.strip().str.lower().str.replace(" ", "_").replace("", None)
    bad = (resolution.notna() & ~resolution.isin(schema.RESOLUTIONS)).to_numpy()
    if bad.any():
        at = int(np.argmax(bad))
        raise ReportFormatError(
            f"resolution is {quote(frame['resolution'].iloc[at])}; expected one of "
            f"{', '.join(schema.RESOLUTIONS)} (blank means open). Correct that row.",
            source=name,
            line=int(lines[at]),
            column="resolution",
        )
    frame["resolution"] = resolution.fillna("open").astype("str")
    missing = frame["order_id"].isna().to_numpy()
    if missing.any():
        raise ReportFormatError(
            "this row has no order_id; every row of the stock-out log needs the Amazon order id. "
            "Fill it in or delete the row.",
            source=name,
            line=int(lines[int(np.argmax(missing))]),
            column="order_id",
        )
    formula = frame["order_id"].str.match(r"[=+@]|-[^0-9]").fillna(False).to_numpy(dtype=bool)
    if formula.any():
        at = int(np.argmax(formula))
        raise ReportFormatError(
            f"order_id is {frame['order_id'].iloc[at]!r}, a spreadsheet formula, where an Amazon "
            "order id such as 113-8871452-8288246 was expected. The kit never messages such a "
            "row; type the order id itself into that cell.",
            source=name,
            line=int(lines[at]),
            column=table.headers.get("order_id", "order_id"),
        )
    backwards = np.array((frame["resolved_at"].notna() & frame["detected_at"].notna()).to_numpy(dtype=bool))
    backwards[backwards] = (frame["resolved_at"][backwards]
                            < frame["detected_at"][backwards]).to_numpy(dtype=bool)
    if backwards.any():
        at = int(np.argmax(backwards))
        raise ReportFormatError(
            f"resolved_at ({frame['resolved_at'].iloc[at]:%Y-%m-%d %H:%M} UTC) is before "
            f"detected_at ({frame['detected_at'].iloc[at]:%Y-%m-%d %H:%M} UTC) for order "
            f"{frame['order_id'].iloc[at]}; a case cannot be resolved before it was found. "
            "Correct one of the two dates.",
            source=name,
            line=int(lines[at]),
            column=table.headers.get("resolved_at", "resolved_at"),
        )
    warnings = table.warnings
    odd = ~is_amazon_order_id(frame["order_id"])
    if odd.any():
        at = int(np.argmax(odd))
        warnings.append(
            f"{int(odd.sum())} order id(s) are not of Amazon's 3-7-7 digit form such as "
            f"113-8871452-8288246 (first {frame['order_id'].iloc[at]!r} at line "
            f"{int(lines[at])}); the playbook leaves those rows out. Correct the order id."
        )
    extras = [c for c in frame.columns if c not in schema.STOCKOUT_LOG_COLUMNS]
    frame = frame[list(schema.STOCKOUT_LOG_COLUMNS) + extras]
    frame, dropped = drop_duplicate_items(frame, ["order_id", "sku"])
    if dropped:
        warnings.append(
            f"{dropped} duplicate row(s) for the same order_id and sku were dropped, keeping the "
            "last one"
        )
    return frame, table.encoding, warnings


def _row_dates(frame: pd.DataFrame) -> np.ndarray:
    """The latest event time of each row as int64 nanoseconds; rows without any time get the minimum."""
    floor = np.iinfo(np.int64).min
    latest = np.full(len(frame), floor, dtype=np.int64)
    for column in _EVENTS:
        if column in frame:
            values = pd.to_datetime(frame[column], utc=True).dt.tz_localize(None)
            ns = values.to_numpy(dtype="datetime64[ns]").astype(np.int64)
            ns = np.where(values.isna().to_numpy(), floor, ns)
            latest = np.maximum(latest, ns)
    return latest


def merge_logs(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Merge stock-out logs, oldest first, per order: the newest rows of each order win.

    An order's rows in one log are dated by the latest event time among them (``resolved_at``,
    ``official_request_at``, ``reminder_sent_at``, ``request_sent_at``, ``detected_at``); the log
    with the latest date keeps all its rows of that order, a tie going to the later log. Orders
    found in only one log keep their rows, so merging never loses an order.

    Examples
    --------
    >>> old = pd.DataFrame({"order_id": ["1", "2"], "resolution": ["open", "open"],
    ...     "detected_at": pd.to_datetime(["2026-11-02", "2026-11-02"], utc=True)})
    >>> new = pd.DataFrame({"order_id": ["1"], "resolution": ["bought"],
    ...     "detected_at": pd.to_datetime(["2026-11-02"], utc=True),
    ...     "resolved_at": pd.to_datetime(["2026-11-03"], utc=True)})
    >>> merge_logs([old, new])[["order_id", "resolution"]].values.tolist()
    [['2', 'open'], ['1', 'bought']]
    """
    frames = [f for f in frames if len(f)] or frames[-1:]
    if len(frames) < 2:
        return frames[0] if frames else pd.DataFrame()
    combined = pd.concat(frames, ignore_index=True)
    origin = np.repeat(np.arange(len(frames)), [len(f) for f in frames])
    order, _ = pd.factorize(combined["order_id"])
    rank = pd.DataFrame({"order": order, "date": _row_dates(combined), "origin": origin})
    # per (order, log): the log's latest date for that order; the best (date, log) wins the order
    per_log = rank.groupby(["order", "origin"], sort=False)["date"].max().reset_index()
    best = per_log.sort_values(["order", "date", "origin"], kind="stable").drop_duplicates(
        "order", keep="last").set_index("order")["origin"]
    keep = best.reindex(order).to_numpy() == origin
    return combined[keep].reset_index(drop=True)
