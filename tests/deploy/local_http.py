"""The plumbing the local cloud stand-ins share: a threaded HTTP/1.1 server on 127.0.0.1 (ephemeral port)
that records every request and answers JSON from the subclass's `route`."""

from __future__ import annotations

import json
import sys
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
            # headers and body leave in separate writes: without TCP_NODELAY every answer waits ~40 ms
            # for the client's delayed ACK (Nagle), which made each deploy seconds long
            disable_nagle_algorithm = True

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

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # a short poll: shutdown() waits for the loop to notice, which would add 0.5 s to every test
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

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


class QuietServer(ThreadingHTTPServer):
    """A client closing a kept-alive connection is no error; socketserver would print a traceback to
    sys.stderr, which during a CliRunner invoke is the command's captured output."""

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)
