"""Compile cost against the floor (PyYAML's C loader on the same file) at 10 to 10,000 routes, the fitted growth
exponent, peak memory at the largest size, and `gwc validate` against the floor."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from bench import commands, specgen
from bench.measure import Ratio, Row, alternate, meets, timed_command

SIZES = (10, 100, 1_000, 3_000, 10_000)
FIT_FROM = 1_000  # the exponent is fitted from here: below, the size-dependent time is within the noise
QUICK_SIZES = (10, 100, 1_000)


def fitted_exponent(sizes: list[int], seconds: list[float], base: float) -> float:
    """Least-squares slope of log(t - base) on log(n): 1.0 is linear. `base` (the time at the smallest size,
    mostly start-up) is taken off so a fixed cost does not pass for sub-linear growth."""
    xs = [math.log(n) for n in sizes]
    ys = [math.log(max(t - base, 1e-6)) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def fit_points(sizes: tuple[int, ...]) -> list[int]:
    """The indexes of the sizes the exponent is fitted over: from FIT_FROM on, or (--quick stops at 1,000
    routes) the two largest."""
    fit = [i for i, n in enumerate(sizes) if n >= FIT_FROM]
    return fit if len(fit) >= 2 else [len(sizes) - 2, len(sizes) - 1]


def run(quick: bool) -> list[Row]:
    """Rows of the "compile" section."""
    sizes, pairs = (QUICK_SIZES, 3) if quick else (SIZES, 5)
    rows, medians = [], []
    with tempfile.TemporaryDirectory(prefix="gwc-bench-") as tmp:
        for n in sizes:
            spec = specgen.write(Path(tmp) / f"r{n}", n)
            out = Path(tmp) / f"out{n}"
            floor = timed_command(commands.floor(spec))
            comp = alternate(floor, timed_command(commands.gwc("compile", spec, "--target", "all", "--allow-lossy",
                                                              "-o", out)), pairs)
            medians.append(comp.b_median)
            goal = "<= 3.0" if n == max(SIZES) else "-"
            rows.append(Row("compile", f"`gwc compile --target all`, {n:,} routes / floor", comp, goal,
                            goal == "-" or meets(comp.median, goal),
                            f"floor {comp.a_median:.3f} s, gwc {comp.b_median:.3f} s; {commands.default_processes()} "
                            "processes (the default: one per core, at most one per target)"))
            val = alternate(floor, timed_command(commands.gwc("validate", spec)), pairs)
            goal = "<= 1.5" if n == max(SIZES) else "-"
            rows.append(Row("compile", f"`gwc validate`, {n:,} routes / floor", val, goal,
                            goal == "-" or meets(val.median, goal),
                            f"floor {val.a_median:.3f} s, gwc {val.b_median:.3f} s"))
        fit = fit_points(sizes)
        exponent = fitted_exponent([sizes[i] for i in fit], [medians[i] for i in fit], medians[0])
        rows.append(Row("compile", f"growth exponent of compile time, {sizes[fit[0]]:,}-{sizes[-1]:,} routes "
                        f"(time at {sizes[0]} routes taken off)", Ratio.single(exponent), "<= 1.1",
                        meets(exponent, "<= 1.1"), "1.0 = linear; least squares of log(time - time at 10 routes) "
                        "on log(routes); at 100 routes the size-dependent time is within the noise, so it is left "
                        "out"))
        big, n = specgen.write(Path(tmp) / "peak", sizes[-1]), sizes[-1]
        one = alternate(timed_command(commands.floor(big)),
                        timed_command(commands.gwc("compile", big, "--target", "all", "--allow-lossy", "-j", "1",
                                                   "-o", Path(tmp) / "one-out")), pairs)
        rows.append(Row("compile", f"`gwc compile --target all -j 1` (one process), {n:,} routes / floor", one,
                        "report", True, f"floor {one.a_median:.3f} s, gwc {one.b_median:.3f} s; the default "
                        f"uses {commands.default_processes()} processes (one per core, at most one per target)"))
        for flag, label in ((None, "default: one process per core"), ("1", "-j 1: one process")):
            argv = commands.gwc("compile", big, "--target", "all", "--allow-lossy", "-o", Path(tmp) / "peak-out",
                                *(("-j", flag) if flag else ()))
            total, largest = commands.peak_total_mb(argv), commands.peak_mb(argv)
            rows.append(Row("compile", f"peak memory of `gwc compile --target all` ({label}), {n:,} routes (MB)",
                            Ratio.single(total), "<= 300", meets(total, "<= 300"),
                            f"all its processes together (proportional set size, sampled every 5 ms); the largest "
                            f"single process {largest:.0f} MB (getrusage); one run each"))
    return rows

