"""The many-accounts index page: every account's status, its marketplaces and a link."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["write_index"]

_CSS = {"OK": "ok", "AT RISK": "at-risk", "BREACH": "breach", "NO DATA": "no-data",
        "FAILED": "failed"}


def _link(index: Path, html: str | None) -> str | None:
    if not html:
        return None
    target = Path(html)
    try:
        return Path(os.path.relpath(target, index.parent)).as_posix()
    except ValueError:  # another drive
        return target.as_uri()


def write_index(path, results) -> Path:
    """Write the index HTML of ``results`` (:class:`AccountResult`) to ``path``; return it."""
    import jinja2

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("oos_analysis.weekly", "templates"),
        autoescape=True,
    )
    rows = [{
        "account": r.account,
        "status": r.status,
        "css": _CSS.get(r.status, "failed"),
        "markets": r.markets,
        "link": _link(path, r.html),
        "error": r.error,
    } for r in results]
    failed = sum(1 for r in results if r.error)
    html = env.get_template("index.html.j2").render(
        rows=rows, failed=failed, total=len(results),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), css=_CSS)
    aside = path.with_name(f".{path.name}.partial")
    aside.write_text(html, encoding="utf-8")
    os.replace(aside, path)
    return path
