"""Reading the history store back: the same ``Exports`` that reading every imported file gives.

:func:`load` is what every command's ``--store`` goes through; :func:`contents` is the summary
``oos-analysis store info`` prints. How rows got there is :mod:`oos_analysis.store.importer`'s
business; this module only reads the live version the lock module points at.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..io.schema import REPORT_KINDS
from .importer import PROVENANCE_COLUMNS, with_provenance
from .lock import DEFAULT_STORE, live_version, read_manifest
from .parts import (
    LEGACY_DEFAULTS,
    PARTITIONED,
    _UNDATED as UNDATED,
    WORKERS,
    cast_columns,
    check_part,
    read_part,
    scan_parts,
    segments,
    with_legacy_defaults,
)

__all__ = ["load", "contents", "COMPACT_TEXT", "Snapshot"]

COMPACT_TEXT = frozenset({"order_status", "item_status", "fulfillment_channel", "sales_channel",
                          "marketplace", "sku", "currency"})
"""Text columns of few distinct values, read as pandas Categorical by ``load(compact=True)``: a
status or a marketplace held as a small integer per row instead of a string per row."""


def load(store: str | os.PathLike = DEFAULT_STORE, *,
         columns: Mapping[str, Sequence[str]] | None = None, compact: bool = False):
    """Read the store back as an :class:`~oos_analysis.io.readers.Exports`.

    The frames are those :func:`~oos_analysis.io.readers.read_exports` builds from the imported
    files, with the three provenance columns added; ``files`` holds one
    :class:`~oos_analysis.io.readers.Export` per imported file whose frame is the rows of that file
    still in the store (rows replaced by a newer export belong to the newer file). Order rows come
    month by month (UTC purchase month, rows without a date last), within a month in the order
    they were imported.

    ``columns`` maps report kinds to the only columns to read of them (a command that needs 8 of
    the 36 columns of a big store reads 8): their frames hold those columns, in canonical order,
    and ``files`` is then empty, since splitting the rows per file would copy every row.

    ``compact`` (with ``columns``) reads the columns of :data:`COMPACT_TEXT` as pandas
    Categorical, decoded from the part files' dictionaries: the same values in a fraction of the
    memory and time, for a caller that only compares and groups them (the orders frame built
    from them is the same; ``rate --store`` on a big store reads this way).

    Raises
    ------
    InputFileError
        If ``store`` holds no store (nothing imported yet, or a wrong path), or a file of it
        cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> load(tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    oos_analysis.exceptions.InputFileError: ... no history store here ...
    """
    return Snapshot(store).load(columns=columns, compact=compact)


class Snapshot:
    """The live version of a store, pinned, for reading some of its months (a window's).

    :func:`load` reads every month; a command that shows a few days reads the months holding
    them with :meth:`load` (``months=``), and what it needs of the others through the cheaper
    questions here: which months there are (:meth:`months`), which marketplaces the imports
    brought (:meth:`marketplaces`), the latest value of a timestamp column from the Parquet
    statistics (:meth:`newest`), and the rows of a few orders wherever they are (:meth:`find`).
    Every answer comes from the same version, whatever an import does meanwhile.
    """

    def __init__(self, store: str | os.PathLike = DEFAULT_STORE):
        self.live = live_version(store)
        self.book = read_manifest(self.live)
        self._footers: dict = {}  # path -> _footer(path): a pinned version's files never change

    def _footer(self, path) -> tuple:
        """:func:`_footer` of a file of this version, read once however often it is asked."""
        if path not in self._footers:
            self._footers[path] = _footer(path)
        return self._footers[path]

    def months(self, kind: str = "all_orders") -> list[int] | None:
        """The UTC purchase months (months since 1970-01) ``kind`` has files for, oldest first.

        Rows without a purchase date are not in a month. None when the store keeps ``kind``
        whole (format 1): then there is no month to pick, and the caller reads everything.
        """
        segs = segments(self.live, self.book, kind)
        if any(s["month"] is None for s in segs):
            return None
        return sorted({s["month"] for s in segs if s["month"] != UNDATED})

    def rows(self, kind: str) -> int:
        """How many rows of ``kind`` the store holds (after merging)."""
        return int(self.book.get("rows", {}).get(kind) or 0)

    def marketplaces(self, kind: str = "all_orders") -> set[str]:
        """Every marketplace the imported exports of ``kind`` cover (their manifest spans)."""
        return {span["marketplace"] for entry in self.book["files"] if entry["kind"] == kind
                for span in entry.get("coverage", [])}

    def load(self, *, columns: Mapping[str, Sequence[str]] | None = None,
             compact: bool = False, months: Iterable[int] | None = None,
             purchased: tuple | None = None, also: Iterable[str] | None = None):
        """:func:`load`, of only the files of ``months`` (as :meth:`months` numbers them) for the
        kinds kept per month; of those kinds, with ``purchased`` (two UTC timestamps), only the
        rows purchased from the first to before the second, and those of the order ids ``also``."""
        also = None if also is None else pa.array(sorted({str(i) for i in also}),
                                                  type=pa.large_string())
        from ..io.readers import Export, Exports

        columns = {kind: list(names) for kind, names in (columns or {}).items()}
        compact = bool(compact and columns)
        frames, pieces = {}, {}
        with ThreadPoolExecutor(WORKERS) as pool:
            for kind in REPORT_KINDS:
                parts = self._parts(kind, columns.get(kind), compact, months, True, pool,
                                    purchased if kind in PARTITIONED else None, also)
                frames[kind] = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
                if not columns:
                    pieces[kind] = [(p, p.groupby("source_sha256", sort=False).indices)
                                    for p in parts]
        # the scan's buffers go back to the system now, not at exit: the caller's frames come next
        pa.default_memory_pool().release_unused()
        files = []
        for entry in self.book["files"] if not columns else ():
            kind, sha = entry["kind"], entry["sha256"]
            found = [p.iloc[rows] for p, groups in pieces[kind] if len(rows := groups.get(sha, []))]
            frame = pd.concat(found, ignore_index=True) if found else frames[kind].iloc[:0]
            files.append(Export(entry["name"], kind, entry.get("encoding"),
                                frame.reset_index(drop=True)))
        return Exports(files=tuple(files), **frames)

    def frame(self, kind: str, *, columns: Sequence[str] | None = None, compact: bool = False,
              months: Iterable[int] | None = None, purchased: tuple | None = None,
              other_than: Iterable[str] = ()) -> pd.DataFrame:
        """The rows of one ``kind``, as :meth:`load` reads it (of ``months`` only, if given; and
        only those purchased from the first UTC timestamp of ``purchased`` to before the second,
        and of a marketplace not among ``other_than``)."""
        wanted = None if columns is None else list(columns)
        with ThreadPoolExecutor(WORKERS) as pool:
            parts = self._parts(kind, wanted, bool(compact and wanted), months, True, pool,
                                purchased, None, other_than)
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def _parts(self, kind: str, wanted: list[str] | None, compact: bool, months, read: bool,
               pool, purchased: tuple | None = None, also=None,
               other_than: Iterable[str] = ()) -> list[pd.DataFrame]:
        """The frames of ``kind`` as read (one, or one per file), at least one (empty)."""
        from ..io.readers import empty_frame

        live, book = self.live, self.book
        base = empty_frame(kind)
        known = book.get("columns", {}).get(kind, []) if wanted is None else wanted
        coded = sorted(COMPACT_TEXT.intersection(wanted or ())) if compact else []
        segs = segments(live, book, kind) if read else []
        if months is not None:
            chosen = set(months)
            segs = [s for s in segs if s["month"] is None or s["month"] in chosen]
        parts = _read_parts(segs, wanted, known, pool, coded,
                            book.get("dtypes", {}).get(kind, {}), purchased, also,
                            other_than)
        parts = [_canonical(part, base, book, kind, wanted, coded) for part in parts]
        if not parts:
            parts = [_canonical(_empty_kind(base, book, kind), base, book, kind, wanted, coded)]
        return parts

    def newest(self, kind: str, column: str) -> pd.Timestamp:
        """The latest value of the timestamp ``column`` over every file of ``kind`` (NaT if none).

        Read from the Parquet statistics in the files' footers, not from their rows; a file
        whose statistics do not say is read (that column only).
        """
        return self.span(kind, column)[1]

    def span(self, kind: str, column: str, months: Iterable[int] | None = None
             ) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The earliest and latest value of the timestamp ``column`` in the files of ``kind`` (of
        ``months`` only, if given), from the files' statistics as :meth:`newest`; NaT if none."""
        segs = segments(self.live, self.book, kind)
        if months is not None:
            chosen = set(months)
            segs = [s for s in segs if s["month"] in chosen]
        with ThreadPoolExecutor(WORKERS) as pool:
            found = [v for v in pool.map(lambda s: _column_range(s["path"], column, self._footer), segs)
                     if v is not None]
        if not found:
            return pd.NaT, pd.NaT
        return min(v[0] for v in found), max(v[1] for v in found)

    def missing(self, kind: str, column: str) -> int:
        """How many rows of ``kind`` have no ``column`` value, from the files' statistics (a file
        whose statistics do not say is read, that column only)."""
        with ThreadPoolExecutor(WORKERS) as pool:
            return sum(pool.map(lambda s: _nulls(s["path"], column, self._footer),
                                segments(self.live, self.book, kind)))

    def find(self, kind: str, ids: Iterable[str], *, skip: Iterable[int] = (),
             columns: Sequence[str] | None = None, compact: bool = False) -> pd.DataFrame:
        """The rows of ``kind`` whose (stripped) order id is one of ``ids``, in the files of the
        months not in ``skip`` (rows without a purchase date included), in the store's order.

        The order ids of those files are read first; the wanted columns only of files holding one.
        """
        from ..io.readers import empty_frame

        ids = pa.array(sorted({str(i) for i in ids}), type=pa.large_string())
        skip = set(skip)
        segs = [s for s in segments(self.live, self.book, kind)
                if s["month"] is not None and s["month"] not in skip] if len(ids) else []
        base, wanted = empty_frame(kind), None if columns is None else list(columns)
        coded = sorted(COMPACT_TEXT.intersection(wanted or ())) if compact and wanted else []
        dtypes = self.book.get("dtypes", {}).get(kind, {})
        with ThreadPoolExecutor(WORKERS) as pool:
            hits = [s for s, hit in zip(segs, pool.map(lambda s: _holds(s["path"], ids), segs),
                                        strict=True) if hit]
            parts = [_canonical(p, base, self.book, kind, wanted, coded) for p in
                     _read_parts(hits, wanted, wanted or self.book.get("columns", {}).get(kind, []),
                                 pool, coded, dtypes, (_NEVER, _NEVER), ids)]
        parts = [p[_has_id(p["order_id"], ids)] for p in parts]
        if not parts:
            parts = [_canonical(_empty_kind(base, self.book, kind), base, self.book, kind,
                                wanted, coded)]
        frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        return frame.reset_index(drop=True)


_NEVER = pd.Timestamp(0, tz="UTC")  # (_NEVER, _NEVER): a purchase range no row is in


def _trimmed(values) -> pa.Array:
    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(
        values, type=pa.large_string(), from_pandas=True)
    if pa.types.is_dictionary(array.type):
        array = array.cast(pa.large_string())
    return pc.utf8_trim_whitespace(array.cast(pa.large_string()))


def _has_id(values, ids: pa.Array) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("str")
    return pc.is_in(_trimmed(values), value_set=ids).to_numpy(zero_copy_only=False)


def _holds(path, ids: pa.Array) -> bool:
    """Whether the part file at ``path`` has a row of one of the order ``ids`` (its size checked)."""
    check_part(path, whole=False)
    try:
        column = pq.read_table(path, columns=["order_id"]).column("order_id")
    except (OSError, KeyError, pa.ArrowException):
        return True  # let the read say what is wrong with the file
    return bool(pc.any(pc.is_in(_trimmed(column), value_set=ids)).as_py())


def _footer(path) -> tuple:
    """A part file's Parquet metadata and column names, after the check a read makes first
    (:func:`~oos_analysis.store.parts.check_part`, short of hashing the whole file); (None, None)
    when its footer cannot be read (a read then says what is wrong)."""
    check_part(path, whole=False)
    try:
        meta = pq.ParquetFile(path).metadata
        return meta, meta.schema.to_arrow_schema().names
    except (OSError, pa.ArrowException):
        return None, None


def _nulls(path, column: str, footer=_footer) -> int:
    """The missing values of ``column`` in a part file (all its rows if it lacks the column);
    ``footer`` reads the file's footer (a :class:`Snapshot` gives its cached one)."""
    meta, names = footer(path)
    if meta is not None:
        if column not in names:
            return meta.num_rows
        at, count = names.index(column), 0
        for group in range(meta.num_row_groups):
            stats = meta.row_group(group).column(at).statistics
            if stats is None or not stats.has_null_count:
                break
            count += stats.null_count
        else:
            return count
    return int(read_part(path, [column])[column].isna().sum())


def _column_max(path, column: str) -> pd.Timestamp | None:
    """The largest value of a timestamp column of a part file, from its statistics if they say."""
    found = _column_range(path, column)
    return None if found is None else found[1]


def _column_range(path, column: str,
                  footer=_footer) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The smallest and largest value of a timestamp column of a part file (None if it has no
    value), from the file's statistics if they say, else read; ``footer`` as for
    :func:`_nulls`."""
    meta, names = footer(path)
    if meta is not None and column not in names:
        return None
    if meta is not None:
        at, found, known = names.index(column), [], True
        for group in range(meta.num_row_groups):
            chunk = meta.row_group(group).column(at)
            stats = chunk.statistics
            if chunk.num_values == 0 or (stats is not None and stats.has_null_count
                                         and stats.null_count == chunk.num_values):
                continue
            if stats is None or not stats.has_min_max:
                known = False
                break
            found += [pd.Timestamp(stats.min), pd.Timestamp(stats.max)]
        if known:
            found = [t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
                     for t in found]
            return (min(found), max(found)) if found else None
    values = pd.to_datetime(read_part(path, [column])[column], utc=True)
    return None if values.isna().all() else (values.min(), values.max())


def _read_parts(segs: list[dict], wanted: list[str] | None, expected: list[str],
                pool, coded: list[str] = (), dtypes: dict | None = None,
                purchased: tuple | None = None, also: pa.Array | None = None,
                other_than: Iterable[str] = ()) -> list[pd.DataFrame]:
    """The part files of one kind: one frame read in one scan, else one frame per file.

    One frame from one ``pyarrow.dataset`` scan costs a fraction of a read, a conversion and a
    cast per file (a big store has hundreds of month files); the files are read one by one when
    they cannot be one scan (see :func:`~oos_analysis.store.parts.scan_parts`). The ``coded``
    columns are read as Arrow dictionaries (pandas Categorical). Timestamps come back in the
    unit the store's ``dtypes`` record (Parquet keeps seconds as milliseconds), cast by Arrow.
    With ``purchased`` (two UTC timestamps), only the rows purchased from the first to before
    the second, and those of the order ids ``also``, are converted; and of those, only the rows
    of a marketplace not among ``other_than``.
    """
    paths = [s["path"] for s in segs]
    table = None
    if len(paths) > 1:
        table = scan_parts(paths, wanted, pool, expected=expected, dictionary=coded)
    if table is not None:
        table = table.drop_columns(["__fragment_index"])
        if purchased is not None and "purchase_date" in table.column_names:
            table = table.filter(_kept(table.column("purchase_date"), purchased, also,
                                       table.column("order_id") if "order_id" in
                                       table.column_names else None, other_than,
                                       table.column("marketplace") if "marketplace" in
                                       table.column_names else None))
        return [_in_units(table, dtypes or {}).to_pandas()]
    if wanted is None:
        frames = list(pool.map(read_part, paths))
    else:
        frames = list(pool.map(lambda p: _read_some(p, wanted, coded), paths))
    if purchased is not None:
        frames = [f[_kept(pa.array(pd.to_datetime(f["purchase_date"], utc=True),
                                   from_pandas=True), purchased,
                          also, f["order_id"] if "order_id" in f else None, other_than,
                          f["marketplace"] if "marketplace" in f else None)
                    .to_numpy(zero_copy_only=False)]
                  if "purchase_date" in f else f for f in frames]
    return frames


def _kept(stamps, purchased: tuple, also=None, ids=None, other_than=(), markets=None):
    """Which rows were purchased from the first UTC timestamp of ``purchased`` to before the
    second, or belong to one of the order ids ``also`` (stripped); and are not of one of the
    marketplaces ``other_than`` (a row without one is kept)."""
    lo, hi = (pa.scalar(t.to_pydatetime(), stamps.type) for t in purchased)
    keep = pc.fill_null(pc.and_(pc.greater_equal(stamps, lo), pc.less(stamps, hi)), False)
    if also is not None and ids is not None and len(also):
        keep = pc.or_(keep, pc.is_in(_trimmed(ids), value_set=also))
    if other_than and markets is not None:
        names = markets if isinstance(markets, (pa.Array, pa.ChunkedArray)) else pa.array(
            markets.astype("str"), type=pa.large_string(), from_pandas=True)
        if pa.types.is_dictionary(names.type):
            names = names.cast(pa.large_string())
        known = pc.is_in(names, value_set=pa.array(sorted(other_than), type=names.type))
        keep = pc.and_(keep, pc.invert(pc.fill_null(known, False)))
    return keep


def _in_units(table: pa.Table, dtypes: dict) -> pa.Table:
    """``table`` with each timestamp column in the unit of its recorded dtype (e.g.
    ``datetime64[s, UTC]``), where Arrow can cast it without losing a digit; else as read (the
    cast after conversion then says what it says)."""
    for i, field in enumerate(table.schema):
        unit = str(dtypes.get(field.name, "")).removeprefix("datetime64[").split(",")[0]
        if not pa.types.is_timestamp(field.type) or unit not in ("s", "ms", "us", "ns") or \
                field.type.unit == unit:
            continue
        try:
            column = table.column(i).cast(pa.timestamp(unit, tz=field.type.tz))
        except pa.ArrowInvalid:
            continue
        table = table.set_column(i, field.with_type(column.type), column)
    return table


def _read_some(path, wanted: list[str], coded: list[str] = ()) -> pd.DataFrame:
    """The ``wanted`` columns a part file has, after checking the whole file's SHA-256.

    A command's numbers must not come from a damaged file, whichever columns it reads.
    """
    check_part(path, whole=True)
    try:
        names = set(pq.read_schema(path).names)
    except (OSError, ValueError):
        names = set(wanted)  # let the read say what is wrong with the file
    return read_part(path, [c for c in wanted if c in names],
                     dictionary=[c for c in coded if c in names])


def _empty_kind(base: pd.DataFrame, book: dict, kind: str) -> pd.DataFrame:
    """No row of ``kind`` held: the columns its imports brought, or the canonical ones."""
    dtypes, columns = book.get("dtypes", {}).get(kind, {}), book.get("columns", {}).get(kind)
    if columns is None:
        return with_provenance(base, "", "", pd.Timestamp(0, tz="UTC"))
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "object")) for c in columns})


def _canonical(frame: pd.DataFrame, base: pd.DataFrame, book: dict, kind: str,
               wanted: list[str] | None = None, coded: list[str] = ()) -> pd.DataFrame:
    """A part as :func:`load` returns it: the store's dtypes, canonical columns first.

    With ``wanted``, only those columns, in the same order; the ``coded`` ones as Categorical.
    """
    dtypes, columns = book.get("dtypes", {}).get(kind, {}), book.get("columns", {}).get(kind, [])
    # as read_exports does: every canonical column present (and every column an import of this
    # kind brought, which a month written from older exports may lack), canonical ones first
    known = set(base.columns) | set(PROVENANCE_COLUMNS)
    extra = [c for c in [*columns, *frame.columns] if c not in known]
    order = list(base.columns) + list(dict.fromkeys(extra)) + list(PROVENANCE_COLUMNS)
    if wanted is not None:
        order = [c for c in order if c in set(wanted)]
    missing = {c: pd.Series(index=frame.index, dtype=base[c].dtype if c in base else
                            dtypes.get(c, "object"))
               for c in order if c not in frame}
    frame = frame.assign(**missing) if missing else frame
    if set(LEGACY_DEFAULTS.get(kind, {})) & set(order):  # not a column of zeros to drop
        frame = with_legacy_defaults(frame, kind)
    frame = cast_columns(frame[order], {c: t for c, t in dtypes.items() if c not in coded})
    recode = {c: "category" for c in coded
              if c in frame and not isinstance(frame[c].dtype, pd.CategoricalDtype)}
    return frame.astype(recode) if recode else frame


def contents(store: str | os.PathLike = DEFAULT_STORE) -> pd.DataFrame:
    """Rows held per report kind after merging, and how many imported files fed each kind.

    Returns
    -------
    DataFrame
        Columns ``kind``, ``rows`` and ``files``, one row per kind the store holds.
    """
    book = read_manifest(live_version(store))
    files = pd.Series([e["kind"] for e in book["files"]], dtype="str").value_counts()
    kinds = [k for k in REPORT_KINDS if k in book["rows"]]
    return pd.DataFrame(
        {
            "kind": pd.Series(kinds, dtype="str"),
            "rows": pd.Series([book["rows"][k] for k in kinds], dtype="int64"),
            "files": pd.Series([int(files.get(k, 0)) for k in kinds], dtype="int64"),
        }
    )
