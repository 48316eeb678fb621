"""Settings of ``oos-analysis fetch``: marketplaces, credentials, endpoints, timing.

They come from the ``[spapi]`` table of the config file (:mod:`oos_analysis.config`), with the
command line on top. Credentials are looked up in this order, each key on its own:

1. ``refresh_token``, ``lwa_app_id``, ``lwa_client_secret`` in ``[spapi]``;
2. the same keys in the TOML file named by ``credentials_file`` (keep it ``chmod 600``);
3. the environment variables python-amazon-sp-api reads itself: ``SP_API_REFRESH_TOKEN``,
   ``LWA_APP_ID``, ``LWA_CLIENT_SECRET``.

:class:`SpApiSettings` keeps the credentials out of its ``repr`` and :meth:`SpApiSettings.secrets`
lists them for the log filter that blanks them out, should one ever reach a message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..config import EMPTY_CONFIG, Config, read_config
from ..exceptions import ParameterError
from ..io.schema import MARKETPLACE_IDS
from .errors import CredentialsError

__all__ = [
    "SpApiSettings",
    "spapi_settings",
    "marketplace_id",
    "ALL_ORDERS_REPORT",
    "ORDER_REPORT",
    "PERFORMANCE_REPORT",
    "CREDENTIAL_KEYS",
]

ALL_ORDERS_REPORT = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
ORDER_REPORT = "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING"
"""The order report with the buyer-request columns: the SP-API successor of the legacy
``_GET_FLAT_FILE_ORDERS_DATA_`` (Seller Central's "Order Report"). It lists every seller-fulfilled
order of the range, cancelled ones included, with ``is-buyer-requested-cancellation``. The
actionable-orders report (``GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING``) lists only orders still
to ship, so a buyer request on an order already cancelled would be missing from it."""
PERFORMANCE_REPORT = "GET_V2_SELLER_PERFORMANCE_REPORT"

CREDENTIAL_KEYS = {
    "refresh_token": "SP_API_REFRESH_TOKEN",
    "lwa_app_id": "LWA_APP_ID",
    "lwa_client_secret": "LWA_CLIENT_SECRET",
}
"""Credential names in the config file and the environment variables python-amazon-sp-api reads."""

_NAMES = {name: mid for mid, name in MARKETPLACE_IDS.items()}


def marketplace_id(name: str) -> str:
    """Amazon's id of the marketplace ``name`` (``amazon.com``, ``www.amazon.co.jp``, or an id).

    >>> marketplace_id("amazon.co.jp")
    'A1VC38T7YXB528'
    >>> marketplace_id("ATVPDKIKX0DER")
    'ATVPDKIKX0DER'
    """
    text = str(name).strip().lower().removeprefix("https://").removeprefix("www.").rstrip("/")
    if text in _NAMES:
        return _NAMES[text]
    if str(name).strip() in MARKETPLACE_IDS:
        return str(name).strip()
    raise ParameterError(
        f"unknown marketplace {name!r}; use its web address, e.g. amazon.com or amazon.co.jp "
        f"(known: {', '.join(sorted(_NAMES))})."
    )


@dataclass(frozen=True)
class SpApiSettings:
    """Everything ``fetch`` needs; credentials are hidden from ``repr``."""

    marketplaces: tuple[str, ...]
    credentials: dict = field(repr=False)
    endpoint: str | None = None
    token_url: str | None = None
    order_report: str | None = ORDER_REPORT
    poll_seconds: float = 30.0
    max_wait_seconds: float = 3600.0
    retries: int = 6
    backoff_seconds: float = 2.0
    timeout_seconds: float = 120.0
    first_days: int = 30
    overlap_days: int = 2

    def secrets(self) -> list[str]:
        """The credential values, for filters that blank them out of any text."""
        return [v for v in self.credentials.values() if v]


def _url(value, name: str, source: str) -> str | None:
    if value in (None, ""):
        return None
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ParameterError(
            f"{source}: {name} must be a full address such as https://sandbox.sellingpartnerapi-"
            f"na.amazon.com, got {value!r}."
        )
    return str(value).rstrip("/")


def _number(table: dict, key: str, default, source: str, kind=float):
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ParameterError(f"{source}: [spapi] {key} must be a number >= 0, got {value!r}.")
    return kind(value)


def _credentials(config: Config, table: dict) -> dict:
    found = {key: table.get(key) for key in CREDENTIAL_KEYS}
    file = config.path("credentials_file", section=table)
    if file is not None:
        extra = read_config(file).data
        for key in CREDENTIAL_KEYS:
            found[key] = found[key] or extra.get(key)
    for key, env in CREDENTIAL_KEYS.items():
        found[key] = found[key] or os.environ.get(env)
    missing = [key for key, value in found.items() if not value]
    if missing:
        names = ", ".join(f"{key} ({CREDENTIAL_KEYS[key]})" for key in missing)
        raise CredentialsError(
            f"no SP-API credentials for: {names}. Put them in the [spapi] table of the config "
            f"file ({config.source}), in a file named by credentials_file, or in those "
            "environment variables. The README section 'Fetch from Amazon automatically' shows "
            "how to get them once from Seller Central."
        )
    return {key: str(value) for key, value in found.items()}


def spapi_settings(config: Config = EMPTY_CONFIG, *, marketplaces=None, endpoint=None,
                   token_url=None) -> SpApiSettings:
    """Build the settings from ``config``'s ``[spapi]`` table and command-line overrides."""
    table = config.section("spapi")
    source = config.source
    chosen = list(marketplaces or table.get("marketplaces") or [])
    if not chosen:
        raise ParameterError(
            f"no marketplace to fetch: add marketplaces = [\"amazon.com\"] to the [spapi] table "
            f"of {source}, or pass --marketplace amazon.com (repeatable)."
        )
    names = []
    for name in chosen:
        kit_name = MARKETPLACE_IDS[marketplace_id(name)]
        if kit_name not in names:
            names.append(kit_name)
    order_report = table.get("order_report", ORDER_REPORT)
    return SpApiSettings(
        marketplaces=tuple(names),
        credentials=_credentials(config, table),
        endpoint=_url(endpoint or table.get("endpoint"), "endpoint", source),
        token_url=_url(token_url or table.get("token_url"), "token_url", source),
        order_report=str(order_report) if order_report else None,
        poll_seconds=_number(table, "poll_seconds", 30.0, source),
        max_wait_seconds=_number(table, "max_wait_seconds", 3600.0, source),
        retries=_number(table, "retries", 6, source, int),
        backoff_seconds=_number(table, "backoff_seconds", 2.0, source),
        timeout_seconds=_number(table, "timeout_seconds", 120.0, source),
        first_days=_number(table, "first_days", 30, source, int),
        overlap_days=_number(table, "overlap_days", 2, source, int),
    )
