"""targets.aws settings that have no effect for this spec: a warning each, never silently ignored."""

from __future__ import annotations

from .context import Context

REST_ONLY = {"cache_cluster_size": "HTTP APIs have no cache", "binary_media_types": "HTTP APIs pass binary bodies "
             "as they are", "vpc_link_id": "gwc connects HTTP APIs over the internet only (an HTTP API VPC link "
             "integration needs a load balancer listener ARN)", "authorizers": "HTTP APIs check JWTs natively"}


def check_settings(ctx: Context) -> None:
    """Warn (GWC324) about settings that do not apply."""
    s, gw = ctx.settings, ctx.gw
    base = "/targets/aws"
    if not ctx.rest:
        for key, why in REST_ONLY.items():
            if key in s:
                ctx.warn("GWC324", f"targets.aws.{key} has no effect on an HTTP API: {why}", f"{base}/{key}",
                         "remove it, or use api_type: rest")
        if s.get("endpoint_type", "REGIONAL") != "REGIONAL":
            ctx.warn("GWC324", "HTTP APIs are regional: targets.aws.endpoint_type has no effect",
                     f"{base}/endpoint_type", "remove it, or use api_type: rest")
    if ctx.rest:
        for name in sorted(s.get("authorizers", {})):
            if name not in gw.auth or gw.auth[name].kind != "jwt":
                ctx.warn("GWC324", f"targets.aws.authorizers.{name} names no JWT auth method; it is not used",
                         f"{base}/authorizers/{name}", "name a JWT method defined under auth")
    for name in sorted(s.get("load_balancer_urls", {})):
        if name not in gw.services or gw.services[name].mock:
            ctx.warn("GWC324", f"targets.aws.load_balancer_urls.{name} names no upstream service; it is not used",
                     f"{base}/load_balancer_urls/{name}", "name a service defined under services")
    if "cache_cluster_size" in s and ctx.rest and not any(r.cache for r in gw.routes):
        ctx.warn("GWC324", "targets.aws.cache_cluster_size is set but no route caches: no cache cluster is created",
                 f"{base}/cache_cluster_size", "remove it, or add cache to a route")
