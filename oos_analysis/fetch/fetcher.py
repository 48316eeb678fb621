"""``fetch``: ask Amazon for the three reports of every marketplace, save them, import them.

For each marketplace: check the seller is registered there, then for each report kind create the
report, wait for Amazon, and save the gunzipped document untouched under the downloads folder as
``<marketplace>_<kind>_<from>_<to>.<ext>``. A document is written aside (``.partial-...``) and
moved into place only once complete, so a cut download leaves nothing behind. Then every saved
file is imported into the store in one all-or-nothing import (unless ``import_=False``).

A report Amazon ends ``CANCELLED`` (no data in the range) is recorded in the ledger, not an error.
A ``FATAL`` report does not stop the other reports: they are saved and imported, then
:class:`~oos_analysis.fetch.errors.ReportFailedError` is raised with Amazon's error document.
Any other failure stops the run; what was already saved complete is still imported.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .errors import ReportFailedError
from .plan import download_name, record_empty, since
from .settings import ALL_ORDERS_REPORT, PERFORMANCE_REPORT, SpApiSettings

__all__ = ["fetch_reports", "ReportKind", "report_kinds"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportKind:
    """One report to fetch: the kit's name for it, Amazon's type, file suffix, dated or not."""

    name: str
    report_type: str
    suffix: str
    dated: bool


def report_kinds(settings: SpApiSettings) -> list[ReportKind]:
    """The reports ``fetch`` asks for, in order."""
    kinds = [ReportKind("all-orders", ALL_ORDERS_REPORT, ".txt", True)]
    if settings.order_report:
        kinds.append(ReportKind("order-report", settings.order_report, ".txt", True))
    kinds.append(ReportKind("seller-performance", PERFORMANCE_REPORT, ".json", False))
    return kinds


_COLUMNS = ["marketplace", "kind", "status", "file", "date_from", "date_to"]


def _save(session, kind: ReportKind, document_id: str, downloads: Path, name: str) -> Path:
    final = downloads / name
    aside = downloads / f".partial-{uuid.uuid4().hex}-{name}"
    try:
        session.download(kind.report_type, document_id, aside)
        os.replace(aside, final)
    finally:
        aside.unlink(missing_ok=True)
    return final


def fetch_reports(settings: SpApiSettings, *, store, downloads, import_: bool = True,
                  now: datetime | None = None, sleep=time.sleep, session_class=None,
                  on_step=None) -> pd.DataFrame:
    """Fetch, save and import; return one row per report: marketplace, kind, status, file, range.

    ``status`` is ``saved`` or ``empty`` (Amazon: CANCELLED). ``on_step(text)`` is called before
    each report, for a progress display.
    """
    from .spapi import ReportsSession

    session_class = session_class or ReportsSession
    downloads = Path(downloads)
    downloads.mkdir(parents=True, exist_ok=True)
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    rows, saved, failed = [], [], []
    try:
        for marketplace in settings.marketplaces:
            session = session_class(settings, marketplace, sleep=sleep)
            try:
                session.check_registered()
                for kind in report_kinds(settings):
                    if on_step:
                        on_step(f"{marketplace} {kind.name}")
                    start = (since(store, downloads, marketplace, kind.name, now,
                                   first_days=settings.first_days,
                                   overlap_days=settings.overlap_days)
                             if kind.dated else None)
                    log.info("%s %s: asking Amazon for %s .. %s", marketplace, kind.name,
                             start or "latest", now)
                    report_id = session.create(kind.report_type, start, now if kind.dated else None)
                    report = session.wait(report_id, kind.report_type)
                    status = report.get("processingStatus")
                    row = {"marketplace": marketplace, "kind": kind.name, "file": None,
                           "date_from": start, "date_to": now if kind.dated else None}
                    if status == "DONE":
                        name = download_name(marketplace, kind.name, start, now, kind.suffix)
                        path = _save(session, kind, report["reportDocumentId"], downloads, name)
                        saved.append(path)
                        rows.append({**row, "status": "saved", "file": str(path)})
                        log.info("%s %s: saved %s", marketplace, kind.name, path.name)
                    elif status == "CANCELLED":
                        if kind.dated:
                            record_empty(downloads, marketplace, kind.name, now)
                        rows.append({**row, "status": "empty"})
                        log.info("%s %s: Amazon found no data for the range (CANCELLED)",
                                 marketplace, kind.name)
                    else:
                        text = ""
                        if report.get("reportDocumentId"):
                            text = session.error_document(report["reportDocumentId"]).strip()
                        failed.append(ReportFailedError(
                            f"Amazon could not produce {kind.report_type} for {marketplace} "
                            f"(status FATAL). Its error document says: "
                            f"{text[:600] or '(no error document)'} -- The other reports were "
                            "saved and imported; the next run asks for this one again."
                        ))
                        log.warning("%s %s: FATAL", marketplace, kind.name)
            finally:
                session.close()
    finally:
        if import_ and saved:
            from ..store.importer import import_files

            import_files([str(p) for p in saved], store=store)
            log.info("imported %d file(s) into %s", len(saved), store)
    if len(failed) == 1:
        raise failed[0]
    if failed:
        raise ReportFailedError(" ".join(str(exc) for exc in failed))
    return pd.DataFrame(rows, columns=_COLUMNS)
