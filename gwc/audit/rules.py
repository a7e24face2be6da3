"""The audit rules: one small class per rule, each with a stable id, a severity and one job.

A rule reads the typed model (and the loaded document, for the values as written) and yields `Hit`s: the
JSON pointer of the offending value and a message that quotes it. `gwc.audit.audit` turns hits into located
diagnostics. docs/audit.md is generated from the classes in this module (scripts/gen_docs.py), so a rule's
title, rationale, fix and `detects` text are its documentation.

Severity -> diagnostic level: high = error, medium = warning, low = note.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import ClassVar, Iterable, Iterator

from gwc.diagnostics import Level
from gwc.emitting import is_private_host
from gwc.load import Document
from gwc.model import Gateway, JwtAuth, Route
from gwc.paths import PARAM

SEVERITIES = ("high", "medium", "low")
LEVELS = {"high": Level.ERROR, "medium": Level.WARNING, "low": Level.NOTE}
SEVERITY_OF_LEVEL = {level: name for name, level in LEVELS.items()}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BODY = 100 * 1024 * 1024
CREDENTIAL_WORDS = frozenset({"login", "logon", "signin", "sign-in", "sign_in", "token", "tokens", "oauth",
                              "oauth2", "auth", "authorize", "authenticate", "password", "passwd", "otp", "mfa",
                              "2fa", "totp", "session", "sessions"})
SENSITIVE_SEGMENTS = frozenset({"admin", "administrator", "_admin", "wp-admin", "debug", "_debug", "pprof",
                                "actuator", "_status", "server-status", "metrics", "_metrics", "internal",
                                "_internal", ".env", ".git", "swagger", "swagger-ui", "swagger-ui.html",
                                "api-docs", "openapi.json", "openapi.yaml", "graphiql", "console", "jolokia",
                                "heapdump", "management", "phpinfo.php", "phpmyadmin"})


@dataclass(frozen=True)
class Hit:
    """One offence: where (JSON pointer into the spec) and what (a message quoting the offending value)."""

    pointer: str
    message: str


def q(value: object) -> str:
    """An offending value, quoted the same way in every message."""
    if isinstance(value, bool):
        return "'true'" if value else "'false'"  # as YAML spells it
    return f"'{value}'" if isinstance(value, (str, int)) else repr(value)


class Context:
    """What every rule reads: the model, the document (values as written) and a few shared questions."""

    def __init__(self, gw: Gateway, doc: Document) -> None:
        self.gw, self.doc = gw, doc
        # A prefix written without its '/' becomes two model routes with the same policies: audit it once.
        self.routes = [r for r in gw.routes if r.base_of is None]

    def value(self, pointer: str, default: object = None) -> object:
        """The value at a JSON pointer of the document as written (no escaping needed for spec keys)."""
        node = self.doc.data
        for token in [t for t in pointer.split("/")[1:]] if pointer else []:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return default
        return node

    def has(self, pointer: str) -> bool:
        """True when the spec writes a value at this pointer."""
        return pointer in self.doc.marks

    def label(self, r: Route) -> str:
        """How the route is written: "route 3 (prefix '/orders/', methods any)"."""
        kind = "prefix" if "prefix" in (self.value(r.pointer) or {}) else "path"
        written = self.value(f"{r.pointer}/{kind}", r.match.path)
        methods = ",".join(r.methods) if r.methods else "any"
        return f"route {r.index} ({kind} {q(written)}, methods {methods})"

    def path_pointer(self, r: Route) -> str:
        """The pointer of the route's path or prefix as written."""
        return f"{r.pointer}/prefix" if self.has(f"{r.pointer}/prefix") else f"{r.pointer}/path"

    def auth_pointer(self, r: Route) -> str:
        """Where the route's auth comes from: its own `auth`, the default's, or the route itself (none set)."""
        for ptr in (f"{r.pointer}/auth", "/defaults/auth"):
            if self.has(ptr):
                return ptr
        return r.pointer

    def services(self, r: Route) -> set[str]:
        """The services a route sends to."""
        return {r.service} if r.service else {s.service for s in r.split}

    def mock_only(self, r: Route) -> bool:
        """True when every service of the route is a mock (nothing behind it to protect)."""
        svcs = [self.gw.services.get(s) for s in self.services(r)]
        return bool(svcs) and all(s is not None and s.mock is not None for s in svcs)


def restricted(r: Route) -> bool:
    """A route counts as access-controlled when it has auth or an IP allow-list."""
    return bool(r.auth) or bool(r.ip and r.ip.allow)


def too_broad(cidr: str) -> bool:
    """True for a range bigger than any real proxy fleet or monitoring network: IPv4 wider than /8, IPv6
    wider than /16 (0.0.0.0/0 and ::/0 included)."""
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    return net.prefixlen < (8 if net.version == 4 else 16)


def _words(path: str) -> set[str]:
    out: set[str] = set()
    for seg in path.lower().strip("/").split("/"):
        if seg and not PARAM.match(seg):
            out.add(seg)
            out |= set(re.split(r"[-_.]", seg))
    return out


class Rule:
    """A rule: a stable id, a severity, a title, why it matters, how to fix it, what exactly it detects."""

    id: ClassVar[str]
    severity: ClassVar[str]
    title: ClassVar[str]
    rationale: ClassVar[str]
    fix: ClassVar[str]
    detects: ClassVar[str]
    incident: ClassVar[str] = ""

    def check(self, ctx: Context) -> Iterable[Hit]:  # pragma: no cover - every rule overrides it
        raise NotImplementedError


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


RULES: tuple[Rule, ...] = tuple(cls() for cls in (
    OpenWriteRoute, WildcardOriginOnAuthRoute, JwtWithoutIssuer, JwtWithoutAudience, PlainHttpPublicUpstream,
    NoRateLimitAnywhere, CredentialRouteWithoutRateLimit, OpenRouteBypassesAuth, IpRulesWithoutTrustedProxies,
    TrustedProxiesTooBroad, LargeBodyLimit, OpenSensitivePath, MetricsOpenToAll, SharedCacheOnAuthRoute,
    UpstreamTlsUnverified, CredentialInQuery))


@dataclass(frozen=True)
class IgnoreRule:
    """A finding about the ignore file itself. These cannot be ignored."""

    id: str
    severity: str
    title: str
    rationale: str
    fix: str
    detects: str
    incident: str = ""


IGNORE_RULES: tuple[IgnoreRule, ...] = (
    IgnoreRule("GWA901", "high", "Ignore entry without a reason",
               "An unexplained exception cannot be reviewed; it outlives the people who knew why.",
               "Add `reason:` saying why the finding is acceptable (and who decided).",
               ("An entry of the ignore file without a non-empty text `reason` (quote words YAML reads as "
                "booleans, such as `no`). The entry does not suppress anything.")),
    IgnoreRule("GWA902", "medium", "Ignore entry expired",
               "Exceptions are meant to be revisited; an expired one hides nothing any more.",
               "Fix the finding, or review the exception and move `expires:` forward.",
               "An entry whose `expires` date is before today. It does not suppress: the finding it covered is "
               "reported again."),
    IgnoreRule("GWA903", "high", "Ignore entry names an unknown rule",
               "A typo in a rule id silently ignores nothing, or a rule that no longer exists.",
               "Use one of the ids listed in docs/audit.md.",
               "An entry whose `rule` is not one of the audit rules (GWA001-GWA0xx)."),
    IgnoreRule("GWA904", "high", "Ignore file malformed",
               "A file gwc cannot read as intended must not quietly suppress (or fail to suppress) findings.",
               "Write a YAML list of mappings with the keys rule, pointer, reason and expires.",
               "The ignore file is not a list of mappings, an entry has an unknown key, or a value has the "
               "wrong type (`pointer` not starting with `/`, `expires` not a YYYY-MM-DD date). YAML errors "
               "are reported with their GWC0xx code."),
    IgnoreRule("GWA905", "low", "Ignore entry matches nothing",
               "A stale exception will silently hide the problem if it comes back.",
               "Remove the entry.",
               "A valid, unexpired entry that suppressed no finding in any audited spec."),
)

ALL_RULES: dict[str, Rule | IgnoreRule] = {r.id: r for r in (*RULES, *IGNORE_RULES)}
