"""The commands the benchmarks compare: the floor (PyYAML's C loader reading a file), gwc's own commands, and
a peak-memory probe. Each is a separate process, so start-up is counted the same way on both sides."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

PYTHON = sys.executable
GWC = str(Path(PYTHON).parent / "gwc")
FLOOR = "import sys, yaml; yaml.load(open(sys.argv[1], 'rb').read(), Loader=yaml.CSafeLoader)"
IMPORTS = "import yaml, jsonschema"
_PEAK = ("import resource, subprocess, sys; "
         "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def floor(path: Path) -> list[str]:
    """Parse the file with PyYAML's C loader and nothing else."""
    return [PYTHON, "-c", FLOOR, str(path)]


def imports_only() -> list[str]:
    """Python start-up plus `import yaml, jsonschema`: the start-up floor."""
    return [PYTHON, "-c", IMPORTS]


def gwc(*args: str | Path) -> list[str]:
    """The installed gwc command."""
    return [GWC, *map(str, args)]


def peak_mb(argv: list[str]) -> float:
    """The peak resident memory of the largest single process of one run of argv, in MB (getrusage)."""
    done = subprocess.run([PYTHON, "-c", _PEAK, *argv], check=True, capture_output=True, text=True, timeout=900)
    return int(done.stdout.strip()) / 1024


def default_processes() -> int:
    """How many processes `gwc compile --target all` uses by default on this machine (its own rule)."""
    from gwc.compile_jobs import default_jobs
    from gwc.registry import target_names
    return default_jobs(len(target_names()))


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants, from /proc/PID/task/TID/children."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                todo += [int(c) for c in task.read_text().split()]
            except OSError:
                pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def peak_total_mb(argv: list[str], interval: float = 0.005) -> float:
    """The peak of the memory of a run and every process it starts, summed, in MB: the proportional set size
    (pages shared by forked workers counted once, split between them), sampled every `interval` seconds."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    try:
        while proc.poll() is None:
            peak = max(peak, sum(_pss_kb(p) for p in process_tree(proc.pid)))
            time.sleep(interval)
    finally:
        proc.kill() if proc.poll() is None else None
        proc.wait(timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode})")
    return peak / 1024
