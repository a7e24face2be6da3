"""Ingress mode: the Istio Gateway the VirtualService attaches to (created here, or an existing one named by
targets.istio.gateway), with an HTTP server and, when the spec serves TLS, an HTTPS server whose certificate is the
Kubernetes Secret named by targets.istio.tls_credential_name."""

from __future__ import annotations

from .context import Context
from .names import label


def gateway(ctx: Context, hosts: list[str]) -> tuple[str | None, list[dict]]:
    """(the gateway reference for the VirtualService, the Gateway resources to write)."""
    gw, s = ctx.gw, ctx.settings
    tls_ok = False
    if gw.tls:
        if not ctx.ingress:
            ctx.cannot("tls", "gateway", "/tls", "mesh mode has no server of its own (the sidecars speak mutual TLS "
                       "inside the mesh)", code="GWC383", fix="use targets.istio.mode: ingress with "
                       "tls_credential_name, or remove tls for this target")
        elif s.get("gateway"):
            ctx.mark("tls", "gateway")   # served by the existing Gateway (GWC382 says so)
        elif not s.get("tls_credential_name"):
            ctx.cannot("tls", "gateway", "/tls", "the ingress gateway reads its certificate from a Kubernetes Secret, "
                       "and targets.istio.tls_credential_name names none (the spec's certificate files are not read)",
                       code="GWC383", fix="add targets:\n  istio:\n    tls_credential_name: SECRET-NAME")
        else:
            tls_ok = True
            ctx.mark("tls", "gateway")
    if not ctx.ingress:
        return None, []
    if s.get("gateway"):
        return s["gateway"], []
    http: dict = {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": hosts}
    servers = [http]
    if tls_ok:
        servers.append({"port": {"number": gw.tls.port, "name": "https", "protocol": "HTTPS"}, "hosts": hosts,
                        "tls": {"mode": "SIMPLE", "credentialName": s["tls_credential_name"]}})
        if gw.tls.redirect_http:
            http["tls"] = {"httpsRedirect": True}
    name = label(gw.name)
    spec = {"selector": ctx.selector or {}, "servers": servers}
    return name, [ctx.resource("networking.istio.io", "Gateway", name, spec)]
