"""Amazon's order flat files: the All Orders report, the Order Report and the cancel rate download.

Each function here reads one file into the canonical frame described in
:mod:`oos_analysis.io.schema` and returns it with the encoding found and the warnings raised; the
public ``read_*`` wrappers in :mod:`oos_analysis.io.readers` turn those warnings into
:class:`~oos_analysis.exceptions.DataQualityWarning`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..exceptions import ReportFormatError
from ..lazy import lazy_module
from ..redact import quote
from . import schema
from .arrays import arrow_of, blank, filled, numbers, strings
from .delimited import TableSpec, read_columns, read_table, to_frame, to_series
from .order_keys import STRING_KEYS, arrow_strings, key_codes, order_keys

pd = lazy_module("pandas")  # imported on first use: `check` of most files never uses it
pc = lazy_module("pyarrow.compute")  # imported while Arrow parses

__all__ = ["read_all_orders_table", "read_all_orders_columns", "OrdersRead",
           "read_order_report_table", "read_cancel_download_table", "map_unique", "arrow_map",
           "arrow_codes", "drop_duplicate_items", "number_lines", "ORDER_ID_PATTERN",
           "is_amazon_order_id"]

ORDER_ID_PATTERN = r"[0-9]{3}-[0-9]{7}-[0-9]{7}"  # ASCII digits only, as the store's keys
"""Amazon's order id: 3, 7 and 7 digits joined by hyphens (``113-8871452-8288246``)."""

_MONEY = {
    "item_price", "item_tax", "shipping_price", "shipping_tax", "gift_wrap_price", "gift_wrap_tax",
    "item_promotion_discount", "ship_promotion_discount",
}
_COUNTS = {
    "quantity", "quantity_purchased", "quantity_shipped", "quantity_to_ship", "number_of_items",
    "days_past_promise",
}
_STATUS_ALIASES = {"canceled": "cancelled", "cancel": "cancelled", "complete": "complete"}
_FULFILLMENT = {"merchant": schema.MFN, "mfn": schema.MFN, "amazon": schema.AFN,
                "afn": schema.AFN}


def _order_column_type(name: str) -> str:
    if name.endswith("_date"):
        return "datetime"
    if name in _COUNTS:
        return "int"
    if name in _MONEY:
        return "float"
    if name.startswith(("is_", "verge_of_")) or name == "signature_confirmation_recommended":
        return "bool"
    return "str"


def _download_column_type(name: str) -> str:
    if name == "order_date":
        return "datetime"
    if name == "impacts_account_health":
        return "bool"
    return "str"


ALL_ORDERS_SPEC = TableSpec(
    kind=schema.ALL_ORDERS,
    required=("amazon_order_id", "purchase_date", "order_status", "fulfillment_channel",
              "sales_channel"),
    column_type=_order_column_type,
    rename={"amazon_order_id": "order_id"},
)
ORDER_REPORT_SPEC = TableSpec(
    kind=schema.ORDER_REPORT,
    required=("order_id", "order_item_id", "purchase_date"),
    column_type=_order_column_type,
    rename={
        "is_buyer_requested_cancellation": "buyer_requested_cancel",
        "is_buyer_requested_cancelation": "buyer_requested_cancel_",
        "buyer_requested_cancel_reason": "buyer_cancel_reason",
        "buyer_requested_cancelation_reason": "buyer_cancel_reason_",
    },
)
CANCEL_DOWNLOAD_SPEC = TableSpec(
    kind=schema.CANCEL_DOWNLOAD,
    required=("order_id", "order_date", "impacts_account_health"),
    column_type=_download_column_type,
    note_naive=False,
)


def map_unique(values: pd.Series, func) -> pd.Series:
    """Apply ``func`` to each distinct value of a string column (not to each row).

    Missing values stay missing; ``func`` may return None for missing.

    Examples
    --------
    >>> map_unique(pd.Series(["a", "b", "a", None], dtype="str"), str.upper).tolist()
    ['A', 'B', 'A', nan]
    """
    return _map_distinct(values, func)[0]


def _map_distinct(values: pd.Series, func) -> tuple[pd.Series, set]:
    """:func:`map_unique`, and the set of values the result holds (missing left out)."""
    arrow = arrow_strings(values)
    if arrow is not None:  # the reader's columns: mapped as the reader maps its Arrow ones
        mapped, found = arrow_map(arrow, func)
    else:
        codes, uniques = pd.factorize(values)
        results = [func(u) for u in uniques]
        mapped, found = _by_code(results, codes), {r for r in results if r is not None}
    return pd.Series(mapped.to_pandas(), index=values.index, dtype="str"), found


def arrow_codes(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """``pd.factorize`` of an Arrow text column: a code per row (-1 where missing) and the
    distinct values, both in order of first appearance (Arrow hashes the text: no pandas).

    Examples
    --------
    >>> codes, values = arrow_codes(pa.chunked_array([["b", None, "a", "b"]]))
    >>> codes.tolist(), values.to_pylist()
    ([0, -1, 1, 0], ['b', 'a'])
    """
    values = pc.unique(column).drop_null()
    codes = filled(pc.index_in(column, value_set=values), -1)
    return codes.astype(np.int64), values


def arrow_map(column: pa.ChunkedArray, func) -> tuple[pa.ChunkedArray, set]:
    """``func`` of each distinct value of an Arrow text column (not of each row), as a
    ``large_string`` column, with the set of values it holds (missing left out).

    Missing values stay missing; ``func`` may return None for missing.
    """
    codes, values = arrow_codes(column)
    results = [func(u) for u in values.to_pylist()]
    return _by_code(results, codes), {r for r in results if r is not None}


def _by_code(results: list, codes: np.ndarray) -> pa.ChunkedArray:
    """``results[code]`` for each row's code (missing where the code is -1), as a
    ``large_string`` column."""
    taken = strings([*results, None]).take(arrow_of(np.where(codes < 0, len(results), codes)))
    return pa.chunked_array([taken], pa.large_string())


def _distinct_values(values) -> list:
    """The distinct values of a string column (a Series, or an Arrow column), missing left out,
    in no particular order.

    An Arrow-backed column is hashed by Arrow without the codes ``pd.factorize`` also makes.
    """
    arrow = values if isinstance(values, pa.ChunkedArray) else arrow_strings(values)
    if arrow is None:
        return pd.unique(values.dropna()).tolist()
    return pc.unique(arrow).drop_null().to_pylist()


def canonical_status(value: str) -> str | None:
    """Canonical order/item status: ``Canceled``/``CANCELLED`` -> ``cancelled``, long forms cut.

    Examples
    --------
    >>> [canonical_status(v) for v in ("Canceled", "Shipped - Delivered to Buyer", "PartiallyShipped")]
    ['cancelled', 'shipped', 'partially_shipped']
    """
    name = schema.snake_case(value.split(" - ")[0])
    if not name:
        return None
    return _STATUS_ALIASES.get(name, name)


def is_amazon_order_id(values: pd.Series) -> np.ndarray:
    """True where a (stripped) value has Amazon's ``3-7-7`` digit form; missing is False."""
    return values.str.fullmatch(ORDER_ID_PATTERN).fillna(False).to_numpy(dtype=bool)


def number_lines(frame: pd.DataFrame, key=("order_id", "sku"), *,
                 first: np.ndarray | None = None) -> np.ndarray:
    """Number the lines sharing ``key`` inside one export: 0, 1, ... (``sku_line``).

    The All Orders report has no order-item id, so two genuine lines of the same SKU in one
    order differ only by position. Lines of the same key are numbered in the order of their
    content (every column as text), not their position, so a shuffled copy of an export numbers
    every line the same way and overlapping exports pair up line by line. ``first``, if given, is
    ``pd.factorize`` of the first key column (so that a caller who has it pays for it once).

    Examples
    --------
    >>> f = pd.DataFrame({"order_id": ["1", "1", "2"], "sku": ["A", "A", "A"],
    ...                   "item_status": ["shipped", "cancelled", "shipped"]})
    >>> number_lines(f).tolist()
    [1, 0, 0]
    """
    out = np.zeros(len(frame), dtype=np.int64)
    if frame.empty:
        return out
    codes = np.zeros(len(frame), dtype=np.int64)
    for i, column in enumerate(key):
        if i == 0 and first is not None:  # the caller's pd.factorize of that column
            c, n = first, int(first.max(initial=-1)) + 1
        else:
            c, u = pd.factorize(frame[column])
            n = len(u)
        codes = pd.factorize(codes * (n + 1) + (c + 1))[0]
    twins = pd.Series(codes).duplicated(keep=False).to_numpy()
    if not twins.any():
        return out
    sub = frame.loc[twins].astype(object).where(frame.loc[twins].notna(), "")
    content = sub.astype(str).agg("\x1f".join, axis=1).to_numpy()
    work = pd.DataFrame({"key": codes[twins], "content": content,
                         "at": np.flatnonzero(twins)}).sort_values(["key", "content"], kind="stable")
    work["n"] = work.groupby("key").cumcount()
    out[work["at"].to_numpy()] = work["n"].to_numpy()
    return out


def _drop_older_versions(frame: pd.DataFrame, warnings: list[str],
                         ids: np.ndarray | None = None) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Drop lines that reappear later in the same file at a newer ``last-updated-date``.

    Every line of one order carries the order's last update, so a SKU of an order seen at two
    different update times cannot be two lines of one export: the file holds two exports one
    after the other, and the older version of the line goes. Lines at the same update time are
    all kept, however alike. A missing SKU is the same as an empty one; a row without an order
    id is a line of its own, since nothing says which order it belongs to (it is left out of the
    metric and counted as such). ``ids``, if given, is ``pd.factorize`` of the order ids (which
    hold no empty string); returns the frame and ``ids`` of the rows kept.
    """
    if frame.empty or frame["last_updated_date"].isna().all():
        return frame, ids
    # one integer per (order id, SKU), grouped unsorted: no per-row Python objects, no sort
    key = (pd.factorize(frame["order_id"])[0] if ids is None else ids).astype(np.int64)
    unnamed = np.flatnonzero(key < 0)
    key[unnamed] = int(key.max(initial=-1)) + 1 + np.arange(unnamed.size)
    codes, uniques = pd.factorize(frame["sku"].fillna(""))
    key = key * (len(uniques) + 1) + codes
    newest = frame["last_updated_date"].groupby(key, sort=False).transform("max")
    older = (frame["last_updated_date"] < newest).fillna(False).to_numpy(dtype=bool)
    if not older.any():
        return frame, ids
    warnings.append(
        f"{int(older.sum())} row(s) are older versions of a line that appears again in the file "
        "with a later last-updated-date (were overlapping exports concatenated?); the latest "
        "version was kept"
    )
    return frame.loc[~older].reset_index(drop=True), None if ids is None else ids[~older]


def _at(column: pa.ChunkedArray, i: int):
    """The value at row ``i`` of an Arrow text column, as Python (None where missing)."""
    return column[int(i)].as_py()


def _check_ids(ids, keys: np.ndarray, markets, lines, warnings) -> None:
    """Warn of order ids not in Amazon's form on Amazon's marketplaces.

    ``keys`` are the ids' :func:`order_keys`: a key below :data:`STRING_KEYS` is an id in
    Amazon's form, exactly as :func:`is_amazon_order_id` says (ASCII digits both), so no pattern
    is matched. ``markets`` is (a code per row, -1 where missing; the marketplaces coded).
    """
    odd = keys >= STRING_KEYS
    if odd.any():  # (not so in most exports: no marketplace looked at)
        codes, names = markets
        amazon = np.array([n != schema.NON_AMAZON for n in names] + [False], dtype=bool)
        odd &= amazon[np.where(codes < 0, len(names), codes)]
    if odd.any():
        at = int(np.argmax(odd))
        warnings.append(
            f"{int(odd.sum())} order id(s) are not of Amazon's 3-7-7 digit form such as "
            f"113-8871452-8288246 (first {_at(ids, at)!r} at line {int(lines[at])}); they are "
            "counted as read but never given to the playbook. Check that column."
        )


def _check_channels(ids, markets, lines, source, *, order_ids, channels, shared=None) -> None:
    """One order, one marketplace: refuse a file whose order's items name different channels.

    ``ids`` is a code per row of the order ids (-1 where missing, as ``pd.factorize`` gives);
    ``markets`` (a code per row of the marketplaces, -1 where missing; the marketplaces coded);
    ``order_ids`` and ``channels`` the order id and sales channel Arrow columns, for the
    message; ``shared``, if given, :func:`_shared_rows` of ``ids``.
    """
    n_ids = int(ids.max(initial=-1)) + 1
    markets, market_names = markets
    # only the rows of orders on more than one row can disagree (most orders have one item)
    many = _shared_rows(ids) if shared is None else shared
    known = (ids >= 0) & (markets >= 0) & many
    if not known.any():
        return
    # an order names two marketplaces when its lowest and highest marketplace codes differ: two
    # passes over the rows, no sort (np.unique of the pairs cost 0.6 s on a million rows)
    lowest = np.full(n_ids, len(market_names), dtype=np.int64)
    highest = np.full(n_ids, -1, dtype=np.int64)
    np.minimum.at(lowest, ids[known], markets[known])
    np.maximum.at(highest, ids[known], markets[known])
    mixed = np.flatnonzero(highest > lowest)
    if not len(mixed):
        return
    # the first such order to appear on a row naming both
    first_row = np.flatnonzero(known & np.isin(ids, mixed))[0]
    rows = np.flatnonzero(ids == ids[first_row])
    other = next(i for i in rows if markets[i] != markets[rows[0]] and markets[i] >= 0)
    raise ReportFormatError(
        f"order {_at(order_ids, first_row)} has items on two sales channels "
        f"({_at(channels, rows[0])!r} at line {int(lines[rows[0]])}, {_at(channels, other)!r} "
        f"here); an Amazon order belongs to one marketplace, so the kit cannot tell whose rate "
        f"it counts in"
        + (f" ({len(mixed)} such orders in the file)" if len(mixed) > 1 else "")
        + ". Download the report again; if Amazon's own file says so, report it to Seller Support.",
        source=source,
        line=int(lines[other]),
        column="sales-channel",
    )


def _insert_after(frame: pd.DataFrame, after: str, name: str, values) -> pd.DataFrame:
    columns = list(frame.columns)
    at = columns.index(after) + 1 if after in columns else len(columns)
    frame.insert(at, name, values)
    return frame


def drop_duplicate_items(
    frame: pd.DataFrame, key: list[str], *, latest: str | None = None
) -> tuple[pd.DataFrame, int]:
    """Keep one row per ``key`` (the one with the latest ``latest``, else the last); count drops."""
    if frame.empty:
        return frame, 0
    codes = np.zeros(len(frame), dtype=np.int64)
    for column in key:
        c, u = pd.factorize(frame[column])
        codes = codes * (len(u) + 1) + (c + 1)
    duplicated = pd.Series(codes).duplicated(keep=False).to_numpy()
    if not duplicated.any():
        return frame, 0
    order = frame.assign(_key=codes)
    if latest is not None and latest in frame:
        order = order.sort_values(latest, kind="stable", na_position="first")
    kept = order.drop_duplicates("_key", keep="last").sort_index().drop(columns="_key")
    return kept.reset_index(drop=True), len(frame) - len(kept)


def _dedupe(frame, key, warnings, *, latest=None, what="order item"):
    frame, dropped = drop_duplicate_items(frame, key, latest=latest)
    if dropped:
        warnings.append(
            f"{dropped} duplicate {what} row(s) (same {', '.join(key)}) were dropped, keeping "
            + ("the latest update" if latest else "the last one")
            + " - were overlapping exports concatenated?"
        )
    return frame


def _refuse_mangled_cancellation(raw: pa.ChunkedArray, odd: set, read, column) -> None:
    """An unrecognised status that still reads as a cancellation is an error, not a guess.

    A byte such as NUL inside ``Cancelled`` makes a status the kit does not know; counting the
    order as not cancelled would silently lower the rate, so the line is named instead. Both
    tests are of the value as read, so they are made once per distinct value.
    """
    bad = [v for v in _distinct_values(raw)
           if canonical_status(v) in odd and "cancel" in re.sub(r"[^a-z]", "", v.lower())]
    if bad:
        at = int(np.argmax(filled(pc.is_in(raw, value_set=strings(bad)), False)))
        line = int(read.lines[at]) if read.lines is not None else at + 2
        raise ReportFormatError(
            f"the status {quote(_at(raw, at))} is not one Amazon writes, yet it reads as a "
            "cancellation (it holds stray bytes). Counting it either way could be wrong, so the "
            "kit stops here. Download the report again, or correct that value to Cancelled.",
            source=read.source, line=line, column=read.headers.get(column, column),
        )


_ALL_ORDERS_OWN = ("order_id", "purchase_date", "last_updated_date", "order_status", "item_status",
                   "fulfillment_channel", "sales_channel", "sku")
"""The columns the All Orders reader's own checks use, read whatever columns are asked for."""
_ORDER_REPORT_SPARES = {"buyer_requested_cancel": "buyer_requested_cancel_",
                        "buyer_cancel_reason": "buyer_cancel_reason_"}


def _only(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """``frame`` cut to ``columns`` (those it has, in its own order); all of it for None."""
    if columns is None:
        return frame
    return frame[[c for c in frame.columns if c in columns]]


@dataclass
class OrdersRead:
    """An All Orders report read and checked: the encoding, the warnings, the number of distinct
    order ids, and the rows, either as Arrow ``columns`` (every ``sku_line`` 0, the rule for
    most exports: no order id and SKU on two rows) or as the finished ``frame``.

    :meth:`frame_of` gives the frame either way; ``oos-analysis check`` looks at the Arrow columns
    without making one (and without importing pandas).
    """

    source: str
    encoding: str
    warnings: list[str]
    orders: int
    columns: dict[str, pa.ChunkedArray] | None = None
    frame: pd.DataFrame | None = None

    def frame_of(self) -> pd.DataFrame:
        """The frame of the rows, with ``sku_line`` last; made once from the Arrow columns."""
        if self.frame is None:
            frame = to_frame(self.columns, 0)
            frame["sku_line"] = np.zeros(len(frame), dtype=np.int64)
            self.frame, self.columns = frame, None
        return self.frame


def _place_after(columns: dict, after: str, name: str, values) -> dict:
    """``columns`` with ``name`` placed right after ``after`` (last if there is no ``after``)."""
    if after not in columns:
        return {**columns, name: values}
    out = {}
    for key, column in columns.items():
        out[key] = column
        if key == after:
            out[name] = values
    return out


def read_all_orders_table(source, *, encoding=None, columns=None, counts=None):
    """Read an All Orders report; return (frame, encoding, warnings).

    ``columns``, if given, limits the frame to those columns (``sku_line`` always comes), with
    every check of the whole read made (see :func:`~oos_analysis.io.delimited.read_table`).
    ``counts``, a dict if given, receives ``"orders"``: the distinct order ids of the frame
    (dropping an older version of a line never drops an order id, so they are counted before).
    """
    read = read_all_orders_columns(source, encoding=encoding, columns=columns, pandas=True)
    if counts is not None:
        counts["orders"] = read.orders
    return read.frame_of(), read.encoding, read.warnings


def read_all_orders_columns(source, *, encoding=None, columns=None, pandas=False) -> OrdersRead:
    """Read and check an All Orders report: :func:`read_all_orders_table`'s work, as an
    :class:`OrdersRead`.

    Every check runs on Arrow columns and numpy. ``pandas``: whether the caller wants the frame
    (:attr:`OrdersRead.frame`). If so, the frame is made as the file is read (pandas imported
    in the background while Arrow parses, if not imported yet) and the checks look at its text
    columns' Arrow arrays; if not, the Arrow columns are given (:attr:`OrdersRead.columns`),
    unless an order id and SKU are on two rows: older versions of those lines are dropped and
    the lines numbered in pandas, on a frame.
    """
    wanted = None if columns is None else {*columns, *_ALL_ORDERS_OWN}
    # the order ids' keys and codes are worked out in a second thread for a big file, from the
    # moment the reader has the column, while the reader converts the other columns and this
    # thread maps the status and channel ones (numpy and Arrow release the GIL)
    early: list = []  # the future of that work, once started

    def on_column(name, column) -> None:
        if name == "order_id" and len(column) >= _IN_THREAD:
            from concurrent.futures import ThreadPoolExecutor  # the reader's casts use it too

            pool = ThreadPoolExecutor(1, thread_name_prefix="oos-order-ids")
            early.append(pool.submit(_id_codes, column))
            pool.shutdown(wait=False)

    # a column not asked for is mapped only if needed: to number lines (their content counts);
    # otherwise its distinct values are all its checks look at
    later: dict[str, Callable] = {}

    def canonical(column, func) -> set:
        if columns is None or column in columns:
            cols[column], found = arrow_map(cols[column], func)
            return found
        later[column] = func  # mapped if needed; its distinct values are enough until then
        return {r for r in map(func, _distinct_values(cols[column])) if r is not None}

    try:
        if pandas:
            # a frame wanted: read_table makes it as the file is read, and the checks look at
            # its text columns' Arrow arrays (no copy)
            read = read_table(source, spec=ALL_ORDERS_SPEC, encoding=encoding, columns=wanted,
                              on_column=on_column)
            frame = read.frame
            cols = {name: arrow_strings(frame[name]) if name in _ARROW else None
                    for name in frame.columns}
        else:
            read = read_columns(source, spec=ALL_ORDERS_SPEC, encoding=encoding, columns=wanted,
                                on_column=on_column, pandas=False)
            frame, cols = None, read.columns
        as_read = dict(cols)
        warnings = read.warnings
        for column in ("order_status", "item_status"):
            if column in cols:
                raw = cols[column]
                odd = canonical(column, canonical_status) - set(schema.ORDER_STATUSES)
                if odd:
                    _refuse_mangled_cancellation(raw, odd, read, column)
                    warnings.append(f"unrecognised {column} value(s) kept as read: "
                                    f"{', '.join(quote(v) for v in sorted(odd))}")
                del raw
        found = canonical("fulfillment_channel",
                          lambda v: _FULFILLMENT.get(v.strip().lower(), v.strip() or None))
        odd = found - {schema.MFN, schema.AFN}
        if odd:
            warnings.append(f"unrecognised fulfillment-channel value(s) kept as read: "
                            f"{sorted(odd)}")
        # the marketplace of each distinct sales channel, and a code per row for the checks
        channel_codes, channels = arrow_codes(cols["sales_channel"])
        of_channel = [schema.marketplace_from_channel(c) for c in channels.to_pylist()]
        market_names = list(dict.fromkeys(m for m in of_channel if m is not None))
        numbered = {m: i for i, m in enumerate(market_names)}
        market_codes = np.array([numbered.get(m, -1) for m in of_channel] + [-1],
                                dtype=np.int64)[channel_codes]  # a missing channel: the last
        cols = _place_after(cols, "sales_channel", "marketplace",
                            _by_code(of_channel, channel_codes))
        markets = (market_codes, market_names)
    except BaseException:
        _settle(early)  # a refused file (maybe after its ids were handed over): work dropped
        raise
    stripped, keys, ids = early[0].result() if early else _id_codes(cols["order_id"])
    n = len(frame) if frame is not None else read.rows
    for name in ("sku", "asin", "item_status"):
        if name not in cols:
            cols[name] = pa.chunked_array([pa.nulls(n, pa.large_string())])
    if "last_updated_date" not in cols:
        cols = _place_after(cols, "purchase_date", "last_updated_date", pa.chunked_array(
            [pa.nulls(n, pa.timestamp("s", tz="UTC"))]))
    lines = read.lines if read.lines is not None else np.arange(n) + 2
    if stripped is not None:
        cols["order_id"] = stripped
    orders = int(ids.max(initial=-1)) + 1
    _check_ids(cols["order_id"], keys, markets, lines, warnings)
    shared = _shared_rows(ids)
    _check_channels(ids, markets, lines, read.source, order_ids=cols["order_id"],
                    channels=cols["sales_channel"], shared=shared)
    keep = None if columns is None else {*columns, "sku_line"}
    # no (order id, SKU) appears twice (as a rule): no line is an older version of another, and
    # every line is the first of its key (what the two passes below find, at a fraction of the
    # cost)
    repeated = _repeated_pairs(ids, cols["sku"], shared=shared)
    if not repeated and not pandas:
        if keep is not None:
            cols = {k: v for k, v in cols.items() if k in keep}
        return OrdersRead(read.source, read.encoding, warnings, orders, columns=cols)
    if frame is None:
        frame = to_frame(cols, n)
    else:  # the frame read, with the columns the checks changed or added
        frame = pd.DataFrame({k: frame[k] if k in frame and v is as_read[k] else to_series(v)
                              for k, v in cols.items()}, copy=False)
    if not repeated:
        frame["sku_line"] = np.zeros(len(frame), dtype=np.int64)
        return OrdersRead(read.source, read.encoding, warnings, orders, frame=_only(frame, keep))
    for column, func in later.items():  # the content of every column numbers the lines
        frame[column] = map_unique(frame[column], func)
    kept, ids = _drop_older_versions(frame.assign(_line=lines), warnings, ids)
    frame = kept.drop(columns="_line")
    # Lines inside one export are never merged: two lines of one SKU in one order are two lines.
    frame["sku_line"] = number_lines(frame, first=ids)
    return OrdersRead(read.source, read.encoding, warnings, orders, frame=_only(frame, keep))


_ARROW = ("order_id", "sales_channel", "sku", "order_status", "item_status",
          "fulfillment_channel")
"""The columns the All Orders reader's checks look at or map (as Arrow arrays)."""


_IN_THREAD = 100_000
"""Rows from which an All Orders file's order ids are worked out in a second thread."""


def _settle(jobs) -> None:
    """Wait for work handed to a thread whose result is no longer wanted."""
    for job in jobs:
        job.exception()


def _id_codes(ids: pa.ChunkedArray, keys=None):
    """The order ids as the checks need them: (the ids stripped, or None when none needed it;
    their :func:`~oos_analysis.io.order_keys.order_keys`; their
    :func:`~oos_analysis.io.order_keys.key_codes`).

    ``ids`` is the reader's Arrow column (``keys``, if given, its keys). Stripped of white space
    (Unicode's, as pandas' ``str.strip`` does), an empty id is missing; an export whose every id
    is exactly Amazon's ddd-ddddddd-ddddddd has nothing to strip (most do), and its keys are
    those of the text read.
    """
    stripped = None
    keys = order_keys(ids)[0] if keys is None else keys
    if (keys >= STRING_KEYS).any():  # a missing id (-1) has nothing to strip either
        stripped = pc.utf8_trim_whitespace(ids)
        stripped = pc.if_else(blank(stripped), pa.nulls(1, stripped.type)[0], stripped)
        keys = order_keys(stripped)[0]
    return stripped, keys, key_codes(keys)


def _shared_rows(ids: np.ndarray) -> np.ndarray:
    """Where a row's order id (``ids`` factorized, missing -1 counted as one id) is on more than
    one row."""
    shared = ids.astype(np.int64, copy=False) + 1
    return (np.bincount(shared) > 1)[shared]  # compared per id, then gathered as booleans


def _repeated_pairs(ids: np.ndarray, skus, *, shared=None) -> bool:
    """Whether some (order id, SKU) pair is on more than one row (``ids`` factorized; ``skus``
    an Arrow text column, or a Series of text).

    A missing SKU is the same as an empty one here, as in :func:`_drop_older_versions`, so that
    no pair either pass would find is missed. Only the rows of order ids on more than one row
    (missing ids being one id) are looked at: most orders have one item. ``shared``, if given,
    is :func:`_shared_rows` of ``ids``.
    """
    many = _shared_rows(ids) if shared is None else shared
    if not many.any():
        return False
    if not isinstance(skus, pa.ChunkedArray):
        skus = pa.chunked_array([pa.array(skus, type=pa.large_string(), from_pandas=True)])
    if not many.all():
        ids, skus = ids[many], skus.filter(arrow_of(many))
    codes, uniques = arrow_codes(skus)
    empty = np.flatnonzero(numbers(blank(uniques)))
    if len(empty):
        codes = np.where(codes == empty[0], -1, codes)
    pairs = np.sort((ids.astype(np.int64) + 1) * (len(uniques) + 1) + (codes + 1))
    # sorted, equal pairs are neighbours: no hash table (Arrow's cost 17-150 ms on a million
    # rows, as much for growing its table as for hashing; sorting the pairs, 13 ms)
    return bool((pairs[1:] == pairs[:-1]).any())


def _first_of(frame: pd.DataFrame, name: str, spare: str) -> pd.DataFrame:
    if spare in frame:
        if name in frame:
            frame[name] = frame[name].fillna(frame[spare])
            frame = frame.drop(columns=spare)
        else:
            frame = frame.rename(columns={spare: name})
    return frame


def read_order_report_table(source, *, encoding=None, columns=None):
    """Read an Order Report or Unshipped Orders report; return (frame, encoding, warnings).

    ``columns``, if given, limits the frame to those columns (``order_item_id`` always comes).
    """
    wanted = None if columns is None else {
        *columns, "order_id", "order_item_id", "sales_channel",
        *(_ORDER_REPORT_SPARES[c] for c in columns if c in _ORDER_REPORT_SPARES)}
    table = read_table(source, spec=ORDER_REPORT_SPEC, encoding=encoding, columns=wanted)
    frame, warnings = table.frame, table.warnings
    frame = _first_of(frame, "buyer_requested_cancel", "buyer_requested_cancel_")
    frame = _first_of(frame, "buyer_cancel_reason", "buyer_cancel_reason_")
    defaults = {
        "sku": "str", "product_name": "str", "quantity_purchased": "Int64", "sales_channel": "str",
        "buyer_requested_cancel": "boolean", "buyer_cancel_reason": "str",
    }
    for name, dtype in defaults.items():
        if name not in frame:
            frame[name] = pd.Series(pd.NA, index=frame.index, dtype=dtype)
    frame = _insert_after(
        frame, "sales_channel", "marketplace",
        map_unique(frame["sales_channel"], schema.marketplace_from_channel),
    )
    frame = _dedupe(frame, ["order_id", "order_item_id"], warnings)
    return _only(frame, None if columns is None else {*columns, "order_id", "order_item_id"}), \
        table.encoding, warnings


def read_cancel_download_table(source, *, encoding=None):
    """Read the Account Health cancel rate download; return (frame, encoding, warnings)."""
    table = read_table(source, spec=CANCEL_DOWNLOAD_SPEC, encoding=encoding)
    frame, warnings = table.frame, table.warnings
    first = ["order_id", "order_date", "impacts_account_health"]
    frame = frame[first + [c for c in frame.columns if c not in first]]
    frame = _dedupe(frame, ["order_id"], warnings, what="order")
    return frame, table.encoding, warnings
