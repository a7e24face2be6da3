"""HTTPRoute rules: one rule per spec route (a prefix with a rewrite: one per method), in the spec's precedence
order, with path and method matches, header and URL filters, timeouts and weighted backendRefs; then cut into
HTTPRoutes within the CRD's limits (16 rules, 64 matches per rule, fewer than 128 matches in all)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gwc.features import used_features
from gwc.model import HeaderOps, Route

from .backends import Backends
from .context import Context

MAX_RULES, MAX_MATCHES_PER_RULE, MAX_MATCHES = 16, 64, 127
MAX_HEADER_OPS = 16
# The CRD's grammar for header values (printable ASCII, single inner spaces or tabs, no edge spaces).
HEADER_VALUE = re.compile(r"^[!-~]+([\t ]?[!-~]+)*$")
_REGEX_SPECIAL = re.compile(r"[.^$*+?()\[\]{}|\\]")
_PARAM_SPLIT = re.compile(r"(\{[a-z_][a-z0-9_]*\})")


@dataclass
class Rule:
    """One HTTPRoute rule and the spec route it came from."""

    route: Route
    body: dict


def precedence(route: Route) -> tuple:
    """The spec's order: exact paths, then {param} paths (more literal segments first), then prefixes (longest
    first), declaration order breaking ties."""
    m = route.match
    if m.kind == "exact":
        return (0, 0, route.index)
    if m.kind == "params":
        literal = sum(1 for s in m.segments if not s.startswith("{"))
        return (1, -literal, route.index)
    return (2, -len(m.path), route.index)


def path_regex(path: str) -> str:
    """An anchored RE2 regular expression for a {param} path: each parameter is one non-empty segment."""
    out = []
    for part in _PARAM_SPLIT.split(path):
        out.append("[^/]+" if part.startswith("{") else _REGEX_SPECIAL.sub(r"\\\g<0>", part))
    return "^" + "".join(out) + "$"


def path_match(route: Route) -> dict:
    """The rule's path match: Exact, RegularExpression for {params}, PathPrefix."""
    m = route.match
    if m.kind == "exact":
        return {"type": "Exact", "value": m.path}
    if m.kind == "params":
        return {"type": "RegularExpression", "value": path_regex(m.path)}
    return {"type": "PathPrefix", "value": prefix_value(route)}


def matches(route: Route) -> list[dict]:
    """One match per method (one without a method when the route takes any)."""
    path = path_match(route)
    return [{"path": path, "method": m} for m in route.methods] if route.methods else [{"path": path}]


def prefix_value(route: Route) -> str:
    """The PathPrefix value: a prefix written without its '/' (covers_base) is the segment prefix itself."""
    path = route.match.path
    return path.rstrip("/") or "/" if route.covers_base else path


class RuleBuilder:
    """Builds the rules of every emitted route, and reports what cannot be expressed."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.backends = Backends(ctx)
        self.companions = {r.base_of: r for r in ctx.gw.routes if r.base_of}
        self.exact_paths = {r.match.path for r in ctx.gw.routes if r.match.kind == "exact"}
        self._uses: dict[str, list[str]] | None = None   # owner -> features it uses, built on first need

    def rules(self) -> list[Rule]:
        """Every rule, in precedence order; left-out routes have none."""
        out: list[Rule] = []
        for route in sorted(self.ctx.gw.routes, key=precedence):
            if route.base_of:
                continue  # expressed by its prefix route's PathPrefix match
            out += self.route_rules(route)
        return out

    def _omit(self, route: Route, why: str) -> list[Rule]:
        """Leave the route out, but keep its matches in a rule without backends: the Gateway answers it with 500
        (the Gateway API's rule for a rule with no valid backend and no filter), so a wider rule never serves its
        paths without the authentication, address rules or upstream the spec asks for."""
        self.ctx.omit_route(route, why)
        companion = self.companions.get(route.id)
        if companion:
            self.ctx.omitted[companion.id] = why
        return [Rule(route, {"matches": matches(route)})]

    def route_rules(self, route: Route) -> list[Rule]:
        """The rules of one route ([] when it is left out)."""
        _ctx, gw = self.ctx, self.ctx.gw
        if route.auth:
            return self._omit(route, f"its authentication ({', '.join(route.auth)}) cannot be expressed")
        if route.ip:
            return self._omit(route, "its client address rules cannot be expressed")
        names = [s.service for s in route.split] or [route.service]
        mocks = [n for n in names if n and gw.service(n).mock]
        if mocks:
            return self._omit(route, f"its service {mocks[0]!r} is answered by the gateway itself (a mock), which "
                                     "an HTTPRoute cannot do")
        self._mark_route(route)
        self._check_path(route)
        found = matches(route)
        filters = self._header_filters(route)
        rewrite = self._rewrite(route)
        body: dict = {"backendRefs": self.backends.refs(route)}
        timeouts = self._timeouts(route)
        if timeouts:
            body["timeouts"] = timeouts
        if rewrite:
            filters.append(rewrite)
        if filters:
            body["filters"] = filters
        if rewrite and rewrite["urlRewrite"]["path"]["type"] == "ReplacePrefixMatch":
            groups = [[m] for m in found]  # the CRD: a ReplacePrefixMatch rule has exactly one PathPrefix match
        else:
            groups = [found]
        return [Rule(route, {**body, "matches": g}) for g in groups]

    def _mark_route(self, route: Route) -> None:
        """The companion exact route of a segment prefix is the same PathPrefix match: its uses are expressed."""
        companion = self.companions.get(route.id)
        if companion:
            if self._uses is None:
                self._uses = {}
                for use in used_features(self.ctx.gw):
                    self._uses.setdefault(use.owner, []).append(use.feature)
            for feature in self._uses.get(companion.id, ()):
                self.ctx.mark(feature, companion.id)

    def _check_path(self, route: Route) -> None:
        """Mark the path and method uses; warn where PathPrefix answers more than the spec's prefix."""
        ctx, m = self.ctx, route.match
        ctx.mark(f"route.{m.kind}", route.id)
        if route.methods:
            ctx.mark("route.methods", route.id)
        if m.kind == "prefix" and not route.covers_base and m.path != "/":
            bare = m.path.rstrip("/")
            if bare not in self.exact_paths:
                ctx.warn("GWC393", f"route {route.id!r}: PathPrefix {m.path} also matches {bare} on the Gateway API "
                         f"(a trailing '/' is ignored), which the spec's prefix does not", route.pointer,
                         f"write prefix: {bare} if {bare} should be answered too, or add a route for path: {bare}")

    def _rewrite(self, route: Route) -> dict | None:
        ctx = self.ctx
        if not route.rewrite:
            return None
        if route.match.kind == "prefix":
            value = route.rewrite.rstrip("/") or "/" if route.covers_base else route.rewrite
            path = {"type": "ReplacePrefixMatch", "replacePrefixMatch": value}
        elif "{" in route.rewrite:
            ctx.cannot("route.rewrite", route.id, f"{route.pointer}/rewrite",
                       "URLRewrite replaces the whole path with a fixed one or the matched prefix; it cannot place "
                       f"the path parameters of {route.match.path} into {route.rewrite}",
                       fix="rewrite to a fixed path, move the rewrite into the upstream, or pass --allow-lossy to send "
                           "the path unchanged")
            return None
        else:
            path = {"type": "ReplaceFullPath", "replaceFullPath": route.rewrite}
        ctx.mark("route.rewrite", route.id)
        return {"type": "URLRewrite", "urlRewrite": {"path": path}}

    def _header_filters(self, route: Route) -> list[dict]:
        out = []
        for feature, ops, kind, key in (("headers.request", route.request_headers, "RequestHeaderModifier",
                                         "requestHeaderModifier"),
                                        ("headers.response", route.response_headers, "ResponseHeaderModifier",
                                         "responseHeaderModifier")):
            if not ops or self.ctx.dropped(feature, route.id):
                continue
            problem = header_problem(ops)
            if problem:
                self.ctx.cannot(feature, route.id, ops.pointer or route.pointer, problem, code="GWC394",
                                fix="change the header values for this target, or pass --allow-lossy to leave the "
                                    "header changes out")
                continue
            mod: dict = {}
            if ops.set:
                mod["set"] = [{"name": n, "value": v} for n, v in ops.set]
            if ops.remove:
                mod["remove"] = list(ops.remove)
            out.append({"type": kind, key: mod})
            self.ctx.mark(feature, route.id)
        return out

    def _timeouts(self, route: Route) -> dict | None:
        """request = backendRequest = the longest read timeout of the services the rule reaches that set one."""
        names = [s.service for s in route.split] or [route.service]
        svcs = [self.ctx.gw.service(n) for n in dict.fromkeys(names)]
        timed = [s for s in svcs if s.timeouts_set and not self.ctx.dropped("service.timeouts", s.name)]
        if not timed:
            return None
        for s in timed:
            self.ctx.mark("service.timeouts", s.name)
        value = duration(max(s.read_timeout_ms for s in timed))
        return {"request": value, "backendRequest": value}


def header_problem(ops: HeaderOps) -> str | None:
    """Why the CRD would refuse these header operations, or None."""
    if len(ops.set) > MAX_HEADER_OPS or len(ops.remove) > MAX_HEADER_OPS:
        return f"a header modifier takes at most {MAX_HEADER_OPS} set and {MAX_HEADER_OPS} removed headers"
    for name, value in ops.set:
        if not HEADER_VALUE.match(value):
            return (f"the value of header {name} ({value!r}) is empty, starts or ends with a space, or has two spaces "
                    "in a row, which the Gateway API does not accept")
    return None


def duration(ms: int) -> str:
    """A Gateway API duration (^([0-9]{1,5}(h|m|s|ms)){1,4}$): 90000 -> 1m30s, 1500 -> 1s500ms."""
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, rest = divmod(rest, 1000)
    text = "".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s"), (rest, "ms")) if v)
    return text or "0s"


def chunks(rules: list[Rule]) -> list[list[Rule]]:
    """Rules cut into HTTPRoutes: at most 16 rules and fewer than 128 matches each, in order."""
    out: list[list[Rule]] = [[]]
    count = 0
    for rule in rules:
        n = len(rule.body["matches"])
        if out[-1] and (len(out[-1]) == MAX_RULES or count + n > MAX_MATCHES):
            out.append([])
            count = 0
        out[-1].append(rule)
        count += n
    return [c for c in out if c]
