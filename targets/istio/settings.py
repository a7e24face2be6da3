"""targets.istio: settings that have no effect for this spec or mode (GWC382)."""

from __future__ import annotations

from .context import Context

BASE = "/targets/istio"


def check_settings(ctx: Context) -> None:
    s, gw = ctx.settings, ctx.gw
    if not ctx.ingress and "gateway" in s:
        ctx.warn("GWC382", "targets.istio.gateway has no effect in mesh mode (the VirtualService applies to the "
                 "sidecars)", f"{BASE}/gateway", "remove it, or set mode: ingress")
    if "tls_credential_name" in s and (not gw.tls or not ctx.ingress or "gateway" in s):
        ctx.warn("GWC382", "targets.istio.tls_credential_name has no effect: it is used only for a Gateway gwc creates "
                 "in ingress mode for a spec with tls", f"{BASE}/tls_credential_name", "remove it")
    if ctx.ingress and "gateway" in s and gw.tls:
        ctx.warn("GWC382", "the spec's tls is served by the existing Gateway named in targets.istio.gateway; gwc does "
                 "not change it", "/tls", "make sure that Gateway has an HTTPS server for the spec's hosts")
