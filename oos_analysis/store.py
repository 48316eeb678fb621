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

Coverage: each imported order export covers the whole UTC days from its first to its last purchase
date, for every marketplace it contains. A day inside a marketplace's history that no export covers
is a *gap*: the kit does not know what happened that day, which is not the same as zero orders
(an empty export is no proof of zero cancellations, so it covers nothing). :func:`coverage` lists
covered spans and gaps; :func:`gap_days` lists gap days one per row.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from .exceptions import InputFileError
from .schema import (
    ALL_ORDERS,
    CANCEL_DOWNLOAD,
    ORDER_REPORT,
    REPORT_KINDS,
    SELLER_PERFORMANCE,
)
from .store_coverage import file_spans, join_spans, mark_gaps
from .store_lock import current_version, pause_point, publish, staging_dir, store_lock

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

DEFAULT_STORE = Path("data/store")
"""Where the store lives when no ``--store`` is given (relative to the working directory)."""

PROVENANCE_COLUMNS = ("source_file", "source_sha256", "imported_at")

_FORMAT = 1
_MANIFEST = "manifest.json"
# kind -> (key columns, column whose newest value wins or None for "later import wins")
_MERGE = {
    ALL_ORDERS: (("order_id", "sku"), "last_updated_date"),
    ORDER_REPORT: (("order_id", "order_item_id"), "reporting_date"),
    CANCEL_DOWNLOAD: (("order_id",), None),
    SELLER_PERFORMANCE: (("marketplace_id", "metric", "date_from", "date_to"), None),
}
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


def _read_manifest(version: Path | None) -> dict:
    if version is None:
        return {"format": _FORMAT, "files": []}
    path = version / _MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputFileError(
            f"{path}: the store's manifest is missing or unreadable ({exc}). The store was "
            "changed by hand; re-import your exports into a new --store."
        ) from exc
    if data.get("format") != _FORMAT:
        raise InputFileError(
            f"{path}: store format {data.get('format')!r}, this version of oos_analysis reads "
            f"format {_FORMAT}. Upgrade oos_analysis or re-import into a new --store."
        )
    return data


def _read_kind(version: Path | None, kind: str, dtypes: dict | None = None) -> pd.DataFrame | None:
    if version is None or not (version / f"{kind}.parquet").exists():
        return None
    frame = pd.read_parquet(version / f"{kind}.parquet", engine="pyarrow")
    wanted = (dtypes or {}).get(kind, {})
    casts = {c: t for c, t in wanted.items() if c in frame and str(frame[c].dtype) != t}
    return frame.astype(casts) if casts else frame


def _with_provenance(frame: pd.DataFrame, name: str, sha: str, at: pd.Timestamp) -> pd.DataFrame:
    frame = frame.drop(columns=[c for c in PROVENANCE_COLUMNS if c in frame])
    return frame.assign(
        source_file=pd.Series(name, index=frame.index, dtype="str"),
        source_sha256=pd.Series(sha, index=frame.index, dtype="str"),
        imported_at=pd.Series(at, index=frame.index, dtype="datetime64[us, UTC]"),
    )


def _align(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """Give ``new`` the dtypes ``old`` has, so concatenation does not fall back to object."""
    casts = {}
    for column in new.columns.intersection(old.columns):
        if new[column].dtype != old[column].dtype:
            casts[column] = old[column].dtype
    for column, dtype in casts.items():
        try:
            new = new.assign(**{column: new[column].astype(dtype)})
        except (TypeError, ValueError):
            pass
    return new


def _merge(kind: str, old: pd.DataFrame | None, new: list[pd.DataFrame]) -> pd.DataFrame:
    """Merge the frames of one kind, oldest first, keeping one row per key."""
    if kind not in _MERGE:  # the stock-out log: the last import is the truth
        return new[-1]
    parts = [f for f in ([old] if old is not None else []) + new if not f.empty]
    if not parts:
        return new[-1]
    if len(parts) > 1:
        parts = [parts[0]] + [_align(p, parts[0]) for p in parts[1:]]
    combined = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    keys, newest = _MERGE[kind]
    keys = [k for k in keys if k in combined]
    if not keys:
        return combined
    clash = combined.duplicated(keys, keep=False)
    if not clash.any():
        return combined
    contested = combined[clash]
    if newest in contested:
        # stable: among equal dates the later row (later import) stays last and wins
        contested = contested.sort_values(newest, kind="stable", na_position="first")
    winners = contested.drop_duplicates(keys, keep="last").index
    keep = ~clash
    keep[winners] = True
    return combined[keep].reset_index(drop=True)


def _write_kind(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, engine="pyarrow", index=False, compression="zstd")


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
        book = _read_manifest(live)
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
    with staging_dir(root) as staged:
        for kind in REPORT_KINDS:
            target = staged / f"{kind}.parquet"
            if kind in by_kind:
                merged = _merge(kind, _read_kind(live, kind, book.get("dtypes")), by_kind[kind])
                _write_kind(merged, target)
                pause_point("mid_write")
            elif live is not None and (live / target.name).exists():
                try:  # unchanged kinds are shared with the previous version, not rewritten
                    os.link(live / target.name, target)
                except OSError:
                    _write_kind(_read_kind(live, kind), target)
        counts, dtypes = {}, dict(book.get("dtypes", {}))
        for kind in REPORT_KINDS:
            if (staged / f"{kind}.parquet").exists():
                counts[kind] = pq.read_metadata(staged / f"{kind}.parquet").num_rows
        for kind, frames in by_kind.items():
            # Parquet has no second-resolution timestamps; remember the dtypes to restore them
            dtypes[kind] = {str(c): str(t) for c, t in frames[-1].dtypes.items()} | {
                str(c): str(t) for c, t in dtypes.get(kind, {}).items()}
        book = {"format": _FORMAT, "files": book["files"] + entries, "rows": counts,
                "dtypes": dtypes}
        (staged / _MANIFEST).write_text(json.dumps(book, indent=1), encoding="utf-8")
        publish(root, staged)


def _live(store: str | os.PathLike) -> Path:
    version = current_version(store)
    if version is None:
        raise InputFileError(
            f"{store}: no history store here (no CURRENT file). Import exports first with "
            f"`oos-analysis import FILE... --store {store}`, or check the --store path."
        )
    return version


def load(store: str | os.PathLike = DEFAULT_STORE):
    """Read the store back as an :class:`~oos_analysis.readers.Exports`.

    The frames are those :func:`~oos_analysis.readers.read_exports` builds from the imported
    files, with the three provenance columns added; ``files`` holds one
    :class:`~oos_analysis.readers.Export` per imported file whose frame is the rows of that file
    still in the store (rows replaced by a newer export belong to the newer file).

    Raises
    ------
    InputFileError
        If ``store`` holds no store (nothing imported yet, or a wrong path).

    Examples
    --------
    >>> import tempfile
    >>> load(tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    oos_analysis.exceptions.InputFileError: ... no history store here ...
    """
    from .readers import Export, Exports, empty_frame

    live = _live(store)
    book = _read_manifest(live)
    frames = {}
    for kind in REPORT_KINDS:
        frame = _read_kind(live, kind, book.get("dtypes"))
        base = empty_frame(kind)
        if frame is None:
            frame = _with_provenance(base, "", "", pd.Timestamp(0, tz="UTC"))
        # as read_exports does: every canonical column present, canonical ones first
        missing = {c: pd.Series(index=frame.index, dtype=base[c].dtype)
                   for c in base.columns if c not in frame}
        extra = [c for c in frame.columns if c not in base.columns and c not in PROVENANCE_COLUMNS]
        order = list(base.columns) + extra + list(PROVENANCE_COLUMNS)
        frames[kind] = frame.assign(**missing)[order] if missing else frame[order]
    files = []
    groups = {k: f.groupby("source_sha256", sort=False).indices for k, f in frames.items()}
    for entry in book["files"]:
        kind = entry["kind"]
        rows = groups[kind].get(entry["sha256"], [])
        files.append(Export(entry["name"], kind, entry.get("encoding"),
                            frames[kind].iloc[rows].reset_index(drop=True)))
    return Exports(files=tuple(files), **frames)


def manifest(store: str | os.PathLike = DEFAULT_STORE) -> pd.DataFrame:
    """List the files imported into ``store``, oldest import first.

    Returns
    -------
    DataFrame
        Columns ``name``, ``sha256``, ``kind``, ``rows``, ``encoding``, ``imported_at`` (UTC),
        ``date_from``, ``date_to`` (UTC days covered, missing for the stock-out log and empty
        exports) and ``marketplaces`` (comma-separated).

    Raises
    ------
    InputFileError
        If ``store`` holds no store.
    """
    files = _read_manifest(_live(store))["files"]
    rows = []
    for entry in files:
        days = [s["start"] for s in entry["coverage"]] + [s["end"] for s in entry["coverage"]]
        rows.append({
            "name": entry["name"], "sha256": entry["sha256"], "kind": entry["kind"],
            "rows": entry["rows"], "encoding": entry.get("encoding"),
            "imported_at": entry["imported_at"],
            "date_from": min(days) if days else None, "date_to": max(days) if days else None,
            "marketplaces": ",".join(sorted({s["marketplace"] for s in entry["coverage"]})),
        })
    columns = ["name", "sha256", "kind", "rows", "encoding", "imported_at", "date_from",
               "date_to", "marketplaces"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["imported_at"] = pd.to_datetime(frame["imported_at"], utc=True)
    for column in ("date_from", "date_to"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame.astype({"rows": "int64"})


def contents(store: str | os.PathLike = DEFAULT_STORE) -> pd.DataFrame:
    """Rows held per report kind after merging, and how many imported files fed each kind.

    Returns
    -------
    DataFrame
        Columns ``kind``, ``rows`` and ``files``, one row per kind the store holds.
    """
    book = _read_manifest(_live(store))
    files = pd.Series([e["kind"] for e in book["files"]], dtype="str").value_counts()
    kinds = [k for k in REPORT_KINDS if k in book["rows"]]
    return pd.DataFrame(
        {
            "kind": pd.Series(kinds, dtype="str"),
            "rows": pd.Series([book["rows"][k] for k in kinds], dtype="int64"),
            "files": pd.Series([int(files.get(k, 0)) for k in kinds], dtype="int64"),
        }
    )


def coverage(store: str | os.PathLike = DEFAULT_STORE) -> pd.DataFrame:
    """Covered spans and gaps of the store's history, per marketplace and report kind.

    Each imported order export covers the UTC days from its first to its last purchase date for
    each marketplace in it; a Seller Performance report covers its reporting ranges. Spans that
    overlap or touch are joined; the days between two joined spans are a gap.

    Returns
    -------
    DataFrame
        One row per span, ordered by ``marketplace``, ``kind``, ``start``: ``start`` and ``end``
        (first and last day, UTC midnight, both inclusive), ``days`` and ``covered`` (``False``
        for a gap).

    Raises
    ------
    InputFileError
        If ``store`` holds no store.
    """
    return join_spans(_read_manifest(_live(store))["files"])


def gap_days(store: str | os.PathLike = DEFAULT_STORE, *, kind: str | None = None) -> pd.DataFrame:
    """The days no export covers, inside each marketplace's history, one row per day.

    Parameters
    ----------
    store : str or Path, default ``data/store``
        The store folder.
    kind : str, optional
        Only gaps of this report kind (e.g. ``"all_orders"``, what the rate is computed from).

    Returns
    -------
    DataFrame
        Columns ``marketplace``, ``kind`` and ``date`` (UTC midnight).
    """
    spans = coverage(store)
    gaps = spans[~spans["covered"]]
    if kind is not None:
        gaps = gaps[gaps["kind"] == kind]
    rows = [
        (market, k, day)
        for market, k, start, end in zip(gaps["marketplace"], gaps["kind"], gaps["start"],
                                         gaps["end"], strict=True)
        for day in pd.date_range(start, end, freq="D")
    ]
    frame = pd.DataFrame(rows, columns=["marketplace", "kind", "date"])
    return frame.astype({"marketplace": "str", "kind": "str", "date": "datetime64[us, UTC]"})
