"""The access log as API Gateway writes it: a JSON (or common log format) line of $context variables."""

from __future__ import annotations

import json

from gwc.model import Observability

from .context import Context

COMMON = {"time": "$context.requestTime", "request_id": "$context.requestId",
          "client_ip": "$context.identity.sourceIp", "method": "$context.httpMethod", "path": "$context.path",
          "status": "$context.status", "bytes_sent": "$context.responseLength",
          "request_time": "$context.responseLatency", "user_agent": "$context.identity.userAgent"}
VARIABLES = {
    "rest": {**COMMON, "upstream_status": "$context.integration.status",
             "upstream_response_time": "$context.integration.latency", "route": "$context.resourcePath",
             "subject": "$context.authorizer.principalId"},
    "http": {**COMMON, "upstream_status": "$context.integrationStatus",
             "upstream_response_time": "$context.integrationLatency", "route": "$context.routeKey",
             "subject": "$context.authorizer.claims.sub"},
}
DEFAULT_FIELDS = ("time", "request_id", "client_ip", "method", "path", "status", "bytes_sent", "request_time",
                  "upstream_status", "upstream_response_time", "route")
CLF = ('$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.path '
       '$context.protocol" $context.status $context.responseLength $context.requestId')


def access_log(ctx: Context) -> dict | None:
    """{destination_arn, format}, or None (with GWC321 when a log is asked for without a destination)."""
    obs: Observability = ctx.gw.observability
    if obs.log_format == "none":
        return None
    pointer = "/observability/access_log"
    arn = ctx.settings.get("access_log_destination_arn")
    if not arn and "access_log" not in obs.explicit:
        return None  # the spec did not ask for a log: API Gateway's own default (no access log) stands
    if not arn:
        ctx.cannot("observability.access_log", "gateway", pointer, "API Gateway writes access logs to a "
                   "CloudWatch Logs group or Firehose stream, and targets.aws.access_log_destination_arn names none",
                   code="GWC321", fix="set targets.aws.access_log_destination_arn to the log group's ARN, or set "
                   "observability.access_log.format: none (or pass --allow-lossy to leave the log out)")
        return None
    ctx.mark("observability.access_log", "gateway")
    if obs.log_format == "combined":
        return {"destination_arn": arn, "format": CLF}
    table = VARIABLES[ctx.api_type]
    fields = list(obs.log_fields or DEFAULT_FIELDS)
    missing = [f for f in fields if f not in table]
    if missing:
        ctx.warn("GWC303", f"access log fields {', '.join(missing)} have no API Gateway variable and are left out "
                 "of the log line", f"{pointer}/fields", "see docs/targets/aws.md for the fields API Gateway logs")
    if "request_id" not in fields:  # API Gateway requires $context.requestId in a REST access log format
        fields.append("request_id")
    line = {f: table[f] for f in fields if f in table}
    return {"destination_arn": arn, "format": json.dumps(line, separators=(",", ":"))}
