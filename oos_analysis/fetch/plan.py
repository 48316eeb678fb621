"""What to ask Amazon for: the range of each report, the download's name, the fetch ledger.

The order reports are asked for from the store's newest ``last-updated-date`` of the marketplace
minus an overlap (2 days by default: Amazon's reports lag up to 30 minutes, and an order updated
twice keeps its newest row when merged), or the last 30 days when the store has nothing for it.

A report Amazon ends ``CANCELLED`` means it found no data for the range. That range is written to
``ledger.json`` in the downloads folder, so the next run starts after it instead of asking again;
nothing else is ever written there, so a failed run leaves the next one to ask for the same range.
"""

from __future__ import annotations

import json
import os
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from ..exceptions import DataQualityWarning, InputFileError

__all__ = ["newest_update", "since", "download_name", "read_ledger", "record_empty", "LEDGER"]

LEDGER = "ledger.json"

_STAMP = "%Y%m%dT%H%MZ"


def newest_update(store: str | os.PathLike, marketplace: str) -> datetime | None:
    """The newest ``last_updated_date`` of ``marketplace``'s All Orders rows in the store."""
    from ..store.loader import load
    from ..store.lock import current_version

    if current_version(store) is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        orders = load(store, columns={"all_orders": ["marketplace", "last_updated_date"]}
                      ).all_orders
    if orders.empty:
        return None
    stamps = orders.loc[orders["marketplace"] == marketplace, "last_updated_date"].dropna()
    return None if stamps.empty else pd.Timestamp(stamps.max()).tz_convert("UTC").to_pydatetime()


def read_ledger(downloads: Path) -> dict:
    """The ledger of ranges Amazon said were empty: ``{marketplace: {kind: ISO end}}``."""
    path = Path(downloads) / LEDGER
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise InputFileError(
            f"{path}: cannot read the fetch ledger ({exc}). Delete the file; the next fetch "
            "then asks Amazon again for the ranges it listed."
        ) from None


def record_empty(downloads: Path, marketplace: str, kind: str, end: datetime) -> None:
    """Note that Amazon found nothing for ``kind`` in ``marketplace`` up to ``end``."""
    ledger = read_ledger(downloads)
    ledger.setdefault(marketplace, {})[kind] = end.astimezone(UTC).isoformat()
    path = Path(downloads) / LEDGER
    aside = path.with_name(f".{LEDGER}.partial")
    aside.write_text(json.dumps(ledger, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(aside, path)


def since(store, downloads: Path, marketplace: str, kind: str, now: datetime, *,
          first_days: int = 30, overlap_days: int = 2) -> datetime:
    """The start of the range to ask for (see the module's description)."""
    starts = []
    newest = newest_update(store, marketplace)
    if newest is not None:
        starts.append(newest)
    empty_to = read_ledger(downloads).get(marketplace, {}).get(kind)
    if empty_to:
        starts.append(datetime.fromisoformat(empty_to))
    if not starts:
        return now - timedelta(days=first_days)
    return max(starts) - timedelta(days=overlap_days)


def download_name(marketplace: str, kind: str, start: datetime | None, end: datetime,
                  suffix: str) -> str:
    """``amazon.com_all-orders_20261030T0500Z_20261129T0500Z.txt``: kind, marketplace, range."""
    first = start.astimezone(UTC).strftime(_STAMP) if start is not None else "latest"
    return f"{marketplace}_{kind}_{first}_{end.astimezone(UTC).strftime(_STAMP)}{suffix}"
