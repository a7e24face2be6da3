"""Where each service's requests go: one address per service (Google's x-google-backend has no upstream
pools), the deadline, and how the gateway authenticates to the backend."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from gwc.emitting import heaviest_instance, instance_url, is_private_host
from gwc.model import Service

from .context import API_GATEWAY, Context

DEFAULT_READ_MS = 60000  # the spec's default read timeout; Google's own default deadline (15 s) is not used
# Google-hosted backends that check a Google-signed ID token: Cloud Run wants the service URL as the
# audience, Cloud Functions the function's URL (Google's default audience: the backend address).
RUN_HOSTS, FUNCTIONS_HOSTS = (".run.app",), (".cloudfunctions.net",)


@dataclass(frozen=True)
class ServicePlan:
    """How a service is reached: base URL (scheme://host[:port]), deadline in seconds, backend auth."""

    name: str
    base: str | None = None
    deadline: float = DEFAULT_READ_MS / 1000
    id_token: str | None = None   # "service" (audience = service URL), "address" (= backend address) or None
    usable: bool = True


def _instance_url(ctx: Context, svc: Service) -> str:
    """The heaviest non-backup instance (several instances are unsupported: with --allow-lossy it gets all)."""
    inst = heaviest_instance(svc)
    url = instance_url(inst)
    if ctx.product == API_GATEWAY and is_private_host(inst.host):
        ctx.warn("GWC344", f"service {svc.name!r} is at {url}, a private or local address: API Gateway runs in "
                 "Google's network and calls backends over the internet, so it cannot reach it", svc.pointer,
                 "give the service a public address (or a Cloud Run URL), or use product: endpoints with ESPv2 "
                 "running next to the service")
    return url


def service_plan(ctx: Context, svc: Service) -> ServicePlan:
    """Decide (and report, once) how a service is reached."""
    if svc.mock:  # unsupported (reported by the fidelity table): the routes to it are left out
        return ServicePlan(svc.name, usable=False)
    base = _instance_url(ctx, svc)
    deadline = DEFAULT_READ_MS / 1000
    if svc.timeouts_set:
        deadline = svc.read_timeout_ms / 1000
        ctx.mark("service.timeouts", svc.name)
    host = urlsplit(base).hostname or ""
    id_token = None
    if svc.scheme == "https":
        ctx.mark("service.https", svc.name)
        if not svc.tls_verify:
            ctx.warn("GWC342", f"service {svc.name!r}: tls_verify: false has no effect on gcp; Google always "
                     "verifies the upstream certificate (a self-signed one makes every request fail with 502)",
                     f"{svc.pointer}/tls_verify", "use a certificate from a public CA")
        if host.endswith(RUN_HOSTS):
            id_token = "service"
        elif host.endswith(FUNCTIONS_HOSTS):
            id_token = "address"
    return ServicePlan(svc.name, base=base, deadline=deadline, id_token=id_token)
