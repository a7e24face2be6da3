"""A recording, fault-injecting HTTP proxy on 127.0.0.1 for deploy tests.

It sits between a real SDK and a local endpoint (moto's server, or a small fake of a cloud API), forwards
every request, records (method, path) and can answer chosen requests with an error instead: a number of
times (a transient 429/503 that the SDK must retry) or for good (a hard failure mid-deploy).

Faults are chosen either by a pattern over `METHOD path` (`inject`) or by the ordinal of a write call
(`fail_write`): "the 3rd write a deploy makes, and its retries". Counting writes needs no knowledge of
ids the server makes up, so a test can record a clean deploy's writes and then fail each one in turn.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from tests.deploy.local_http import QuietServer


@dataclass
class Fault:
    """Answer requests whose `METHOD path` matches `pattern` with `status`, `times` times (None: always)."""

    pattern: str
    status: int
    times: int | None = 1
    error_type: str = ""
    hits: int = 0


@dataclass
class WriteFault:
    """Answer the write call number `start` (0-based, counted over `FaultProxy.is_write` requests) and the
    ones right after it with `statuses` in turn (an SDK's retries of that call arrive next: the deployers
    make one call at a time); with `forever`, every write from `start` on gets that status instead."""

    start: int
    statuses: list[int] = field(default_factory=list)
    forever: int | None = None
    error_types: dict[int, str] = field(default_factory=dict)
    echo: bool = False  # put the request body in the error message, as a validating server may
    applied: bool = False  # forward the call first: the endpoint applies it, its answer is lost
    hits: int = 0

    def status_for(self, ordinal: int) -> int | None:
        if ordinal < self.start:
            return None
        if self.forever is not None:
            return self.forever
        return self.statuses[ordinal - self.start] if ordinal - self.start < len(self.statuses) else None


@dataclass
class Recorded:
    """One request that reached the proxy and what happened to it."""

    method: str
    path: str
    status: int
    at: float = 0.0  # time.monotonic() when the answer was sent
    injected: bool = False
    write: int | None = None  # the ordinal among write calls, for writes


class FaultProxy:
    """Context manager: `with FaultProxy(upstream_url) as proxy: ... proxy.url ...`."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.faults: list[Fault] = []
        self.write_faults: list[WriteFault] = []
        self.write_count = 0
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body leave in separate writes: without TCP_NODELAY every answer waits ~40 ms
            # for the client's delayed ACK (Nagle), which made each deploy seconds long
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                ordinal, fault = proxy._choose(self.command, self.path)
                if fault is not None:
                    status, error_type, echo, applied = fault
                    if applied:  # the endpoint does it; the client never hears
                        conn = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                        conn.request(self.command, self.path, body=body, headers=headers)
                        conn.getresponse().read()
                        conn.close()
                    message = "injected by the test proxy"
                    if echo:
                        message += ": refused " + body[:4000].decode("utf-8", "replace")
                    # the message where each cloud's SDK looks for it: `message` (AWS), `error.message`
                    # (Google, Azure Resource Manager)
                    payload = json.dumps({"message": message, "error": {
                        "code": error_type or status, "message": message, "status": "INJECTED"}}).encode()
                    # recorded before answering: once the client has its answer, a test may look
                    proxy._record(self.command, self.path, status, True, ordinal)
                    self.send_response(status)
                    if error_type:
                        self.send_header("x-amzn-ErrorType", error_type)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                conn.close()
                proxy._record(self.command, self.path, answer.status, False, ordinal)
                self.send_response(answer.status)
                for k, v in answer.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # a short poll: shutdown() waits for the loop to notice, which would add 0.5 s to every test
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

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

    def fail_write(self, start: int, statuses: list[int] | tuple[int, ...] = (), forever: int | None = None,
                   error_types: dict[int, str] | None = None, echo: bool = False,
                   applied: bool = False) -> WriteFault:
        """Fail write call number `start` (0-based, counted from now) with `statuses` in turn (its retries
        get the next ones), or, with `forever`, every write from `start` on. `error_types` maps a status to
        the x-amzn-ErrorType an AWS endpoint would send with it; `echo` quotes the request body in the
        error message; `applied` lets the endpoint apply the call before its answer is replaced (a lost
        answer: a gateway timeout, a dropped connection)."""
        fault = WriteFault(start, list(statuses), forever, dict(error_types or {}), echo, applied)
        with self.lock:
            self.write_count = 0
            self.write_faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget faults and recorded requests, and start counting write calls again."""
        with self.lock:
            self.faults.clear()
            self.write_faults.clear()
            self.write_count = 0
            self.requests.clear()

    def writes(self) -> list[Recorded]:
        """Requests that could change something (anything but GET/HEAD)."""
        return [r for r in self.requests if r.method not in ("GET", "HEAD")]

    @staticmethod
    def is_write(method: str, path: str) -> bool:
        """A call that changes the cloud: not GET/HEAD, not an OAuth token exchange, not APIM's listValue
        (a POST that only reads a named value)."""
        if method in ("GET", "HEAD", "OPTIONS"):
            return False
        bare = path.split("?", 1)[0].lower()
        return bare != "/token" and not bare.endswith("/listvalue")

    def write_calls(self) -> list[Recorded]:
        """Write calls that reached the proxy, in order, each attempt (a retry is a second attempt)."""
        return [r for r in self.requests if r.write is not None]

    def _choose(self, method: str, path: str) -> tuple[int | None, tuple[int, str, bool, bool] | None]:
        """(the write ordinal of this request or None, (status, error type, echo, applied) or None)."""
        with self.lock:
            ordinal = None
            if self.is_write(method, path):
                ordinal = self.write_count
                self.write_count += 1
                for wf in self.write_faults:
                    status = wf.status_for(ordinal)
                    if status is not None:
                        wf.hits += 1
                        return ordinal, (status, wf.error_types.get(status, ""), wf.echo, wf.applied)
            line = f"{method} {path}"
            for fault in self.faults:
                if re.search(fault.pattern, line) and (fault.times is None or fault.hits < fault.times):
                    fault.hits += 1
                    return ordinal, (fault.status, fault.error_type, False, False)
        return ordinal, None

    def _record(self, method: str, path: str, status: int, injected: bool = False,
                ordinal: int | None = None) -> None:
        with self.lock:
            self.requests.append(Recorded(method, path, status, time.monotonic(), injected, ordinal))

    def __enter__(self) -> "FaultProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

