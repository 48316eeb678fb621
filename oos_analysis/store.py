"""The local history store: every export imported once, merged per order item, read back as one.

Amazon keeps order reports for a limited time, so a seller downloads overlapping ranges week after
week. :func:`import_files` merges any mix of exports into a folder of Parquet files (default
``data/store/``); :func:`load` gives back the same :class:`~oos_analysis.readers.Exports` that
:func:`~oos_analysis.readers.read_exports` would build from all those files at once, so every
command can read the store instead of the files.

How rows merge (each kind keeps one row per key; ties go to the later import):

=====================  =====================================  ====================================
kind                   key                                    winner
=====================  =====================================  ====================================
``all_orders``         ``order_id, sku``                      newest ``last_updated_date``
``order_report``       ``order_id, order_item_id``            newest ``reporting_date``
``cancel_download``    ``order_id``                           later import
``seller_performance`` ``marketplace_id, metric, date_from,   later import
                       date_to``
``stockout_log``       the whole log                          later import replaces it wholesale
=====================  =====================================  ====================================

The stock-out log is kept by staff, so the copy imported last is the truth; rows deleted from it
are deleted from the store too. Every row carries its provenance: ``source_file``,
``source_sha256`` and ``imported_at`` (UTC).

A file is recognised by the SHA-256 of its bytes: importing it again changes nothing. An import is
all or nothing: every file is read and checked before the store is touched, and the new state is
written aside and switched in atomically (see :mod:`oos_analysis.store_lock`).

Layout (store format 2): each small kind is one Parquet file, ``<version>/stockout_log.parquet``;
All Orders and order reports are kept per UTC purchase month in one or more files,
``<version>/all_orders/2026-11.parquet``, ``2026-11.1.parquet``, ... (``undated.parquet`` for rows
without a purchase date), listed in ``manifest.json`` in reading order. An import writes its new
rows to new files and rewrites a stored file only if one of its rows lost to a newer one; every
other file is a hard link to the previous version's, so a weekly import costs about what the week
holds. A month split into more than eight files is rewritten as one. Files are read and written in
parallel threads. A store of format 1 (one file per kind) is read as it is and rewritten in format
2 by the next import.

Coverage: each imported order export covers the whole UTC days from its first to its last purchase
date, for every marketplace it contains. A day inside a marketplace's history that no export covers
is a *gap*: the kit does not know what happened that day, which is not the same as zero orders
(an empty export is no proof of zero cancellations, so it covers nothing). :func:`coverage` lists
covered spans and gaps; :func:`gap_days` lists gap days one per row (both defined in
:mod:`oos_analysis.store_coverage`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .exceptions import InputFileError
from .schema import (
    ALL_ORDERS,
    CANCEL_DOWNLOAD,
    ORDER_REPORT,
    REPORT_KINDS,
    SELLER_PERFORMANCE,
)
from .store_coverage import coverage, file_spans, gap_days, manifest, mark_gaps
from .store_lock import (
    DEFAULT_STORE,
    MANIFEST,
    STORE_FORMAT,
    current_version,
    live_version,
    pause_point,
    publish,
    read_manifest,
    staging_dir,
    store_lock,
)

__all__ = [
    "DEFAULT_STORE",
    "PROVENANCE_COLUMNS",
    "import_files",
    "load",
    "manifest",
    "contents",
    "coverage",
    "gap_days",
    "mark_gaps",
]

PROVENANCE_COLUMNS = ("source_file", "source_sha256", "imported_at")

# kind -> (key columns, column whose newest value wins or None for "later import wins")
_MERGE = {
    ALL_ORDERS: (("order_id", "sku"), "last_updated_date"),
    ORDER_REPORT: (("order_id", "order_item_id"), "reporting_date"),
    CANCEL_DOWNLOAD: (("order_id",), None),
    SELLER_PERFORMANCE: (("marketplace_id", "metric", "date_from", "date_to"), None),
}
# kind -> the date whose UTC month names the part file a row is kept in
_PARTITIONED = {ALL_ORDERS: "purchase_date", ORDER_REPORT: "purchase_date"}
_UNDATED = np.iinfo(np.int64).max  # month code of rows without a purchase date; sorts last
_WORKERS = max(2, min(8, os.cpu_count() or 1))
_MAX_SEGMENTS = 8  # a month kept in more files than this is rewritten as one
_FORMAT = STORE_FORMAT  # the layout this module writes (read by the import benchmark)
_REPORT_COLUMNS = ["file", "sha256", "kind", "rows", "status", "date_from", "date_to"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except IsADirectoryError as exc:
        raise InputFileError(f"{path}: is a folder, not an export file.") from exc
    except OSError as exc:
        raise InputFileError(
            f"{path}: cannot read it ({exc.strerror}). Check the name and that the file is "
            "readable; nothing was imported."
        ) from exc
    return digest.hexdigest()


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


def _segments(version: Path | None, book: dict, kind: str) -> list[dict]:
    """The files holding ``kind`` in ``version``, in reading order.

    Each is ``{"path", "month", "rows"}``; ``month`` is None for a file holding the whole kind (the
    small kinds, and every kind in a store of format 1).
    """
    if version is None:
        return []
    if kind in _PARTITIONED and book.get("format", 1) >= 2:
        return [{"path": version / kind / e["file"], "month": _code(e["month"]), "rows": e["rows"]}
                for e in book.get("parts", {}).get(kind, [])]
    whole = version / f"{kind}.parquet"
    if not whole.exists():
        return []
    return [{"path": whole, "month": None, "rows": book.get("rows", {}).get(kind)}]


def _month_codes(frame: pd.DataFrame, kind: str) -> np.ndarray:
    """Months since 1970 of each row's UTC purchase date; ``_UNDATED`` where it is missing."""
    column = _PARTITIONED[kind]
    if column not in frame:
        return np.full(len(frame), _UNDATED, dtype=np.int64)
    days = pd.to_datetime(frame[column], utc=True).dt.tz_localize(None).to_numpy()
    return np.where(np.isnat(days), _UNDATED, days.astype("datetime64[M]").astype(np.int64))


def _split(frame: pd.DataFrame, codes: np.ndarray) -> dict[int, pd.DataFrame]:
    """Rows of ``frame`` per month code, each group in the frame's order."""
    if not len(frame):
        return {}
    order = None
    if (codes[1:] < codes[:-1]).any():  # exports usually come in date order: slices, no sort
        order = np.argsort(codes, kind="stable")
        codes = codes[order]
    bounds = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist(), len(codes)]
    return {
        int(codes[a]): frame.iloc[slice(a, b) if order is None else order[a:b]]
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    }


def _cast(frame: pd.DataFrame, dtypes: dict) -> pd.DataFrame:
    casts = {c: t for c, t in dtypes.items() if c in frame and str(frame[c].dtype) != t}
    return frame.astype(casts) if casts else frame


def _read_part(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    try:
        return pd.read_parquet(path, engine="pyarrow", columns=columns)
    except (OSError, pa.ArrowException) as exc:
        raise InputFileError(
            f"{path}: cannot read this file of the store ({exc}). The store was changed by hand "
            "or damaged; restore the folder from a backup or re-import your exports into a new "
            "--store."
        ) from exc


def _read_kind(version: Path | None, kind: str, dtypes: dict | None = None) -> pd.DataFrame | None:
    if version is None or not (version / f"{kind}.parquet").exists():
        return None
    return _cast(_read_part(version / f"{kind}.parquet"), (dtypes or {}).get(kind, {}))


def _deciding(path: Path, columns: list[str], dtypes: dict) -> pd.DataFrame:
    """The columns of a part file that decide which row of a key wins (those it has)."""
    try:
        names = set(pq.read_schema(path).names)
    except (OSError, pa.ArrowException):
        names = set(columns)  # let the read say what is wrong with the file
    return _cast(_read_part(path, [c for c in columns if c in names]), dtypes)


def _ids(frame: pd.DataFrame) -> pa.Array:
    ids = pa.array(frame["order_id"], type=pa.large_string(), from_pandas=True)
    return ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids


def _with_provenance(frame: pd.DataFrame, name: str, sha: str, at: pd.Timestamp) -> pd.DataFrame:
    frame = frame.drop(columns=[c for c in PROVENANCE_COLUMNS if c in frame])
    return frame.assign(
        source_file=pd.Series(name, index=frame.index, dtype="str"),
        source_sha256=pd.Series(sha, index=frame.index, dtype="str"),
        imported_at=pd.Series(at, index=frame.index, dtype="datetime64[us, UTC]"),
    )


def _align(new: pd.DataFrame, dtypes) -> pd.DataFrame:
    """Give ``new`` the ``dtypes`` the store has, so concatenation does not fall back to object."""
    for column, dtype in dict(dtypes).items():
        if column in new and str(new[column].dtype) != str(dtype):
            try:
                new = new.assign(**{column: new[column].astype(dtype)})
            except (TypeError, ValueError):
                pass
    return new


def _contested(frames: list[pd.DataFrame], keys, newest) -> tuple[np.ndarray, np.ndarray]:
    """The rows that lose to another row with the same key: (frame number, index label) arrays.

    ``frames`` come oldest first; among equal keys the newest ``newest`` wins and ties go to the
    later row (the later import).
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
    key = np.zeros(len(combined), dtype=np.int64)
    for column in keys:  # one integer per key; a missing value equals another missing value
        codes, uniques = pd.factorize(combined[column])
        key = pd.factorize(key * (len(uniques) + 1) + codes + 1)[0]
    clash = np.flatnonzero(pd.Series(key).duplicated(keep=False).to_numpy())
    if not len(clash):
        return nothing
    if newest in combined:
        dates = combined[newest].iloc[clash].reset_index(drop=True)
        clash = clash[dates.sort_values(kind="stable", na_position="first").index.to_numpy()]
    lost = clash[pd.Series(key[clash]).duplicated(keep="last").to_numpy()]
    return source[lost], label[lost]


def _drop(frame: pd.DataFrame, labels) -> pd.DataFrame:
    """``frame`` (with a RangeIndex) without the rows at ``labels``."""
    if not len(labels):
        return frame
    keep = np.ones(len(frame), dtype=bool)
    keep[labels] = False
    return frame[keep]


def _merge(kind: str, old: pd.DataFrame | None, new: list[pd.DataFrame]) -> pd.DataFrame:
    """Merge the frames of one small kind, oldest first, keeping one row per key."""
    if kind not in _MERGE:  # the stock-out log: the last import is the truth
        return new[-1]
    parts = [f for f in ([old] if old is not None else []) + new if not f.empty]
    if not parts:
        return new[-1]
    parts = [parts[0]] + [_align(p, parts[0].dtypes) for p in parts[1:]]
    parts = [p.reset_index(drop=True) for p in parts]
    sources, rows = _contested(parts, *_MERGE[kind])
    kept = [_drop(p, rows[sources == i]) for i, p in enumerate(parts)]
    return pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0]


def _write_kind(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, engine="pyarrow", index=False, compression="zstd")


def _link(source: Path, target: Path) -> None:
    try:  # parts an import does not change are shared with the previous version, not rewritten
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def import_files(
    paths,
    *,
    store: str | os.PathLike = DEFAULT_STORE,
    wait: float = 0.0,
) -> pd.DataFrame:
    """Import exports of any kind into the history store; return what happened to each file.

    Parameters
    ----------
    paths : iterable of str or Path
        The export files. Their kinds are detected as :func:`~oos_analysis.readers.read_export`
        does.
    store : str or Path, default ``data/store``
        The store folder; created on first import.
    wait : float, default 0
        Seconds to wait for another import into the same store to finish.

    Returns
    -------
    DataFrame
        One row per given path: ``file``, ``sha256``, ``kind``, ``rows`` (rows read),
        ``status`` (``"imported"``, ``"already in store"`` or ``"duplicate in this import"``),
        ``date_from`` and ``date_to`` (the UTC days the export covers, or missing).

    Raises
    ------
    InputFileError, ReportFormatError
        If any file cannot be read; nothing is imported then, not even the good files.
    StoreBusyError
        If another import holds the store for longer than ``wait`` seconds.
    StoreWriteError
        If the new version cannot be written (disk full); the store is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> export = folder / "orders.txt"
    >>> _ = export.write_text(
    ...     "amazon-order-id\\tpurchase-date\\tlast-updated-date\\torder-status\\t"
    ...     "fulfillment-channel\\tsales-channel\\tsku\\tasin\\titem-status\\n"
    ...     "111-0000001-0000001\\t2026-11-02T10:00:00+00:00\\t2026-11-02T11:00:00+00:00\\t"
    ...     "Shipped\\tMerchant\\tAmazon.com\\tSKU-1\\tB000000001\\tShipped\\n")
    >>> import_files([export], store=folder / "store")[["kind", "rows", "status"]]
             kind  rows    status
    0  all_orders     1  imported
    >>> import_files([export], store=folder / "store")["status"].tolist()
    ['already in store']
    """
    from .readers import read_export  # the readers import heavy optional parts lazily too

    paths = [Path(p) for p in paths]
    hashes = [_sha256(p) for p in paths]
    with store_lock(store, wait=wait) as root:
        live = current_version(root)
        book = read_manifest(live)
        known = {entry["sha256"] for entry in book["files"]}
        rows, todo, seen = [], [], set()
        for path, sha in zip(paths, hashes, strict=True):
            row = {"file": str(path), "sha256": sha, "kind": None, "rows": pd.NA,
                   "status": "imported", "date_from": None, "date_to": None}
            if sha in known:
                row["status"] = "already in store"
            elif sha in seen:
                row["status"] = "duplicate in this import"
            else:
                seen.add(sha)
                todo.append((path, sha, row))
            rows.append(row)
        # Read and check every new file before anything is written: all or nothing.
        exports = [(read_export(path), path, sha, row) for path, sha, row in todo]
        if exports:
            _write_version(root, live, book, exports)
    report = pd.DataFrame(rows, columns=_REPORT_COLUMNS)
    for column in ("date_from", "date_to"):
        report[column] = pd.to_datetime(report[column], utc=True)
    return report.astype({"kind": "str", "rows": "Int64"})


def _write_version(root: Path, live: Path | None, book: dict, exports: list) -> None:
    stamp = pd.Timestamp(datetime.now(UTC)).as_unit("us")
    by_kind: dict[str, list[pd.DataFrame]] = {}
    entries = []
    for export, path, sha, row in exports:
        frame = export.frame
        spans = file_spans(frame, export.kind)
        days = sorted({s["start"] for s in spans} | {s["end"] for s in spans})
        row.update(kind=export.kind, rows=len(frame), date_from=days[0] if days else None,
                   date_to=days[-1] if days else None)
        by_kind.setdefault(export.kind, []).append(_with_provenance(frame, path.name, sha, stamp))
        entries.append({
            "name": path.name, "sha256": sha, "kind": export.kind, "rows": len(frame),
            "encoding": getattr(export, "encoding", None),
            "imported_at": stamp.isoformat(), "coverage": spans,
        })
    dtypes, columns = dict(book.get("dtypes", {})), dict(book.get("columns", {}))
    for kind, frames in by_kind.items():
        # Parquet has no second-resolution timestamps; remember the dtypes to restore them
        seen = {str(c): str(t) for f in frames for c, t in f.dtypes.items()}  # last file wins
        dtypes[kind] = seen | {str(c): str(t) for c, t in dtypes.get(kind, {}).items()}
        order = dict.fromkeys(columns.get(kind, []))
        for frame in frames:
            order.update(dict.fromkeys(map(str, frame.columns)))
        columns[kind] = list(order)
    counts, parts = {}, {}
    with staging_dir(root) as staged, ThreadPoolExecutor(_WORKERS) as pool:
        for kind in REPORT_KINDS:
            old = _segments(live, book, kind)
            if kind in _PARTITIONED and (kind in by_kind or any(s["month"] is None for s in old)):
                parts[kind] = _write_parts(kind, old, by_kind.get(kind, []), dtypes.get(kind, {}),
                                           staged / kind, pool)
                counts[kind] = sum(p["rows"] for p in parts[kind])
            elif kind in _PARTITIONED and kind in book.get("parts", {}):
                (staged / kind).mkdir()
                for segment in old:
                    _link(segment["path"], staged / kind / segment["path"].name)
                parts[kind], counts[kind] = book["parts"][kind], book["rows"][kind]
            elif kind in by_kind:
                merged = _merge(kind, _read_kind(live, kind, book.get("dtypes")), by_kind[kind])
                _write_kind(merged, staged / f"{kind}.parquet")
                counts[kind] = len(merged)
            elif old:
                _link(old[0]["path"], staged / f"{kind}.parquet")
                counts[kind] = book["rows"][kind]
            if kind in by_kind:
                pause_point("mid_write")
        book = {"format": STORE_FORMAT, "files": book["files"] + entries, "rows": counts,
                "parts": parts, "dtypes": dtypes, "columns": columns}
        (staged / MANIFEST).write_text(json.dumps(book, indent=1), encoding="utf-8")
        publish(root, staged)


def _write_parts(kind: str, old: list[dict], frames: list[pd.DataFrame], dtypes: dict,
                 folder: Path, pool: ThreadPoolExecutor) -> list[dict]:
    """Write the files of ``kind`` for the next version into ``folder``; return their list.

    A month is kept as one or more files, oldest rows first. New rows go to new files; a stored
    file is hard-linked if none of its rows loses to a new row, dropped if all do, else rewritten
    without them. Only stored rows whose order id is among the new rows can lose (each side holds
    one row per key: the store by construction, a single export because the reader drops
    duplicate items), and only the key and date columns are read to find them.
    """
    folder.mkdir()
    frames = [_align(f, dtypes).reset_index(drop=True) for f in frames if len(f)]
    new = pd.concat(frames, ignore_index=True) if len(frames) > 1 else next(iter(frames), None)
    new = new if new is not None else pd.DataFrame({"order_id": pd.Series(dtype="str")})
    codes = _month_codes(new, kind)
    ids = _ids(new)
    keys, newest = _MERGE[kind]
    stored = list(pool.map(lambda s: _deciding(s["path"], [*keys, newest], dtypes), old))
    found = np.zeros(sum(map(len, stored)), dtype=bool)
    if len(ids) and len(found):
        found = pc.is_in(pa.chunked_array([_ids(f) for f in stored], type=pa.large_string()),
                         value_set=ids).to_numpy(zero_copy_only=False)
    masks = np.split(found, np.cumsum([len(f) for f in stored])[:-1]) if old else []
    hits = [f[m] for f, m in zip(stored, masks, strict=True)]
    rivals = new
    if len(frames) == 1:
        held = pa.concat_arrays([pa.array([], pa.large_string()), *(_ids(h) for h in hits)])
        rivals = new[pc.is_in(ids, value_set=held).to_numpy(zero_copy_only=False)]
    sources, rows = _contested([*hits, rivals], keys, newest)
    gone = [rows[sources == i] for i in range(len(old))]
    # whole rows only of a format 1 file (to split it) and of files keeping some of their rows
    read = [i for i, s in enumerate(old)
            if s["month"] is None or 0 < len(gone[i]) < len(stored[i])]
    full = dict(zip(read, pool.map(lambda i: _cast(_read_part(old[i]["path"]), dtypes), read),
                    strict=True))

    months: dict[int, list] = {}  # month -> stored files to link and frames to write, in order
    for i, segment in enumerate(old):
        if segment["month"] is not None and not len(gone[i]):
            months.setdefault(segment["month"], []).append(segment)
            continue
        if i not in full:  # every row of it lost to a newer one
            continue
        frame = _drop(full[i], gone[i])
        if segment["month"] is None:  # a whole-kind file of format 1: split it by month
            for month, piece in _split(frame, _month_codes(frame, kind)).items():
                months.setdefault(month, []).append(piece)
        else:
            months.setdefault(segment["month"], []).append(frame)
    beaten = rows[sources == len(hits)]
    if len(beaten):
        codes = np.delete(codes, beaten)
        new = _drop(new, beaten)
    for month, piece in _split(new, codes).items():
        months.setdefault(month, []).append(piece)

    parts, jobs = [], []
    for month in sorted(months):
        items = [p for p in months[month] if isinstance(p, dict) or len(p)]
        if len(items) > _MAX_SEGMENTS:  # a month imported piecemeal too often: one file again
            items = [pd.concat([_cast(_read_part(p["path"]), dtypes) if isinstance(p, dict) else p
                                for p in items], ignore_index=True)]
        label = _label(month)
        taken = {p["path"].name for p in items if isinstance(p, dict)}
        names = (f"{label}.parquet" if n == 0 else f"{label}.{n}.parquet" for n in count())
        for item in items:
            if isinstance(item, dict):
                _link(item["path"], folder / item["path"].name)
                parts.append({"file": item["path"].name, "month": label, "rows": item["rows"]})
                continue
            name = next(n for n in names if n not in taken)
            jobs.append(pool.submit(_write_kind, item, folder / name))
            parts.append({"file": name, "month": label, "rows": len(item)})
    for job in jobs:
        job.result()
    return parts


def load(store: str | os.PathLike = DEFAULT_STORE):
    """Read the store back as an :class:`~oos_analysis.readers.Exports`.

    The frames are those :func:`~oos_analysis.readers.read_exports` builds from the imported
    files, with the three provenance columns added; ``files`` holds one
    :class:`~oos_analysis.readers.Export` per imported file whose frame is the rows of that file
    still in the store (rows replaced by a newer export belong to the newer file). Order rows come
    month by month (UTC purchase month, rows without a date last), within a month in the order
    they were imported.

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
    from .readers import Export, Exports, empty_frame

    live = live_version(store)
    book = read_manifest(live)
    with ThreadPoolExecutor(_WORKERS) as pool:
        reads = {kind: [pool.submit(_read_part, s["path"]) for s in _segments(live, book, kind)]
                 for kind in REPORT_KINDS}
        held = {kind: [job.result() for job in jobs] for kind, jobs in reads.items()}
    frames, pieces = {}, {}
    for kind in REPORT_KINDS:
        base = empty_frame(kind)
        parts = [_canonical(part, base, book, kind) for part in held[kind]]
        if not parts:
            parts = [_canonical(_empty_kind(base, book, kind), base, book, kind)]
        frames[kind] = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        # each file's rows, taken part by part: a take across the joined parts is much slower
        pieces[kind] = [(p, p.groupby("source_sha256", sort=False).indices) for p in parts]
    files = []
    for entry in book["files"]:
        kind, sha = entry["kind"], entry["sha256"]
        found = [p.iloc[rows] for p, groups in pieces[kind] if len(rows := groups.get(sha, []))]
        frame = pd.concat(found, ignore_index=True) if found else frames[kind].iloc[:0]
        files.append(Export(entry["name"], kind, entry.get("encoding"),
                            frame.reset_index(drop=True)))
    return Exports(files=tuple(files), **frames)


def _empty_kind(base: pd.DataFrame, book: dict, kind: str) -> pd.DataFrame:
    """No row of ``kind`` held: the columns its imports brought, or the canonical ones."""
    dtypes, columns = book.get("dtypes", {}).get(kind, {}), book.get("columns", {}).get(kind)
    if columns is None:
        return _with_provenance(base, "", "", pd.Timestamp(0, tz="UTC"))
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "object")) for c in columns})


def _canonical(frame: pd.DataFrame, base: pd.DataFrame, book: dict, kind: str) -> pd.DataFrame:
    """A part as :func:`load` returns it: the store's dtypes, canonical columns first."""
    dtypes, columns = book.get("dtypes", {}).get(kind, {}), book.get("columns", {}).get(kind, [])
    # as read_exports does: every canonical column present (and every column an import of this
    # kind brought, which a month written from older exports may lack), canonical ones first
    missing = {c: pd.Series(index=frame.index, dtype=base[c].dtype if c in base else
                            dtypes.get(c, "object"))
               for c in [*base.columns, *columns] if c not in frame}
    known = set(base.columns) | set(PROVENANCE_COLUMNS)
    extra = [c for c in [*columns, *frame.columns] if c not in known]
    order = list(base.columns) + list(dict.fromkeys(extra)) + list(PROVENANCE_COLUMNS)
    frame = frame.assign(**missing) if missing else frame
    return _cast(frame[order], dtypes)


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
