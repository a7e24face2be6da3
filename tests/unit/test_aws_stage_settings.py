"""Stage settings as patch operations: only differences are patched, removed methods are reset."""

from __future__ import annotations

from gwc.targets.aws.stage_settings import method_ops, stage_key, stage_ops


def test_stage_key_escapes_the_resource_path() -> None:
    assert stage_key("/users/GET") == "~1users/GET"
    assert stage_key("/orders/{proxy+}/ANY") == "~1orders~1{proxy+}/ANY"
    assert stage_key("*/*") == "*/*"


def test_only_differences_are_patched() -> None:
    wanted = {"/users/GET": {"throttling_rate_limit": 100.0, "throttling_burst_limit": 51, "caching_enabled": True}}
    current = {"~1users/GET": {"throttlingRateLimit": 100.0, "throttlingBurstLimit": 50, "cachingEnabled": True}}
    assert method_ops(wanted, current) == [
        {"op": "replace", "path": "/~1users/GET/throttling/burstLimit", "value": "51"}]


def test_a_method_no_longer_wanted_is_reset_to_stage_values() -> None:
    wanted = {"*/*": {"throttling_rate_limit": 20.0, "throttling_burst_limit": 40}}
    current = {"*/*": {"throttlingRateLimit": 20.0, "throttlingBurstLimit": 40},
               "~1old/GET": {"throttlingRateLimit": 5.0, "throttlingBurstLimit": 6, "cachingEnabled": True}}
    ops = method_ops(wanted, current)
    assert {"op": "replace", "path": "/~1old/GET/caching/enabled", "value": "false"} in ops
    assert {"op": "replace", "path": "/~1old/GET/throttling/rateLimit", "value": "20"} in ops
    reset = {"~1old/GET": {"throttlingRateLimit": 20.0, "throttlingBurstLimit": 40, "cachingEnabled": False}}
    assert method_ops(wanted, {**current, **reset}) == []


def test_stage_wide_settings() -> None:
    settings = {"cache_cluster_enabled": True, "cache_cluster_size": "0.5", "tracing_enabled": True,
                "metrics_enabled": True, "access_log": {"destination_arn": "arn:aws:logs:eu-west-1:1:log-group:x",
                                                        "format": "{}"}, "method_settings": {}}
    ops = stage_ops(settings, None)
    paths = {o["path"]: o["value"] for o in ops}
    assert paths["/cacheClusterEnabled"] == "true" and paths["/cacheClusterSize"] == "0.5"
    assert paths["/tracingEnabled"] == "true" and paths["/*/*/metrics/enabled"] == "true"
    assert paths["/accessLogSettings/format"] == "{}"
    have = {"cacheClusterEnabled": True, "cacheClusterSize": "0.5", "tracingEnabled": True,
            "accessLogSettings": {"destinationArn": "arn:aws:logs:eu-west-1:1:log-group:x", "format": "{}"},
            "methodSettings": {"*/*": {"metricsEnabled": True}}}
    assert stage_ops(settings, have) == []


def test_method_settings_are_compared_by_key_not_all_pairs(monkeypatch) -> None:
    """Thousands of deployed method settings against thousands wanted: a few key conversions per method
    (comparing every deployed key with every wanted one would make a redeploy quadratic)."""
    import gwc.targets.aws.stage_settings as stage_settings

    calls = [0]

    def counted(key: str) -> str:
        calls[0] += 1
        return stage_key(key)
    monkeypatch.setattr(stage_settings, "stage_key", counted)
    n = 3000
    wanted = {f"/w{i}/GET": {"throttling_rate_limit": 10.0} for i in range(n)}
    current = {f"~1c{i}/GET": {"throttlingRateLimit": 1e4, "throttlingBurstLimit": 5000, "cachingEnabled": False}
               for i in range(n)}
    ops = stage_settings.method_ops(wanted, current)
    assert len(ops) == n  # the wanted ones; the deployed ones already hold the reset values
    assert calls[0] <= 5 * n
    small_wanted = {"/w/GET": {"throttling_rate_limit": 10.0}}
    small_current = {"~1w/GET": {"throttlingRateLimit": 10.0}, "~1gone/GET": {"cachingEnabled": True}}
    assert stage_settings.method_ops(small_wanted, small_current) == [
        {"op": "replace", "path": "/~1gone/GET/caching/enabled", "value": "false"},
        {"op": "replace", "path": "/~1gone/GET/throttling/burstLimit", "value": "5000"},
        {"op": "replace", "path": "/~1gone/GET/throttling/rateLimit", "value": "10000"}]
