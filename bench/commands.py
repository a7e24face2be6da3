"""The commands the benchmarks compare: the floor (PyYAML's C loader reading a file), gwc's own commands, and
a peak-memory probe. Each is a separate process, so start-up is counted the same way on both sides."""

from __future__ import annotations

import subprocess
import sys
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
    """The peak resident memory of one run of argv, in MB (getrusage of the child)."""
    done = subprocess.run([PYTHON, "-c", _PEAK, *argv], check=True, capture_output=True, text=True, timeout=900)
    return int(done.stdout.strip()) / 1024
