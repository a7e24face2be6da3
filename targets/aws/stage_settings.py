"""Stage settings as API Gateway patch operations: the wanted values (from deploy.json) against the
stage as it is. Only the fields gwc sets are compared; a method setting gwc no longer wants is reset
to the stage-wide values rather than left behind."""

from __future__ import annotations

# deploy.json field -> (patch path suffix, the field name in get_stage's methodSettings)
METHOD_FIELDS = {
    "throttling_rate_limit": ("throttling/rateLimit", "throttlingRateLimit"),
    "throttling_burst_limit": ("throttling/burstLimit", "throttlingBurstLimit"),
    "caching_enabled": ("caching/enabled", "cachingEnabled"),
    "caching_ttl_seconds": ("caching/ttlInSeconds", "cacheTtlInSeconds"),
    "caching_data_encrypted": ("caching/dataEncrypted", "cacheDataEncrypted"),
    "metrics_enabled": ("metrics/enabled", "metricsEnabled"),
    "logging_level": ("logging/loglevel", "loggingLevel"),
}
# API Gateway's account-level defaults, used to reset a method that no longer has its own settings
ACCOUNT_THROTTLE = {"throttling_rate_limit": 10000.0, "throttling_burst_limit": 5000}


def stage_key(key: str) -> str:
    """'/users/GET' -> '~1users/GET' (how get_stage names it); '*/*' stays."""
    if key == "*/*":
        return key
    path, method = key.rsplit("/", 1)
    return path.replace("/", "~1") + "/" + method


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _same(want, have) -> bool:
    if isinstance(want, bool) or isinstance(have, bool):
        return bool(want) == bool(have)
    if isinstance(want, (int, float)) and isinstance(have, (int, float)):
        return float(want) == float(have)
    return want == have


def _reset_values(wanted: dict) -> dict:
    """What a method without its own settings should hold: the stage-wide values, caching off."""
    base = wanted.get("*/*", {})
    return {"throttling_rate_limit": base.get("throttling_rate_limit", ACCOUNT_THROTTLE["throttling_rate_limit"]),
            "throttling_burst_limit": base.get("throttling_burst_limit", ACCOUNT_THROTTLE["throttling_burst_limit"]),
            "caching_enabled": False}


def method_ops(wanted: dict, current: dict) -> list[dict]:
    """Patch operations that make the stage's method settings what deploy.json says."""
    ops = []
    targets = dict(wanted)
    wanted_keys = {stage_key(k) for k in wanted}
    for key in current:
        if key != "*/*" and key not in wanted_keys:
            targets[key.replace("~1", "/") if key.startswith("~1") else key] = _reset_values(wanted)
    for key, fields in sorted(targets.items()):
        have = current.get(stage_key(key), {})
        for name, value in sorted(fields.items()):
            suffix, stage_name = METHOD_FIELDS[name]
            if stage_name not in have or not _same(value, have[stage_name]):
                ops.append({"op": "replace", "path": f"/{stage_key(key)}/{suffix}", "value": _text(value)})
    return ops


def stage_ops(settings: dict, stage: dict | None) -> list[dict]:
    """Patch operations for the stage-wide settings and every method setting."""
    stage = stage or {}
    ops = []
    plain = {"cacheClusterEnabled": settings.get("cache_cluster_enabled", False),
             "tracingEnabled": settings.get("tracing_enabled", False)}
    if settings.get("cache_cluster_enabled") and settings.get("cache_cluster_size"):
        plain["cacheClusterSize"] = settings["cache_cluster_size"]
    for name, value in plain.items():
        if not _same(value, stage.get(name, False if name != "cacheClusterSize" else None)):
            ops.append({"op": "replace", "path": f"/{name}", "value": _text(value)})
    log = settings.get("access_log")
    have_log = stage.get("accessLogSettings") or {}
    if log and (have_log.get("destinationArn") != log["destination_arn"] or have_log.get("format") != log["format"]):
        ops += [{"op": "replace", "path": "/accessLogSettings/destinationArn", "value": log["destination_arn"]},
                {"op": "replace", "path": "/accessLogSettings/format", "value": log["format"]}]
    wanted = dict(settings.get("method_settings", {}))
    if settings.get("metrics_enabled"):
        wanted["*/*"] = {**wanted.get("*/*", {}), "metrics_enabled": True}
    return ops + method_ops(wanted, stage.get("methodSettings") or {})
