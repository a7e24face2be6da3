"""The plumbing the local cloud stand-ins share: a threaded HTTP/1.1 server on 127.0.0.1 (ephemeral port)
that records every request and answers JSON from the subclass's `route`."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class JsonServer:
    """Context manager; subclasses implement `route(method, path, query, raw, headers) -> (status, body)`,
    called under `self.lock`; a body of None answers with no content."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                with owner.lock:
                    owner.requests.append((self.command, parts.path))
                    status, body = owner.route(self.command, parts.path, parse_qs(parts.query), raw, self.headers)
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(self, method: str, path: str, query: dict, raw: bytes, headers) -> tuple[int, dict | None]:
        raise NotImplementedError  # pragma: no cover - every stand-in answers its own API

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
