"""Semantic checks the JSON Schema cannot express, run on the model. Each returns located diagnostics."""

from __future__ import annotations

import ipaddress

from gwc.check_text import check_dynamic_references
from gwc.diagnostics import Diagnostic, Level
from gwc.load import Document
from gwc.model import Gateway, Route
from gwc.paths import PARAM, rewrite_params, shape

DAY_MS = 86_400_000
RESERVED_PREFIX = "/_gwc/"


def _other(doc: Document, first: str, second: str, short: str = "lc") -> str:
    """Where `first` is, as seen from a diagnostic at `second`: line:column ('line N' when short is 'l')
    in the same file, file:line:column when the two come from different files (includes)."""
    path, m = doc.locate(first)
    if path != doc.source(second):
        return f"{path}:{m.line}:{m.column}"
    return f"line {m.line}" if short == "l" else f"{m.line}:{m.column}"


def _methods_overlap(a: Route, b: Route) -> bool:
    return a.methods is None or b.methods is None or bool(set(a.methods) & set(b.methods))


def _static_count(route: Route) -> int:
    return sum(1 for s in route.match.segments if not PARAM.match(s))


def check_references(gw: Gateway, doc: Document) -> list[Diagnostic]:
    """Routes name existing services and auth methods; a split has weight; api-key limits have api keys."""
    out = []
    for name in gw.auth:
        if name == "none":
            out.append(doc.diag("GWC220", "an auth method cannot be called 'none' (it means no auth)",
                                f"/auth/{name}", "rename it", key=True))
    for r in gw.routes:
        names = [(r.service, f"{r.pointer}/service")] if r.service else \
            [(s.service, f"{r.pointer}/split/{i}/service") for i, s in enumerate(r.split)]
        for svc, ptr in names:
            if svc not in gw.services:
                out.append(doc.diag("GWC201", f"service {svc!r} is not defined", ptr,
                                    f"define it under services:, or use one of: {', '.join(gw.services)}"))
            elif r.split and gw.services[svc].mock:
                out.append(doc.diag("GWC210", f"service {svc!r} is a mock and cannot be part of a split", ptr,
                                    "split between upstream services only"))
        if r.split and not any(s.weight for s in r.split):
            out.append(doc.diag("GWC210", "every weight of the split is 0", f"{r.pointer}/split",
                                "give at least one service a weight above 0"))
        for name in r.auth:
            if name not in gw.auth:
                out.append(doc.diag("GWC202", f"auth method {name!r} is not defined", _auth_ptr(r, doc),
                                    f"define it under auth:, or use one of: {', '.join(gw.auth) or '(none defined)'}"))
        if r.rate_limit and r.rate_limit.per == "api_key" and not (r.auth and all(
                gw.auth.get(n) and gw.auth[n].kind == "api_key" for n in r.auth)):
            out.append(doc.diag("GWC206", "rate_limit per api_key needs every auth method of the route to be "
                                "an API key (a request let in another way has no key to count)",
                                f"{r.rate_limit.pointer}/per", "use API-key auth only on this route, "
                                "or count per client_ip or per route"))
    return out


def _auth_ptr(r: Route, doc: Document) -> str:
    ptr = f"{r.pointer}/auth"
    return ptr if ptr in doc.marks else "/defaults/auth"


def _trie_overlaps(routes: list[tuple[int, tuple[str, ...]]]) -> list[tuple[int, int]]:
    """(earlier, later) index pairs of routes whose parameter-erased segments can match one path: equal
    literals, or a parameter ('{}') on either side. A trie keeps this near-linear for real route tables."""
    trie: dict = {}
    pairs = []
    for index, segments in routes:
        frontier = [trie]
        for seg in segments:
            if seg == "{}":
                frontier = [child for node in frontier for child in node.values()]
            else:
                frontier = [child for node in frontier for child in (node.get(seg), node.get("{}")) if child]
            if not frontier:
                break
        pairs += [(earlier, index) for node in frontier for earlier in node.get(None, ())]
        node = trie
        for seg in segments:
            node = node.setdefault(seg, {})
        node.setdefault(None, []).append(index)
    return pairs


def _overlapping_pairs(gw: Gateway) -> list[tuple[str, int, int]]:
    """('GWC203' | 'GWC204', earlier, later) for every pair of routes with overlapping methods that match the
    same requests, or that can match one path with the same precedence; in route order."""
    shapes = [shape(r.match) for r in gw.routes]
    same: dict[tuple, list[int]] = {}
    buckets: dict[tuple, list[tuple[int, tuple[str, ...]]]] = {}
    for i, (r, sh) in enumerate(zip(gw.routes, shapes)):
        same.setdefault(sh, []).append(i)
        if r.match.kind == "params":
            buckets.setdefault((len(sh[1]), _static_count(r)), []).append((i, sh[1]))
    found = {(a, b): "GWC203" for group in same.values() for n, b in enumerate(group) for a in group[:n]}
    for bucket in buckets.values():
        for a, b in _trie_overlaps(bucket):
            found.setdefault((a, b), "GWC204")
    routes = gw.routes
    return [(code, a, b) for (a, b), code in sorted(found.items()) if _methods_overlap(routes[a], routes[b])]


def check_routes(gw: Gateway, doc: Document) -> list[Diagnostic]:
    """Duplicate routes, ambiguous parameter routes, rewrites that name missing params, duplicate names."""
    out = []
    for code, i, j in _overlapping_pairs(gw):
        a, b = gw.routes[i], gw.routes[j]
        if code == "GWC203":
            out.append(doc.diag("GWC203", f"this route matches the same requests as the route at "
                                f"{_other(doc, a.pointer, b.pointer)} ({a.match.path})",
                                b.pointer, "remove one, or give them methods that do not overlap"))
        else:
            out.append(doc.diag("GWC204", f"{b.match.path} and {a.match.path} ({_other(doc, a.pointer, b.pointer, 'l')}) "
                                "can match the same path with the same precedence; the earlier route wins",
                                b.pointer, "make one of them more specific, or reorder them deliberately",
                                level=Level.WARNING))
    for r in gw.routes:
        if r.match.path.startswith(RESERVED_PREFIX):
            out.append(doc.diag("GWC224", f"paths under {RESERVED_PREFIX} are reserved for the gateway itself",
                                f"{r.pointer}/{'prefix' if r.match.kind == 'prefix' else 'path'}",
                                "pick another path"))
        if r.rewrite:
            missing = [p for p in rewrite_params(r.rewrite) if p not in r.match.params]
            for p in missing:
                out.append(doc.diag("GWC205", f"the rewrite uses {{{p}}} but the path has no such parameter",
                                    f"{r.pointer}/rewrite",
                                    f"parameters of this path: {', '.join(r.match.params) or 'none'}"))
            if r.match.kind == "prefix" and not r.rewrite.endswith("/"):
                out.append(doc.diag("GWC205", "a prefix route's rewrite replaces the prefix, so it must end with '/'",
                                    f"{r.pointer}/rewrite", f"e.g. rewrite: {r.rewrite}/"))
    return out


def _bad_cidrs(values, pointer: str, doc: Document) -> list[Diagnostic]:
    out = []
    for i, value in enumerate(values):
        try:
            ipaddress.ip_network(value, strict=True)
        except ValueError as exc:
            out.append(doc.diag("GWC214", f"{value!r} is not a valid address or network: {exc}", f"{pointer}/{i}",
                                "write e.g. 10.0.0.0/8 or 192.0.2.7 (host bits must be zero)"))
    return out


def check_values(gw: Gateway, doc: Document) -> list[Diagnostic]:
    """Addresses, CORS, durations and schemes that are well-formed but impossible."""
    out = _bad_cidrs(gw.trusted_proxies, "/trusted_proxies", doc)
    out += _bad_cidrs(gw.observability.metrics_allow, "/observability/metrics/allow", doc)
    seen_ip: set[str] = set()
    for r in gw.routes:
        if r.ip and r.ip.pointer not in seen_ip:
            seen_ip.add(r.ip.pointer)
            out += _bad_cidrs(r.ip.allow, f"{r.ip.pointer}/allow", doc)
            out += _bad_cidrs(r.ip.deny, f"{r.ip.pointer}/deny", doc)
        if r.cors and r.cors.credentials and "*" in r.cors.origins:
            out.append(doc.diag("GWC212", "CORS with credentials cannot allow every origin ('*')",
                                f"{r.cors.pointer}/origins", "list the origins explicitly"))
        if r.cache and r.cache.ttl_ms == 0:
            out.append(doc.diag("GWC207", "a cache ttl of 0 caches nothing", f"{r.cache.pointer}/ttl",
                                "set a ttl above 0, or cache: none"))
        if r.cache and r.methods and not {"GET", "HEAD"} & set(r.methods):
            out.append(doc.diag("GWC218", "only GET and HEAD responses are cached; this route has neither",
                                f"{r.cache.pointer}", "remove the cache, or allow GET", level=Level.WARNING))
    for svc in gw.services.values():
        if len({i.scheme for i in svc.instances}) > 1:
            out.append(doc.diag("GWC211", "all targets of a service must use the same scheme (http or https)",
                                f"{svc.pointer}/targets", "split them into two services"))
        for field, ms in (("connect", svc.connect_timeout_ms), ("read", svc.read_timeout_ms),
                          ("send", svc.send_timeout_ms)):
            if ms == 0 or ms > DAY_MS:
                out.append(doc.diag("GWC207", f"a {field} timeout of {ms} ms is impossible",
                                    f"{svc.pointer}/timeouts/{field}", "use a value between 1ms and 1d"))
        if svc.balance == "ip_hash" and any(i.backup for i in svc.instances):
            out.append(doc.diag("GWC210", "backup instances cannot be combined with balance: ip_hash",
                                f"{svc.pointer}/balance", "use round_robin or least_conn, or drop backup"))
        if svc.instances and not any(i.weight and not i.backup for i in svc.instances):
            out.append(doc.diag("GWC210", "every target of the service is a backup", f"{svc.pointer}/targets",
                                "mark at least one target as not a backup"))
    for name, auth in gw.auth.items():
        if auth.kind == "jwt":
            out += _check_jwt(auth, doc)
    metrics = gw.observability.metrics_path
    if metrics and any(r.match.path == metrics or (r.match.kind == "prefix" and metrics.startswith(r.match.path)
                                                   and r.match.path != "/") for r in gw.routes):
        out.append(doc.diag("GWC219", f"the metrics path {metrics} collides with a route",
                            "/observability/metrics/path", "pick a path no route uses, e.g. /_gwc/status"))
    return out


def _check_jwt(auth, doc: Document) -> list[Diagnostic]:
    out = []
    hs = [a for a in auth.algorithms if a.startswith("HS")]
    asym = [a for a in auth.algorithms if not a.startswith("HS")]
    if hs and not auth.secret:
        out.append(doc.diag("GWC215", f"{', '.join(hs)} needs a secret", auth.pointer,
                            "add secret: {env: NAME} (the HMAC key, by reference)"))
    if asym and not (auth.jwks_file or auth.jwks_url):
        out.append(doc.diag("GWC215", f"{', '.join(asym)} needs public keys", auth.pointer,
                            "add jwks: {file: keys/jwks.json} and/or jwks: {url: https://...}"))
    if not auth.algorithms:
        out.append(doc.diag("GWC215", "no way to check tokens: give jwks or secret", auth.pointer,
                            "add jwks: {file: ...} for RS/ES tokens or secret: {env: ...} for HS tokens"))
    if not auth.issuer or not auth.audiences:
        missing = " and ".join(n for n, v in (("issuer", auth.issuer), ("audiences", auth.audiences)) if not v)
        out.append(doc.diag("GWC223", f"tokens are accepted without checking their {missing}", auth.pointer,
                            "set issuer and audiences, or any token signed by these keys for any service passes",
                            level=Level.WARNING))
    if auth.leeway_s > 3600:
        out.append(doc.diag("GWC207", "a leeway above 1h accepts long-expired tokens", f"{auth.pointer}/leeway",
                            "keep the leeway to seconds or a few minutes"))
    return out


def check_gateway(gw: Gateway, doc: Document) -> list[Diagnostic]:
    """All semantic checks, sorted by location."""
    return sorted(check_hosts(gw, doc) + check_references(gw, doc) + check_routes(gw, doc)
                  + check_values(gw, doc) + check_dynamic_references(doc))


def check_hosts(gw: Gateway, doc: Document) -> list[Diagnostic]:
    """A host listed twice is an error naming both places."""
    out, first = [], {}
    for i, host in enumerate(gw.hosts):
        if host in first:
            where = _other(doc, f"/hosts/{first[host]}", f"/hosts/{i}", "l")
            out.append(doc.diag("GWC208", f"host {host!r} is listed twice (first at {where})", f"/hosts/{i}",
                                "list each host once"))
        first.setdefault(host, i)
    return out
