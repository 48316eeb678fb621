"""Amazon's order flat files: the All Orders report, the Order Report and the cancel rate download.

Each function here reads one file into the canonical frame described in
:mod:`oos_analysis.io.schema` and returns it with the encoding found and the warnings raised; the
public ``read_*`` wrappers in :mod:`oos_analysis.io.readers` turn those warnings into
:class:`~oos_analysis.exceptions.DataQualityWarning`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pyarrow as pa

from ..exceptions import ReportFormatError
from ..lazy import lazy_module
from ..redact import quote
from . import schema
from .delimited import TableSpec, read_table
from .order_keys import STRING_KEYS, arrow_strings, key_codes, order_keys

pd = lazy_module("pandas")  # imported on first use: `check` imports it while Arrow reads
pc = lazy_module("pyarrow.compute")  # the same

__all__ = ["read_all_orders_table", "read_order_report_table", "read_cancel_download_table",
           "map_unique", "drop_duplicate_items", "number_lines", "ORDER_ID_PATTERN",
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
    codes, results = _distinct_results(values, func)
    return _mapped(codes, results, values.index), {r for r in results if r is not None}


def _distinct_results(values: pd.Series, func) -> tuple[np.ndarray, list]:
    """``pd.factorize`` codes of ``values`` and ``func`` of each distinct value."""
    codes, uniques = pd.factorize(values)
    return codes, [func(u) for u in uniques]


def _distinct_values(values: pd.Series) -> list:
    """The distinct values of a string column, missing left out, in no particular order.

    An Arrow-backed column is hashed by Arrow without the codes ``pd.factorize`` also makes.
    """
    arrow = arrow_strings(values)
    if arrow is None:
        return pd.unique(values.dropna()).tolist()
    return pc.unique(arrow).drop_null().to_pylist()


def _mapped(codes: np.ndarray, results: list, index) -> pd.Series:
    """The column :func:`map_unique` gives, from :func:`_distinct_results`."""
    mapped = pa.array(results + [None], type=pa.large_string())
    taken = mapped.take(pa.array(np.where(codes < 0, len(results), codes)))
    return pd.Series(taken.to_pandas(), index=index, dtype="str")


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
    blank = np.flatnonzero(key < 0)
    key[blank] = int(key.max(initial=-1)) + 1 + np.arange(blank.size)
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


def _check_ids(frame, lines, warnings, keys: np.ndarray | None = None) -> None:
    """Warn of order ids not in Amazon's form on Amazon's marketplaces.

    ``keys``, if given, are the ids' :func:`order_keys`: a key below :data:`STRING_KEYS` is an
    id in Amazon's form, exactly as :func:`is_amazon_order_id` says (ASCII digits both), so the
    pattern is not matched at all; without ``keys`` it is (the rule as text).
    """
    ids = frame["order_id"]

    def amazon() -> np.ndarray:
        markets = frame["marketplace"]
        return (markets.notna() & markets.ne(schema.NON_AMAZON)).to_numpy(dtype=bool)

    if keys is None:
        odd = ids.notna().to_numpy() & amazon() & ~is_amazon_order_id(ids)
    else:
        odd = keys >= STRING_KEYS
        if odd.any():  # (not so in most exports: no marketplace looked at)
            odd &= amazon()
    if odd.any():
        at = int(np.argmax(odd))
        warnings.append(
            f"{int(odd.sum())} order id(s) are not of Amazon's 3-7-7 digit form such as "
            f"113-8871452-8288246 (first {ids.iloc[at]!r} at line {int(lines[at])}); they are "
            "counted as read but never given to the playbook. Check that column."
        )


def _check_channels(frame, lines, source, ids=None, *, markets=None, shared=None) -> None:
    """One order, one marketplace: refuse a file whose order's items name different channels.

    ``ids``, if given, is ``pd.factorize(frame["order_id"])[0]``; ``markets``, if given,
    ``pd.factorize(frame["marketplace"])``; ``shared``, if given, :func:`_shared_rows` of ``ids``.
    """
    if ids is None:
        ids, _ = pd.factorize(frame["order_id"])
    n_ids = int(ids.max(initial=-1)) + 1
    markets, market_names = pd.factorize(frame["marketplace"]) if markets is None else markets
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
    order = frame["order_id"].iloc[np.flatnonzero(known & np.isin(ids, mixed))[0]]
    rows = np.flatnonzero(frame["order_id"].eq(order).fillna(False).to_numpy())
    first = frame["marketplace"].iloc[rows[0]]
    other = next(i for i in rows if frame["marketplace"].iloc[i] != first
                 and pd.notna(frame["marketplace"].iloc[i]))
    raise ReportFormatError(
        f"order {order} has items on two sales channels ({frame['sales_channel'].iloc[rows[0]]!r} "
        f"at line {int(lines[rows[0]])}, {frame['sales_channel'].iloc[other]!r} here); an Amazon "
        f"order belongs to one marketplace, so the kit cannot tell whose rate it counts in"
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


def _refuse_mangled_cancellation(raw, mapped, odd, table, column) -> None:
    """An unrecognised status that still reads as a cancellation is an error, not a guess.

    A byte such as NUL inside ``Cancelled`` makes a status the kit does not know; counting the
    order as not cancelled would silently lower the rate, so the line is named instead.
    """
    letters = map_unique(raw, lambda v: re.sub(r"[^a-z]", "", v.lower()))
    looks = (mapped.isin(odd) & letters.str.contains("cancel", regex=False)).to_numpy()
    if looks.any():
        at = int(np.argmax(looks))
        line = int(table.lines[at]) if table.lines is not None else at + 2
        raise ReportFormatError(
            f"the status {quote(raw.iloc[at])} is not one Amazon writes, yet it reads as a "
            "cancellation (it holds stray bytes). Counting it either way could be wrong, so the "
            "kit stops here. Download the report again, or correct that value to Cancelled.",
            source=table.source, line=line, column=table.headers.get(column, column),
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


def read_all_orders_table(source, *, encoding=None, columns=None, counts=None):
    """Read an All Orders report; return (frame, encoding, warnings).

    ``columns``, if given, limits the frame to those columns (``sku_line`` always comes), with
    every check of the whole read made (see :func:`~oos_analysis.io.delimited.read_table`).
    ``counts``, a dict if given, receives ``"orders"``: the distinct order ids of the frame
    (dropping an older version of a line never drops an order id, so they are counted before).
    """
    wanted = None if columns is None else {*columns, *_ALL_ORDERS_OWN}
    # the order ids' keys and codes are worked out in a second thread for a big file, from the
    # moment the reader has the column, while the reader converts the other columns and this
    # thread maps the status and channel ones (numpy, Arrow and pandas' hashing release the GIL)
    early: list = []  # the future of that work, once started

    def on_column(name, column) -> None:
        if name == "order_id" and len(column) >= _IN_THREAD:
            from concurrent.futures import ThreadPoolExecutor  # the reader's casts use it too

            pool = ThreadPoolExecutor(1, thread_name_prefix="oos-order-ids")
            early.append(pool.submit(_id_codes, column))
            pool.shutdown(wait=False)

    # a column not asked for is mapped only if needed: to refuse a value, or to number lines
    # (their content counts); otherwise its distinct values are all its checks look at
    later: dict[str, Callable] = {}

    def canonical(column, func) -> set:
        if columns is None or column in columns:
            frame[column], found = _map_distinct(frame[column], func)
            return found
        later[column] = func  # mapped if needed; its distinct values are enough until then
        return {r for r in map(func, _distinct_values(frame[column])) if r is not None}

    def mapped(column) -> pd.Series:
        if column in later:
            frame[column] = map_unique(frame[column], later.pop(column))
        return frame[column]

    try:
        table = read_table(source, spec=ALL_ORDERS_SPEC, encoding=encoding, columns=wanted,
                           on_column=on_column)
        frame, warnings = table.frame, table.warnings
        for column in ("order_status", "item_status"):
            if column in frame:
                raw = frame[column]
                found = canonical(column, canonical_status)
                odd = found - set(schema.ORDER_STATUSES)
                if odd:
                    _refuse_mangled_cancellation(raw, mapped(column), odd, table, column)
                    warnings.append(f"unrecognised {column} value(s) kept as read: "
                                    f"{', '.join(quote(v) for v in sorted(odd))}")
        found = canonical("fulfillment_channel",
                          lambda v: _FULFILLMENT.get(v.strip().lower(), v.strip() or None))
        odd = found - {schema.MFN, schema.AFN}
        if odd:
            warnings.append(f"unrecognised fulfillment-channel value(s) kept as read: "
                            f"{sorted(odd)}")
        frame = _insert_after(
            frame, "sales_channel", "marketplace",
            map_unique(frame["sales_channel"], schema.marketplace_from_channel),
        )
        markets = pd.factorize(frame["marketplace"])
    except BaseException:
        _settle(early)  # a refused file (maybe after its ids were handed over): work dropped
        raise
    stripped, keys, ids = early[0].result() if early else _id_codes(frame["order_id"])
    if ids is None:  # ids to strip, given as Arrow: stripped as the frame's text
        stripped, keys, ids = _id_codes(frame["order_id"], keys)
    for name in ("sku", "asin", "item_status"):
        if name not in frame:
            frame[name] = pd.Series(pd.NA, index=frame.index, dtype="str")
    if "last_updated_date" not in frame:
        frame = _insert_after(frame, "purchase_date", "last_updated_date",
                              pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s, UTC]"))
    lines = table.lines if table.lines is not None else np.arange(len(frame)) + 2
    if stripped is not None:
        frame["order_id"] = stripped
    if counts is not None:
        counts["orders"] = int(ids.max(initial=-1)) + 1
    _check_ids(frame, lines, warnings, keys)
    shared = _shared_rows(ids)
    _check_channels(frame, lines, table.source, ids, markets=markets, shared=shared)
    if not _repeated_pairs(ids, frame["sku"], shared=shared):
        # no (order id, SKU) appears twice: no line is an older version of another, and every
        # line is the first of its key (what the two passes below find, at a fraction of the cost)
        frame["sku_line"] = np.zeros(len(frame), dtype=np.int64)
        return _only(frame, None if columns is None else {*columns, "sku_line"}), \
            table.encoding, warnings
    for column in list(later):
        mapped(column)
    keep, ids = _drop_older_versions(frame.assign(_line=lines), warnings, ids)
    frame, lines = keep.drop(columns="_line"), keep["_line"].to_numpy()
    # Lines inside one export are never merged: two lines of one SKU in one order are two lines.
    frame["sku_line"] = number_lines(frame, first=ids)
    return _only(frame, None if columns is None else {*columns, "sku_line"}), table.encoding, \
        warnings


_IN_THREAD = 100_000
"""Rows from which an All Orders file's order ids are worked out in a second thread."""


def _settle(jobs) -> None:
    """Wait for work handed to a thread whose result is no longer wanted."""
    for job in jobs:
        job.exception()


def _id_codes(ids, keys=None):
    """The order ids as the checks need them: (the ids stripped, or None when none needed it;
    their :func:`~oos_analysis.io.order_keys.order_keys`; their
    :func:`~oos_analysis.io.order_keys.key_codes`).

    ``ids`` is the frame's column or the reader's Arrow array of it (``keys``, if given, its
    keys). Stripped, an empty id is missing; an export whose every id is exactly Amazon's
    ddd-ddddddd-ddddddd has nothing to strip (most do), and its keys are those of the text read.
    Given Arrow ids of which some need stripping, it gives (None, their keys, None): the frame's
    column is stripped.
    """
    stripped = None
    keys = order_keys(ids)[0] if keys is None else keys
    if (keys >= STRING_KEYS).any():  # a missing id (-1) has nothing to strip either
        if not isinstance(ids, pd.Series):
            return None, keys, None
        stripped = ids.str.strip().replace("", None)
        keys = order_keys(stripped)[0]
    return stripped, keys, key_codes(keys)


def _shared_rows(ids: np.ndarray) -> np.ndarray:
    """Where a row's order id (``ids`` factorized, missing -1 counted as one id) is on more than
    one row."""
    shared = ids.astype(np.int64, copy=False) + 1
    return (np.bincount(shared) > 1)[shared]  # compared per id, then gathered as booleans


def _repeated_pairs(ids: np.ndarray, skus: pd.Series, *, shared=None) -> bool:
    """Whether some (order id, SKU) pair is on more than one row (``ids`` factorized).

    A missing SKU is the same as an empty one here, as in :func:`_drop_older_versions`, so that
    no pair either pass would find is missed. Only the rows of order ids on more than one row
    (missing ids being one id) are looked at: most orders have one item. ``shared``, if given,
    is :func:`_shared_rows` of ``ids``.
    """
    many = _shared_rows(ids) if shared is None else shared
    if not many.any():
        return False
    if not many.all():
        ids, skus = ids[many], skus[many]
    codes, uniques = pd.factorize(skus)
    empty = np.flatnonzero(pd.Series(uniques).eq("").fillna(False).to_numpy(dtype=bool))
    if len(empty):
        codes = np.where(codes == empty[0], -1, codes)
    pairs = (ids.astype(np.int64) + 1) * (len(uniques) + 1) + (codes + 1)
    return len(pd.unique(pairs)) < len(pairs)


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
