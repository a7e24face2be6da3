"""The Istio target: one multi-document istio.yaml with a VirtualService for the gateway (mesh mode: the
sidecars route calls to the services' hosts; ingress mode: attached to an Istio Gateway for the spec's hosts),
DestinationRules for the upstream policies, and RequestAuthentication plus DENY AuthorizationPolicies for JWT and
client-address rules. Pure: no I/O, deterministic bytes."""

from __future__ import annotations

from gwc.diagnostics import has_errors
from gwc.emitting import to_yaml
from gwc.features import used_features
from gwc.model import Gateway
from gwc.target import EmitOptions, EmitResult

from .auth import policies, policy_path, route_methods, star_problem, usable_jwt
from .context import Context
from .fidelity import FIDELITY
from .gateway import gateway
from .names import label
from .overlap import Overlaps
from .plan import Group, plan
from .settings import check_settings
from .upstream import Upstreams, destination_rules
from .virtualservice import VirtualServiceBuilder


def _omissions(ctx: Context) -> dict[str, bool]:
    """Leave out the routes whose protection Istio cannot keep; the usable JWT methods."""
    usable = usable_jwt(ctx)
    for r in ctx.gw.routes:
        if r.auth and not route_methods(ctx, r, usable):
            ctx.omit_route(r, "none of its auth methods can be checked by Istio")
        elif (r.auth or r.ip) and r.rewrite and not ctx.ingress:
            feature = "ip_rules" if not r.auth else "auth.jwt"
            ctx.cannot(feature, r.id, r.pointer, "in mesh mode the destination's sidecar checks the policy on the "
                       "rewritten path, so the route's paths cannot name its requests", code="GWC387",
                       fix="use ingress mode, or drop the rewrite for this target")
            ctx.omit_route(r, "its protection cannot be checked on a rewritten path in mesh mode")
    return usable


def _groups(ctx: Context, usable: dict[str, bool]) -> tuple[list[Group], Overlaps]:
    """The route table and its overlaps; a protected route whose policy paths would contain a literal '*' is left
    out."""
    while True:
        groups = plan([r for r in ctx.gw.routes if r.id not in ctx.omitted])
        overlaps = Overlaps(groups)
        starred = any("*" in policy_path(g) for g in groups)
        again = False
        for i, g in enumerate(groups):
            protected = [r for r in g.routes if route_methods(ctx, r, usable) or r.ip] if starred else []
            if not protected or not star_problem(groups, i, overlaps.earlier(i)):
                continue
            for r in protected:
                ctx.cannot("auth.jwt" if r.auth else "ip_rules", r.id, r.pointer,
                           "a path here or before it has a literal '*', which Istio's policy paths read as a "
                           "wildcard", code="GWC387", fix="avoid '*' in paths for this target")
                ctx.omit_route(r, "its protection cannot name its paths")
                again = True
        if not again:
            return groups, overlaps


def _hosts(ctx: Context, ups: Upstreams) -> list[str]:
    gw = ctx.gw
    if gw.hosts:
        ctx.mark("hosts", "gateway")
        return list(gw.hosts)
    if ctx.ingress:
        return ["*"]
    hosts = sorted({i.host.strip("[]") for i in ups.chosen.values()})
    if not hosts:
        ctx.warn("GWC384", f"mesh mode and no upstream host: the VirtualService is for the host {gw.name!r}, which "
                 "must be a Kubernetes Service (or set hosts, or targets.istio.mode: ingress)", "/name",
                 "add hosts: [...] for the names clients call")
        hosts = [label(gw.name)]
    return hosts


class IstioTarget:
    """Compiles the model to Istio networking and security resources."""

    name = "istio"
    title = "Istio (VirtualService, DestinationRule, Gateway, RequestAuthentication, AuthorizationPolicy)"
    fidelity = FIDELITY

    def emit(self, gw: Gateway, options: EmitOptions) -> EmitResult:
        """istio.yaml; nothing is written to disk here."""
        result = EmitResult()
        ctx = Context(gw, options, result)
        check_settings(ctx)
        usable = _omissions(ctx)
        groups, overlaps = _groups(ctx, usable)
        if has_errors(result.diagnostics):
            return result
        ups = Upstreams(ctx)
        http = VirtualServiceBuilder(ctx, ups).http(groups)
        hosts = _hosts(ctx, ups)
        ref, gateways = gateway(ctx, hosts)
        spec: dict = {"hosts": hosts, **({"gateways": [ref]} if ref else {}), "http": http}
        docs = gateways + [ctx.resource("networking.istio.io", "VirtualService", label(gw.name), spec)]
        docs += destination_rules(ctx, ups)
        docs += policies(ctx, groups, overlaps, usable)
        for feature in ("observability.request_id", "observability.tracing", "observability.metrics"):
            ctx.mark(feature, "gateway")   # the proxies do these themselves (approximate rows say how)
        merged = {g.merged_base for g in groups if g.merged_base}
        for use in used_features(gw) if merged else ():   # a merged prefix's match expresses its companion
            if use.owner in merged:
                ctx.mark(use.feature, use.owner)
        ctx.mark_left_out()
        if has_errors(result.diagnostics):
            return result
        result.files["istio.yaml"] = "---\n".join(to_yaml(d) for d in docs)
        return result


TARGET = IstioTarget()
