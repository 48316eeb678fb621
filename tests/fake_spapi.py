"""A local fake of Amazon's LWA token service and SP-API Reports API, on 127.0.0.1 only.

It speaks just enough of the real protocol for ``oos-analysis fetch``: the token exchange
(``POST /auth/o2/token``), ``getMarketplaceParticipations``, ``createReport``, ``getReport``,
``getReportDocument``, ``createRestrictedDataToken`` and the pre-signed document download
(gzip-compressed, as Amazon serves it). Knobs make it fail the ways Amazon does; every request
is recorded in ``requests`` for the tests to inspect.
"""

from __future__ import annotations

import gzip
import itertools
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REFRESH_TOKEN = "Atzr|fake-refresh-token-0123456789"
CLIENT_ID = "amzn1.application-oa2-client.fakeclientid42"
CLIENT_SECRET = "fake-client-secret-9f8e7d6c5b4a"


@dataclass
class FakeSpApi:
    """Configure, then ``start()``; ``url`` is the base address of both services."""

    documents: dict = field(default_factory=dict)          # reportType -> bytes
    participating: set = field(default_factory=lambda: {"ATVPDKIKX0DER"})
    in_progress_polls: int = 1                               # IN_PROGRESS answers before the end
    final_status: dict = field(default_factory=dict)        # reportType -> DONE/CANCELLED/FATAL
    error_document: str = '{"errorDetails": "The report could not be generated."}'
    throttle: dict = field(default_factory=dict)            # operation -> number of 429s first
    refresh_token_revoked: bool = False
    access_tokens_expired: bool = False
    cut_downloads: set = field(default_factory=set)         # reportTypes whose download is cut
    restricted: set = field(default_factory=lambda: {
        "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING"})
    requests: list = field(default_factory=list)

    def __post_init__(self):
        self._ids = itertools.count(1)
        self._reports: dict = {}
        self._tokens: set = set()
        self._rdts: set = set()
        self._polls: dict = {}
        self._lock = threading.Lock()
        self.server = None

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> FakeSpApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def created(self) -> list[dict]:
        """Bodies of every createReport call, in order."""
        return [r["json"] for r in self.requests if r["op"] == "createReport"]

    def count(self, op: str) -> int:
        return sum(1 for r in self.requests if r["op"] == op)

    # -- protocol -----------------------------------------------------------------------------
    def _send(self, handler, status: int, body, content_type="application/json", headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _error(self, handler, status, code, message):
        self._send(handler, status, {"errors": [{"code": code, "message": message,
                                                 "details": ""}]})

    def _throttled(self, handler, op) -> bool:
        with self._lock:
            left = self.throttle.get(op, 0)
            if left:
                self.throttle[op] = left - 1
        if left:
            self._error(handler, 429, "QuotaExceeded", "You exceeded your quota for the "
                        "requested resource.")
            return True
        return False

    def _handle(self, handler, method):
        parts = urllib.parse.urlsplit(handler.path)
        path, query = parts.path, urllib.parse.parse_qs(parts.query)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        record = {"method": method, "path": path, "query": query, "op": None, "json": None,
                  "headers": dict(handler.headers)}
        self.requests.append(record)
        if path == "/auth/o2/token":
            record["op"] = "token"
            return self._token(handler, urllib.parse.parse_qs(raw.decode()))
        if path.startswith("/download/"):
            record["op"] = "download"
            return self._download(handler, path.rsplit("/", 1)[1])
        token = handler.headers.get("x-amz-access-token")
        if path.startswith("/reports/2021-06-30/documents/"):
            record["op"] = "getReportDocument"
        elif path == "/reports/2021-06-30/reports" and method == "POST":
            record["op"] = "createReport"
            record["json"] = json.loads(raw or b"{}")
        elif path.startswith("/reports/2021-06-30/reports/"):
            record["op"] = "getReport"
        elif path == "/sellers/v1/marketplaceParticipations":
            record["op"] = "participations"
        elif path == "/tokens/2021-03-01/restrictedDataToken":
            record["op"] = "restrictedDataToken"
            record["json"] = json.loads(raw or b"{}")
        else:
            return self._error(handler, 404, "NotFound", f"no such resource {path}")
        if self.access_tokens_expired or (token not in self._tokens and token not in self._rdts):
            return self._error(handler, 403, "Unauthorized",
                               "The access token you provided has expired.")
        if self._throttled(handler, record["op"]):
            return None
        return getattr(self, "_" + record["op"])(handler, path, record, token)

    def _token(self, handler, form):
        def one(key):
            return (form.get(key) or [""])[0]

        if (one("grant_type") != "refresh_token" or one("client_id") != CLIENT_ID
                or one("client_secret") != CLIENT_SECRET):
            return self._send(handler, 401, {"error": "invalid_client",
                                             "error_description": "Client authentication failed"})
        if self.refresh_token_revoked or one("refresh_token") != REFRESH_TOKEN:
            return self._send(handler, 400, {
                "error": "invalid_grant",
                "error_description": "The request has an invalid grant parameter : refresh_token"})
        access = f"Atza|fake-access-{next(self._ids)}"
        self._tokens.add(access)
        return self._send(handler, 200, {"access_token": access, "token_type": "bearer",
                                         "expires_in": 3600, "refresh_token": REFRESH_TOKEN})

    def _participations(self, handler, path, record, token):
        payload = [{"marketplace": {"id": mid, "name": mid, "countryCode": "US"},
                    "participation": {"isParticipating": True, "hasSuspendedListings": False}}
                   for mid in sorted(self.participating)]
        return self._send(handler, 200, {"payload": payload})

    def _createReport(self, handler, path, record, token):
        body = record["json"]
        if any(m not in self.participating for m in body.get("marketplaceIds", [])):
            return self._error(handler, 400, "InvalidInput",
                               "Seller is not registered in the requested marketplace.")
        report_id = str(next(self._ids))
        self._reports[report_id] = body
        self._polls[report_id] = 0
        return self._send(handler, 202, {"reportId": report_id})

    def _getReport(self, handler, path, record, token):
        report_id = path.rsplit("/", 1)[1]
        body = self._reports[report_id]
        kind = body["reportType"]
        self._polls[report_id] += 1
        answer = {"reportId": report_id, "reportType": kind,
                  "marketplaceIds": body.get("marketplaceIds"),
                  "createdTime": "2026-11-29T05:00:00+00:00"}
        if self._polls[report_id] <= self.in_progress_polls:
            return self._send(handler, 200, {**answer, "processingStatus": "IN_PROGRESS"})
        status = self.final_status.get(kind, "DONE")
        answer["processingStatus"] = status
        if status in ("DONE", "FATAL"):
            answer["reportDocumentId"] = f"amzn1.doc.{status.lower()}.{kind}.{report_id}"
        return self._send(handler, 200, answer)

    def _getReportDocument(self, handler, path, record, token):
        document_id = path.rsplit("/", 1)[1]
        kind = document_id.split(".")[3]
        if kind in self.restricted and token not in self._rdts and ".done." in document_id:
            return self._error(handler, 403, "Unauthorized",
                               "Access to requested resource is denied.")
        return self._send(handler, 200, {
            "reportDocumentId": document_id,
            "url": f"{self.url}/download/{document_id}?X-Amz-Signature=presignedsecret",
            "compressionAlgorithm": "GZIP",
        })

    def _restrictedDataToken(self, handler, path, record, token):
        rdt = f"Atz.sprdt|fake-rdt-{next(self._ids)}"
        self._rdts.add(rdt)
        return self._send(handler, 200, {"restrictedDataToken": rdt, "expiresIn": 3600})

    def _download(self, handler, document_id):
        status, kind = document_id.split(".")[2:4]
        if status == "fatal":
            body = self.error_document.encode()
        else:
            body = self.documents.get(kind, b"")
        data = gzip.compress(body)
        if kind in self.cut_downloads and status == "done":
            handler.send_response(200)
            handler.send_header("Content-Type", "application/octet-stream")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data[: len(data) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return None
        return self._send(handler, 200, data, content_type="application/octet-stream")
