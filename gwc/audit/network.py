"""Audit rules about the network edge: IP rules and proxies, body sizes, exposed paths, metrics, caches, TLS."""

from __future__ import annotations

from typing import Iterator

from .base import MAX_BODY, SENSITIVE_SEGMENTS, Context, Hit, Rule, _words, q, restricted, too_broad


class IpRulesWithoutTrustedProxies(Rule):
    id = "GWA009"
    severity = "medium"
    title = "IP rules without trusted_proxies"
    rationale = ("Without trusted_proxies the client address is the TCP peer. Behind a load balancer every "
                 "request comes from the balancer's address, so an allow-list that contains it lets everybody "
                 "in, and a deny-list blocks nobody.")
    fix = ("Make sure no proxy or load balancer sits in front of the gateway, or declare it in trusted_proxies "
           "(then ignore this finding with that reason if there is none).")
    incident = ("Spoofable or wrong client IPs: APISIX CVE-2022-24112 bypassed an IP restriction by rewriting "
                "X-Real-IP; IP rules need a declared trusted-proxy list.")
    detects = ("`ip.allow`/`ip.deny` on a route or in defaults, or `observability.metrics.allow`, while "
               "`trusted_proxies` is empty. Reported once per place the rules are written.")

    def check(self, ctx: Context) -> Iterator[Hit]:
        if ctx.gw.trusted_proxies:
            return
        seen: set[str] = set()
        for r in ctx.routes:
            if r.ip and r.ip.pointer not in seen:
                seen.add(r.ip.pointer)
                cidrs = list(r.ip.allow) + list(r.ip.deny)
                yield Hit(r.ip.pointer, f"IP rules {q(cidrs)} of {ctx.label(r)} trust the TCP peer address "
                                        "(no trusted_proxies)")
        if ctx.gw.observability.metrics_path:
            yield Hit("/observability/metrics/allow",
                      f"metrics allow-list {q(list(ctx.gw.observability.metrics_allow))} trusts the TCP peer "
                      "address (no trusted_proxies)")


class TrustedProxiesTooBroad(Rule):
    id = "GWA010"
    severity = "high"
    title = "trusted_proxies trusts (almost) everyone"
    rationale = ("X-Forwarded-For is believed from every address in trusted_proxies; when that includes the "
                 "internet, any client can claim any IP and pass IP rules and per-IP rate limits.")
    fix = "List only the addresses of your own proxies or load balancers (or your CDN's published ranges)."
    incident = "APISIX CVE-2022-24112: a spoofed client address bypassed an IP restriction."
    detects = "An entry of `trusted_proxies` wider than IPv4 /8 or IPv6 /16 (such as `0.0.0.0/0` or `::/0`)."

    def check(self, ctx: Context) -> Iterator[Hit]:
        for i, cidr in enumerate(ctx.gw.trusted_proxies):
            if too_broad(cidr):
                yield Hit(f"/trusted_proxies/{i}", f"trusted_proxies entry {q(cidr)} lets any client set its "
                                                   "address through X-Forwarded-For")


class LargeBodyLimit(Rule):
    id = "GWA011"
    severity = "medium"
    title = "Unlimited or very large request body"
    rationale = "Huge request bodies tie up gateway and upstream memory, disk and bandwidth: an easy denial of service."
    fix = "Set body_limit to what the API needs (most JSON APIs: a few MiB); upload routes can have their own."
    detects = "A route or defaults with `body_limit: none`, or a body limit above 100 MiB."

    def check(self, ctx: Context) -> Iterator[Hit]:
        seen: set[str] = set()
        for r in ctx.routes:
            ptr = r.body_limit_pointer
            if r.body_limit is None or not ptr or ptr in seen:
                continue
            if r.body_limit == 0 or r.body_limit > MAX_BODY:
                seen.add(ptr)
                what = "no limit" if r.body_limit == 0 else f"{r.body_limit} bytes, above 100 MiB"
                yield Hit(ptr, f"body_limit {q(ctx.value(ptr))} of {ctx.label(r)} allows {what}")


class OpenSensitivePath(Rule):
    id = "GWA012"
    severity = "high"
    title = "Admin, debug or internal path without authentication"
    rationale = ("Admin consoles, debug and actuator endpoints, API docs and dot-files leak data or give "
                 "control; scanners look for exactly these paths.")
    fix = "Give the route auth (or an ip.allow list of your operators' networks), or do not route it publicly."
    incident = ("Exposed control planes: Kong admin API exposure (Kong PR#3016, >700 open admin APIs), APISIX "
                "default admin key CVE-2020-13945.")
    detects = ("A route with neither `auth` nor an `ip.allow` list (and not only mocks) whose path has a "
               "segment (or a `-`/`_`/`.` separated word of one) among: "
               + ", ".join(f"`{w}`" for w in sorted(SENSITIVE_SEGMENTS)) + ".")

    def check(self, ctx: Context) -> Iterator[Hit]:
        for r in ctx.routes:
            words = _words(r.match.path) & SENSITIVE_SEGMENTS
            if words and not restricted(r) and not ctx.mock_only(r):
                yield Hit(ctx.path_pointer(r), f"{ctx.label(r)} exposes {q(sorted(words)[0])} without auth")


class MetricsOpenToAll(Rule):
    id = "GWA013"
    severity = "medium"
    title = "Metrics endpoint open to (almost) everyone"
    rationale = "The status endpoint tells anyone your traffic, upstreams and error rates."
    fix = "Allow only the monitoring network in observability.metrics.allow."
    detects = "An `observability.metrics.allow` entry wider than IPv4 /8 or IPv6 /16 (such as `0.0.0.0/0`)."

    def check(self, ctx: Context) -> Iterator[Hit]:
        for i, cidr in enumerate(ctx.gw.observability.metrics_allow):
            if too_broad(cidr):
                yield Hit(f"/observability/metrics/allow/{i}",
                          f"metrics endpoint {q(ctx.gw.observability.metrics_path)} allows {q(cidr)}")


class SharedCacheOnAuthRoute(Rule):
    id = "GWA014"
    severity = "high"
    title = "Shared cache on an authenticated route"
    rationale = "One caller's answer is stored once and served to every other caller: a data leak across users."
    fix = ("Use cache.authenticated: per_subject (one entry per caller) or bypass (the default), or drop auth "
           "if the response really is the same for everybody.")
    detects = "A route with `auth` whose effective cache has `authenticated: shared`."

    def check(self, ctx: Context) -> Iterator[Hit]:
        for r in ctx.routes:
            if r.auth and r.cache and r.cache.authenticated == "shared":
                yield Hit(f"{r.cache.pointer}/authenticated",
                          f"{ctx.label(r)} requires auth {q(', '.join(r.auth))} but caches with authenticated "
                          f"{q('shared')}")


class UpstreamTlsUnverified(Rule):
    id = "GWA015"
    severity = "medium"
    title = "Upstream TLS certificate not verified"
    rationale = "Without verification anyone on the path can impersonate the upstream; https gives no protection."
    fix = "Remove tls_verify: false and give the upstream a certificate the gateway trusts."
    detects = "A service with an `https://` upstream and `tls_verify: false`."

    def check(self, ctx: Context) -> Iterator[Hit]:
        for name, svc in ctx.gw.services.items():
            if not svc.mock and svc.scheme == "https" and not svc.tls_verify:
                yield Hit(f"{svc.pointer}/tls_verify", f"service {q(name)} has tls_verify {q(False)}")


class CredentialInQuery(Rule):
    id = "GWA016"
    severity = "low"
    title = "Credentials accepted in the query string"
    rationale = ("Query strings end up in access logs, browser history, proxies and Referer headers, and so "
                 "do the tokens or keys in them.")
    fix = "Send credentials in a header; remove `query` from the auth method."
    detects = "An `auth.<name>.jwt.query` or `auth.<name>.api_key.query`."

    def check(self, ctx: Context) -> Iterator[Hit]:
        for a in ctx.gw.auth.values():
            if a.query:
                yield Hit(f"{a.pointer}/query", f"{a.kind} method {q(a.name)} accepts credentials in the query "
                                                f"parameter {q(a.query)}")

