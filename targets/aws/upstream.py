"""Where each service's requests go: one address per service (API Gateway has no upstream pools)."""

from __future__ import annotations

from dataclasses import dataclass

from gwc.emitting import heaviest_instance, instance_url, is_private_host
from gwc.model import Mock, Service

from .context import Context
from .values import quote_static

MAX_TIMEOUT_MS = {"rest": 29000, "http": 30000}
MIN_TIMEOUT_MS = 50


@dataclass(frozen=True)
class ServicePlan:
    """How a service is reached: a base URL (scheme://host[:port]) or a mock, and the integration timeout."""

    name: str
    base: str | None = None
    mock: Mock | None = None
    timeout_ms: int = 29000
    insecure_tls: bool = False
    usable: bool = True


def _mock_plan(ctx: Context, svc: Service) -> ServicePlan:
    if not ctx.rest:
        ctx.cannot("service.mock", svc.name, f"{svc.pointer}/mock",
                   "HTTP APIs have no mock integrations (targets.aws.api_type: rest has them)")
        return ServicePlan(svc.name, usable=False)
    bad = [name for name, value in svc.mock.headers if quote_static(value) is None]
    if bad:
        ctx.cannot("service.mock", svc.name, f"{svc.pointer}/mock/headers",
                   f"the value of {', '.join(bad)} holds a single quote, which API Gateway's static "
                   "header values cannot carry (it has no escape for it)")
        return ServicePlan(svc.name, usable=False)
    ctx.mark("service.mock", svc.name)
    return ServicePlan(svc.name, mock=svc.mock)


def _instance_url(ctx: Context, svc: Service) -> str:
    lb = ctx.settings.get("load_balancer_urls", {}).get(svc.name)
    if lb:
        for feature, used in (("service.instances", len(svc.instances) > 1),
                              ("service.balance", svc.balance != "round_robin"), ("service.health", svc.health_set)):
            if used:
                ctx.mark(feature, svc.name)
        return lb.rstrip("/")
    fix = (f"put a load balancer in front of the instances and name it in targets.aws.load_balancer_urls."
           f"{svc.name}, or pass --allow-lossy")
    if len(svc.instances) > 1:
        ctx.cannot("service.instances", svc.name, f"{svc.pointer}/targets", "API Gateway sends a route's "
                   "requests to one address; with --allow-lossy the heaviest instance gets them all", fix=fix)
    if svc.balance != "round_robin":
        ctx.cannot("service.balance", svc.name, f"{svc.pointer}/balance",
                   "API Gateway has one address per integration, nothing to balance over", fix=fix)
    if svc.health_set:
        ctx.cannot("service.health", svc.name, f"{svc.pointer}/health",
                   "API Gateway does not take failing instances out (no passive health checks)", fix=fix)
    inst = heaviest_instance(svc)
    url = instance_url(inst)
    if is_private_host(inst.host) and not ctx.settings.get("vpc_link_id"):
        ctx.warn("GWC323", f"service {svc.name!r} is at {url}, a private or local address: API Gateway calls "
                 "upstreams over the internet and cannot reach it", f"{svc.pointer}",
                 "give the service a public address, or reach it through a VPC link (targets.aws.vpc_link_id, "
                 "REST APIs)")
    return url


def _timeout(ctx: Context, svc: Service) -> int:
    top = MAX_TIMEOUT_MS[ctx.api_type]
    if not svc.timeouts_set:
        return top
    ctx.mark("service.timeouts", svc.name)
    want = svc.read_timeout_ms
    got = min(max(want, MIN_TIMEOUT_MS), top)
    if got != want:
        ctx.warn("GWC303", f"service {svc.name!r}: the read timeout {want} ms becomes an integration timeout of "
                 f"{got} ms (API Gateway allows {MIN_TIMEOUT_MS}-{top} ms for the whole request)",
                 f"{svc.pointer}/timeouts/read", f"set timeouts.read between {MIN_TIMEOUT_MS}ms and {top}ms")
    return got


def service_plan(ctx: Context, svc: Service) -> ServicePlan:
    """Decide (and report, once) how a service is reached."""
    if svc.mock:
        return _mock_plan(ctx, svc)
    base = _instance_url(ctx, svc)
    insecure = False
    if svc.scheme == "https":
        ctx.mark("service.https", svc.name)
        if not svc.tls_verify:
            if ctx.rest:
                insecure = True
            else:
                ctx.warn("GWC324", f"service {svc.name!r}: tls_verify: false has no effect on an HTTP API; the "
                         "upstream certificate is still verified", f"{svc.pointer}/tls_verify",
                         "use a certificate from a public CA, or a REST API (tlsConfig.insecureSkipVerification)")
    return ServicePlan(svc.name, base=base, timeout_ms=_timeout(ctx, svc), insecure_tls=insecure)
