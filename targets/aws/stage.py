"""The stage: one internal description that both template.yaml and deploy.json are written from.

Method settings are keyed `RESOURCE_PATH/HTTP_METHOD` ('/users/GET', '/orders/{proxy+}/ANY', '*/*') as
API Gateway's patch paths use them before '~1' escaping; HTTP API route settings by route key.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MethodSetting:
    """Per-method stage settings; None = not set."""

    throttling_rate_limit: float | None = None
    throttling_burst_limit: int | None = None
    caching_enabled: bool | None = None
    caching_ttl_seconds: int | None = None
    metrics_enabled: bool | None = None

    def as_dict(self) -> dict:
        """The settings that are set, by their deploy.json names."""
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass
class UsagePlan:
    """A REST usage plan: the stage, a plan-wide throttle and quota, per-method throttles, and its API key."""

    logical_id: str
    key_logical_id: str
    name: str
    description: str
    api_key: str
    throttle: dict | None = None
    quota: dict | None = None
    method_throttle: dict[str, dict] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """deploy.json's shape of the plan."""
        return {"name": self.name, "description": self.description, "throttle": self.throttle,
                "quota": self.quota, "method_throttle": dict(sorted(self.method_throttle.items())),
                "api_keys": [self.api_key]}


@dataclass
class StagePlan:
    """Everything about the API that is not in its OpenAPI body."""

    api_type: str
    name: str
    title: str
    stage: str
    region: str | None
    endpoint_type: str
    cache_cluster_enabled: bool = False
    cache_cluster_size: str | None = None
    tracing_enabled: bool = False
    metrics_enabled: bool = False
    access_log: dict | None = None
    method_settings: dict[str, MethodSetting] = field(default_factory=dict)
    usage_plans: list[UsagePlan] = field(default_factory=list)
    lambda_arns: list[str] = field(default_factory=list)

    def setting(self, key: str) -> MethodSetting:
        """The (new or existing) settings of one method or route key."""
        return self.method_settings.setdefault(key, MethodSetting())

    def deploy_json(self) -> dict:
        """The structured deploy description (no secrets) the deployer reads."""
        settings = {k: v.as_dict() for k, v in sorted(self.method_settings.items())}
        out = {"format": 1, "api_type": self.api_type, "name": self.name, "stage": self.stage,
               "region": self.region, "body_file": "openapi.json"}
        if self.api_type == "rest":
            out["endpoint_type"] = self.endpoint_type
            out["stage_settings"] = {
                "cache_cluster_enabled": self.cache_cluster_enabled, "cache_cluster_size": self.cache_cluster_size,
                "tracing_enabled": self.tracing_enabled, "metrics_enabled": self.metrics_enabled,
                "access_log": self.access_log, "method_settings": settings}
            out["usage_plans"] = [p.as_dict() for p in self.usage_plans]
        else:
            default = settings.pop("$default", {})
            out["stage_settings"] = {"auto_deploy": True, "metrics_enabled": self.metrics_enabled,
                                     "access_log": self.access_log, "default_route_settings": default,
                                     "route_settings": settings}
        return out
