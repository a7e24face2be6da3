"""A compiled gwc spec running in real nginx in front of an echo Upstream, plus the request helpers the
policy e2e tests share (concurrent bursts, requests without Accept-Encoding, secret scans of the output)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path

from gwc.targets.nginx.logs import BUFFER as LOG_BUFFER

from tests.e2e.compiled import compile_spec
from tests.e2e.harness import Nginx, Response, Upstream, free_port, http

# A cache file is a binary header, "\nKEY: <cache key>\n", then the upstream response (headers and body).
_CACHE_KEY_LINE = b"\nKEY: "


@dataclass
class LiveGateway:
    """A running gateway: its compiled output folder, the nginx process and the echo upstream behind it."""

    out: Path
    nginx: Nginx
    upstream: Upstream

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None) -> Response:
        """One request on a fresh connection (never raises on HTTP errors, never decompresses)."""
        return http(method, self.nginx.url + path, headers, body)

    def get(self, path: str, headers: dict | None = None) -> Response:
        """GET path."""
        return self.request("GET", path, headers)

    def get_without_accept_encoding(self, path: str) -> Response:
        """GET path with no Accept-Encoding header at all (http.client would otherwise send `identity`)."""
        conn = HTTPConnection("127.0.0.1", self.nginx.port, timeout=5)
        try:
            conn.putrequest("GET", path, skip_accept_encoding=True)
            conn.endheaders()
            response = conn.getresponse()
            return Response(response.status, response.headers, response.read())
        finally:
            conn.close()

    def upstream_requests(self, path: str) -> list[dict]:
        """The echo records of the requests that reached the upstream for exactly this path (with query)."""
        with self.upstream._lock:
            return [echo for echo in self.upstream.requests if echo["path"] == path]

    def upstream_hits(self, path: str) -> int:
        """How many requests for exactly this path (with query) reached the upstream."""
        return len(self.upstream_requests(path))


@contextlib.contextmanager
def live_gateway(folder: Path, make_spec: Callable[[str, int], dict], env: dict | None = None,
                 extra_files: dict[str, str] | None = None) -> Iterator[LiveGateway]:
    """Start an echo Upstream, compile make_spec(upstream_url, gateway_port) with gwc into folder/out, run nginx
    on it with `env`, and stop both afterwards."""
    with Upstream("backend") as upstream:
        port = free_port()
        out = compile_spec(folder, make_spec(upstream.url, port), extra_files=extra_files)
        with Nginx(out, env or {}, port=port) as nginx:
            yield LiveGateway(out, nginx, upstream)


def nginx_target(port: int) -> dict:
    """`targets.nginx` for a test gateway on 127.0.0.1:port (few workers: quick start and stop)."""
    return {"nginx": {"listen": port, "listen_address": "127.0.0.1", "worker_processes": 2}}


def burst(send: Callable[[int], Response], count: int) -> tuple[list[int], float]:
    """Send `count` requests at once from `count` threads (released together by a barrier); send(i) makes the
    i-th request. Returns the statuses in request order and the seconds from release to the last answer."""
    statuses: list[int | None] = [None] * count
    errors: list[BaseException] = []
    gate = threading.Barrier(count + 1)

    def worker(i: int) -> None:
        try:
            gate.wait(timeout=10)
            statuses[i] = send(i).status
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    gate.wait(timeout=10)
    started = time.monotonic()
    for thread in threads:
        thread.join(timeout=20)
    elapsed = time.monotonic() - started
    assert not errors, f"burst requests failed: {errors!r}"
    assert all(s is not None for s in statuses), "burst requests did not finish"
    return [int(s) for s in statuses], elapsed


FLUSH_S = int(next(b for b in LOG_BUFFER if b.startswith("flush=")).removeprefix("flush=").removesuffix("s"))


def leaked_secrets(out: Path, secrets: dict[str, str]) -> dict[str, list[str]]:
    """{file: [secret labels]} for every secret value found in a file of the output folder.

    A running nginx writes its access log through a buffer it flushes at least every FLUSH_S seconds, so the
    scan first waits past that: the lines of the requests just made are on disk when it reads them. Every file
    is read in full, except response-cache entries (tmp/cache/...): their bodies are upstream responses, and
    the echo upstream repeats the request headers it got (an Authorization header is forwarded upstream by
    design), so only their cache KEY line is checked there."""
    time.sleep(FLUSH_S + 0.25)
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        data = path.read_bytes()
        rel = path.relative_to(out)
        if rel.parts[:2] == ("tmp", "cache"):
            start = data.find(_CACHE_KEY_LINE)
            data = data[start:data.find(b"\n", start + 1)] if start >= 0 else b""
        hits = [label for label, value in secrets.items() if value and value.encode() in data]
        if hits:
            found[str(rel)] = hits
    return found
