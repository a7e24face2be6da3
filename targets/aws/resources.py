"""The API's resource tree: which route answers which API Gateway resource path.

API Gateway matches a request by walking a tree of resources, one path segment at a time, and never
backtracks: a literal resource takes its segment and everything below it; a resource has at most one
variable child ({id} or the greedy {proxy+}). The spec's precedence (exact, then {params} with more
literal segments first, then the longest prefix) is expressed by giving every resource the route the
spec would pick for it:

- each exact or {param} route is bound at its own resource; {params} at one position share the first
  name seen there, and the route's names are mapped onto it;
- a prefix route is bound at every resource below its prefix that no more specific route owns, and at a
  greedy {proxy+} below each resource that has no variable child (so it never has a variable sibling).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gwc.model import Route
from gwc.paths import PARAM


@dataclass
class Node:
    """One resource: its OpenAPI path, the path parameters along it, and what is bound here."""

    path: str
    params: tuple[str, ...] = ()
    literals: dict[str, Node] = field(default_factory=dict)
    var: Node | None = None
    routes: list[Route] = field(default_factory=list)
    prefix_routes: list[Route] = field(default_factory=list)

    def child_path(self, segment: str) -> str:
        """The path of a child resource."""
        return ("" if self.path == "/" else self.path) + "/" + segment

    def children(self) -> list[Node]:
        """Literal children (sorted), then the variable child."""
        out = [self.literals[k] for k in sorted(self.literals)]
        return out + ([self.var] if self.var else [])


@dataclass(frozen=True)
class Binding:
    """A route answering at one resource and the upstream path template; a greedy parameter is named
    with its '+' (`proxy+`), as the OpenAPI path writes it."""

    path: str
    params: tuple[str, ...]
    route: Route
    upstream: str


def _unique(name: str, taken: tuple[str, ...]) -> str:
    out, n = name, 2
    while out in taken:
        out, n = f"{name}_{n}", n + 1
    return out


class Tree:
    """The resource tree of a list of routes, and the bindings that express their precedence."""

    def __init__(self, routes: list[Route]) -> None:
        self.root = Node("/")
        self.names: dict[str, dict[str, str]] = {}  # route id -> spec param name -> resource param name
        for route in routes:
            node = self._walk(route)
            (node.prefix_routes if route.match.kind == "prefix" else node.routes).append(route)

    def _walk(self, route: Route) -> Node:
        node, names = self.root, self.names.setdefault(route.id, {})
        for seg in route.match.segments:
            m = PARAM.match(seg)
            if m:
                if node.var is None:
                    name = _unique(m.group(1), node.params)
                    node.var = Node(node.child_path("{" + name + "}"), node.params + (name,))
                names[m.group(1)] = node.var.params[-1]
                node = node.var
            else:
                if seg not in node.literals:
                    node.literals[seg] = Node(node.child_path(seg), node.params)
                node = node.literals[seg]
        return node

    def upstream(self, route: Route, node_path: str) -> str:
        """The upstream path for a route answering at a resource, with resource parameter names."""
        names = self.names.get(route.id, {})
        if route.match.kind != "prefix":
            if route.rewrite is None:
                return node_path
            out = route.rewrite
            for spec, name in names.items():
                out = out.replace("{" + spec + "}", "{" + name + "}")
            return out
        base = route.rewrite or route.match.path
        prefix = route.match.path.rstrip("/")
        rest = "" if node_path == "/" else node_path[len(prefix) + 1:]
        return base + rest.replace("+}", "}")

    def bindings(self) -> list[Binding]:
        """Every (resource, route) pair, in a stable order."""
        out: list[Binding] = []
        self._visit(self.root, out)
        return out

    def _bind(self, node: Node, route: Route, out: list[Binding], path: str = "", params: tuple = ()) -> None:
        path, params = path or node.path, params or node.params
        out.append(Binding(path, params, route, self.upstream(route, path)))

    def _visit(self, node: Node, out: list[Binding]) -> None:
        for route in node.routes:
            self._bind(node, route, out)
        if node.prefix_routes:
            if node is self.root and not node.routes:
                for route in node.prefix_routes:
                    self._bind(node, route, out)
            self._cover(node, node.prefix_routes, out)
        for child in node.children():
            self._visit(child, out)

    def _cover(self, node: Node, routes: list[Route], out: list[Binding]) -> None:
        """Bind prefix routes to every resource strictly below `node` that no more specific route owns."""
        for child in node.children():
            if not child.routes:
                for route in routes:
                    self._bind(child, route, out)
            if not child.prefix_routes:  # a longer prefix owns everything below its own resource
                self._cover(child, routes, out)
        if node.var is None:
            name = _unique("proxy", node.params)
            path = node.child_path("{" + name + "+}")
            for route in routes:
                self._bind(node, route, out, path, node.params + (name + "+",))
