"""Explain routing: which route answers a request and why, the effective route table, and a starter spec.

Pure functions over the model (no I/O); `gwc explain`, `gwc routes` and `gwc init` are thin wrappers.
Precedence is the one in docs/spec.md ("Route matching and precedence"):

1. an exact `path` (no params);
2. a `path` with `{params}`: more literal segments first, then declaration order;
3. a `prefix`: the longest first.

A path picks a *shape* (the best-ranked matching route's kind and segments, parameter names ignored). Routes
of one shape may split the methods between them (GWC203 allows it when the method sets are disjoint); the
one listing the request's method answers, and when none does the answer is 405 with the methods of that
shape. A lower-ranked route is never tried because of a method mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gwc.model import Gateway, Route
from gwc.paths import PARAM, shape
from gwc.values import format_seconds

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
RANKS = {"exact": 0, "params": 1, "prefix": 2}
KIND_TEXT = {"exact": "exact path", "params": "path with {params}", "prefix": "prefix"}


def literal_count(route: Route) -> int:
    """The number of literal (non-parameter) segments of a route's path."""
    return sum(1 for s in route.match.segments if not PARAM.match(s))


def precedence_key(route: Route) -> tuple[int, int, int]:
    """Sort key: exact, then {params} (more literal segments first), then prefixes (longest first); then
    declaration order."""
    kind = route.match.kind
    if kind == "exact":
        return (0, 0, route.index)
    if kind == "params":
        return (1, -literal_count(route), route.index)
    return (2, -len(route.match.path), route.index)


def route_order(gw: Gateway) -> list[Route]:
    """The routes in the order a request tries them."""
    return sorted(gw.routes, key=lambda r: (precedence_key(r), _sub_order(r)))


def _sub_order(route: Route) -> int:
    # a prefix written without '/' becomes two model routes with one spec index; keep their model order
    return 1 if route.base_of else 0


def match_path(route: Route, path: str) -> dict[str, str] | None:
    """The captured parameters when the route's path matches `path` (no query string), else None."""
    m = route.match
    if m.kind == "exact":
        return {} if path == m.path else None
    if m.kind == "prefix":
        return {} if path.startswith(m.path) else None
    if path.endswith("/") or not path.startswith("/"):
        return None  # trailing slashes are significant; a {param} is never empty
    segments = path[1:].split("/")
    if len(segments) != len(m.segments):
        return None
    params: dict[str, str] = {}
    for want, got in zip(m.segments, segments):
        p = PARAM.match(want)
        if p:
            if not got:
                return None
            params[p.group(1)] = got
        elif want != got:
            return None
    return params


def written(route: Route) -> str:
    """The route as the spec writes it: 'path: /users/{id}', 'prefix: /orders/', or 'prefix: /users' for both
    halves of a prefix written without its '/'."""
    if route.base_of:
        return f"prefix: {route.match.path}"
    if route.covers_base:
        return f"prefix: {route.match.path.rstrip('/')}"
    return f"{'prefix' if route.match.kind == 'prefix' else 'path'}: {route.match.path}"


def label(route: Route) -> str:
    """A route for messages: its id and how it is written."""
    return f"{route.id} ({written(route)})"


def rewrite_path(route: Route, path: str, params: dict[str, str]) -> str:
    """The upstream path for a matched request path (no query string)."""
    if not route.rewrite:
        return path
    if route.match.kind == "prefix":
        return route.rewrite + path[len(route.match.path):]
    out = route.rewrite
    for name, value in params.items():
        out = out.replace("{" + name + "}", value)
    return out


def _why_loses(loser: Route, winner: Route) -> str:
    """Why `loser` (which matches the path too) does not answer, given the best-ranked route `winner`."""
    lk, wk = loser.match.kind, winner.match.kind
    if shape(loser.match) == shape(winner.match):
        return "same path, declared later"
    if RANKS[lk] > RANKS[wk]:
        return f"{KIND_TEXT[wk]} {winner.match.path} ranks above a {KIND_TEXT[lk]}"
    if lk == "params":
        a, b = literal_count(loser), literal_count(winner)
        if a < b:
            return f"fewer literal segments ({a}) than {winner.match.path} ({b})"
        return (f"same number of literal segments ({a}) as {winner.match.path}, which is declared earlier "
                "(GWC204)")
    if lk == "prefix":
        if len(loser.match.path) < len(winner.match.path):
            return f"shorter prefix than {winner.match.path}"
        return f"declared after {winner.match.path}"
    return f"declared after {winner.match.path}"


@dataclass
class Shadowed:
    """A route whose path matches the request but which does not answer it."""

    route: Route
    reason: str
    accepts_method: bool


@dataclass
class Explanation:
    """The answer for one request."""

    method: str
    path: str
    query: str
    status: int                      # 200 (a route answers), 404 or 405
    reason: str
    route: Route | None = None
    params: dict[str, str] = field(default_factory=dict)
    upstream_path: str | None = None
    allowed: tuple[str, ...] = ()    # for 405
    policies: dict | None = None
    shadowed: list[Shadowed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _accepts(route: Route, method: str) -> bool:
    return route.methods is None or method in route.methods


def explain(gw: Gateway, method: str, target: str, headers: tuple[tuple[str, str], ...] = ()) -> Explanation:
    """Which route answers `method target` (target = path with an optional ?query) and why."""
    method = method.upper()
    path, _, query = target.partition("?")
    notes = []
    if headers:
        notes.append("headers are not used for matching: spec v1 matches on the path, then the method "
                     f"(given: {', '.join(f'{k}: {v}' for k, v in headers)})")
    if query:
        notes.append("the query string is ignored for matching and passed upstream unchanged")
    matches = [(r, p) for r in route_order(gw) if (p := match_path(r, path)) is not None]
    if not matches:
        return Explanation(method, path, query, 404, f"no route matches the path {path}", notes=notes)
    best = matches[0][0]
    group = [(r, p) for r, p in matches if shape(r.match) == shape(best.match)]
    chosen = next(((r, p) for r, p in group if _accepts(r, method)), None)
    if chosen is None:
        allowed = tuple(m for m in METHODS if any(_accepts(r, m) for r, _ in group))
        reason = (f"{written(best)} matches the path but does not accept {method}; "
                  f"allowed: {', '.join(allowed)}")
        shadowed = [Shadowed(r, f"{written(best)} answers the path first (405)" if shape(r.match) != shape(
            best.match) else f"same path; does not accept {method}", _accepts(r, method)) for r, _ in matches]
        return Explanation(method, path, query, 405, reason, allowed=allowed, shadowed=shadowed, notes=notes)
    route, params = chosen
    shadowed = []
    for r, _ in matches:
        if r is route:
            continue
        if shape(r.match) == shape(route.match) and not _accepts(r, method):
            why = f"same path; does not accept {method}"
        else:
            why = _why_loses(r, route)
        shadowed.append(Shadowed(r, why, _accepts(r, method)))
    upstream = rewrite_path(route, path, params) + (f"?{query}" if query else "")
    return Explanation(method, path, query, 200, _why_wins(route, params), route=route, params=params,
                       upstream_path=upstream, policies=effective_policies(gw, route), shadowed=shadowed,
                       notes=notes)


def _why_wins(route: Route, params: dict[str, str]) -> str:
    kind = route.match.kind
    if route.base_of:
        return (f"the bare path of {written(route)} (a prefix written without '/' also answers the path "
                "itself, as an exact match)")
    if kind == "exact":
        return "exact path match (the highest precedence)"
    if kind == "params":
        return (f"path with {{params}} ({literal_count(route)} literal segment"
                f"{'s' if literal_count(route) != 1 else ''}); no exact path matches")
    return f"longest matching prefix ({route.match.path}); no exact or {{params}} path matches"


# --- effective policies -------------------------------------------------------------------------------

def _source(pointer: str) -> str:
    return "defaults" if pointer.startswith("/defaults") else "route"


def _size(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n % size == 0 and n >= size:
            return f"{n // size}{unit}"
    return f"{n}B"


def _service(gw: Gateway, name: str, weight: int | None) -> dict:
    svc = gw.services.get(name)
    out: dict = {"service": name}
    if weight is not None:
        out["weight"] = weight
    if svc is None:
        return out
    if svc.mock:
        out["mock"] = {"status": svc.mock.status, "content_type": svc.mock.content_type}
        return out
    out["instances"] = [{"url": f"{i.scheme}://{i.host}:{i.port}", "weight": i.weight, "backup": i.backup}
                        for i in svc.instances]
    out["balance"] = svc.balance
    out["timeouts"] = {"connect": format_seconds(svc.connect_timeout_ms), "read": format_seconds(svc.read_timeout_ms),
                       "send": format_seconds(svc.send_timeout_ms)}
    out["retries"] = ({"attempts": svc.retries.attempts, "on": list(svc.retries.on),
                       "non_idempotent": svc.retries.non_idempotent} if svc.retries else None)
    return out


def effective_policies(gw: Gateway, route: Route) -> dict:
    """The route's policies after defaults, as plain data (None = off). `from` says whether a policy is the
    route's own or inherited from `defaults`."""
    auth = []
    for name in route.auth:
        a = gw.auth.get(name)
        if a is None:
            auth.append({"name": name})
        elif a.kind == "jwt":
            auth.append({"name": name, "kind": "jwt", "issuer": a.issuer, "audiences": list(a.audiences),
                         "algorithms": list(a.algorithms)})
        else:
            where = ([f"header {a.header}"] if a.header else []) + ([f"query {a.query}"] if a.query else [])
            auth.append({"name": name, "kind": "api_key", "in": where, "keys": f"{{{a.keys.kind}: {a.keys.ref}}}"})
    rl = route.rate_limit
    cache, comp, cors, ip = route.cache, route.compression, route.cors, route.ip
    return {
        "auth": auth or None,
        "rate_limit": None if rl is None else {
            "rate": rl.rate.text, "burst": rl.burst, "per": rl.per, "from": _source(rl.pointer),
            **({"quota": {"requests": rl.quota.requests, "period": rl.quota.period}} if rl.quota else {})},
        "cache": None if cache is None else {
            "ttl": format_seconds(cache.ttl_ms), "key": list(cache.key), "authenticated": cache.authenticated,
            "from": _source(cache.pointer)},
        "compression": None if comp is None else {
            "gzip": comp.gzip, "brotli": comp.brotli, "min_size": _size(comp.min_size), "level": comp.level,
            "types": list(comp.types), "from": _source(comp.pointer)},
        "cors": None if cors is None else {
            "origins": list(cors.origins), "methods": list(cors.methods), "headers": list(cors.headers),
            "expose_headers": list(cors.expose_headers), "credentials": cors.credentials,
            "max_age": format_seconds(cors.max_age_s * 1000), "from": _source(cors.pointer)},
        "headers": {
            "request": {"set": dict(route.request_headers.set), "remove": list(route.request_headers.remove)},
            "response": {"set": dict(route.response_headers.set), "remove": list(route.response_headers.remove)}},
        "body_limit": None if route.body_limit is None else {
            "bytes": route.body_limit, "size": _size(route.body_limit), "from": _source(route.body_limit_pointer)},
        "ip": None if ip is None else {"allow": list(ip.allow), "deny": list(ip.deny), "from": _source(ip.pointer)},
        "upstream": ([_service(gw, route.service, None)] if route.service else
                     [_service(gw, s.service, s.weight) for s in route.split]),
    }


# --- output -------------------------------------------------------------------------------------------
