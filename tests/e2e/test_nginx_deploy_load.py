"""End-to-end, the headline: deploys and a rollback under load lose no request.

Several client threads send GET requests for LOAD_SECONDS (10 s; GWC_E2E_LOAD_SECONDS changes it) over
keep-alive connections, half to a mock route and half through nginx to an upstream, while gwc deploys a
changed spec (a good reload), a spec `nginx -t` refuses, a spec whose reload fails at run time (its port is
taken), and rolls back. A failure is any non-2xx answer, any connection error, or a broken response.

The one thing the client forgives is what HTTP allows (RFC 9112, 9.3.1): when nginx's old workers stop after
a reload they close their idle keep-alive connections, and a request written on such a connection at that
moment gets no answer at all; a client may then send the idempotent request again on a new connection. Those
retries are counted (`stale`) and must succeed; a retry that fails, or any error on a fresh connection, is a
failure.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections import Counter
from http.client import HTTPConnection, HTTPException
from pathlib import Path

from tests.e2e.harness import Upstream, free_port
from tests.e2e.test_nginx_deploy import (
    deploy,
    deployment_folder,
    ok,
    refused,
    rollback,
    write_spec,
)

LOAD_SECONDS = float(os.environ.get("GWC_E2E_LOAD_SECONDS", "10"))
THREADS = 8
STALE = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)  # RemoteDisconnected is a reset


class Load:
    """Client threads with one keep-alive connection each, counting every outcome."""

    def __init__(self, port: int, paths: tuple[str, ...]) -> None:
        self.port, self.paths, self.stop = port, paths, threading.Event()
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.failures: list[str] = []
        self.seen: list[tuple[float, float, int]] = []  # (sent, answered, version) for GET /v
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(THREADS)]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _fail(self, what: str) -> None:
        with self.lock:
            self.counts["failed"] += 1
            if len(self.failures) < 20:
                self.failures.append(f"{self._at()} {what}")

    def _at(self) -> str:
        return f"at {time.monotonic() - self.started:.2f} s:"

    def _run(self, index: int) -> None:
        conn, used, n = None, 0, index
        while not self.stop.is_set():
            path, n = self.paths[n % len(self.paths)], n + 1
            for attempt in (1, 2):
                if conn is None:
                    conn, used = HTTPConnection("127.0.0.1", self.port, timeout=10), 0
                sent = time.monotonic()
                try:
                    conn.request("GET", path)
                    response = conn.getresponse()
                    body = response.read()
                except STALE as exc:
                    conn.close()
                    conn = None
                    if used and attempt == 1:  # nothing came back on a reused connection: send it again
                        with self.lock:
                            self.counts["stale"] += 1
                        continue
                    self._fail(f"{path}: {exc!r} on a {'reused' if used else 'new'} connection")
                    break
                except (OSError, HTTPException) as exc:
                    conn.close()
                    conn = None
                    self._fail(f"{path}: {exc!r}")
                    break
                used += 1
                with self.lock:
                    self.counts["requests"] += 1
                    if response.status // 100 != 2:
                        self.counts["failed"] += 1
                        if len(self.failures) < 20:
                            self.failures.append(f"{self._at()} {path}: {response.status} {body[:200]!r}")
                    elif path == "/v":
                        self.seen.append((sent, time.monotonic(), int(body.split(b":")[1].strip(b" }"))))
                if response.will_close:
                    conn.close()
                    conn = None
                break
        if conn is not None:
            conn.close()

    def versions(self, start: float, end: float = float("inf")) -> set[int]:
        """The versions answered to requests sent between `start` and `end`."""
        with self.lock:
            return {v for sent, _, v in self.seen if start < sent < end}


def test_deploys_and_rollback_under_load_lose_no_request(tmp_path: Path) -> None:
    port = free_port()
    with deployment_folder() as deploy_dir, Upstream("echo") as upstream:
        ok(deploy(write_spec(tmp_path, port, 1, upstream.url), deploy_dir))
        started = time.monotonic()
        with Load(port, ("/v", "/echo/a")) as load:
            time.sleep(0.5)
            ok(deploy(write_spec(tmp_path, port, 2, upstream.url), deploy_dir))  # a good reload
            after_good = time.monotonic()
            time.sleep(0.5)
            refused(deploy(write_spec(tmp_path, port, 3, upstream.url,
                                      nowhere={"url": "http://gwc-e2e-no-such-host.invalid:8080"}), deploy_dir),
                    "host not found")  # refused by nginx -t: nothing happens
            with socket.socket() as busy:  # passes nginx -t, fails at reload: old workers stay
                busy.bind(("127.0.0.1", 0))
                busy.listen()
                refused(deploy(write_spec(tmp_path, busy.getsockname()[1], 4, upstream.url), deploy_dir),
                        "Address already in use")
            after_bad = time.monotonic()
            time.sleep(0.5)
            before_rollback = time.monotonic()
            ok(rollback(deploy_dir))  # another good reload, back to version 1
            after_rollback = time.monotonic()
            time.sleep(max(0.5, LOAD_SECONDS - (time.monotonic() - started)))
        elapsed = time.monotonic() - started
    counts = load.counts
    summary = (f"{counts['requests']} requests in {elapsed:.1f} s by {THREADS} keep-alive clients, "
               f"{counts['failed']} failed, {counts['stale']} resent after a closed idle keep-alive connection")
    print(f"\n{summary}")
    assert counts["failed"] == 0, summary + "\n" + "\n".join(load.failures)
    assert counts["requests"] > 1000, summary
    assert load.versions(started) == {1, 2}  # never the refused versions 3 and 4
    assert load.versions(after_good, before_rollback) == {2}, "an old worker answered after the reload"
    assert load.versions(after_bad, before_rollback), "no answers after the refused deploys"
    assert load.versions(after_rollback) == {1}
