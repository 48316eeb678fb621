"""The front door: one ``read_*`` per export, and :func:`read_exports` for any mix of files.

Every reader takes a path or an open file (binary or text), detects gzip, byte-order marks and the
encoding (UTF-8, then cp932 for amazon.co.jp, then cp1252; ``encoding=`` overrides), and returns a
frame with snake_case columns, UTC timestamps and no buyer PII. Files are never written to and
frames passed in are never changed. Anything the kit cannot read raises a
:class:`~oos_analysis.exceptions.ReportFormatError` (or subclass) naming file, line and column;
anything it can read but finds odd (padded rows, duplicates) is a
:class:`~oos_analysis.exceptions.DataQualityWarning`.

What the Account Health "Pre-fulfillment cancel rate" download looks like is not public. The kit
accepts it comma- or tab-separated, with headers in any case and spacing (``Order ID``,
``order-id``, ``ORDER_ID``), ``Order Date`` as an ISO 8601 date or time (``2024-07-18``,
``2024/07/18``, ``2024-07-18T10:00:00Z``; without an offset it is a UTC day) and
``Impacts Account Health`` as Yes/No or true/false in any case.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import os
import warnings as _warnings
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyarrow as pa

from ..exceptions import DataQualityWarning, ParameterError
from ..lazy import lazy_module
from . import schema
from .arrays import seconds_to_utc
from .files import detect_kind, load, read_head, source_name
from .order_files import (
    drop_duplicate_items,
    read_all_orders_columns,
    read_all_orders_table,
    read_cancel_download_table,
    read_order_report_table,
)
from .order_keys import arrow_strings, order_keys
from .seller_performance import read_seller_performance_table
from .stockout_log import merge_logs, read_stockout_log_table

pd = lazy_module("pandas")  # imported on first use: `check` may not need it at all
pc = lazy_module("pyarrow.compute")

__all__ = [
    "Export",
    "Exports",
    "read_all_orders",
    "read_order_report",
    "read_cancel_download",
    "read_seller_performance",
    "read_stockout_log",
    "read_export",
    "read_exports",
    "summarise",
    "summarise_file",
]

_READERS = {
    schema.ALL_ORDERS: read_all_orders_table,
    schema.ORDER_REPORT: read_order_report_table,
    schema.CANCEL_DOWNLOAD: read_cancel_download_table,
    schema.SELLER_PERFORMANCE: lambda source, encoding=None: read_seller_performance_table(source),
    schema.STOCKOUT_LOG: read_stockout_log_table,
}
_DATE_COLUMN = {
    schema.ALL_ORDERS: "purchase_date",
    schema.ORDER_REPORT: "purchase_date",
    schema.CANCEL_DOWNLOAD: "order_date",
    schema.STOCKOUT_LOG: "detected_at",
    schema.SELLER_PERFORMANCE: "date_from",
}
_DEDUPE = {
    schema.ALL_ORDERS: (["order_id", "sku", "sku_line"], "last_updated_date"),
    schema.ORDER_REPORT: (["order_id", "order_item_id"], None),
    schema.CANCEL_DOWNLOAD: (["order_id"], None),
    schema.STOCKOUT_LOG: (["order_id", "sku"], None),
    schema.SELLER_PERFORMANCE: (["marketplace_id", "metric", "date_from", "date_to"], None),
}
_EMPTY_SOURCES = {
    schema.ALL_ORDERS: "amazon-order-id merchant-order-id purchase-date last-updated-date "
    "order-status fulfillment-channel sales-channel order-channel ship-service-level product-name "
    "sku asin item-status quantity currency item-price item-tax shipping-price shipping-tax "
    "gift-wrap-price gift-wrap-tax item-promotion-discount ship-promotion-discount ship-city "
    "ship-state ship-postal-code ship-country promotion-ids is-business-order "
    "purchase-order-number price-designation",
    schema.ORDER_REPORT: "order-id order-item-id purchase-date payments-date reporting-date "
    "promise-date days-past-promise sku product-name quantity-purchased quantity-shipped "
    "quantity-to-ship ship-service-level sales-channel is-business-order is-prime "
    "is-buyer-requested-cancellation buyer-requested-cancel-reason verge-of-cancellation "
    "verge-of-lateShipment",
    schema.CANCEL_DOWNLOAD: "order-id order-date impacts-account-health",
    schema.STOCKOUT_LOG: " ".join(schema.STOCKOUT_LOG_COLUMNS),
}


@dataclass(frozen=True)
class Export:
    """One file read: where from, what kind, which encoding, the frame and its warnings.

    ``orders``, if known, is the number of distinct order ids in the frame, counted when it was
    read (the summary counts them otherwise).
    """

    source: str
    kind: str
    encoding: str | None
    frame: pd.DataFrame
    warnings: tuple[str, ...] = ()
    orders: int | None = field(default=None, repr=False, compare=False)


@functools.cache
def _empty(kind: str) -> pd.DataFrame:
    if kind == schema.SELLER_PERFORMANCE:
        return read_seller_performance_table(io.StringIO('{"performanceMetrics": []}'))[0]
    header = "\t".join(_EMPTY_SOURCES[kind].split()) + "\n"
    return _READERS[kind](io.StringIO(header))[0]


def empty_frame(kind: str) -> pd.DataFrame:
    """A zero-row frame with the canonical columns and dtypes of ``kind``.

    Examples
    --------
    >>> list(empty_frame("cancel_download").columns)
    ['order_id', 'order_date', 'impacts_account_health']
    """
    if kind not in schema.REPORT_KINDS:
        raise ParameterError(f"unknown report kind {kind!r}; expected one of {schema.REPORT_KINDS}")
    return _empty(kind).copy()


_COLUMNS_OF = (schema.ALL_ORDERS, schema.ORDER_REPORT)
"""The kinds whose readers can read some columns only (the big ones; the others are small)."""
SUMMARY_COLUMNS = {kind: ("order_id", _DATE_COLUMN[kind], "marketplace", *_DEDUPE[kind][0])
                   for kind in _COLUMNS_OF}
"""The columns :func:`summarise` looks at, by kind, with those that tell a line apart: all that
``check`` reads of the big kinds."""


def _combine(kind: str, frames: list[pd.DataFrame], columns=None) -> pd.DataFrame:
    base = empty_frame(kind)
    if columns is not None and kind in _COLUMNS_OF:
        # the columns asked for, and the ones that tell the same line in two files apart
        wanted = {*columns, *_DEDUPE[kind][0]}
        base = base[[c for c in base.columns if c in wanted]]
    parts = [base] + [f for f in frames if len(f)]
    dtypes: dict[str, object] = {}
    for part in parts:
        for column, dtype in part.dtypes.items():
            dtypes.setdefault(column, dtype)
    aligned = [
        part.reindex(columns=list(dtypes)).astype(dtypes) if list(part.columns) != list(dtypes)
        else part
        for part in parts
    ]
    if len(frames) == 1 and len(aligned) == 2:
        shape = pd.concat([aligned[0], aligned[1].iloc[:0]], ignore_index=True)
        if _same_dtypes(shape, aligned[1]):
            # one file: what concatenating it to the empty frame gives, without copying its rows
            alone = aligned[1].reset_index(drop=True)
            alone.attrs = shape.attrs
            return alone
    combined = pd.concat(aligned, ignore_index=True) if len(aligned) > 1 else aligned[0]
    if len(frames) > 1 and kind == schema.STOCKOUT_LOG:
        combined = merge_logs(aligned)
    elif len(frames) > 1:
        key, latest = _DEDUPE[kind]
        combined, _ = drop_duplicate_items(combined, key, latest=latest)
    return combined


def _same_dtypes(shape: pd.DataFrame, part: pd.DataFrame) -> bool:
    """``shape`` (a zero-row concatenation) has ``part``'s columns, in order, and dtypes."""
    return list(shape.columns) == list(part.columns) and all(
        shape[c].dtype == part[c].dtype for c in part.columns)


@dataclass(frozen=True)
class Exports:
    """Files read together; one attribute per report kind holding all files of that kind.

    Rows of the same order item found in several files (overlapping exports) appear once, the one
    with the latest ``last_updated_date`` for All Orders reports, else the one read last. A kind
    with no file is an empty frame with the canonical columns.
    """

    files: tuple[Export, ...]
    all_orders: pd.DataFrame = field(repr=False)
    order_report: pd.DataFrame = field(repr=False)
    cancel_download: pd.DataFrame = field(repr=False)
    seller_performance: pd.DataFrame = field(repr=False)
    stockout_log: pd.DataFrame = field(repr=False)

    @classmethod
    def from_files(cls, files: Iterable[Export], *, columns=None) -> Exports:
        """Combine already-read files into an :class:`Exports`.

        ``columns`` (kind -> column names), if the files were read with it, gives those kinds
        only those columns (with the ones that identify a line), as :func:`read_exports` does.
        """
        files = tuple(files)
        columns = columns or {}
        kinds = {k: _combine(k, [f.frame for f in files if f.kind == k], columns.get(k))
                 for k in schema.REPORT_KINDS}
        return cls(files=files, **kinds)

    def summary(self) -> pd.DataFrame:
        """One row per file: source, kind, encoding, rows, orders, date range, marketplaces, warnings.

        ``orders`` counts distinct order ids; ``first_date``/``last_date`` are UTC purchase dates
        (order dates for the cancel download, detection times for the stock-out log, the
        reporting range for the Seller Performance report).
        """
        return summarise(self.files)


def summarise(files: Iterable[Export]) -> pd.DataFrame:
    """:meth:`Exports.summary` of these files, without combining their frames first.

    ``oos-analysis check`` summarises each file alone this way.
    """
    rows = [_file_summary(f) for f in files]
    columns = ["source", "kind", "encoding", "rows", "orders", "first_date", "last_date",
               "marketplaces", "warnings"]
    frame = pd.DataFrame(rows, columns=columns).astype({"rows": "Int64", "orders": "Int64"})
    for column in ("first_date", "last_date"):
        frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[s, UTC]")
    return frame


def _file_summary(export: Export) -> dict:
    frame = export.frame
    dates = frame[_DATE_COLUMN[export.kind]]  # min and max skip missing values: no dropna copy
    last = frame["date_to"] if export.kind == schema.SELLER_PERFORMANCE else dates
    markets = ([m for m in frame["marketplace"].unique() if pd.notna(m)]
               if "marketplace" in frame else [])
    orders = (export.orders if export.orders is not None
              else _distinct(frame["order_id"]) if "order_id" in frame else pd.NA)
    return {
        "source": export.source,
        "kind": export.kind,
        "encoding": export.encoding,
        "rows": len(frame),
        "orders": orders,
        "first_date": dates.min() if dates.notna().any() else pd.NaT,
        "last_date": last.max() if last.notna().any() else pd.NaT,
        "marketplaces": ", ".join(sorted(markets)),
        "warnings": "; ".join(export.warnings),
    }


def _distinct(ids: pd.Series) -> int:
    """``ids.nunique()``: Arrow-backed ids counted as 64-bit integers (io.order_keys), not text."""
    if arrow_strings(ids) is None:
        return ids.nunique()
    keys = order_keys(ids)[0]
    return len(pd.unique(keys[keys >= 0]))


def _emit(source: str, messages) -> None:
    for message in messages:
        _warnings.warn(f"{source}: {message}", DataQualityWarning, stacklevel=3)


def _read(kind: str, source, encoding) -> pd.DataFrame:
    frame, _, notes = _READERS[kind](source, encoding=encoding)
    _emit(source_name(source), notes)
    return frame


def read_all_orders(source, *, encoding: str | None = None) -> pd.DataFrame:
    """Read an All Orders report (by order date or last update; any layout) into order-item rows.

    Parameters
    ----------
    source : str, PathLike or file object
        The ``.txt`` (or ``.gz``) file as downloaded, or an open file.
    encoding : str, optional
        Skip detection and decode with this codec.

    Returns
    -------
    DataFrame
        One row per order item: ``order_id``, ``purchase_date`` and ``last_updated_date`` (UTC),
        ``order_status``/``item_status`` in :data:`~oos_analysis.io.schema.ORDER_STATUSES`,
        ``fulfillment_channel`` ``MFN``/``AFN``, ``sales_channel`` as written and ``marketplace``,
        then every other column except buyer PII (``cpf`` is dropped).

    Raises
    ------
    ReportFormatError
        The file cannot be read as an All Orders report (the message says why and where).

    Examples
    --------
    >>> import io
    >>> text = ("amazon-order-id\\tpurchase-date\\torder-status\\tfulfillment-channel\\t"
    ...         "sales-channel\\tsku\\n"
    ...         "113-8871452-8288246\\t2024-07-18T18:52:47-07:00\\tCanceled\\tMerchant\\tAmazon.com\\tA1\\n")
    >>> df = read_all_orders(io.StringIO(text))
    >>> df.loc[0, ["order_status", "fulfillment_channel", "marketplace"]].tolist()
    ['cancelled', 'MFN', 'amazon.com']
    >>> df.loc[0, "purchase_date"]
    Timestamp('2024-07-19 01:52:47+0000', tz='UTC')
    """
    return _read(schema.ALL_ORDERS, source, encoding)


def read_order_report(source, *, encoding: str | None = None) -> pd.DataFrame:
    """Read an Order Report or Unshipped Orders report; buyer PII is dropped while reading.

    Columns: ``order_id``, ``order_item_id``, every ``*-date`` column as UTC, counts as ``Int64``,
    ``sales_channel`` and ``marketplace``, ``buyer_requested_cancel`` (boolean, from
    ``is-buyer-requested-cancellation`` or the help pages' ``is-buyer-requested-cancelation``),
    ``buyer_cancel_reason``, and the other non-PII columns. Columns the file lacks among ``sku``,
    ``product_name``, ``quantity_purchased``, ``sales_channel`` and the two buyer-request columns
    are present and empty.
    """
    return _read(schema.ORDER_REPORT, source, encoding)


def read_cancel_download(source, *, encoding: str | None = None) -> pd.DataFrame:
    """Read the Account Health "Pre-fulfillment cancel rate" download.

    Returns ``order_id``, ``order_date`` (UTC) and ``impacts_account_health`` (boolean), then any
    other columns. See the module docstring for the layouts accepted.
    """
    return _read(schema.CANCEL_DOWNLOAD, source, encoding)


def read_seller_performance(source) -> pd.DataFrame:
    """Read ``GET_V2_SELLER_PERFORMANCE_REPORT`` JSON: one row per marketplace and metric.

    Columns: ``marketplace_id``, ``marketplace``, ``account_status``, ``metric``
    (``pre_fulfillment_cancel_rate``, ``late_shipment_rate``, ``valid_tracking_rate``,
    ``order_defect_rate_mfn``, ...), ``date_from``, ``date_to`` (UTC), ``orders``, ``defects``,
    ``rate`` (a fraction), ``target_value``, ``target_condition``, ``status``.

    Examples
    --------
    >>> import io, json
    >>> doc = {"performanceMetrics": [{"marketplaceId": "ATVPDKIKX0DER",
    ...     "preFulfillmentCancellationRate": {"reportingDateRange": {
    ...         "reportingDateFrom": "2020-11-12T00:00Z", "reportingDateTo": "2020-11-18T23:59Z"},
    ...     "orderCount": 400, "cancellationCount": 3, "rate": 0.0075, "status": "GOOD",
    ...     "targetValue": 0.025, "targetCondition": "LESS_THAN"}}]}
    >>> df = read_seller_performance(io.StringIO(json.dumps(doc)))
    >>> row = df.iloc[0]
    >>> row["marketplace"], row["metric"], int(row["orders"]), int(row["defects"]), float(row["rate"])
    ('amazon.com', 'pre_fulfillment_cancel_rate', 400, 3, 0.0075)
    """
    frame, _, notes = read_seller_performance_table(source)
    _emit(source_name(source), notes)
    return frame


def read_stockout_log(source, *, encoding: str | None = None, tz: str = "UTC") -> pd.DataFrame:
    """Read the stock-out log (see :mod:`oos_analysis.io.stockout_log` for its columns).

    Parameters
    ----------
    source : str, PathLike or file object
        The CSV (comma or tab separated).
    encoding : str, optional
        Skip detection and decode with this codec.
    tz : str, default "UTC"
        Time zone of times typed without an offset (e.g. ``"Asia/Tokyo"``).

    Raises
    ------
    ReportFormatError
        A time, ``loss_if_bought`` (negative or not a number) or ``resolution`` (not one of
        ``open, bought, buyer_cancelled, no_inventory``) that cannot be read; the message names
        the line.
    """
    frame, _, notes = read_stockout_log_table(source, encoding=encoding, tz=tz)
    _emit(source_name(source), notes)
    return frame


def _opened(source, encoding, kind):
    """(name, what to read, the encoding found, the encoding to read it in, the kind) of a file:
    a file object is read into memory once and decoded to UTF-8; a path is read by the reader."""
    if kind is not None and kind not in schema.REPORT_KINDS:
        raise ParameterError(f"unknown report kind {kind!r}; expected one of {schema.REPORT_KINDS}")
    name = source_name(source)
    if isinstance(source, str | os.PathLike):
        target, found_encoding = source, None
        head = read_head(source)[0]
    else:
        loaded = load(source, encoding=encoding)
        target = io.BytesIO(loaded.data)
        target.name = name
        found_encoding, encoding = loaded.encoding, "utf-8"
        head = loaded.data[: 1 << 16].decode("utf-8", errors="replace")
    return name, target, found_encoding, encoding, kind or detect_kind(head, source=name)


def summarise_file(source, *, encoding: str | None = None) -> dict:
    """One file's row of :func:`summarise`, as a dict (None where a value is missing), read as
    ``oos-analysis check`` reads it: only :data:`SUMMARY_COLUMNS` of the big kinds, every check
    of the whole read made, warnings emitted.

    An All Orders report with no order id and SKU on two rows (most of them) is summarised from
    its Arrow columns, with no frame made and pandas not imported: the same reader and the same
    checks, one summary computed in Arrow.
    """
    name, target, found_encoding, encoding, kind = _opened(source, encoding, None)
    if kind == schema.ALL_ORDERS:
        read = read_all_orders_columns(target, encoding=encoding,
                                       columns=SUMMARY_COLUMNS[kind])
        _emit(name, read.warnings)
        export = Export(name, kind, found_encoding or read.encoding, None, tuple(read.warnings),
                        orders=read.orders)
        if read.columns is not None:
            return _arrow_summary(export, read.columns)
        export = dataclasses.replace(export, frame=read.frame_of())
    else:
        export = read_export(target, encoding=encoding, kind=kind, columns=SUMMARY_COLUMNS)
        export = dataclasses.replace(export, source=name,
                                     encoding=found_encoding or export.encoding)
    return {k: None if v is not None and not isinstance(v, str) and pd.isna(v) else v
            for k, v in _file_summary(export).items()}


def _arrow_summary(export: Export, columns: dict) -> dict:
    """:func:`_file_summary` of an All Orders report's Arrow columns."""
    # as whole seconds: as_py of a UTC timestamp would import pandas for its time zone
    first, last = (seconds_to_utc(v.as_py()) for v in
                   pc.min_max(columns["purchase_date"].cast(pa.int64())).values())
    markets = pc.unique(columns["marketplace"]).drop_null().to_pylist()
    return {
        "source": export.source,
        "kind": export.kind,
        "encoding": export.encoding,
        "rows": len(columns["order_id"]),
        "orders": export.orders,
        "first_date": first,
        "last_date": last,
        "marketplaces": ", ".join(sorted(markets)),
        "warnings": "; ".join(export.warnings),
    }


def read_export(source, *, encoding: str | None = None, kind: str | None = None,
                columns=None) -> Export:
    """Read one file of any supported kind, detecting the kind from its content unless given.

    Warnings are kept on the returned :class:`Export` and also emitted as DataQualityWarning.
    ``columns`` (kind -> column names) reads only those columns of the All Orders report and the
    Order Report, plus the ones that identify a line (``order_id``, ``sku``, ``sku_line``,
    ``order_item_id``); every check of the whole read is still made, so a file the kit refuses is
    refused the same way. The other kinds are small and read whole.
    """
    name, target, found_encoding, encoding, kind = _opened(source, encoding, kind)
    counted: dict[str, int] = {}
    more = {"counts": counted} if kind == schema.ALL_ORDERS else {}
    if columns and kind in _COLUMNS_OF and columns.get(kind) is not None:
        more["columns"] = columns[kind]
    frame, used, notes = _READERS[kind](target, encoding=encoding, **more)
    _emit(name, notes)
    return Export(name, kind, found_encoding or used, frame, tuple(notes),
                  orders=counted.get("orders"))


def read_exports(sources, *, encoding: str | None = None, columns=None) -> Exports:
    """Read any mix of export files (types detected from content) into one :class:`Exports`.

    ``columns`` (kind -> column names, such as
    :data:`~oos_analysis.metric.orders.INPUT_COLUMNS`) reads only those columns of the big
    kinds; see :func:`read_export`.

    Examples
    --------
    >>> import io
    >>> log = io.StringIO("order_id,marketplace,sku,detected_at,resolution\\n"
    ...                   "113-8871452-8288246,Amazon.com,A1,2024-07-18,open\\n")
    >>> exports = read_exports([log])
    >>> len(exports.stockout_log), len(exports.all_orders)
    (1, 0)
    """
    if isinstance(sources, str | os.PathLike) or hasattr(sources, "read"):
        sources = [sources]
    return Exports.from_files((read_export(s, encoding=encoding, columns=columns)
                               for s in sources), columns=columns)
