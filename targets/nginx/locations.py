"""The route table as nginx locations, laid out so the per-request cost stays flat as routes grow.

Exact paths are `location =`, prefixes are prefix locations, and each parameter route is a regex
location in the prefix location of its literal head, with deeper prefix locations nested inside it (see
route_tree.py), so nginx never walks a long list of top-level regexes and the configuration grows
linearly with the routes. Precedence: exact > {params} (more literal segments first, then declaration
order) > longest prefix. Several routes on one path with different methods share a location that
dispatches by method to their named locations. A prefix route's directives sit in its own location unless
regex locations nest in it; nginx answers the path without the final '/' of a location holding proxy_pass
with a 301, so that path gets an exact location routed as the spec says.
"""

from __future__ import annotations

from gwc.model import Route
from gwc.paths import PARAM, shape

from .body_limit import NGINX_DEFAULT, largest, limit_directive
from .conf import Block, Directive, Lit, Node, Raw, Shared
from .context import Context
from .names import ERRORS, dispatch_named, error_named, route_named
from .route_body import allow_header, path_regex, request_id_header, route_body
from .route_tree import ANY, Regex, enclosing, first_matches, hosts, placements

DISPATCH_BASE = 460  # private status codes used only between a dispatcher and its error_page targets
NO_ROUTE = '{"message":"no route"}'


def _groups(routes: tuple[Route, ...]) -> list[list[Route]]:
    groups: dict[tuple, list[Route]] = {}
    for r in routes:
        groups.setdefault(shape(r.match), []).append(r)
    return list(groups.values())


def _carrier_prefix(route: Route) -> str:
    """The literal text before the first parameter, cut back to a '/'."""
    head = route.match.static_prefix
    return head[: head.rfind("/") + 1]


def _dispatcher(group: list[Route], ctx: Context, named: dict[str, Block], picked_limit: int) -> list[Node]:
    """Send each method to its route's named location; 405 with Allow for the rest."""
    out: list[Node] = []
    conds: list[Node] = []
    fallback = None
    methods: list[str] = []
    for i, r in enumerate(group):
        code = DISPATCH_BASE + i
        out.append(Directive("error_page", (code, "=", route_named(r.id))))
        named.setdefault(r.id, Block("location", (route_named(r.id),),
                                     route_body(r, ctx, check_method=False, picked_limit=picked_limit)))
        if r.methods is None:
            fallback = code
            continue
        methods += r.methods
        cond = Block("if", (Raw("($request_method"), "~", Raw("^(" + "|".join(r.methods) + ")$"), Raw(")")))
        conds.append(cond.add("return", code))
    cors_route = next((i for i, r in enumerate(group) if r.cors), None)
    if cors_route is not None and "OPTIONS" not in methods and fallback is None:
        conds.append(Block("if", (Raw("($request_method"), "=", "OPTIONS", Raw(")"))).add(
            "return", DISPATCH_BASE + cors_route))
        methods.append("OPTIONS")
    out += conds
    if fallback is not None:
        out.append(Directive("return", (fallback,)))
    else:
        out += request_id_header(ctx) + [
            Directive("add_header", ("Allow", Lit(allow_header(tuple(methods))), "always")),
            Directive("return", (405, Lit('{"message":"method not allowed"}')))]
    return out


def _body(group: list[Route], ctx: Context, named: dict[str, Block]) -> list[Node]:
    """The body of a location nginx picks by matching, holding the route (or the method dispatch) itself.
    The dispatch's own error_page lines hide the server's, which a 413 checked here still needs."""
    if len(group) == 1:
        return route_body(group[0], ctx)
    limit = largest(group)
    pages = ctx.shared(("error_pages",), lambda: [Directive("error_page", (c, "=", error_named(c))) for c in ERRORS])
    return [limit_directive(limit), pages] + _dispatcher(group, ctx, named, limit)


def _handoff(group: list[Route], ctx: Context, named: dict[str, Block]) -> list[Node]:
    """A picked-location body that only hands over to a named location, for prefix locations that hold
    regex locations: those would inherit auth_request, limit_req, error_page, proxy settings and more from
    the route's own directives. try_files is not inherited; the body limit must stay here, where nginx
    checks Content-Length. It costs a stat() and a scan of the named locations, so only they use it."""
    limit = largest(group)
    if len(group) == 1:
        key, name = group[0].id, route_named(group[0].id)
        make = lambda: route_body(group[0], ctx, picked_limit=limit)  # noqa: E731
    else:
        key, name = "dispatch:" + group[0].id, dispatch_named(group[0].id)
        make = lambda: _dispatcher(group, ctx, named, limit)  # noqa: E731
    if key not in named:
        named[key] = Block("location", (name,), make())
    return [ctx.shared(("handoff", limit, name),
                       lambda: [limit_directive(limit), Directive("try_files", ("/.gwc-none", name))])]


def _proxies(nodes: list[Node]) -> bool:
    """True when proxy_pass is among the nodes (not inside an `if`): then nginx answers the location's name
    without its final '/' with a 301 ("auto_redirect"), unless an exact location for that path exists."""
    for node in nodes:
        if isinstance(node, Shared):
            if _proxies(node.nodes):
                return True
        elif isinstance(node, Directive) and node.name == "proxy_pass":
            return True
    return False


def _precedence(group: list[Route]) -> tuple:
    r = group[0]
    return (-sum(1 for s in r.match.segments if not PARAM.match(s)), r.index)


def _not_found(ctx: Context) -> list[Node]:
    return [ctx.shared(("not_found",), lambda: [Directive("set", (Raw("$gwc_route"), "none")),
                                                limit_directive(NGINX_DEFAULT)] +
                       request_id_header(ctx) + [Directive("return", (404, Lit(NO_ROUTE)))])]


def _regex(group: list[Route]) -> Regex:
    m = group[0].match
    return Regex(tuple(ANY if PARAM.match(s) else s for s in m.segments), m.path.endswith("/"),
                 _carrier_prefix(group[0]))


def _guards(paths: list[str], ctx: Context, named: dict[str, Block], params: list[list[Route]],
            regexes: list[Regex], prefixes: dict[str, list[Route]]) -> list[Block]:
    """`location = /a` for each path nginx would redirect (a location "/a/" holds proxy_pass), answered as
    the spec routes it: the first {param} route matching it, else the longest prefix route, else 404."""
    out: list[Block] = []
    for path, best in first_matches(regexes, paths).items():
        if best is not None:
            body = _body(params[best], ctx, named)
        else:
            covering = [path[: i + 1] for i, c in enumerate(path) if c == "/" and path[: i + 1] in prefixes]
            body = _body(prefixes[covering[-1]], ctx, named) if covering else _not_found(ctx)
        out.append(Block("location", ("=", Lit(path)), body))
    return out


def route_locations(ctx: Context) -> tuple[list[Block], list[Block]]:
    """(server-level locations, named locations) for every route."""
    named: dict[str, Block] = {}
    groups = _groups(ctx.gw.routes)
    for g in groups:
        for r in g:
            ctx.result.mark(f"route.{r.match.kind}", r.id)
    exact = [g for g in groups if g[0].match.kind == "exact"]
    params = sorted((g for g in groups if g[0].match.kind == "params"), key=_precedence)
    prefixes = {g[0].match.path: g for g in groups if g[0].match.kind == "prefix"}
    regexes = [_regex(g) for g in params]
    where = placements(regexes)
    holds_regex = {p for ps in where for p in ps}
    parents = enclosing([*prefixes, *(rx.carrier for rx in regexes), "/"])
    cover: dict[str, str | None] = {}
    locations: dict[str, Block] = {}
    redirected: set[str] = set()
    for path, parent in parents.items():  # sorted: an enclosing path comes first
        cover[path] = path if path in prefixes else None if parent is None else cover[parent]
        if cover[path] is None:
            body = _not_found(ctx)
        elif path in prefixes and path not in holds_regex:  # nothing nested inherits from the route's body
            body = _body(prefixes[path], ctx, named)
            if path != "/" and _proxies(body):
                redirected.add(path[:-1])
        else:
            body = _handoff(prefixes[cover[path]], ctx, named)
        locations[path] = Block("location", (Lit(path),), body)
    for g, paths in zip(params, where):
        for path in sorted(paths):
            locations[path].children.append(Block("location", ("~", Raw(path_regex(g[0]))), _body(g, ctx, named)))
    top: list[Block] = []
    for path, host in hosts(parents, holds_regex).items():
        (top if host is None else locations[host].children).append(locations[path])
    server: list[Block] = []
    for g in exact:
        path = g[0].match.path
        server.append(Block("location", ("=", Lit(path)), _body(g, ctx, named)))
        if path.endswith("/") and path != "/" and _proxies(server[-1].children):
            redirected.add(path[:-1])
    redirected -= {g[0].match.path for g in exact}
    server += _guards(sorted(redirected), ctx, named, params, regexes, prefixes)
    return server + top, [named[k] for k in sorted(named)]
