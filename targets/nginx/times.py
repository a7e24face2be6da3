"""Durations as nginx reads them.

nginx parses most times with milliseconds allowed (proxy_*_timeout, keepalive_timeout, access_log flush=),
but a few with ngx_parse_time(..., is_sec=1), which refuses any "ms" value, even "0ms": `fail_timeout=`
("invalid parameter") and `proxy_cache_valid` ("invalid time value"). Those get whole seconds, rounded up
so that nothing is ever shorter than the spec asked, and gwc says so (GWC303) when that changed the value.
"""

from __future__ import annotations

from gwc.target import EmitResult, finding
from gwc.values import format_seconds


def whole_seconds(ms: int) -> str:
    """A duration for a seconds-only directive: rounded up to whole seconds ('0s', '2s', '5m')."""
    seconds = -(-ms // 1000)
    return format_seconds(seconds * 1000) if seconds else "0s"


def report_rounding(result: EmitResult, ms: int, directive: str, pointer: str) -> None:
    """GWC303 when a seconds-only directive cannot hold the duration exactly."""
    if ms % 1000:
        result.diagnostics.append(finding(
            "nginx", "GWC303", f"{format_seconds(ms)} is written as {whole_seconds(ms)} in {directive}: nginx takes "
            f"whole seconds there, so it is rounded up ({-ms % 1000} ms longer)", pointer,
            "use whole seconds to make this exact"))
