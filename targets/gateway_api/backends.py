"""Where a route's requests go: backendRefs to Kubernetes Services, derived from the service URLs.

The rule: an instance host `NAME.NAMESPACE.svc` (optionally followed by the cluster domain, e.g.
`.svc.cluster.local`) is the Service NAME in NAMESPACE; a host that is one DNS label (`users`) is the Service of
that name in the routes' namespace. Any other host (an IP address, an outside DNS name, localhost) is not a
Service: the backendRef names a Service after the spec service, which must be created to point at the address
(warning GWC390). The port is the URL's port (80/443 by default). A Service balances its own pods, so instances
on one Service are one backendRef; instances on several Services are weighted backendRefs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from gwc.model import Route, Service

from .context import Context
from .names import label

_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
SVC_HOST = re.compile(rf"^(?P<name>{_LABEL})\.(?P<ns>{_LABEL})\.svc(\.[a-z0-9.-]+)?$")
BARE_HOST = re.compile(rf"^{_LABEL}$")
MAX_WEIGHT = 1_000_000  # the CRD's maximum backendRef weight


@dataclass(frozen=True, order=True)
class ServiceRef:
    """A Kubernetes Service port: name, namespace (None = the routes' own) and port."""

    name: str
    namespace: str | None
    port: int

    def as_ref(self, weight: int | None = None) -> dict:
        """The backendRef object (group and kind default to the core Service)."""
        out: dict = {"name": self.name, "port": self.port}
        if self.namespace:
            out["namespace"] = self.namespace
        if weight is not None:
            out["weight"] = weight
        return out


def service_ref(ctx: Context, svc: Service, host: str, port: int) -> ServiceRef:
    """The Service an instance address stands for (see the module docstring)."""
    m = SVC_HOST.match(host)
    if m:
        ns = m.group("ns")
        return ServiceRef(m.group("name"), None if ns == ctx.namespace else ns, port)
    if BARE_HOST.match(host) and host != "localhost":
        return ServiceRef(host, None, port)
    return ServiceRef(label(svc.name), None, port)


class Backends:
    """Service plans (computed and reported once per service) and each route's weighted backendRefs."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.plans: dict[str, dict[ServiceRef, int]] = {}
        self.warned: set[str] = set()
        self.weighted: dict[tuple, tuple[list[dict], str]] = {}   # (split?, parts) -> (backendRefs, rounded)

    def plan(self, svc: Service) -> dict[ServiceRef, int]:
        """Service ref -> the summed weight of the instances behind it."""
        if svc.name in self.plans:
            return self.plans[svc.name]
        ctx = self.ctx
        groups: dict[ServiceRef, int] = {}
        outside: list[str] = []
        for i, inst in enumerate(svc.instances):
            if inst.backup:
                ctx.cannot("service.instances", svc.name, f"{svc.pointer}/targets/{i}/backup",
                           f"a backendRef has no backup role, so the backup instance {inst.host}:{inst.port} of "
                           f"service {svc.name!r} cannot be expressed",
                           fix="drop the backup instance for this target, or pass --allow-lossy to leave it out")
                continue
            ref = service_ref(ctx, svc, inst.host, inst.port)
            if ref.name == label(svc.name) and not BARE_HOST.match(inst.host) and not SVC_HOST.match(inst.host):
                outside.append(f"{inst.scheme}://{inst.host}:{inst.port}")
            groups[ref] = groups.get(ref, 0) + inst.weight
        if outside:
            ref_names = sorted({r.name for r in groups})
            ctx.warn("GWC390", f"service {svc.name!r} is at {', '.join(outside)}, which is not a Kubernetes Service "
                     f"address (NAME or NAME.NAMESPACE.svc): the HTTPRoute sends to the Service "
                     f"{', '.join(ref_names)!s} instead, which must exist and point at that address",
                     svc.pointer, "create a Service without selector plus an EndpointSlice for an IP address, or an "
                     "ExternalName Service for a DNS name; or write the service URL as http://NAME.NAMESPACE.svc:PORT")
        if len(svc.instances) > 1 and not ctx.dropped("service.instances", svc.name):
            ctx.mark("service.instances", svc.name)
        self.plans[svc.name] = groups
        return groups

    def refs(self, route: Route) -> list[dict]:
        """The route's backendRefs: one Service without weight, or weighted Services (split x instances). Routes
        with the same services and weights share one computation and one list (nothing changes it later)."""
        ctx = self.ctx
        parts = tuple((s.service, s.weight) for s in route.split) if route.split else ((route.service, 1),)
        for name, _ in parts:
            ctx.services_emitted.add(name)
        key = (bool(route.split), parts)
        if key not in self.weighted:
            self.weighted[key] = self._weigh(parts, bool(route.split))
        refs, rounded = self.weighted[key]
        if route.split:
            ctx.mark("route.split", route.id)
        if rounded:
            self.ctx.warn("GWC303", f"route {route.id!r}: the traffic shares ({rounded}) need weights above the "
                          f"Gateway API's maximum of {MAX_WEIGHT}; they are rounded to parts of a million",
                          route.pointer, "use simpler weights to keep the proportions exact")
        return refs

    def _weigh(self, parts: tuple[tuple[str, int], ...], split: bool) -> tuple[list[dict], str]:
        """The backendRefs of (service, weight) parts, and the shares when their weights had to be rounded."""
        total = sum(w for _, w in parts) or 1
        shares: dict[ServiceRef, Fraction] = {}
        for name, weight in parts:
            groups = self.plan(self.ctx.gw.service(name))
            inner = sum(groups.values()) or 1
            for ref, w in groups.items():
                shares[ref] = shares.get(ref, Fraction(0)) + Fraction(weight, total) * Fraction(w, inner)
        if len(shares) == 1 and not split:
            return [next(iter(shares)).as_ref()], ""
        weights, rounded = _integers(shares)
        return [ref.as_ref(weights[ref]) for ref in sorted(shares)], rounded


def _integers(shares: dict[ServiceRef, Fraction]) -> tuple[dict[ServiceRef, int], str]:
    """Integer weights in the shares' exact proportions, reduced; above the CRD's maximum, rounded to parts of a
    million, with the shares as text for the warning (GWC303)."""
    lcm = math.lcm(*(s.denominator for s in shares.values()))
    ints = {r: int(s * lcm) for r, s in shares.items()}
    gcd = math.gcd(*ints.values()) or 1
    ints = {r: v // gcd for r, v in ints.items()}
    if max(ints.values()) <= MAX_WEIGHT:
        return ints, ""
    ints = {r: round(s * MAX_WEIGHT) for r, s in shares.items()}
    return ints, ", ".join(f"{r.name}:{r.port} {float(shares[r]) * 100:.4f}%" for r in sorted(shares))
