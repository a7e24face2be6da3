"""The Kubernetes resources: the Gateway (unless the routes attach to an existing one), the HTTPRoutes, the
HTTP-to-HTTPS redirect route, and one ReferenceGrant per namespace of a Service the routes reach across
namespaces."""

from __future__ import annotations

from .context import Context
from .names import with_suffix
from .routes import Rule, chunks

GROUP = "gateway.networking.k8s.io"
V1, V1BETA1 = f"{GROUP}/v1", f"{GROUP}/v1beta1"
MANAGED = {"app.kubernetes.io/managed-by": "gwc"}
MAX_HOSTNAMES = 16


def metadata(ctx: Context, name: str, namespace: str | None = None) -> dict:
    """name, namespace (when known) and the managed-by label."""
    out: dict = {"name": name, "labels": dict(MANAGED)}
    ns = namespace or ctx.namespace
    if ns:
        out["namespace"] = ns
    return out


def listeners(ctx: Context) -> tuple[list[dict], list[str], list[str]]:
    """The listeners, and the names of the HTTP and of the HTTPS ones."""
    gw = ctx.gw
    hosts: list[str | None] = list(gw.hosts) or [None]
    out, http, https = [], [], []
    for i, host in enumerate(hosts, 1):
        suffix = f"-{i}" if host else ""
        plain = {"name": f"http{suffix}", "port": 80, "protocol": "HTTP"}
        if host:
            plain["hostname"] = host
        out.append(plain)
        http.append(plain["name"])
        if gw.tls:
            secure = {"name": f"https{suffix}", "port": gw.tls.port, "protocol": "HTTPS",
                      "tls": {"mode": "Terminate",
                              "certificateRefs": [{"group": "", "kind": "Secret", "name": ctx.tls_secret}]}}
            if host:
                secure["hostname"] = host
            out.append(secure)
            https.append(secure["name"])
    return out, http, https


class Resources:
    """Builds every resource document, in a fixed order: Gateway, HTTPRoutes, redirect, ReferenceGrants."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.http: list[str] = []
        self.https: list[str] = []

    def gateway(self) -> list[dict]:
        """The Gateway ([] when the routes attach to an existing one)."""
        ctx = self.ctx
        if ctx.existing_gateway:
            for key in ("gateway_class", "tls_secret"):
                if key in ctx.settings:
                    ctx.warn("GWC392", f"targets.gateway_api.{key} has no effect: the routes attach to the existing "
                             f"Gateway {ctx.existing_gateway['name']!r}, and gwc writes no Gateway",
                             f"/targets/gateway_api/{key}", "remove it, or remove targets.gateway_api.gateway")
            if ctx.gw.tls:
                ctx.warn("GWC392", "tls: the existing Gateway's listeners decide whether and how HTTPS is served "
                         "(certificate, port, redirect); gwc writes no listener", ctx.gw.tls.pointer,
                         "give the existing Gateway an HTTPS listener with the certificate")
                ctx.mark("tls", "gateway")
            return []
        items, self.http, self.https = listeners(ctx)
        if ctx.gw.tls:
            ctx.mark("tls", "gateway")
            if "tls_secret" not in ctx.settings:
                ctx.warn("GWC392", f"tls: the certificate files are not read; the HTTPS listeners use the Secret "
                         f"{ctx.tls_secret!r}, which must exist in the Gateway's namespace", ctx.gw.tls.pointer,
                         f"kubectl create secret tls {ctx.tls_secret} --cert={ctx.gw.tls.cert_file} "
                         f"--key={ctx.gw.tls.key_file} (or set targets.gateway_api.tls_secret)")
        return [{"apiVersion": V1, "kind": "Gateway", "metadata": metadata(ctx, ctx.base_name),
                 "spec": {"gatewayClassName": ctx.gateway_class, "listeners": items}}]

    def parent_refs(self, sections: list[str]) -> list[dict]:
        """The routes' parents: the existing Gateway, or the generated one (its listeners `sections`, or all)."""
        ctx = self.ctx
        existing = ctx.existing_gateway
        if existing:
            ref = {"group": GROUP, "kind": "Gateway", "name": existing["name"]}
            if existing.get("namespace") and existing["namespace"] != ctx.namespace:
                ref["namespace"] = existing["namespace"]
            return [ref]
        base = {"group": GROUP, "kind": "Gateway", "name": ctx.base_name}
        return [{**base, "sectionName": s} for s in sections] if sections else [base]

    def hostnames(self) -> list[str]:
        """The spec hosts ([] = any), at most 16 on one HTTPRoute."""
        ctx = self.ctx
        hosts = list(ctx.gw.hosts)
        if not hosts:
            return []
        if len(hosts) > MAX_HOSTNAMES:
            ctx.cannot("hosts", "gateway", "/hosts", f"an HTTPRoute takes at most {MAX_HOSTNAMES} hostnames and the "
                       f"spec lists {len(hosts)}", code="GWC394",
                       fix="use a wildcard host (*.example.com), or pass --allow-lossy to answer any host")
            return []
        ctx.mark("hosts", "gateway")
        return hosts

    def routes(self, rules: list[Rule]) -> list[dict]:
        """The HTTPRoutes carrying the rules, and the redirect route when HTTP should move to HTTPS."""
        ctx = self.ctx
        tls = ctx.gw.tls
        redirect = bool(tls and tls.redirect_http and not ctx.existing_gateway)
        hostnames = self.hostnames()
        parents = self.parent_refs(self.https if redirect else [])
        groups = chunks(rules)
        out = []
        for i, group in enumerate(groups, 1):
            name = ctx.base_name if len(groups) == 1 else with_suffix(ctx.base_name, str(i))
            spec: dict = {"parentRefs": parents, "rules": [r.body for r in group]}
            if hostnames:
                spec["hostnames"] = hostnames
            out.append({"apiVersion": V1, "kind": "HTTPRoute", "metadata": metadata(ctx, name), "spec": spec})
        if redirect:
            to: dict = {"scheme": "https", "statusCode": 301}
            if tls.port != 443:
                to["port"] = tls.port
            spec = {"parentRefs": self.parent_refs(self.http),
                    "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                               "filters": [{"type": "RequestRedirect", "requestRedirect": to}]}]}
            if hostnames:
                spec["hostnames"] = hostnames
            out.append({"apiVersion": V1, "kind": "HTTPRoute",
                        "metadata": metadata(ctx, with_suffix(ctx.base_name, "https-redirect")), "spec": spec})
        return out

    def grants(self, routes: list[dict]) -> list[dict]:
        """One ReferenceGrant per namespace the routes reach Services in (other than their own)."""
        ctx = self.ctx
        wanted: dict[str, set[str]] = {}
        for route in routes:
            for rule in route["spec"]["rules"]:
                for ref in rule.get("backendRefs", []):
                    if ref.get("namespace") and ref["namespace"] != ctx.namespace:
                        wanted.setdefault(ref["namespace"], set()).add(ref["name"])
        if not wanted:
            return []
        if not ctx.namespace:
            ctx.warn("GWC392", f"the routes reach Services in {', '.join(sorted(wanted))}, but without "
                     "targets.gateway_api.namespace gwc cannot write the ReferenceGrant that allows it (it names the "
                     "routes' namespace)", "/targets", "set targets.gateway_api.namespace to the namespace the routes "
                     "are applied in")
            return []
        return [{"apiVersion": V1BETA1, "kind": "ReferenceGrant",
                 "metadata": metadata(ctx, with_suffix(ctx.base_name, "backends"), ns),
                 "spec": {"from": [{"group": GROUP, "kind": "HTTPRoute", "namespace": ctx.namespace}],
                          "to": [{"group": "", "kind": "Service", "name": n} for n in sorted(names)]}}
                for ns, names in sorted(wanted.items())]
