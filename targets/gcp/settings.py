"""targets.gcp: the settings each product needs (GWC340), the ones that have no effect (GWC342), and
deploy.json, the structured description the deployer reads (no secrets)."""

from __future__ import annotations

from .context import API_GATEWAY, ENDPOINTS, Context

BASE = "/targets/gcp"
GATEWAY_ONLY = ("api_id", "gateway_id", "location", "gateway_service_account")


def check_settings(ctx: Context) -> None:
    """A warning for what deploying would need (the document still compiles); warnings for what a product does
    not use."""
    s = ctx.settings
    if ctx.product == ENDPOINTS:
        if not ctx.service_name:
            ctx.warn("GWC340", "Cloud Endpoints needs a service name (the OpenAPI host), and targets.gcp sets "
                     "neither service nor project: the document has no host, and gwc deploy will refuse it", BASE,
                      f"add targets:\n  gcp:\n    project: YOUR-PROJECT-ID   # service: {ctx.gw.name}.endpoints."
                      "YOUR-PROJECT-ID.cloud.goog\n(or service: with the full name; or product: api-gateway)")
        for key in GATEWAY_ONLY:
            if key in s:
                ctx.warn("GWC342", f"targets.gcp.{key} has no effect on Cloud Endpoints (product: endpoints); it is "
                         "an API Gateway setting", f"{BASE}/{key}", "remove it, or use product: api-gateway")
    if ctx.product == API_GATEWAY and ctx.openapi == 3 and s.get("service"):
        ctx.warn("GWC342", "targets.gcp.service has no effect on an OpenAPI 3 document for API Gateway (its host is "
                 "the gateway's)", f"{BASE}/service", "remove it, or use openapi: 2")


def deploy_json(ctx: Context) -> dict:
    """What the deployer needs, with null for what targets.gcp does not give."""
    s = ctx.settings
    gateway = ctx.product == API_GATEWAY
    return {"format": 1, "product": ctx.product, "name": ctx.gw.name, "title": ctx.gw.title,
            "project": s.get("project"), "service": ctx.service_name,
            "api_id": s.get("api_id") if gateway else None,
            "gateway_id": s.get("gateway_id") if gateway else None,
            "location": s.get("location") if gateway else None,
            "gateway_service_account": s.get("gateway_service_account") if gateway else None,
            "openapi_file": "openapi.yaml", "openapi_version": ctx.openapi}
