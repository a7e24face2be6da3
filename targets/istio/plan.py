"""The route table in Istio's order. A VirtualService tries its http routes in order, first match wins, so the
spec's precedence (exact paths, then {param} paths with more literal segments first, then prefixes longest first)
is written as the order of the list. Routes of one path shape form a group: their method-specific entries, then
(when every route of the group lists methods) a 405 entry for the other methods, so that the path alone decides
which group answers, as in the spec. Authorization policies name the same request sets (`ap_paths`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gwc.model import Route
from gwc.paths import PARAM, shape

METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_RE2_META = re.compile(r"([.*+?()\[\]{}|^$\\])")


def re2_literal(text: str) -> str:
    """A path's literal text as RE2 (the spec's path characters that are regex syntax: . * +)."""
    return _RE2_META.sub(r"\\\1", text)


def params_regex(route: Route, capture: bool = False) -> str:
    """^/users/[^/]+$ for /users/{id}; with capture, each parameter is a group (for uriRegexRewrite)."""
    one = "([^/]+)" if capture else "[^/]+"
    return "^/" + "/".join(one if PARAM.match(s) else re2_literal(s) for s in route.match.segments) + "$"


@dataclass
class Group:
    """Routes with one path shape (declaration order), the uri match they share, and the same request set as
    AuthorizationPolicy paths."""

    routes: list[Route]
    uri: dict
    ap_paths: list[str]
    merged_base: str | None = None   # id of the companion exact route written into this prefix match
    kind: str = ""
    literal: str = ""                # the path (exact), prefix string (prefix) or regex (params)
    segments: tuple[str, ...] = field(default=())

    @property
    def methods_only(self) -> bool:
        """Every route lists methods: the other methods get 405."""
        return all(r.methods for r in self.routes)

    @property
    def allow(self) -> list[str]:
        return sorted({m for r in self.routes for m in r.methods or ()}, key=METHOD_ORDER.index)


def mergeable(main: Route) -> bool:
    """A prefix written without its '/' is written as one Istio prefix match ('/users' for /users and /users/...),
    unless its rewrite is '/' (Istio would turn /users/x into //x)."""
    return main.covers_base and main.rewrite != "/"


def _key(route: Route, position: int, prefix: str) -> tuple:
    m = route.match
    if m.kind == "exact":
        return (0, 0, route.index, position)
    if m.kind == "params":   # each parameter is a whole segment: the others are literal
        return (1, len(m.params) - len(m.segments), route.index, position)
    return (2, -len(prefix), route.index, position)


def _shape(route: Route) -> tuple:
    """gwc.paths.shape, without its per-segment work for exact paths (which have no parameters)."""
    m = route.match
    return (m.kind, m.segments, m.path.endswith("/")) if m.kind == "exact" else shape(m)


def plan(routes: list[Route]) -> list[Group]:
    """The groups in precedence order. `routes` are the routes to emit (omitted ones already removed)."""
    by_id = {r.id: r for r in routes}
    merged = {r.base_of: r.id for r in routes
              if r.base_of and r.base_of in by_id and mergeable(by_id[r.base_of])}
    keyed = []
    for position, r in enumerate(routes):
        if r.base_of and r.base_of in merged:
            continue
        prefix = r.match.path.rstrip("/") if r.id in merged else r.match.path
        keyed.append((_key(r, position, prefix), r, prefix))
    keyed.sort(key=lambda item: item[0])
    groups: dict[tuple, Group] = {}
    for _, r, prefix in keyed:
        sh = _shape(r)
        g = groups.get(sh)
        if g is not None:
            g.routes.append(r)
            continue
        kind = r.match.kind
        if kind == "exact":
            g = Group([r], {"exact": r.match.path}, [r.match.path], kind=kind, literal=r.match.path)
        elif kind == "params":
            template = "/" + "/".join("{*}" if PARAM.match(s) else s for s in r.match.segments)
            regex = params_regex(r)
            g = Group([r], {"regex": regex}, [template], kind=kind, literal=regex, segments=r.match.segments)
        else:
            g = Group([r], {"prefix": prefix}, [prefix + "*"], merged_base=merged.get(r.id), kind=kind,
                      literal=prefix)
        groups[sh] = g
    return list(groups.values())


def could_overlap(earlier: Group, later: Group) -> bool:
    """Can a request path fall in both groups' request sets? (Conservative: True when unsure; a notPaths entry
    that cannot overlap changes nothing.)"""
    if later.kind == "exact":
        return False
    if earlier.kind == "exact":
        if later.kind == "params":
            return re.fullmatch(later.literal, earlier.literal) is not None
        return earlier.literal.startswith(later.literal)
    if earlier.kind == "params" and later.kind == "params":
        return len(earlier.segments) == len(later.segments) and all(
            a == b or PARAM.match(a) or PARAM.match(b) for a, b in zip(earlier.segments, later.segments))
    if later.kind == "prefix":
        start = earlier.literal if earlier.kind == "prefix" else "/" + "/".join(
            s for s in _leading_literals(earlier.segments))
        return start.startswith(later.literal) or later.literal.startswith(start)
    return True


def _leading_literals(segments: tuple[str, ...]) -> list[str]:
    out = []
    for s in segments:
        if PARAM.match(s):
            break
        out.append(s)
    return out
