"""The access log: a JSON line per request with the figures response time, throughput and error rate need."""

from __future__ import annotations

from .conf import Directive, Node, Raw, Template
from .context import Context

# field -> (nginx variable, is a number)
FIELDS: dict[str, tuple[str, bool]] = {
    "time": ("$time_iso8601", False),
    "request_id": ("$gwc_request_id", False),
    "client_ip": ("$remote_addr", False),
    "method": ("$request_method", False),
    "path": ("$uri", False),
    "query": ("$args", False),
    "status": ("$status", True),
    "bytes_sent": ("$bytes_sent", True),
    "request_time": ("$request_time", True),
    "upstream_addr": ("$upstream_addr", False),
    "upstream_status": ("$upstream_status", False),
    "upstream_response_time": ("$upstream_response_time", False),
    "route": ("$gwc_route", False),
    "user_agent": ("$http_user_agent", False),
    "referer": ("$http_referer", False),
    "traceparent": ("$gwc_traceparent", False),
    "subject": ("$gwc_subject", False),
}
# A file log is written in batches (one write() per 64 KiB, at least every second) instead of one write()
# per request; lines for stdout/stderr go out at once, since a log collector may be reading them live.
BUFFER = ("buffer=64k", "flush=1s")
DEFAULT_FIELDS = ("time", "request_id", "client_ip", "method", "path", "status", "bytes_sent", "request_time",
                  "upstream_addr", "upstream_status", "upstream_response_time", "route", "traceparent")


def json_format(fields: tuple[str, ...], request_id: bool, tracing: bool) -> str:
    """The log_format body for the fields (those whose source is switched off are left out)."""
    parts = []
    for name in fields:
        if (name == "request_id" and not request_id) or (name == "traceparent" and not tracing):
            continue
        var, number = FIELDS[name]
        parts.append(f'"{name}":{var}' if number else f'"{name}":"{var}"')
    return "{" + ",".join(parts) + "}"


def log_directives(ctx: Context) -> list[Node]:
    """log_format and access_log for the gateway's observability settings."""
    obs = ctx.gw.observability
    if obs.log_format == "none":
        return [Directive("access_log", ("off",))]
    ctx.result.mark("observability.access_log", "gateway")
    buffered = () if obs.log_path.startswith("/dev/") else BUFFER
    if obs.log_format == "combined":
        return [Directive("access_log", (Raw(obs.log_path), "combined") + buffered)]
    fields = obs.log_fields or DEFAULT_FIELDS
    body = json_format(fields, obs.request_id, obs.tracing == "w3c")
    return [Directive("log_format", ("gwc_json", "escape=json", Template(body))),
            Directive("access_log", (Raw(obs.log_path), "gwc_json") + buffered)]
