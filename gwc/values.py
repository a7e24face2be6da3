"""Parse the spec's small value grammars: durations, sizes and rates (already shape-checked by the schema)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

_DURATION = re.compile(r"^([0-9]+)(ms|s|m|h|d)$")
_DURATION_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_SIZE = re.compile(r"^([0-9]+) ?(B|KB|KiB|MB|MiB|GB|GiB)?$")
_SIZE_BYTES = {None: 1, "B": 1, "KB": 1000, "KiB": 1024, "MB": 1000**2, "MiB": 1024**2,
               "GB": 1000**3, "GiB": 1024**3}
_RATE = re.compile(r"^([0-9]+)/(s|m|h)$")
_RATE_SECONDS = {"s": 1, "m": 60, "h": 3600}


def duration_ms(value: str | int) -> int:
    """Milliseconds of a duration such as '500ms', '15s', '1h' or an integer number of seconds."""
    if isinstance(value, int):
        return value * 1000
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"not a duration: {value!r}")
    return int(match.group(1)) * _DURATION_MS[match.group(2)]


def size_bytes(value: str | int) -> int:
    """Bytes of a size such as '1KiB', '10 MB' or an integer number of bytes."""
    if isinstance(value, int):
        return value
    match = _SIZE.match(value)
    if not match:
        raise ValueError(f"not a size: {value!r}")
    return int(match.group(1)) * _SIZE_BYTES[match.group(2)]


@dataclass(frozen=True)
class Rate:
    """A request rate as an exact number of requests per second."""

    per_second: Fraction
    text: str

    @property
    def per_minute(self) -> Fraction:
        """The same rate per minute."""
        return self.per_second * 60


def parse_rate(value: str) -> Rate:
    """A rate such as '100/s', '30/m' or '500/h'."""
    match = _RATE.match(value)
    if not match:
        raise ValueError(f"not a rate: {value!r}")
    return Rate(Fraction(int(match.group(1)), _RATE_SECONDS[match.group(2)]), value)


def format_seconds(ms: int) -> str:
    """A compact duration for configuration text: '2s', '500ms', '10m'."""
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"
