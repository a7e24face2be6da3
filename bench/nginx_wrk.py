"""wrk as the load generator: one bounded run, parsed into requests/s, p99 latency and the gateway worker's
CPU time per request (from /proc: much less sensitive than requests/s to what else the machine is running)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from .nginx_env import Server, cpu_seconds, tool

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


@dataclass(frozen=True)
class Load:
    """What wrk sends: -t/-c, seconds, the URL path and extra headers."""

    path: str
    headers: tuple[tuple[str, str], ...] = ()
    threads: int = 1
    connections: int = 32


@dataclass(frozen=True)
class Sample:
    """One wrk run against one server."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    cpu_us: float  # gateway worker CPU time per request, microseconds


def _latency(text: str, pct: str) -> float:
    match = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk printed no {pct}% latency:\n{text}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse(text: str) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, requests) from `wrk --latency` output; RuntimeError on any failed
    request (non-2xx/3xx answers or socket errors would make a config look faster than it is)."""
    if m := re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text):
        raise RuntimeError(f"wrk got {m.group(1)} non-2xx/3xx responses:\n{text}")
    if m := re.search(r"Socket errors:.*", text):
        raise RuntimeError(f"wrk had socket errors ({m.group(0)}):\n{text}")
    rps = re.search(r"^Requests/sec:\s*([\d.]+)", text, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in ", text, re.MULTILINE)
    if not rps or not total:
        raise RuntimeError(f"unexpected wrk output:\n{text}")
    return float(rps.group(1)), _latency(text, "50"), _latency(text, "99"), int(total.group(1))


def _argv(server: Server, load: Load, seconds: int) -> list[str]:
    argv = [tool("wrk"), f"-t{load.threads}", f"-c{load.connections}", f"-d{seconds}s", "--latency",
            "--timeout", "5s"]
    for name, value in load.headers:
        argv += ["-H", f"{name}: {value}"]
    return [*argv, server.url + load.path]


def warm(entries: list[tuple[Server, Load]], seconds: int) -> None:
    """Unrecorded load on all servers at once (first requests of a fresh worker are slower)."""
    procs = [subprocess.Popen(_argv(server, load, seconds), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              stdin=subprocess.DEVNULL) for server, load in entries]
    try:
        for proc in procs:
            proc.wait(timeout=seconds + 30)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    for server, _ in entries:
        server.truncate_logs()


def run(server: Server, load: Load, seconds: int) -> Sample:
    """Load `server` for `seconds` (whole seconds: wrk's unit) and measure it."""
    argv = _argv(server, load, seconds)
    workers = server.workers()
    before = cpu_seconds(workers)
    done = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=seconds + 30,
                          stdin=subprocess.DEVNULL)
    cpu = cpu_seconds(workers) - before
    server.truncate_logs()
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-2000:]}")
    rps, p50, p99, requests = parse(done.stdout)
    if cpu <= 0 or requests <= 0:
        raise RuntimeError(f"{server.name}: no worker CPU time or no requests measured (workers {workers})")
    return Sample(rps, p50, p99, requests, cpu / requests * 1e6)
