"""The Reports API flow through python-amazon-sp-api, with Amazon's failures made plain.

:class:`ReportsSession` wraps the library's ``Reports``, ``Sellers`` and ``Tokens`` clients for one
marketplace: it checks that the seller is registered there (``getMarketplaceParticipations``),
creates a report, polls it until Amazon is done, and downloads the document (the library follows
the pre-signed address and gunzips it; the bytes are written as they come, no decoding).

Pointing it elsewhere: ``endpoint`` replaces the clients' ``endpoint`` attribute (the regional
host the library derives from the marketplace), and ``token_url`` is served by a subclass of the
library's ``AccessTokenClient`` passed as ``auth_token_client_class``. Both are the library's own
seams; nothing of its HTTP code is copied here.

Every call goes through :meth:`ReportsSession.call`, which retries throttling (HTTP 429) and
Amazon's 5xx answers with exponential backoff, renews the access token once when Amazon says it
expired, and turns the library's exceptions into :mod:`oos_analysis.fetch.errors`, without the
request's headers or pre-signed addresses.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from urllib.parse import urlsplit

from .errors import (
    CredentialsError,
    FetchError,
    MarketplaceError,
    MissingExtraError,
    NetworkError,
    ThrottledError,
)
from .settings import SpApiSettings, marketplace_id

__all__ = ["ReportsSession", "RESTRICTED_REPORTS", "FINISHED"]

log = logging.getLogger(__name__)

RESTRICTED_REPORTS = frozenset({
    "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING",
    "GET_FLAT_FILE_ORDER_REPORT_DATA_INVOICING",
    "GET_FLAT_FILE_ORDER_REPORT_DATA_TAX",
    "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING",
    "GET_ORDER_REPORT_DATA_SHIPPING",
})
"""Reports whose document needs a restricted data token (they carry buyer details)."""

FINISHED = ("DONE", "CANCELLED", "FATAL")

_INSTALL = (
    "fetching from Amazon needs the optional python-amazon-sp-api library, which is not "
    "installed. Install it with: pip install 'oos_analysis[spapi]' (in a checkout of the kit: "
    ".venv/bin/pip install -e '.[spapi]'), then run the command again."
)


def _library():
    try:
        import httpx
        from sp_api.api import Reports, Sellers, Tokens
        from sp_api.auth import AccessTokenClient
        from sp_api.auth import access_token_client as token_module
        from sp_api.base import Marketplaces
    except ImportError:
        raise MissingExtraError(_INSTALL) from None
    return httpx, Reports, Sellers, Tokens, AccessTokenClient, token_module, Marketplaces


def _host(url: str) -> str:
    """The host of ``url`` without path or query (pre-signed addresses carry signatures)."""
    return urlsplit(url).netloc or "the server"


def _token_client_class(base, token_url: str | None):
    if not token_url:
        return base
    parts = urlsplit(token_url)

    class LocalTokenClient(base):
        scheme = f"{parts.scheme}://"
        host = parts.netloc
        path = parts.path or "/auth/o2/token"

    return LocalTokenClient


class ReportsSession:
    """One marketplace's clients; ``sleep`` is a parameter so tests need not wait."""

    def __init__(self, settings: SpApiSettings, marketplace: str, *, sleep=time.sleep) -> None:
        (self._httpx, reports, sellers, tokens, token_client, self._token_module,
         markets) = _library()
        self.settings = settings
        self.marketplace = marketplace
        self.marketplace_id = marketplace_id(marketplace)
        self._sleep = sleep
        market = next((m for m in markets if m.marketplace_id == self.marketplace_id), None)
        if market is None:
            raise MarketplaceError(
                f"python-amazon-sp-api does not know the marketplace {marketplace} "
                f"({self.marketplace_id}); update it with: pip install -U python-amazon-sp-api."
            )
        creds = dict(settings.credentials)
        self._kwargs = dict(
            marketplace=market,
            refresh_token=creds.pop("refresh_token"),
            credentials=creds,
            timeout=settings.timeout_seconds,
            auth_token_client_class=_token_client_class(token_client, settings.token_url),
        )
        self._reports_class, self._tokens_class = reports, tokens
        # The library caches access tokens per refresh token for the whole process; a run
        # starts with a fresh one, so a token from another endpoint is never reused.
        self._token_module.cache.clear()
        self.reports = self._client(reports)
        self.sellers = self._client(sellers)
        self.endpoint_host = _host(self.reports.endpoint)

    def _client(self, cls, **extra):
        client = cls(**self._kwargs, **extra)
        if self.settings.endpoint:
            client.endpoint = self.settings.endpoint
        return client

    def close(self) -> None:
        for client in (self.reports, self.sellers):
            client.close()

    # -- one call, with retries and plain errors -------------------------------------------
    def call(self, what: str, function, *args, **kwargs):
        """``function(*args, **kwargs)`` with Amazon's failures retried or explained."""
        from sp_api.auth.exceptions import AuthorizationError
        from sp_api.base import SellingApiException
        from sp_api.base.credential_provider import MissingCredentials

        renewed = False
        attempt = 0
        while True:
            try:
                return function(*args, **kwargs)
            except AuthorizationError as exc:
                raise CredentialsError(
                    f"Amazon's login service refused the SP-API refresh token while {what} "
                    f"({exc.error_code or 'error'}: {exc.message or 'no reason given'}). The token "
                    "has expired or was revoked, or the client id and secret do not belong to "
                    "it. Authorise the app again in Seller Central (Apps and Services > Develop "
                    "Apps > Authorize), put the new refresh token where the old one was, and run "
                    "again; the next run fetches everything since the last good one."
                ) from None
            except MissingCredentials:
                raise CredentialsError(
                    "python-amazon-sp-api found no LWA client id or secret; set lwa_app_id and "
                    "lwa_client_secret in the [spapi] table or the LWA_APP_ID and "
                    "LWA_CLIENT_SECRET environment variables."
                ) from None
            except SellingApiException as exc:
                code = getattr(exc, "code", 0)
                amzn = getattr(exc, "amzn_code", None) or ""
                message = getattr(exc, "message", None) or ""
                if code == 429 or code >= 500:
                    attempt += 1
                    if attempt > self.settings.retries:
                        raise self._gave_up(what, code, message) from None
                    delay = min(self.settings.backoff_seconds * 2 ** (attempt - 1), 60.0)
                    log.info("%s: Amazon answered %s; trying again in %.1f s (%d of %d)",
                             what, code, delay, attempt, self.settings.retries)
                    self._sleep(delay)
                    continue
                lowered = message.lower()
                if code in (400, 403) and "marketplace" in lowered:
                    raise self._not_registered(message) from None
                if code == 403 and ("expired" in lowered or "token" in lowered) and not renewed:
                    # A cached access token can expire between two calls: get a fresh one once.
                    renewed = True
                    self._token_module.cache.clear()
                    continue
                if code == 403:
                    raise CredentialsError(
                        f"Amazon refused access while {what} (403 {amzn}: {message}). The "
                        "access token was not accepted even after renewing it, or the app lacks "
                        "a role this report needs (Amazon's 'Role mappings for SP-API types' page "
                        "lists them; the order report needs the restricted Direct to Consumer "
                        "Shipping role). Check the app's roles in Seller Central and authorise "
                        "it again."
                    ) from None
                raise FetchError(
                    f"Amazon refused the request while {what} ({code} {amzn}: {message}). "
                    "Check the marketplaces and report types in the [spapi] table."
                ) from None
            except self._httpx.TransportError as exc:
                raise NetworkError(
                    f"network error while {what}: {type(exc).__name__} talking to "
                    f"{self.endpoint_host if 'download' not in what else 'the download server'}. "
                    "Nothing half-written was kept; check the connection and run again (the "
                    "next run fetches the same range)."
                ) from None
            except json.JSONDecodeError:
                raise NetworkError(
                    f"while {what}, a server answered something that is not JSON (a proxy or "
                    "captive portal?). Check the endpoint and token_url settings and the "
                    "network, then run again."
                ) from None

    def _gave_up(self, what: str, code: int, message: str) -> FetchError:
        if code == 429:
            return ThrottledError(
                f"Amazon kept answering 429 (too many requests) while {what}, after "
                f"{self.settings.retries} retries with growing pauses. Another program using the "
                "same app may be spending its quota; run again later (the next run catches up)."
            )
        return NetworkError(
            f"Amazon's service answered {code} ({message or 'unavailable'}) while {what}, after "
            f"{self.settings.retries} retries. It is probably an outage on Amazon's side; run "
            "again later (the next run catches up)."
        )

    def _not_registered(self, detail: str = "") -> MarketplaceError:
        said = f" Amazon said: {detail}" if detail else ""
        return MarketplaceError(
            f"the seller account is not registered in {self.marketplace} "
            f"({self.marketplace_id}), so Amazon has no reports for it.{said} Remove it from "
            "marketplaces in the [spapi] table (or from --marketplace), or register the account "
            "there in Seller Central."
        )

    # -- the Reports API flow -------------------------------------------------------------
    def check_registered(self) -> None:
        """Raise :class:`MarketplaceError` unless the seller participates in the marketplace."""
        answer = self.call(f"listing the marketplaces of the account ({self.marketplace})",
                           self.sellers.get_marketplace_participation)
        rows = answer.payload if isinstance(answer.payload, list) else []
        ids = {
            (row.get("marketplace") or {}).get("id")
            for row in rows
            if (row.get("participation") or {}).get("isParticipating", True)
        }
        if self.marketplace_id not in ids:
            raise self._not_registered()

    def create(self, report_type: str, start=None, end=None) -> str:
        """Ask Amazon for a report; return its id."""
        body = {"reportType": report_type, "marketplaceIds": [self.marketplace_id]}
        if start is not None:
            body["dataStartTime"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        if end is not None:
            body["dataEndTime"] = end.strftime("%Y-%m-%dT%H:%M:%SZ")
        answer = self.call(f"requesting {report_type} for {self.marketplace}",
                           self.reports.create_report, **body)
        return str(answer.payload["reportId"])

    def wait(self, report_id: str, report_type: str) -> dict:
        """Poll the report until it is DONE, CANCELLED or FATAL; return Amazon's description."""
        waited = 0.0
        while True:
            answer = self.call(f"checking {report_type} for {self.marketplace}",
                               self.reports.get_report, report_id)
            status = answer.payload.get("processingStatus")
            if status in FINISHED:
                return answer.payload
            if waited >= self.settings.max_wait_seconds:
                raise NetworkError(
                    f"Amazon has not finished {report_type} for {self.marketplace} after "
                    f"{waited / 60:.0f} minutes (still {status}). Run again later; the next run "
                    "asks for the same range."
                )
            log.info("%s %s: %s", self.marketplace, report_type, status)
            self._sleep(self.settings.poll_seconds)
            waited += self.settings.poll_seconds

    def _document_client(self, report_type: str, document_id: str):
        if report_type not in RESTRICTED_REPORTS:
            return self.reports
        tokens = self._client(self._tokens_class)
        try:
            answer = self.call(
                f"getting a restricted data token for {report_type}",
                tokens.create_restricted_data_token,
                restrictedResources=[{
                    "method": "GET",
                    "path": f"/reports/2021-06-30/documents/{document_id}",
                }],
            )
        finally:
            tokens.close()
        return self._client(self._reports_class,
                            restricted_data_token=answer.payload["restrictedDataToken"])

    def download(self, report_type: str, document_id: str, target: Path) -> None:
        """Write the document, gunzipped, byte for byte into ``target`` (replaced each attempt)."""
        client = self._document_client(report_type, document_id)

        def fetch_once():
            with open(target, "wb") as sink:
                client.get_report_document(document_id, file=sink, stream=True,
                                           timeout=self.settings.timeout_seconds)

        try:
            self.call(f"downloading {report_type} for {self.marketplace}", fetch_once)
        finally:
            if client is not self.reports:
                client.close()

    def error_document(self, document_id: str) -> str:
        """The text of a FATAL report's error document."""
        answer = self.call(f"reading the error document of a report for {self.marketplace}",
                           self.reports.get_report_document, document_id, download=True,
                           character_code="utf-8", timeout=self.settings.timeout_seconds)
        document = answer.payload.get("document", "")
        if isinstance(document, bytes):
            document = document.decode("utf-8", "replace")
        return str(document)
