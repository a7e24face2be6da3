"""Running a group of nginx servers under wrk, round by round, and turning the samples into Rows."""

from __future__ import annotations

import gzip
import shutil
import statistics
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from . import nginx_build as build
from .measure import Ratio, Row, meets, ratio_of
from .nginx_env import Server, free_port, get, prefix, scratch_root
from .nginx_wrk import Load, Sample, warm
from .nginx_wrk import run as wrk

SECTION = "nginx"


@dataclass(frozen=True)
class Plan:
    pairs: int  # recorded rounds
    seconds: int  # per wrk run
    warmup: int  # seconds of unrecorded load on all servers at once, first
    quick: bool


class Bench:
    """A scratch folder, the upstream and every server started; the ExitStack stops them and removes it."""

    def __init__(self, stack: ExitStack):
        self.stack, self.root = stack, scratch_root()
        stack.callback(shutil.rmtree, self.root, True)
        self.up_port = self.start("upstream", build.upstream_conf).port

    def start(self, name: str, conf: Callable[[int], str], source: Path | None = None,
              js_patch: Callable[[str], str] | None = None) -> Server:
        port = free_port()
        folder = prefix(self.root / name, conf(port), source)
        if js_patch is not None:
            js = folder / "gwc_auth.js"
            js.write_text(js_patch(js.read_text()))
        return self.stack.enter_context(Server(folder, port, name))

    def proxy(self, name: str, access_log: bool = True) -> Server:
        return self.start(name, lambda port: build.proxy_conf(port, self.up_port, access_log))

    def gwc(self, name: str, compiled: Path, conf_patch: Callable[[str], str] = lambda text: text,
            js_patch: Callable[[str], str] | None = None) -> Server:
        text = (compiled / "nginx.conf").read_text()
        return self.start(name, lambda port: conf_patch(build.bind(text, port, self.up_port)), compiled, js_patch)


def check(server: Server, load: Load, gzipped: bool = False, jwt: bool = False) -> None:
    """One request first: 200 with the upstream's body (gzip-encoded when expected); 401 without the token."""
    status, headers, body = get(server.url + load.path, dict(load.headers))
    encoded = headers.get("content-encoding") == "gzip"
    if encoded:
        body = gzip.decompress(body)
    if status != 200 or body != build.BODY.encode() or encoded != gzipped:
        raise RuntimeError(f"{server.name}: GET {load.path} gave {status} {headers} {body[:200]!r}\n"
                           f"{server.stderr()[-2000:]}")
    if jwt and (status := get(server.url + load.path, {})[0]) != 401:
        raise RuntimeError(f"{server.name}: without a token GET {load.path} gave {status}, not 401")


def rounds(entries: list[tuple[Server, Load]], plan: Plan) -> list[list[Sample]]:
    """Warm every server, then `plan.pairs` rounds running each in turn: one sample list per entry."""
    if plan.warmup:
        warm(entries, plan.warmup)
    samples: list[list[Sample]] = [[] for _ in entries]
    for _ in range(plan.pairs):
        for i, (server, load) in enumerate(entries):
            samples[i].append(wrk(server, load, plan.seconds))
    return samples


def side(samples: list[Sample]) -> str:
    """Medians of one side, for a Row's note."""
    def med(f: Callable[[Sample], float]) -> float:
        return statistics.median(f(s) for s in samples)
    return (f"{med(lambda s: s.rps):,.0f} r/s, p99 {med(lambda s: s.p99_ms):.1f} ms, {med(lambda s: s.cpu_us):.1f} "
            f"us CPU/req (worker {med(lambda s: s.rps * s.cpu_us / 1e6):.0%} busy)")


def compare(name: str, a: list[Sample], b: list[Sample], goal: str | None, note: str,
            p99_goal: str | None = None) -> list[Row]:
    """Rows for B against A: requests/s, p99 latency (when p99_goal) and capacity (1 / worker CPU per request).
    Capacity rows, and every row when goal is None (diagnostics), are reported without a goal ("report")."""
    sides = f"A: {side(a)}; B: {side(b)}. {note}".strip()

    def row(what: str, ratio: Ratio, want: str | None) -> Row:
        return Row(SECTION, f"{name}, {what}", ratio, want or "report", meets(ratio.median, want) if want else True,
                   sides)

    rows = [row("req/s", ratio_of([s.rps for s in a], [s.rps for s in b]), goal)]
    if p99_goal:
        rows.append(row("p99 latency", ratio_of([s.p99_ms for s in a], [s.p99_ms for s in b]), p99_goal))
    rows.append(row("capacity (1 / worker CPU per request)",
                    ratio_of([1e6 / s.cpu_us for s in a], [1e6 / s.cpu_us for s in b]), None))
    return rows
