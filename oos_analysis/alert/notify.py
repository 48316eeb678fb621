"""Sending a notification through Apprise (the optional ``[alerts]`` extra).

Apprise speaks e-mail, Slack, Discord, Telegram, Chatwork, LINE, Microsoft Teams and many more,
each configured by one URL (https://github.com/caronc/apprise/wiki). The URLs come from the
``[alerts]`` table of the config file::

    [alerts]
    urls = ["mailtos://user:app-password@example.com?to=owner@example.com"]
    notify_unchanged_ok = false

A URL holds the target's secret, so it is never written to any message or log: a failed
delivery is reported by the target's kind (``mailtos``, ``slack``) and position alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..exceptions import OOSAnalysisError, ParameterError

__all__ = ["AlertSettings", "alert_settings", "send", "AlertError"]

log = logging.getLogger(__name__)


class AlertError(OOSAnalysisError):
    """Alerts are configured but cannot be sent (Apprise missing, a URL Apprise does not know)."""

    exit_code = 8


@dataclass(frozen=True)
class AlertSettings:
    """Apprise URLs (hidden from ``repr``) and whether an unchanged OK sends a note too."""

    urls: tuple[str, ...] = field(default=(), repr=False)
    notify_unchanged_ok: bool = False

    def secrets(self) -> list[str]:
        """The URLs, for filters that blank them out of any text."""
        return list(self.urls)


def alert_settings(config) -> AlertSettings:
    """Read the ``[alerts]`` table of ``config`` (a :class:`~oos_analysis.config.Config`)."""
    table = config.section("alerts")
    urls = table.get("urls", [])
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise ParameterError(f"{config.source}: [alerts] urls must be a list of Apprise URLs "
                             'in quotes, e.g. urls = ["mailtos://..."].')
    flag = table.get("notify_unchanged_ok", False)
    if not isinstance(flag, bool):
        raise ParameterError(f"{config.source}: [alerts] notify_unchanged_ok must be true or "
                             "false.")
    return AlertSettings(tuple(urls), flag)


def _kind(url: str) -> str:
    return urlsplit(url).scheme or "unknown"


def send(settings: AlertSettings, title: str, body: str, *, level: str = "info") -> bool:
    """Send to every URL; True if all got it. Nothing configured: nothing sent, True."""
    if not settings.urls:
        return True
    try:
        import apprise
    except ImportError:
        raise AlertError(
            "alerts are configured ([alerts] urls) but Apprise is not installed. Install it "
            "with: pip install 'oos_analysis[alerts]' (in a checkout of the kit: "
            ".venv/bin/pip install -e '.[alerts]')."
        ) from None
    ok = True
    for position, url in enumerate(settings.urls, start=1):
        target = apprise.Apprise()
        if not target.add(url):
            raise AlertError(
                f"[alerts] url number {position} (kind '{_kind(url)}') is not one Apprise "
                "understands; see https://github.com/caronc/apprise/wiki for the URL of each "
                "service."
            )
        if not target.notify(body=body, title=title, notify_type=level):
            log.warning("alert to target %d (%s) was not delivered", position, _kind(url))
            ok = False
    return ok
