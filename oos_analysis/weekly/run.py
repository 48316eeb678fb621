"""One account's weekly run: fetch (when configured), import, status, report, alert.

:func:`run_account` never raises for a failure of the run itself: it logs it, sends the failure
alert (once per distinct failure, not every run until it is fixed) and returns an
:class:`AccountResult` with the error paragraph and its exit status. The result and the statuses
are kept in ``<store>/logs/weekly-state.json``, which the next run compares against (change of
status) and the many-accounts index reads.

Steps, each logged to the store's log (:mod:`oos_analysis.weekly.logfile`):

1. ``[spapi]`` configured: :func:`~oos_analysis.fetch.fetch_reports` saves and imports the reports;
2. ``inbox`` configured: every file in that folder is imported (files imported before are
   recognised by content and skipped), for sellers who download by hand or by another tool;
3. the status of every marketplace, from the report model;
4. the report of every marketplace (papermill), its HTML path the run's result;
5. the alert decision (:mod:`oos_analysis.alert`) and, if it says so, the notification.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..alert.decide import decide
from ..alert.message import compose, worst
from ..alert.notify import alert_settings, send
from ..config import Config
from ..exceptions import OOSAnalysisError
from .logfile import run_log

__all__ = ["AccountResult", "run_account", "account_folders", "read_state", "STATE"]

log = logging.getLogger("oos_analysis.weekly")

STATE = "weekly-state.json"
_LEVEL = {"BREACH": "failure", "AT RISK": "warning", "NO DATA": "warning", "OK": "info"}


@dataclass
class AccountResult:
    """What one account's run produced."""

    account: str
    store: str
    html: str | None = None
    markets: list = field(default_factory=list)
    error: str | None = None
    exit_code: int = 0
    notified: bool = False
    finished: str = ""

    @property
    def status(self) -> str:
        """``FAILED`` or the worst marketplace status."""
        if self.error:
            return "FAILED"
        return worst(m["status"] for m in self.markets)


def account_folders(config: Config) -> dict:
    """The account's store, out, downloads, inbox and log folders (absolute)."""
    from ..store.lock import DEFAULT_STORE

    store = config.path("store", str(DEFAULT_STORE))
    return {
        "store": store,
        "out": config.path("out", "reports"),
        "downloads": config.path("downloads") or store / "downloads",
        "inbox": config.path("inbox"),
        "logs": store / "logs",
    }


def read_state(store) -> dict:
    """The last run's state of the account whose store is ``store`` (empty if none)."""
    try:
        return json.loads((Path(store) / "logs" / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_state(folder: Path, state: dict) -> None:
    path = folder / STATE
    aside = folder / f".{STATE}.partial"
    aside.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(aside, path)


def _progress(steps: list[str], stream, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=len(steps), file=stream, unit="step", leave=False)


def _inbox_files(inbox: Path) -> list[str]:
    if inbox is None or not inbox.is_dir():
        return []
    return sorted(str(p) for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))


def _secrets(config: Config) -> list[str]:
    spapi = config.section("spapi")
    found = [str(spapi.get(k) or "") for k in ("refresh_token", "lwa_app_id", "lwa_client_secret")]
    found += [os.environ.get(k, "") for k in ("SP_API_REFRESH_TOKEN", "LWA_APP_ID",
                                              "LWA_CLIENT_SECRET")]
    urls = config.section("alerts").get("urls", [])
    found += [urls] if isinstance(urls, str) else [str(u) for u in urls]
    return [s for s in found if s]


def _steps(config: Config, folders: dict) -> list[str]:
    steps = []
    if config.section("spapi"):
        steps.append("fetch")
    if folders["inbox"] is not None:
        steps.append("inbox")
    return steps + ["status", "report"]


def run_account(config: Config, *, account: str = "", verbose: bool = False,
                progress: bool | None = None, stderr=None, sleep=time.sleep) -> AccountResult:
    """Run the weekly job for the account ``config`` describes; see the module description."""
    stderr = stderr or sys.stderr
    folders = account_folders(config)
    result = AccountResult(account=account, store=str(folders["store"]))
    previous = read_state(folders["store"])
    steps = _steps(config, folders)
    show = stderr.isatty() if progress is None else progress
    with run_log(folders["logs"], secrets=_secrets(config), verbose=verbose, stderr=stderr):
        bar = _progress(steps, stderr, show and not verbose)
        started = time.perf_counter()
        log.info("weekly run of %s started", account or "the account")
        try:
            alerts = alert_settings(config)
            result.html = _run_steps(config, folders, result, bar, sleep)
        except OOSAnalysisError as exc:
            result.error = str(exc)
            result.exit_code = int(getattr(exc, "exit_code", 1))
            log.error("the run failed: %s", exc)
            alerts = _safe_alert_settings(config)
        except Exception as exc:  # noqa: BLE001 - a scheduled job must report, not crash
            result.error = (f"unexpected {type(exc).__name__} during the weekly run; the log "
                            f"{folders['logs'] / 'weekly.log'} has the details.")
            result.exit_code = 1
            log.exception("the run failed unexpectedly")
            alerts = _safe_alert_settings(config)
        finally:
            if bar is not None:
                bar.close()
        result.finished = datetime.now(UTC).isoformat(timespec="seconds")
        result.notified = _alert(alerts, previous, result)
        _write_state(folders["logs"], _state(previous, result))
        log.info("weekly run finished in %.1f s: %s", time.perf_counter() - started,
                 result.status)
    return result


def _safe_alert_settings(config):
    try:
        return alert_settings(config)
    except OOSAnalysisError:
        return None


def _advance(bar, label: str) -> None:
    if bar is not None:
        bar.set_description(label)
        bar.update(1)


def _run_steps(config: Config, folders: dict, result: AccountResult, bar, sleep) -> str:
    from ..store.importer import import_files

    store = folders["store"]
    if config.section("spapi"):
        from ..fetch.fetcher import fetch_reports
        from ..fetch.settings import spapi_settings

        settings = spapi_settings(config)
        done = fetch_reports(settings, store=store, downloads=folders["downloads"], sleep=sleep,
                             on_step=lambda text: bar.set_description(text) if bar else None)
        log.info("fetched %d report(s), %d empty", int((done["status"] == "saved").sum()),
                 int((done["status"] == "empty").sum()))
        _advance(bar, "fetch")
    if folders["inbox"] is not None:
        files = _inbox_files(folders["inbox"])
        if files:
            done = import_files(files, store=store, wait=60)
            log.info("inbox: %d file(s), %d new", len(done),
                     int((done["status"] == "imported").sum()))
        else:
            log.info("inbox %s: no file", folders["inbox"])
        _advance(bar, "inbox")
    from ..store.lock import current_version

    if current_version(store) is None:
        raise OOSAnalysisError(
            f"the store {store} is empty: nothing was fetched or imported. Configure [spapi] "
            "(see the README section 'Fetch from Amazon automatically'), or put the exports in "
            "the inbox folder, or import them with `oos-analysis import FILE... --store "
            f"{store}`."
        )
    from .status import store_status

    tz = str(config.get("tz", "UTC"))
    asof, result.markets = store_status(store, tz=tz)
    for market in result.markets:
        log.info("%s: %s: %s", market["marketplace"], market["status"], market["reason"])
    _advance(bar, "status")
    from ..report.render import default_notebook, render_report

    notebook = config.path("notebook") or default_notebook()
    html = render_report(notebook, out_dir=folders["out"], asof=asof,
                         parameters={"store": str(store), "tz": tz} if tz != "UTC"
                         else {"store": str(store)})
    log.info("report written: %s", html)
    _advance(bar, "report")
    return str(html)


def _alert(alerts, previous: dict, result: AccountResult) -> bool:
    if alerts is None:
        return False
    before = previous.get("statuses") or None
    repeated = bool(result.error) and previous.get("error") == result.error
    now = before if result.error else {m["marketplace"]: m["status"] for m in result.markets}
    decision = decide(before, now or {}, failed=bool(result.error),
                      notify_unchanged_ok=alerts.notify_unchanged_ok)
    if repeated:
        log.info("alert: not sent, the same failure as the last run was already reported")
        return False
    log.info("alert: %s (%s)", "sending" if decision.notify else "not sent", decision.reason)
    if not decision.notify or not alerts.urls:
        return False
    title, body = compose(result.account, result.markets, report=result.html,
                          error=f"error: {result.error}" if result.error else None)
    level = "failure" if result.error else _LEVEL.get(result.status, "info")
    try:
        return send(alerts, title, body, level=level)
    except OOSAnalysisError as exc:
        log.error("alert: %s", exc)
        return False


def _state(previous: dict, result: AccountResult) -> dict:
    state = asdict(result)
    state["status"] = result.status
    # A failed run keeps the last known statuses, so the next run compares against them.
    state["statuses"] = (previous.get("statuses") if result.error
                         else {m["marketplace"]: m["status"] for m in result.markets})
    return state
