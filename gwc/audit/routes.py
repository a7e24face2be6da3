"""Audit rules about routes and authentication: open writes, CORS, JWT claims, rate limits, fail-open paths."""

from __future__ import annotations

from typing import Iterator

from gwc.emitting import is_private_host
from gwc.model import Gateway, JwtAuth, Route
from gwc.paths import PARAM

from .base import CREDENTIAL_WORDS, WRITE_METHODS, Context, Hit, Rule, _words, q, restricted


class OpenWriteRoute(Rule):
    id = "GWA001"
    severity = "high"
    title = "Write route without authentication"
    rationale = "Anyone who can reach the gateway can create, change or delete data through this route."
    fix = "Give the route (or defaults) an auth method, or restrict it with ip.allow."
    detects = ("A route that accepts POST, PUT, PATCH or DELETE (or any method: no `methods`) and has neither "
               "`auth` nor an `ip.allow` list, after defaults are applied. Routes that only reach mock "
               "services are skipped (nothing behind them can change).")

    def check(self, ctx: Context) -> Iterator[Hit]:
        for r in ctx.routes:
            writes = WRITE_METHODS if r.methods is None else WRITE_METHODS & set(r.methods)
            if not writes or restricted(r) or ctx.mock_only(r):
                continue
            ptr = ctx.auth_pointer(r)
            how = f"auth {q(ctx.value(ptr))}" if ptr != r.pointer else "no auth"
            yield Hit(ptr, f"{ctx.label(r)} accepts {', '.join(sorted(writes))} with {how}")


class WildcardOriginOnAuthRoute(Rule):
    id = "GWA002"
    severity = "medium"
    title = "CORS allows every origin on an authenticated route"
    rationale = ("Any web page may call the route from a browser and read the answer; with tokens kept in "
                 "browser storage or sent by a script, another site's page can act with them.")
    fix = "List the front-end origins in cors.origins instead of '*'."
    detects = ("A route with `auth` whose effective `cors.origins` contains `*`. (`*` with `credentials: true` "
               "is already refused by the schema check, GWC212.)")

    def check(self, ctx: Context) -> Iterator[Hit]:
        for r in ctx.routes:
            if r.auth and r.cors and "*" in r.cors.origins:
                ptr = f"{r.cors.pointer}/origins/{r.cors.origins.index('*')}"
                yield Hit(ptr, f"{ctx.label(r)} requires auth {q(', '.join(r.auth))} but allows origin {q('*')}")


class JwtWithoutIssuer(Rule):
    id = "GWA003"
    severity = "medium"
    title = "JWT method does not check the issuer"
    rationale = ("A token signed by the same keys for another tenant or environment is accepted; the issuer "
                 "ties a token to the identity provider you meant.")
    fix = "Set jwt.issuer to the exact `iss` of your identity provider."
    detects = "An `auth.<name>.jwt` without `issuer`."

    def check(self, ctx: Context) -> Iterator[Hit]:
        for a in ctx.gw.auth.values():
            if isinstance(a, JwtAuth) and not a.issuer:
                yield Hit(a.pointer, f"jwt method {q(a.name)} accepts tokens from any issuer (no 'issuer')")


class JwtWithoutAudience(Rule):
    id = "GWA004"
    severity = "high"
    title = "JWT method does not check the audience"
    rationale = ("Without an audience check, a token the identity provider issued for any other application "
                 "(another API, a mobile app, a partner) is accepted here: token confusion.")
    fix = "Set jwt.audiences to the audience(s) your identity provider issues for this API."
    detects = "An `auth.<name>.jwt` without `audiences`."

    def check(self, ctx: Context) -> Iterator[Hit]:
        for a in ctx.gw.auth.values():
            if isinstance(a, JwtAuth) and not a.audiences:
                yield Hit(a.pointer, f"jwt method {q(a.name)} accepts tokens for any audience (no 'audiences')")


class PlainHttpPublicUpstream(Rule):
    id = "GWA005"
    severity = "medium"
    title = "Plain-HTTP upstream on a public address"
    rationale = ("Requests, credentials the gateway forwards and responses cross networks you do not control "
                 "unencrypted, and can be read or changed on the way.")
    fix = "Use an https:// URL, or reach the service over a private address."
    detects = ("A service instance with an `http://` URL whose host is not private: not a private, loopback or "
               "link-local IP, not `localhost`, not a single-label name, not ending in `.internal`, `.local` "
               "or `.localhost` (the same test as the cloud targets' private-host check).")

    def check(self, ctx: Context) -> Iterator[Hit]:
        for name, svc in ctx.gw.services.items():
            if svc.mock:
                continue
            ptrs = [f"{svc.pointer}/url"] if ctx.has(f"{svc.pointer}/url") else \
                [f"{svc.pointer}/targets/{i}/url" for i in range(len(svc.instances))]
            for inst, ptr in zip(svc.instances, ptrs):
                if inst.scheme == "http" and not is_private_host(inst.host):
                    yield Hit(ptr, f"service {q(name)} sends plain HTTP to the public host "
                                   f"{q(ctx.value(ptr, inst.host))}")


class NoRateLimitAnywhere(Rule):
    id = "GWA006"
    severity = "medium"
    title = "No rate limit on the gateway"
    rationale = "One client can use up the upstreams' capacity or brute-force anything; nothing slows it down."
    fix = "Set defaults.rate_limit (per client_ip), and turn it off only where needed with rate_limit: none."
    detects = "A gateway where no route has a rate limit, after defaults are applied."

    def check(self, ctx: Context) -> Iterator[Hit]:
        if ctx.routes and not any(r.rate_limit for r in ctx.routes):
            ptr = "/defaults/rate_limit" if ctx.has("/defaults/rate_limit") else \
                ("/defaults" if ctx.has("/defaults") else "/routes")
            yield Hit(ptr, f"gateway {q(ctx.gw.name)} has no rate limit on any of its {len(ctx.routes)} routes")


class CredentialRouteWithoutRateLimit(Rule):
    id = "GWA007"
    severity = "high"
    title = "Login, token or password route without a rate limit"
    rationale = "Credential endpoints without a limit invite password guessing and credential stuffing."
    fix = "Give the route a tight rate_limit per client_ip (for example 10/m with a small burst)."
    detects = ("A route without a rate limit whose path has a segment (or a `-`/`_`/`.` separated word of one) "
               "among: " + ", ".join(f"`{w}`" for w in sorted(CREDENTIAL_WORDS)) + ".")

    def check(self, ctx: Context) -> Iterator[Hit]:
        for r in ctx.routes:
            words = _words(r.match.path) & CREDENTIAL_WORDS
            if words and not r.rate_limit and not ctx.mock_only(r):
                ptr = f"{r.pointer}/rate_limit" if ctx.has(f"{r.pointer}/rate_limit") else ctx.path_pointer(r)
                yield Hit(ptr, f"{ctx.label(r)} looks like a credential endpoint ({q(sorted(words)[0])}) "
                               "and has no rate limit")


class OpenRouteBypassesAuth(Rule):
    id = "GWA008"
    severity = "high"
    title = "Protected path reachable without auth through an open route"
    rationale = ("Gateways match paths exactly, upstreams often do not: they ignore a trailing '/', letter "
                 "case or ';params'. When an open route sends the variants of a protected path to the same "
                 "service, the upstream serves the protected resource without authentication (fail open).")
    fix = ("Protect the open route too, send it to another service, or protect the whole subtree with a prefix "
           "route (`prefix: /admin` covers /admin and everything under it).")
    incident = ("Path-normalisation bypasses of path-based authorization: Istio CVE-2021-31920 (`//admin`, "
                "`%2F`), istio#27409 (`;` path parameters); auth must fail closed (CVE-2026-24513).")
    detects = ("For each route with auth (and not only mocks), gwc builds the variants an upstream may treat as "
               "the same path: with a trailing `/` added (exact and parameter routes) or removed (a prefix "
               "route whose bare path no route answers), in upper case, and with `;x` appended (exact routes). "
               "It resolves each variant with gwc's own precedence (exact, then parameter routes, then the "
               "longest prefix). A finding when that route has neither auth nor an `ip.allow` list, shares a "
               "service with the protected route and accepts one of its methods. An open catch-all to "
               "*other* services is fine.")

    def check(self, ctx: Context) -> Iterator[Hit]:
        found: dict[int, tuple[Route, list[str]]] = {}
        for p in ctx.routes:
            if not p.auth or ctx.mock_only(p):
                continue
            for variant in _variants(p, ctx.gw):
                o = resolve(ctx.gw, variant)
                if o is None or o is p or restricted(o) or not (ctx.services(o) & ctx.services(p)):
                    continue
                if p.methods is not None and o.methods is not None and not set(p.methods) & set(o.methods):
                    continue
                entry = found.setdefault(o.index, (o, []))
                text = f"{q(variant)} (protected: {q(p.match.path)})"
                if text not in entry[1]:
                    entry[1].append(text)
        for o, variants in found.values():
            shown = ", ".join(variants[:3]) + (f" and {len(variants) - 3} more" if len(variants) > 3 else "")
            common = ", ".join(sorted(ctx.services(o)))
            yield Hit(ctx.path_pointer(o), f"open {ctx.label(o)} sends {shown} to service {q(common)} without "
                                           "auth")


def _concrete(path: str) -> str:
    return "/".join("x" if PARAM.match(s) else s for s in path.split("/"))


def _variants(p: Route, gw: Gateway) -> list[str]:
    path = _concrete(p.match.path)
    out = []
    if p.match.kind == "prefix":
        bare = path.rstrip("/")
        if bare and not p.covers_base:
            out.append(bare)
        probe = path + "x"
    elif path == "/":
        return []
    else:
        out.append(path + "/")
        if p.match.kind == "exact":
            out.append(path + ";x")
        probe = path
    if probe.upper() != probe:
        out.append(probe.upper())
    return out


def resolve(gw: Gateway, path: str) -> Route | None:
    """The route gwc's precedence picks for a request path, ignoring methods: an exact path, then parameter
    routes (more literal segments first, then declaration order), then the longest prefix."""
    for r in gw.routes:
        if r.match.kind == "exact" and r.match.path == path:
            return r
    segments = path.strip("/").split("/") if path != "/" else []
    params = [r for r in gw.routes if r.match.kind == "params" and not path.endswith("/")
              and len(r.match.segments) == len(segments)
              and all(PARAM.match(a) and b or a == b for a, b in zip(r.match.segments, segments))]
    if params:
        return max(params, key=lambda r: (sum(not PARAM.match(s) for s in r.match.segments), -r.index))
    prefixes = [r for r in gw.routes if r.match.kind == "prefix" and path.startswith(r.match.path)]
    return max(prefixes, key=lambda r: len(r.match.path)) if prefixes else None
