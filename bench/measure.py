"""Paired A/B timing for noisy shared machines: the two sides alternate (A B A B ...), and what is reported
is the ratio of each pair, as median, min and max. Absolute times are never compared across runs."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Ratio:
    """B/A over the pairs of one run (for times: >1 means B is slower; for throughput: B's share of A's)."""

    median: float
    low: float
    high: float
    pairs: int
    a_median: float
    b_median: float

    @classmethod
    def single(cls, value: float) -> Ratio:
        """A one-off figure (an exponent, a memory peak) in the table's shape."""
        return cls(value, value, value, 1, value, value)

    def cell(self) -> str:
        if self.pairs == 1:
            return f"{self.median:.2f}"
        return f"{self.median:.2f} ({self.low:.2f}-{self.high:.2f})"


def ratio_of(a: Sequence[float], b: Sequence[float]) -> Ratio:
    """The pairwise ratios b[i]/a[i] summarised."""
    ratios = [y / x for x, y in zip(a, b, strict=True)]
    return Ratio(statistics.median(ratios), min(ratios), max(ratios), len(ratios),
                 statistics.median(a), statistics.median(b))


def alternate(a: Callable[[], float], b: Callable[[], float], pairs: int, warmup: int = 1) -> Ratio:
    """Run a then b, `pairs` times (after `warmup` unrecorded pairs); each callable returns its measurement."""
    for _ in range(warmup):
        a()
        b()
    xs, ys = [], []
    for _ in range(pairs):
        xs.append(a())
        ys.append(b())
    return ratio_of(xs, ys)


def timed(fn: Callable[[], object]) -> Callable[[], float]:
    """A callable returning fn's wall time in seconds."""
    def run() -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    return run


def timed_command(argv: Sequence[str], cwd: str | None = None) -> Callable[[], float]:
    """A callable that runs a command (it must succeed) and returns its wall time in seconds."""
    def run() -> float:
        start = time.perf_counter()
        done = subprocess.run(list(argv), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
        return elapsed
    return run


@dataclass(frozen=True)
class Row:
    """One line of the results table in docs/performance.md."""

    section: str  # "compile", "start-up", "nginx", "import"
    name: str  # what was compared, e.g. "compile --target all, 10,000 routes / floor"
    ratio: Ratio
    goal: str  # e.g. "<= 3.0" or ">= 0.95"
    met: bool
    note: str = ""  # absolute medians of both sides, units, anything a reader needs


def meets(value: float, goal: str) -> bool:
    """'<= 3.0' / '>= 0.95' applied to value."""
    op, bound = goal.split()
    return value <= float(bound) if op == "<=" else value >= float(bound)
