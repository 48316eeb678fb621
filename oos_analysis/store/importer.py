"""Importing exports into the local history store: every file once, merged per order item.

Amazon keeps order reports for a limited time, so a seller downloads overlapping ranges week after
week. :func:`import_files` merges any mix of exports into a folder of Parquet files (default
``data/store/``); :func:`~oos_analysis.store.load` gives back the same :class:`~oos_analysis.io.readers.Exports` that
:func:`~oos_analysis.io.readers.read_exports` would build from all those files at once, so every
command can read the store instead of the files.

How rows merge (each kind keeps one row per key; ties go to the later import):

=====================  =====================================  ====================================
kind                   key                                    winner
=====================  =====================================  ====================================
``all_orders``         ``order_id, sku, sku_line``            newest ``last_updated_date``
``order_report``       ``order_id, order_item_id``            newest ``reporting_date``
``cancel_download``    ``order_id``                           later import
``seller_performance`` ``marketplace_id, metric, date_from,   later import
                       date_to``
``stockout_log``       ``order_id``                           the log whose rows of the order hold
                                                              the latest event time (``resolved_at``
                                                              and the other times), else the later
                                                              import; all its rows of that order
=====================  =====================================  ====================================

The stock-out log is merged per order, so importing the Japanese log after the US one keeps both,
and a weekly copy of a log updates the orders it mentions without dropping older ones. Every row
carries its provenance: ``source_file``, ``source_sha256`` and ``imported_at`` (UTC).

A file is recognised by the SHA-256 of its bytes: importing it again changes nothing. An import is
all or nothing: every file is read and checked before the store is touched, and the new state is
written aside and switched in atomically (see :mod:`oos_analysis.store.lock`).

Layout (store format 2): each small kind is one Parquet file, ``<version>/stockout_log.parquet``;
All Orders and order reports are kept per UTC purchase month in one or more files,
``<version>/all_orders/2026-11.parquet``, ``2026-11.1.parquet``, ... (``undated.parquet`` for rows
without a purchase date), listed in ``manifest.json`` in reading order. An import writes its new
rows to new files and rewrites a stored file only if one of its rows lost to a newer one; every
other file is a hard link to the previous version's, so a weekly import costs about what the week
holds. A month split into more than eight files is rewritten as one. Files are read and written in
parallel threads (the part files and the merge live in :mod:`oos_analysis.store.parts`). A store of format 1 (one file per kind) is read as it is and rewritten in format
2 by the next import.

Coverage: each imported order export covers the whole UTC days from its first to its last purchase
date, for every marketplace it contains. A day inside a marketplace's history that no export covers
is a *gap*: the kit does not know what happened that day, which is not the same as zero orders
(an empty export is no proof of zero cancellations, so it covers nothing). :func:`~oos_analysis.store.coverage` lists
covered spans and gaps; :func:`~oos_analysis.store.gap_days` lists gap days one per row (both defined in
:mod:`oos_analysis.store.spans`).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from ..exceptions import InputFileError
from ..io.files import require_regular
from ..io.schema import (
    REPORT_KINDS,
)
from ..lazy import lazy_module, preload
from . import fingerprint, integrity
from .lock import (
    DEFAULT_STORE,
    MANIFEST,
    STORE_FORMAT,
    current_version,
    pause_point,
    publish,
    read_manifest,
    staging_dir,
    store_lock,
)
from .parts import (
    PARTITIONED,
    WORKERS,
    link_or_copy,
    merge_rows,
    read_kind,
    segments,
    write_kind,
    write_parts,
)
from .spans import file_spans

pd = lazy_module("pandas")  # imported on first use: an import reads the export meanwhile

__all__ = ["PROVENANCE_COLUMNS", "import_files"]

PROVENANCE_COLUMNS = ("source_file", "source_sha256", "imported_at")

_REPORT_COLUMNS = ["file", "sha256", "kind", "rows", "status", "date_from", "date_to"]


def _sha256(path: Path) -> str:
    require_regular(path)
    try:
        return fingerprint.ahead(path) or fingerprint.file_sha256(path)
    except IsADirectoryError as exc:
        raise InputFileError(f"{path}: is a folder, not an export file.") from exc
    except OSError as exc:
        raise InputFileError(
            f"{path}: cannot read it ({exc.strerror}). Check the name and that the file is "
            "readable; nothing was imported."
        ) from exc


_BLOCK = 1 << 16  # rows of the one Arrow block a text column of one value is made of


def _repeated(text: str, index: pd.Index) -> pd.Series:
    """A ``str`` Series of ``text`` on every row of ``index``, as chunks that all share one block
    of ``_BLOCK`` rows: a million rows of a SHA-256 take 64 MiB as one string per row, and
    filling them cost 0.1-0.2 s (measured)."""
    n = len(index)
    block = pa.repeat(pa.scalar(text, pa.large_string()), min(n, _BLOCK))
    chunks = [block] * (n // _BLOCK) + ([block.slice(0, n % _BLOCK)] if n % _BLOCK else [])
    values = pa.chunked_array(chunks, type=pa.large_string())
    return pd.Series(pd.array(values, dtype="str"), index=index)


def with_provenance(frame: pd.DataFrame, name: str, sha: str, at: pd.Timestamp) -> pd.DataFrame:
    """``frame`` with the provenance columns (:data:`PROVENANCE_COLUMNS`) of one export."""
    frame = frame.drop(columns=[c for c in PROVENANCE_COLUMNS if c in frame])
    return frame.assign(
        source_file=_repeated(name, frame.index),
        source_sha256=_repeated(sha, frame.index),
        imported_at=pd.Series(at, index=frame.index, dtype="datetime64[us, UTC]"),
    )


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
        The export files. Their kinds are detected as :func:`~oos_analysis.io.readers.read_export`
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
    from ..io.readers import read_export  # the readers import heavy optional parts lazily too

    paths = [Path(p) for p in paths]
    hashes = [_sha256(p) for p in paths]
    with store_lock(store, wait=wait) as root:
        live = current_version(root)
        book = read_manifest(live)
        known = {entry["sha256"] for entry in book["files"]}
        rows, todo, seen = [], [], set()
        for path, sha in zip(paths, hashes, strict=True):
            row = {"file": str(path), "sha256": sha, "kind": None, "rows": None,
                   "status": "imported", "date_from": None, "date_to": None}
            if sha in known:
                row["status"] = "already in store"
            elif sha in seen:
                row["status"] = "duplicate in this import"
            else:
                seen.add(sha)
                todo.append((path, sha, row))
            rows.append(row)
        # pandas (and pyarrow.dataset, through which a merge reads the stored files) are
        # imported in the background while Arrow parses the first export
        if todo:
            preload("pandas", *(["pyarrow.dataset"] if live is not None else []))
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
        by_kind.setdefault(export.kind, []).append(with_provenance(frame, path.name, sha, stamp))
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
    with staging_dir(root) as staged, ThreadPoolExecutor(WORKERS) as pool:
        for kind in REPORT_KINDS:
            old = segments(live, book, kind)
            if kind in PARTITIONED and (kind in by_kind or any(s["month"] is None for s in old)):
                # one value in every new row: written per month, not gathered row by row
                mine = [e for e in entries if e["kind"] == kind]
                same = {"imported_at": stamp} | ({"source_file": mine[0]["name"],
                                                  "source_sha256": mine[0]["sha256"]}
                                                 if len(mine) == 1 else {})
                parts[kind] = write_parts(kind, old, by_kind.get(kind, []), dtypes.get(kind, {}),
                                           staged / kind, pool, constant=same)
                counts[kind] = sum(p["rows"] for p in parts[kind])
            elif kind in PARTITIONED and kind in book.get("parts", {}):
                (staged / kind).mkdir()
                for segment in old:
                    link_or_copy(segment["path"], staged / kind / segment["path"].name)
                parts[kind], counts[kind] = book["parts"][kind], book["rows"][kind]
            elif kind in by_kind:
                merged = merge_rows(kind, read_kind(live, kind, book.get("dtypes")), by_kind[kind])
                write_kind(merged, staged / f"{kind}.parquet")
                counts[kind] = len(merged)
            elif old:
                link_or_copy(old[0]["path"], staged / f"{kind}.parquet")
                counts[kind] = book["rows"][kind]
            if kind in by_kind:
                pause_point("mid_write")
        sums = integrity.record(staged, live, book)
        book = {"format": STORE_FORMAT, "files": book["files"] + entries, "rows": counts,
                "parts": parts, "dtypes": dtypes, "columns": columns, "checksums": sums}
        (staged / MANIFEST).write_text(json.dumps(book, indent=1), encoding="utf-8")
        publish(root, staged)
