"""A local HTTP server on 127.0.0.1 that records every POST body (Apprise's json:// target)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CaptureServer:
    """``start()``, point Apprise at ``json_url``, read ``bodies``; ``stop()``."""

    def __init__(self, status: int = 200):
        self.status = status
        self.bodies: list[dict] = []
        self.server = None

    def start(self) -> CaptureServer:
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                capture.bodies.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(capture.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def json_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"json://{host}:{port}/notify"
