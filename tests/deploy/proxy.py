"""A recording, fault-injecting HTTP proxy on 127.0.0.1 for deploy tests.

It sits between a real SDK and a local endpoint (moto's server, or a small fake of a cloud API), forwards
every request, records (method, path) and can answer chosen requests with an error instead: a number of
times (a transient 429/503 that the SDK must retry) or for good (a hard failure mid-deploy).
"""

from __future__ import annotations

import http.client
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Fault:
    """Answer requests whose `METHOD path` matches `pattern` with `status`, `times` times (None: always)."""

    pattern: str
    status: int
    times: int | None = 1
    error_type: str = ""
    hits: int = 0


@dataclass
class Recorded:
    """One request that reached the proxy and what happened to it."""

    method: str
    path: str
    status: int


class FaultProxy:
    """Context manager: `with FaultProxy(upstream_url) as proxy: ... proxy.url ...`."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.faults: list[Fault] = []
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fault = proxy._fault(f"{self.command} {self.path}")
                if fault is not None:
                    payload = b'{"message": "injected by the test proxy"}'
                    self.send_response(fault.status)
                    if fault.error_type:
                        self.send_header("x-amzn-ErrorType", fault.error_type)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    proxy._record(self.command, self.path, fault.status)
                    return
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for k, v in answer.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()
                proxy._record(self.command, self.path, answer.status)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Where the SDK should send its requests."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def inject(self, pattern: str, status: int, times: int | None = 1, error_type: str = "") -> Fault:
        """Fail matching requests (`pattern` is a regex over 'METHOD /path?query')."""
        fault = Fault(pattern, status, times, error_type)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget faults and recorded requests."""
        with self.lock:
            self.faults.clear()
            self.requests.clear()

    def writes(self) -> list[Recorded]:
        """Requests that could change something (anything but GET/HEAD)."""
        return [r for r in self.requests if r.method not in ("GET", "HEAD")]

    def _fault(self, line: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if re.search(fault.pattern, line) and (fault.times is None or fault.hits < fault.times):
                    fault.hits += 1
                    return fault
        return None

    def _record(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.requests.append(Recorded(method, path, status))

    def __enter__(self) -> "FaultProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
