"""Coverage of the history store: which days each export covers, where the gaps are.

An order export covers the whole UTC days from its first to its last purchase date, for every
marketplace in it; a Seller Performance report covers its reporting ranges. The cancel-rate
download lists only cancelled orders and the stock-out log is kept by hand, so neither proves that
a day was seen and neither counts as coverage. A day inside a marketplace's history that no export
covers is a gap: unknown, never zero orders (an empty export covers nothing, for the same reason).
"""

from __future__ import annotations

import os


from ..io.schema import ALL_ORDERS, MARKETPLACE_IDS, ORDER_REPORT, SELLER_PERFORMANCE
from .lock import DEFAULT_STORE, live_version, read_manifest
from ..lazy import lazy_module

pd = lazy_module("pandas")  # imported on first use: an import reads the export meanwhile

__all__ = ["manifest", "coverage", "gap_days", "file_spans", "join_spans", "export_gap_days"]

# kind -> the column whose whole-day range an export of that kind covers
_COVERAGE_DATE = {ALL_ORDERS: "purchase_date", ORDER_REPORT: "purchase_date"}


def _marketplaces(frame: pd.DataFrame, kind: str) -> pd.Series:
    if kind == SELLER_PERFORMANCE and "marketplace_id" in frame:
        ids = frame["marketplace_id"].astype("str")
        return ids.map(MARKETPLACE_IDS).fillna(ids)
    if "marketplace" in frame:
        return frame["marketplace"].astype("str").fillna("unknown")
    return pd.Series("unknown", index=frame.index, dtype="str")


def file_spans(frame: pd.DataFrame, kind: str) -> list[dict]:
    """The (marketplace, first day, last day) spans one export covers; empty exports cover none."""
    if frame.empty:
        return []
    markets = _marketplaces(frame, kind)
    if kind == SELLER_PERFORMANCE and {"date_from", "date_to"} <= set(frame.columns):
        parts = pd.DataFrame(
            {
                "marketplace": markets,
                "start": pd.to_datetime(frame["date_from"], utc=True).dt.floor("D"),
                "end": pd.to_datetime(frame["date_to"], utc=True).dt.floor("D"),
            }
        ).dropna()
        parts = parts.groupby(["marketplace", "start", "end"], as_index=False).size()
    elif kind in _COVERAGE_DATE and _COVERAGE_DATE[kind] in frame:
        days = pd.to_datetime(frame[_COVERAGE_DATE[kind]], utc=True).dt.floor("D")
        if days.isna().all():
            return []
        parts = pd.DataFrame({"marketplace": sorted(markets.dropna().unique())})
        parts["start"], parts["end"] = days.min(), days.max()
    else:
        return []
    return [
        {"marketplace": m, "start": s.date().isoformat(), "end": e.date().isoformat()}
        for m, s, e in zip(parts["marketplace"], parts["start"], parts["end"], strict=True)
    ]


def join_spans(files: list[dict]) -> pd.DataFrame:
    """Join the spans of manifest entries into covered spans and gaps (see :func:`coverage`)."""
    spans: dict[tuple[str, str], list[tuple[pd.Timestamp, pd.Timestamp]]] = {}
    for entry in files:
        for span in entry["coverage"]:
            spans.setdefault((span["marketplace"], entry["kind"]), []).append(
                (pd.Timestamp(span["start"], tz="UTC"), pd.Timestamp(span["end"], tz="UTC"))
            )
    one_day = pd.Timedelta(days=1)
    rows = []
    for (market, kind), pieces in sorted(spans.items()):
        joined: list[list[pd.Timestamp]] = []
        for start, end in sorted(pieces):
            if joined and start <= joined[-1][1] + one_day:
                joined[-1][1] = max(joined[-1][1], end)
            else:
                joined.append([start, end])
        for i, (start, end) in enumerate(joined):
            if i:
                gap_start, gap_end = joined[i - 1][1] + one_day, start - one_day
                rows.append((market, kind, gap_start, gap_end, False))
            rows.append((market, kind, start, end, True))
    frame = pd.DataFrame(rows, columns=["marketplace", "kind", "start", "end", "covered"])
    frame = frame.astype({"marketplace": "str", "kind": "str", "start": "datetime64[us, UTC]",
                          "end": "datetime64[us, UTC]", "covered": "bool"})
    frame.insert(4, "days", ((frame["end"] - frame["start"]) // one_day + 1).astype("int64"))
    return frame


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
    files = read_manifest(live_version(store))["files"]
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
    return join_spans(read_manifest(live_version(store))["files"])


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
    return _days_of(coverage(store), kind)


def export_gap_days(files, *, kind: str = ALL_ORDERS) -> pd.DataFrame:
    """The gap days between export files read together, as :func:`gap_days` gives for a store.

    ``files`` are :class:`~oos_analysis.io.readers.Export` objects (``Exports.files``); each export
    of ``kind`` covers the whole UTC days from its first to its last purchase date, for every
    marketplace in it, exactly as when it is imported into the store. Two exports a year apart
    leave the days between them unknown, not empty.

    Examples
    --------
    >>> from oos_analysis.io.readers import Export
    >>> def export(days):
    ...     stamps = pd.to_datetime(days, utc=True)
    ...     return Export("f", ALL_ORDERS, "utf-8", pd.DataFrame(
    ...         {"purchase_date": stamps, "marketplace": "amazon.com"}))
    >>> export_gap_days([export(["2026-03-01T10:00Z", "2026-03-02T10:00Z"]),
    ...                  export(["2026-03-05T10:00Z"])])["date"].dt.day.tolist()
    [3, 4]
    """
    entries = [{"kind": f.kind, "coverage": file_spans(f.frame, f.kind)}
               for f in files if f.kind == kind]
    return _days_of(join_spans(entries), kind)


def _days_of(spans: pd.DataFrame, kind: str | None) -> pd.DataFrame:
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
