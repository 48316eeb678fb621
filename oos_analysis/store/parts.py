"""How the history store keeps each report kind in Parquet part files, and merges new rows in.

All Orders and order reports are kept per UTC purchase month, in one or more files per month; the
small kinds are one file each. An import writes its new rows to new files, rewrites a stored file
only when one of its rows lost to a newer row (the merge rules are :data:`MERGE_RULES`), and
hard-links every other file into the new version. Files are read and written in parallel threads.
The layout as a whole, and the guarantees of an import, are described in :mod:`oos_analysis.store`.

What an import costs is mostly reading the export and writing its month files. The rest is kept
small: order ids are compared as integers (:mod:`oos_analysis.io.order_keys`), not hashed as text,
and the new rows go to their months from one Arrow table, put in month order a batch of rows
at a time in two threads (:class:`_Sorted`), with the bytes ``DataFrame.to_parquet`` would write
(given :func:`parquet_options`). That starts as soon as the export is read: the month files of
the new rows are written as drafts while the stored rows they replace are worked out, and
renamed once their names are known. Into an empty store, nothing is worked out; otherwise the
orders of one stored row and one new row are settled pair by pair, and only the others' keys are
hashed. Files get a dictionary only on columns of few distinct values, and footer statistics
only on the columns the loader reads there.
"""

from __future__ import annotations

import io
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..io.order_keys import order_keys
from ..io.schema import ALL_ORDERS, CANCEL_DOWNLOAD, ORDER_REPORT, SELLER_PERFORMANCE, STOCKOUT_LOG
from ..io.stockout_log import merge_logs
from ..lazy import lazy_module
from . import integrity

pd = lazy_module("pandas")  # imported on first use: an import reads the export meanwhile
ds = lazy_module("pyarrow.dataset")  # 0.2 s to import; only a store with files to merge needs it

# kind -> (key columns, column whose newest value wins or None for "later import wins")
MERGE_RULES = {
    ALL_ORDERS: (("order_id", "sku", "sku_line"), "last_updated_date"),
    ORDER_REPORT: (("order_id", "order_item_id"), "reporting_date"),
    CANCEL_DOWNLOAD: (("order_id",), None),
    SELLER_PERFORMANCE: (("marketplace_id", "metric", "date_from", "date_to"), None),
}
# kind -> the date whose UTC month names the part file a row is kept in
PARTITIONED = {ALL_ORDERS: "purchase_date", ORDER_REPORT: "purchase_date"}
_UNDATED = np.iinfo(np.int64).max  # month code of rows without a purchase date; sorts last
WORKERS = max(2, min(8, os.cpu_count() or 1))
MAX_SEGMENTS = 8  # a month kept in more files than this is rewritten as one


def _label(code: int) -> str:
    if code == _UNDATED:
        return "undated"
    year, month = divmod(int(code), 12)
    return f"{1970 + year:04d}-{month + 1:02d}"


def _code(label: str) -> int:
    if label == "undated":
        return _UNDATED
    year, month = label.split("-")
    return (int(year) - 1970) * 12 + int(month) - 1


def segments(version: Path | None, book: dict, kind: str) -> list[dict]:
    """The files holding ``kind`` in ``version``, in reading order.

    Each is ``{"path", "month", "rows"}``; ``month`` is None for a file holding the whole kind (the
    small kinds, and every kind in a store of format 1).
    """
    if version is None:
        return []
    if kind in PARTITIONED and book.get("format", 1) >= 2:
        return [{"path": version / kind / e["file"], "month": _code(e["month"]), "rows": e["rows"]}
                for e in book.get("parts", {}).get(kind, [])]
    whole = version / f"{kind}.parquet"
    if not whole.exists():
        return []
    return [{"path": whole, "month": None, "rows": book.get("rows", {}).get(kind)}]


def month_codes(frame: pd.DataFrame, kind: str) -> np.ndarray:
    """Months since 1970 of each row's UTC purchase date; ``_UNDATED`` where it is missing."""
    column = PARTITIONED[kind]
    if column not in frame:
        return np.full(len(frame), _UNDATED, dtype=np.int64)
    days = pd.to_datetime(frame[column], utc=True).dt.tz_localize(None).to_numpy()
    return np.where(np.isnat(days), _UNDATED, days.astype("datetime64[M]").astype(np.int64))


def _split(frame: pd.DataFrame, codes: np.ndarray) -> dict[int, pd.DataFrame]:
    """Rows of ``frame`` per month code, each group in the frame's order.

    Unsorted rows are put in month order by one ``take`` of the whole frame, then every month is a
    zero-copy slice of it: a take per month costs a pass over chunked Arrow columns each time.
    """
    if not len(frame):
        return {}
    if (codes[1:] < codes[:-1]).any():  # exports usually come in date order: slices, no sort
        order = np.argsort(codes, kind="stable")
        codes = codes[order]
        frame = frame.take(order)
    bounds = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist(), len(codes)]
    return {int(codes[a]): frame.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)}


def _as_written(frame: pd.DataFrame) -> pa.Table | None:
    """``frame`` as Arrow, as ``frame.to_parquet(index=False)`` converts it, or None where the
    conversion of a slice could differ from the slice of the conversion (object columns, whose
    Parquet metadata is inferred from their values; ``attrs``, which pandas adds to it)."""
    if frame.attrs or any(dtype == object for dtype in frame.dtypes):
        return None
    return pa.Table.from_pandas(frame, preserve_index=False)


class _Rows:
    """The new rows of one month: rows ``start:stop`` of a table that holds them in order, or
    the month ``start`` of a :class:`_Sorted`; ``positions`` are their positions in the frame of
    new rows."""

    def __init__(self, table, start: int, stop: int, positions: np.ndarray,
                 fixed: tuple = (), schema: pa.Schema | None = None):
        self.table, self.start, self.stop, self.positions = table, start, stop, positions
        self.fixed, self.schema = fixed, schema  # columns of one value, added back here

    def __len__(self) -> int:
        return len(self.positions)

    def result(self) -> pa.Table:
        if isinstance(self.table, _Sorted):
            table = self.table.month(self.start)
        else:
            table = self.table.slice(self.start, self.stop - self.start)
        if not self.fixed:
            return table
        columns = list(table.columns)
        for at, value in self.fixed:  # in the order of the schema, so each goes where it was
            columns.insert(at, pa.repeat(pa.scalar(value, self.schema.field(at).type),
                                         len(self), memory_pool=_POOL))
        return pa.Table.from_arrays(columns, schema=self.schema)


_POOL = pa.system_memory_pool()
"""The allocator of the month tables and of their writing. With Arrow's default (mimalloc), the
batches taken in one thread and freed in others cost about 0.8 s more system time (page faults)
on a million rows, measured; the system's allocator reuses the freed pages."""
_BATCH = 1 << 17  # rows put in month order together: a few MiB of a column, within the caches


class _Sorted:
    """A table's rows in month order, kept as batches of :data:`_BATCH` rows each put in month
    order apart (in threads): a month's rows are its slice of every batch, in batch order.

    A batch is gathered from a few MiB of each column at a time; one ``take`` of the whole table
    in month order reads each cache line of a text column once for every row it holds. On a
    1M-row 3-year backfill (measured, CPU seconds): 0.3 s against 0.8 s, and no ``combine_chunks``
    of the whole table first. Parquet writes a column of a few chunks with the bytes of the same
    column in one chunk (batches of the reader's 16k-row chunks gave months of 60 chunks, which
    cost 0.2 s more to write).
    """

    def __init__(self, table: pa.Table, rows: np.ndarray, codes: np.ndarray,
                 taker: ThreadPoolExecutor):
        self.schema = table.schema
        starts = list(range(0, len(table), _BATCH))
        cut = np.searchsorted(rows, [*starts, len(table)])  # the given rows of each batch
        self.jobs = [taker.submit(self._sort, table.slice(start, _BATCH), rows[a:b] - start,
                                  codes[a:b])
                     for start, a, b in zip(starts, cut[:-1], cut[1:], strict=True) if b > a]

    @staticmethod
    def _sort(batch: pa.Table, rows: np.ndarray, codes: np.ndarray):
        order = np.argsort(codes, kind="stable")
        codes = codes[order]
        months, first = np.unique(codes, return_index=True)
        bounds = dict(zip(months.tolist(), zip(first.tolist(), [*first[1:].tolist(), len(codes)],
                                                strict=True), strict=True))
        taken = pc.take(batch, pa.array(rows[order]), memory_pool=_POOL).combine_chunks(_POOL)
        return taken, bounds

    def month(self, code: int) -> pa.Table:
        pieces = []
        for job in self.jobs:
            batch, bounds = job.result()
            if code in bounds:
                a, b = bounds[code]
                pieces.extend(batch.slice(a, b - a).to_batches())
        return pa.Table.from_batches(pieces, schema=self.schema)

    def cancel(self) -> None:
        for job in self.jobs:
            job.cancel()


def _split_rows(table: pa.Table, codes: np.ndarray, keep: np.ndarray | None,
                taker: ThreadPoolExecutor, constant: dict | None = None) -> dict[int, _Rows]:
    """The rows of ``table`` (those ``keep`` marks, all if None) per month code, each month in
    the table's order, as the files of :func:`write_parts` need them.

    Rows in month order are zero-copy slices. Otherwise every batch of the table is put in
    month order apart, in ``taker`` (:class:`_Sorted`), and a month is its slice of each. The
    ``constant`` columns (name -> the value of every row) are not taken: each month's are made
    of its length.
    """
    rows = np.arange(len(table)) if keep is None else np.flatnonzero(keep)
    codes = codes[rows]
    if not len(rows):
        return {}
    ordered = not (codes[1:] < codes[:-1]).any()
    if ordered and keep is None:
        bounds = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist(), len(codes)]
        return {int(codes[a]): _Rows(table, a, b, rows[a:b])
                for a, b in zip(bounds[:-1], bounds[1:], strict=True)}
    fixed = tuple((at, constant[name]) for at, name in enumerate(table.column_names)
                  if name in (constant or {}))
    schema = table.schema
    if fixed:
        table = table.drop_columns([schema.field(at).name for at, _ in fixed])
    sorted_ = _Sorted(table, rows, codes, taker)
    # each month's positions, in order: months of the years 1970-4700 fit in 16 bits, which
    # numpy sorts stably by radix
    top = np.iinfo(np.int16).max  # the undated rows, last
    small = np.where(codes == _UNDATED, top, codes)
    fits = small.min() >= 0 and (small[small != top] < top).all()
    order = np.argsort(small.astype(np.int16) if fits else codes, kind="stable")
    rows, codes = rows[order], codes[order]
    bounds = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist(), len(codes)]
    return {int(codes[a]): _Rows(sorted_, int(codes[a]), None, rows[a:b], fixed, schema)
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)}


LEGACY_DEFAULTS = {ALL_ORDERS: {"sku_line": 0}}
"""Key columns that part files written by older versions of the kit lack, and the value their
rows have. Before ``sku_line`` existed the store kept one All Orders row per (order id, SKU), so
every such row is line 0; filling it in lets a new export's lines pair with the stored ones
instead of being added beside them (which would count an order twice)."""


def with_legacy_defaults(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``frame`` with the :data:`LEGACY_DEFAULTS` of ``kind`` filled in where missing.

    Examples
    --------
    >>> old = pd.DataFrame({"order_id": ["111-1111111-1111111"], "sku": ["A"]})
    >>> with_legacy_defaults(old, ALL_ORDERS)["sku_line"].tolist()
    [0]
    """
    for column, value in LEGACY_DEFAULTS.get(kind, {}).items():
        if column not in frame:
            frame = frame.assign(**{column: pd.Series(value, index=frame.index, dtype="int64")})
        elif frame[column].isna().any():
            frame = frame.assign(**{column: frame[column].fillna(value)})
    return frame


def cast_columns(frame: pd.DataFrame, dtypes: dict) -> pd.DataFrame:
    casts = {c: t for c, t in dtypes.items() if c in frame and str(frame[c].dtype) != t}
    return frame.astype(casts) if casts else frame


def read_part(path: Path, columns: list[str] | None = None,
              dictionary: list[str] = ()) -> pd.DataFrame:
    """Read a store file (some ``columns`` of it), checking it against its recorded checksum.

    The ``dictionary`` columns are read as Arrow dictionaries (pandas Categorical).

    A whole read checks size and SHA-256, a read of some columns the size; a damaged or missing
    file raises :func:`oos_analysis.store.integrity.damaged`'s one paragraph.
    """
    try:
        figures = integrity.expected(path)
        if figures is not None and columns is None:
            source = io.BytesIO(integrity.verified_bytes(path, figures))
        else:
            if figures is not None:
                integrity.check_size(path, figures)
            source = path
        return pd.read_parquet(source, engine="pyarrow", columns=columns,
                               **({"read_dictionary": list(dictionary)} if dictionary else {}))
    except FileNotFoundError as exc:
        raise integrity.damaged(path, "cannot read this file of the store: it is missing") from exc
    except (OSError, pa.ArrowException) as exc:
        raise integrity.damaged(path, f"cannot read this file of the store: {exc}") from exc


def check_part(path: Path, *, whole: bool) -> None:
    """Check a store file as :func:`read_part` does before reading it (all of it when ``whole``)."""
    try:
        figures = integrity.expected(path)
        if figures is None:
            if not path.exists():
                raise FileNotFoundError(path)
        elif whole:
            integrity.verified_bytes(path, figures)
        else:
            integrity.check_size(path, figures)
    except FileNotFoundError as exc:
        raise integrity.damaged(path, "cannot read this file of the store: it is missing") from exc
    except OSError as exc:
        raise integrity.damaged(path, f"cannot read this file of the store: {exc}") from exc


def scan_parts(paths: list[Path], columns: list[str] | None, pool: ThreadPoolExecutor,
               expected: list[str] = (), whole: bool = True,
               dictionary: list[str] = ()) -> pa.Table | None:
    """Every row of ``paths`` in order, in one ``pyarrow.dataset`` scan, after checking the files.

    ``columns`` None reads every column, else the ``columns`` the files have. Each file's size
    and, if ``whole``, its SHA-256 are checked first (:func:`check_part`). The table has the column
    ``__fragment_index`` (the file each row comes from). Returns None when one scan cannot stand
    for the reads file by file: a column of ``expected`` missing from the first
    file (whose schema the scan takes), or types that do not unify; the caller then reads file
    by file, which says what is wrong with which file. Files after the first that lack a column
    give missing values in it. The ``dictionary`` columns are read as Arrow dictionaries, decoded
    from the files' own dictionary pages instead of into one string per row.
    """
    list(pool.map(lambda p: check_part(p, whole=whole), paths))
    try:
        fmt = "parquet" if not dictionary else ds.ParquetFileFormat(
            read_options=ds.ParquetReadOptions(dictionary_columns=list(dictionary)))
        dataset = ds.dataset([str(p) for p in paths], format=fmt)
        names = dataset.schema.names
        if any(c not in names for c in expected):
            return None
        # batches of a million rows: a few dozen chunks per column, not one per 128k rows
        return dataset.to_table(columns=[*(names if columns is None else
                                           [c for c in columns if c in names]),
                                         "__fragment_index"], batch_size=1 << 20)
    except (OSError, pa.ArrowException):
        return None


def read_kind(version: Path | None, kind: str, dtypes: dict | None = None) -> pd.DataFrame | None:
    if version is None or not (version / f"{kind}.parquet").exists():
        return None
    return cast_columns(read_part(version / f"{kind}.parquet"), (dtypes or {}).get(kind, {}))


def _deciding(path: Path, columns: list[str], dtypes: dict) -> pd.DataFrame:
    """The columns of a part file that decide which row of a key wins (those it has)."""
    try:
        names = set(pq.read_schema(path).names)
    except (OSError, pa.ArrowException):
        names = set(columns)  # let the read say what is wrong with the file
    return cast_columns(read_part(path, [c for c in columns if c in names]), dtypes)


def _deciding_all(paths: list[Path], columns: list[str], dtypes: dict,
                  pool: ThreadPoolExecutor, kind: str = "") -> list[pd.DataFrame]:
    """:func:`_deciding` of every file, read in one ``pyarrow.dataset`` scan.

    One scan of many small files costs a fraction of one read per file; when one scan cannot
    stand for them (see :func:`scan_parts`), the files are read one by one.
    """
    wanted = [c for c in columns if c in dtypes]
    table = (scan_parts(paths, wanted, pool, expected=wanted, whole=False) if len(paths) > 1
             else None)
    if table is None:
        return [with_legacy_defaults(f, kind)
                for f in pool.map(lambda p: _deciding(p, columns, dtypes), paths)]
    index = table.column("__fragment_index").to_numpy()
    frame = with_legacy_defaults(
        cast_columns(table.drop_columns(["__fragment_index"]).to_pandas(), dtypes), kind)
    bounds = np.searchsorted(index, np.arange(len(paths) + 1))
    return [frame.iloc[a:b].reset_index(drop=True)
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _id_codes(*keys: np.ndarray) -> tuple[list[np.ndarray], int]:
    """Dense codes (0..n-1) of order keys given in several arrays, one numbering for all, and n."""
    if not keys:
        return [], 0
    codes, uniques = pd.factorize(np.concatenate(keys) if len(keys) > 1 else keys[0])
    return np.split(codes, np.cumsum([len(k) for k in keys])[:-1]), len(uniques)


def _align(new: pd.DataFrame, dtypes) -> pd.DataFrame:
    """Give ``new`` the ``dtypes`` the store has, so concatenation does not fall back to object."""
    for column, dtype in dict(dtypes).items():
        if column in new and str(new[column].dtype) != str(dtype):
            try:
                new = new.assign(**{column: new[column].astype(dtype)})
            except (TypeError, ValueError):
                pass
    return new


def _small_counts(column: pd.Series) -> np.ndarray | None:
    """``column`` as a NumPy array if it holds small non-negative integers and no missing value
    (such as ``sku_line``), else None: such values need no hashing to be told apart (a
    factorize of 2M rows cost 0.08 s, measured)."""
    if column.dtype != np.int64 or not len(column):
        return None
    values = column.to_numpy()
    return values if values.min() >= 0 and values.max() < 1 << 20 else None


def _contested(frames: list[pd.DataFrame], keys, newest,
               ids: tuple[list[np.ndarray], int] | None = None,
               pairs: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The rows that lose to another row with the same key: (frame number, index label) arrays.

    ``frames`` come oldest first; among equal keys the newest ``newest`` wins and ties go to the
    later row (the later import). Order ids are compared as the integers of
    :func:`~oos_analysis.io.order_keys.order_keys`, not hashed as text; ``ids``, if the caller
    has them already, are their :func:`_id_codes` (one array per frame, and their number).

    ``pairs``, if given, are two arrays of rows (numbered across the frames in order, each row in
    one pair at most, the second of a pair the later) such that no row of a pair can share its
    key with any row but the other (see :func:`_losers`): each pair is settled by comparing its
    two rows, and only the other rows' keys are hashed to be grouped.
    """
    keys = [k for k in keys if any(k in f for f in frames)]
    wanted = [*keys, *([newest] if newest and any(newest in f for f in frames) else [])]
    frames = [f.reindex(columns=wanted) if not set(wanted) <= set(f.columns) else f[wanted]
              for f in frames]
    source = np.repeat(np.arange(len(frames)), [len(f) for f in frames])
    label = np.concatenate([f.index.to_numpy() for f in frames]) if frames else np.empty(0, int)
    nothing = (source[:0], label[:0])
    if not keys or not len(source):
        return nothing
    # only the columns that decide, so that a big overlap does not copy whole rows
    combined = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    key, size = np.zeros(len(combined), dtype=np.int64), 1  # every key is in range(size)
    for column in keys:  # one integer per key; a missing value equals another missing value
        if column == "order_id":  # codes from 0: a missing id is a value of its own
            per_frame, n = ids if ids is not None else _id_codes(
                *order_keys(*(f[column] for f in frames)))
            codes = np.concatenate(per_frame) if len(per_frame) > 1 else per_frame[0]
        elif (values := _small_counts(combined[column])) is not None:
            codes, n = values, int(values.max()) + 1  # a line number is its own code
        else:
            codes, uniques = pd.factorize(combined[column])
            codes, n = codes + 1, len(uniques) + 1
        if size * n >= 2**62:  # renumber the keys so far before the product could overflow
            key, uniques = pd.factorize(key)
            size = len(uniques)
        key, size = key * n + codes, size * n
    dates = combined[newest] if newest in combined else None
    if dates is None or isinstance(dates.dtype, pd.DatetimeTZDtype) or dates.dtype.kind == "M":
        # per key, the row of the newest date wins, then the later row: a NaT is the smallest
        # integer, older than any date, as in the sort below
        when = np.zeros(len(key), dtype=np.int64) if dates is None else dates.array.asi8
        if pairs is None:
            lost = _lost(key, when, np.arange(len(key)))
        else:
            first, second = pairs
            same = key[first] == key[second]
            # the earlier row loses unless it is the newer
            paired = np.where(when[first] <= when[second], first, second)[same]
            others = np.ones(len(key), dtype=bool)
            others[first] = others[second] = False
            lost = np.concatenate([paired, _lost(key, when, np.flatnonzero(others))])
        return source[lost], label[lost]
    clash = np.flatnonzero(pd.Series(key).duplicated(keep=False).to_numpy())
    if not len(clash):
        return nothing
    dates = dates.iloc[clash].reset_index(drop=True)
    clash = clash[dates.sort_values(kind="stable", na_position="first").index.to_numpy()]
    lost = clash[pd.Series(key[clash]).duplicated(keep="last").to_numpy()]
    return source[lost], label[lost]


def _lost(key: np.ndarray, when: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Of ``rows``, those that lose to another of them with the same ``key``: the newest ``when``
    wins, then the later row."""
    group, uniques = pd.factorize(key[rows])
    clash = np.flatnonzero(np.bincount(group, minlength=len(uniques))[group] > 1)
    if not len(clash):
        return rows[:0]
    group = group[clash]
    when = when[rows[clash]]
    newest_at = np.full(len(uniques), np.iinfo(np.int64).min)
    np.maximum.at(newest_at, group, when)
    last = np.full(len(uniques), -1)
    best = when == newest_at[group]
    np.maximum.at(last, group[best], clash[best])
    return rows[clash[clash != last[group]]]


def _drop(frame: pd.DataFrame, labels) -> pd.DataFrame:
    """``frame`` (with a RangeIndex) without the rows at ``labels``."""
    if not len(labels):
        return frame
    keep = np.ones(len(frame), dtype=bool)
    keep[labels] = False
    return frame[keep]


def merge_rows(kind: str, old: pd.DataFrame | None, new: list[pd.DataFrame]) -> pd.DataFrame:
    """Merge the frames of one small kind, oldest first, keeping one row per key."""
    if kind == STOCKOUT_LOG:  # per order: the newest rows win, rows of other orders stay
        return merge_logs([*([old] if old is not None else []), *new])
    parts = [f for f in ([old] if old is not None else []) + new if not f.empty]
    if not parts:
        return new[-1]
    parts = [parts[0]] + [_align(p, parts[0].dtypes) for p in parts[1:]]
    parts = [p.reset_index(drop=True) for p in parts]
    sources, rows = _contested(parts, *MERGE_RULES[kind])
    kept = [_drop(p, rows[sources == i]) for i, p in enumerate(parts)]
    return pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0]


PLAIN_COLUMNS = frozenset({"order_id", "purchase_date", "last_updated_date", "item_price",
                           "ship_postal_code"})
"""Columns written without a dictionary: nearly one value per row, so Arrow would build a
dictionary and give it up (measured on a 1M-row backfill: each costs more time to write, and
more bytes, with a dictionary than without). Every other column keeps one: few distinct values,
and the loader reads the ``COMPACT_TEXT`` columns straight from their dictionary pages."""
STATISTICS_COLUMNS = ("order_id", "purchase_date", "last_updated_date", "reporting_date")
"""Columns whose min, max and null count are written in the footers: the ones
:class:`~oos_analysis.store.loader.Snapshot` reads there (newest update, months' purchase
spans, missing order ids) and the order report's merge date. Statistics of the other columns
(the min and max of every text column) cost time to compute and nothing reads them."""


def parquet_options(columns) -> dict:
    """The ``pyarrow.parquet.write_table`` options of a store file holding ``columns``."""
    return {"compression": "zstd", "write_statistics": list(STATISTICS_COLUMNS),
            "use_dictionary": [str(c) for c in columns if c not in PLAIN_COLUMNS]}


def write_kind(frame: pd.DataFrame | pa.Table, path: Path) -> None:
    """Write a store file with :func:`parquet_options`; a table from :func:`_as_written` gives
    the bytes its frame would."""
    if isinstance(frame, pa.Table):
        pq.write_table(frame, path, memory_pool=_POOL, **parquet_options(frame.column_names))
    else:
        frame.to_parquet(path, engine="pyarrow", index=False, **parquet_options(frame.columns))


def _write_item(item, path: Path) -> None:
    if isinstance(item, _Rows):
        write_kind(item.result(), path)
    else:
        write_kind(item, path)


def link_or_copy(source: Path, target: Path) -> None:
    try:  # parts an import does not change are shared with the previous version, not rewritten
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _losers(new: pd.DataFrame, exports: int, stored: list[pd.DataFrame], keys, newest):
    """Which rows lose among the ``new`` rows (of ``exports`` exports) and the ``stored`` rows
    (the deciding columns of each stored file): the stored rows whose order id is among the new
    rows (one frame per stored file), then :func:`_contested` of those and the new rows (frame
    number, index label; the new rows are the frame after the stored ones)."""
    if exports == 1 and not stored:
        # nothing to merge with: a single export holds one row per key (the reader drops
        # duplicate items), so none of its rows loses; its order ids need no numbering
        return [], np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    # order ids as integers, equal exactly where the ids are, across the store and the new rows
    # numbered as one: the integers of the order ids of the new rows and of the stored rows
    (ids, *stored_ids), n = _id_codes(
        *order_keys(new["order_id"], *(f["order_id"] for f in stored)))
    every = np.concatenate(stored_ids) if stored_ids else np.zeros(0, dtype=np.intp)
    found = np.zeros(n, dtype=bool)
    found[ids] = True
    found = found[every]  # the stored rows whose order id is among the new rows
    masks = np.split(found, np.cumsum([len(f) for f in stored])[:-1]) if stored else []
    hits = [f[m] for f, m in zip(stored, masks, strict=True)]
    hit_ids = [k[m] for k, m in zip(stored_ids, masks, strict=True)]
    rivals, rival_ids = new, ids
    if exports == 1:
        held = np.zeros(n, dtype=bool)
        held[every[found]] = True
        rival = held[ids]  # the new rows whose order id is among those stored rows
        rivals, rival_ids = new[rival], ids[rival]
    sources, rows = _contested([*hits, rivals], keys, newest, ([*hit_ids, rival_ids], n),
                              _pairs(hit_ids, rival_ids, n))
    return hits, sources, rows


def _pairs(hit_ids: list[np.ndarray], rival_ids: np.ndarray, n: int):
    """The ``pairs`` of :func:`_contested` for stored rows (order ids coded 0..n-1 per file)
    followed by new rows: an order id held by one stored row and one new row (an order of one
    item, as a rule) can share a key only between those two rows."""
    stored = np.concatenate(hit_ids) if hit_ids else rival_ids[:0]
    single = (np.bincount(stored, minlength=n) == 1) & (np.bincount(rival_ids, minlength=n) == 1)
    first = np.flatnonzero(single[stored])
    row_of = np.zeros(n, dtype=np.intp)  # the new row of each order id held once among them
    row_of[rival_ids] = np.arange(len(rival_ids)) + len(stored)
    return first, row_of[stored[first]]


def write_parts(kind: str, old: list[dict], frames: list[pd.DataFrame], dtypes: dict,
                 folder: Path, pool: ThreadPoolExecutor,
                 constant: dict | None = None) -> list[dict]:
    """Write the files of ``kind`` for the next version into ``folder``; return their list.

    ``constant`` names columns holding one value in every row of ``frames`` (the provenance of
    a single export), and that value: they are written without gathering them row by row.

    A month is kept as one or more files, oldest rows first. New rows go to new files; a stored
    file is hard-linked if none of its rows loses to a new row, dropped if all do, else rewritten
    without them. Only stored rows whose order id is among the new rows can lose (each side holds
    one row per key: the store by construction, a single export because the reader drops
    duplicate items), and only the key and date columns are read to find them.
    """
    # ``taker`` puts the new rows in month order and ``drafter`` writes them, from the start
    taker, drafter = ThreadPoolExecutor(WORKERS), ThreadPoolExecutor(WORKERS)
    try:
        return _write_parts(kind, old, frames, dtypes, folder, pool, constant, taker, drafter)
    finally:
        # all done on success; on an error (a damaged stored file, Ctrl-C) the months not yet
        # taken or written are dropped, not waited for (the staging folder goes anyway): the
        # sorting is cancelled first, so that a draft under way stops waiting for it
        taker.shutdown(wait=False, cancel_futures=True)
        drafter.shutdown(cancel_futures=True)
        taker.shutdown()


def _write_parts(kind: str, old: list[dict], frames: list[pd.DataFrame], dtypes: dict,
                 folder: Path, pool: ThreadPoolExecutor, constant: dict | None,
                 taker: ThreadPoolExecutor, drafter: ThreadPoolExecutor) -> list[dict]:
    folder.mkdir()
    frames = [_align(f, dtypes).reset_index(drop=True) for f in frames if len(f)]
    new = pd.concat(frames, ignore_index=True) if len(frames) > 1 else next(iter(frames), None)
    new = new if new is not None else pd.DataFrame({"order_id": pd.Series(dtype="str")})
    codes = month_codes(new, kind)
    table = _as_written(new)
    # While the merge is worked out, the new rows are put in month order (in ``taker``) and
    # written as drafts (in ``drafter``), as if none of them loses: an export is usually newer
    # than the store. Each draft is renamed to its month's file name once that is known; if some
    # new rows lose, or a month is rewritten as one file, the drafts concerned are dropped.
    early = _split_rows(table, codes, None, taker, constant) if table is not None else {}
    drafts = {month: (piece, folder / f".draft-{month}",
                      drafter.submit(_write_item, piece, folder / f".draft-{month}"))
              for month, piece in early.items()}
    keys, newest = MERGE_RULES[kind]
    stored = _deciding_all([s["path"] for s in old], [*keys, newest], dtypes, pool, kind)
    hits, sources, rows = _losers(new, len(frames), stored, keys, newest)
    gone = [rows[sources == i] for i in range(len(old))]
    # whole rows only of a format 1 file (to split it) and of files keeping some of their rows
    read = [i for i, s in enumerate(old)
            if s["month"] is None or 0 < len(gone[i]) < len(stored[i])]
    full = dict(zip(read, pool.map(lambda i: with_legacy_defaults(
        cast_columns(read_part(old[i]["path"]), dtypes), kind), read), strict=True))

    months: dict[int, list] = {}  # month -> stored files to link and frames to write, in order
    for i, segment in enumerate(old):
        if segment["month"] is not None and not len(gone[i]):
            months.setdefault(segment["month"], []).append(segment)
            continue
        if i not in full:  # every row of it lost to a newer one
            continue
        frame = _drop(full[i], gone[i])
        if segment["month"] is None:  # a whole-kind file of format 1: split it by month
            for month, piece in _split(frame, month_codes(frame, kind)).items():
                months.setdefault(month, []).append(piece)
        else:
            months.setdefault(segment["month"], []).append(frame)
    beaten = rows[sources == len(hits)]
    keep = None
    if len(beaten):
        keep = np.ones(len(new), dtype=bool)
        keep[beaten] = False
    if table is None:  # the frame's own conversion, month by month
        if keep is not None:
            codes, new = codes[keep], new[keep]
        pieces = _split(new, codes)
    elif keep is None:
        pieces = early
    else:
        sorted_ = set()
        for piece, _, draft in drafts.values():  # what is not under way yet need not be
            draft.cancel()
            if isinstance(piece.table, _Sorted):
                sorted_.add(piece.table)
        for rows in sorted_:  # the months share one
            rows.cancel()
        pieces = _split_rows(table, codes, keep, taker, constant)
    for month, piece in pieces.items():
        months.setdefault(month, []).append(piece)

    parts, jobs = [], []
    for month in sorted(months):
        items = [p for p in months[month] if isinstance(p, dict) or len(p)]
        if len(items) > MAX_SEGMENTS:  # a month imported piecemeal too often: one file again
            items = [pd.concat([
                with_legacy_defaults(cast_columns(read_part(p["path"]), dtypes), kind)
                if isinstance(p, dict) else new.iloc[p.positions] if isinstance(p, _Rows) else p
                for p in items], ignore_index=True)]
        label = _label(month)
        taken = {p["path"].name for p in items if isinstance(p, dict)}
        names = (f"{label}.parquet" if n == 0 else f"{label}.{n}.parquet" for n in count())
        for item in items:
            if isinstance(item, dict):
                link_or_copy(item["path"], folder / item["path"].name)
                parts.append({"file": item["path"].name, "month": label, "rows": item["rows"]})
                continue
            name = next(n for n in names if n not in taken)
            if month in drafts and item is drafts[month][0]:  # written already: renamed below
                _, draft, job = drafts.pop(month)
                jobs.append((job, draft, folder / name))
            else:
                jobs.append((pool.submit(_write_item, item, folder / name), None, None))
            parts.append({"file": name, "month": label, "rows": len(item)})
    for job, draft, name in jobs:
        job.result()
        if draft is not None:
            os.replace(draft, name)
    for _, draft, job in drafts.values():  # drafts not used: not written, or thrown away
        if not job.cancel():
            job.exception()  # written or failed: either way not part of the version
        draft.unlink(missing_ok=True)
    return parts
