"""The nginx route table's layout keeps gwc's routing precedence and grows linearly with the routes.

Random route tables are compiled and every request path is routed twice: through a model of nginx's
location search (exact, then the longest prefix descending through nested prefix locations, then the
regexes of the deepest location reached and of each enclosing one outwards) over the generated
nginx.conf, and by brute force from the spec's rules (exact > {params}: more literal segments, then
declaration order > longest prefix). tests/e2e checks the same precedence against the real nginx."""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

import yaml
from gwc.targets.nginx.route_tree import ANY, Regex, enclosing, hosts, placements

from gwc.output import write_tree
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.e2e.harness import nginx_config_test, require_tool
from tests.security.nginx_syntax import Node, parse

WORDS = ("a", "b", "c")


def _compile(tmp: Path, routes: list[dict], nginx_t: bool = False) -> str:
    path = tmp / "spec.yaml"
    path.write_text(yaml.safe_dump({"gwc": 1, "name": "layout", "services": {"app": {"url": "http://127.0.0.1:9001"}},
                                    "routes": routes}))
    loaded = load_gateway(str(path))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("nginx")[0])
    assert files, [d.format() for d in diags]
    if nginx_t:
        require_tool("nginx")
        out = tmp / "out"
        assert write_tree(out, files) is None
        proc = nginx_config_test(out)
        assert proc.returncode == 0, proc.stderr
    return files["nginx.conf"]


def _server(conf: str) -> Node:
    return next(n for n in parse(conf) if n.name == "http").children[-1]


REDIRECT = Node("redirect", ["301"], [])  # nginx's auto_redirect: no route at all


def _picked(loc: Node) -> str:
    """The route a picked location serves: its `set $gwc_route`, or the named location it hands over to."""
    if loc is REDIRECT:
        return "301 redirect"
    for d in loc.children:
        if d.name == "set" and d.args[0] == "$gwc_route":
            return d.args[1]
        if d.name == "try_files":
            return d.args[-1].removeprefix("@gwc_r_")
    raise AssertionError(f"cannot tell the route of location {loc.args}")


def _nginx_search(level: list[Node], uri: str) -> tuple[Node | None, bool]:
    """(location, found): nginx's ngx_http_core_find_location over one level of locations. A location named
    uri + '/' that holds proxy_pass makes nginx answer 301 (auto_redirect) unless an exact one matched."""
    locs = [n for n in level if n.name == "location" and not n.args[0].startswith("@")]
    exact = [n for n in locs if n.args[0] == "=" and n.args[1] == uri]
    if exact:
        return exact[0], True
    if any(n.args[0] != "~" and n.args[-1] == uri + "/" and any(d.name == "proxy_pass" for d in n.children)
           for n in locs):
        return REDIRECT, True
    prefixes = [n for n in locs if n.args[0] not in ("=", "~", "~*") and uri.startswith(n.args[0])]
    picked = max(prefixes, key=lambda n: len(n.args[0]), default=None)
    if picked is not None:
        deeper, found = _nginx_search(picked.children, uri)
        if found:
            return deeper, True
        picked = deeper or picked
    for n in locs:
        if n.args[0] == "~" and re.search(n.args[1], uri):
            return n, True
    return picked, False


def _route_by_spec(routes: list[dict], uri: str) -> str:
    exact = [r for r in routes if r.get("path") == uri and "{" not in r["path"]]
    if exact:
        return exact[0]["name"]
    params = []
    for i, r in enumerate(routes):
        path = r.get("path", "")
        if "{" in path:
            pattern = "/".join("[^/]+" if s.startswith("{") else re.escape(s) for s in path.split("/"))
            if re.fullmatch(pattern, uri):
                params.append((-sum(1 for s in path.strip("/").split("/") if not s.startswith("{")), i))
    if params:
        return routes[min(params)[1]]["name"]
    prefixes = [r for r in routes if "prefix" in r and uri.startswith(r["prefix"])]
    return max(prefixes, key=lambda r: len(r["prefix"]))["name"] if prefixes else "none"


def _random_routes(rng: random.Random, most: int = 12) -> list[dict]:
    seen, routes = set(), []
    for _ in range(rng.randint(1, most)):
        segs = [rng.choice(WORDS + ("{p%d}",)) for _ in range(rng.randint(0, 3))]
        segs = [s % i if "%" in s else s for i, s in enumerate(segs)]
        path = "/" + "/".join(segs) + ("/" if segs and rng.random() < 0.3 else "")
        kind = "prefix" if "{" not in path and rng.random() < 0.4 else "path"
        if kind == "prefix" and not path.endswith("/"):
            path += "/"  # gwc reads `prefix: /a` as the exact /a and the prefix /a/
        shape = (kind, re.sub(r"\{[^}]*\}", "{}", path))
        if shape not in seen:
            seen.add(shape)
            routes.append({kind: path, "service": "app", "name": f"r{len(routes)}"})
    return routes


def _uris() -> list[str]:
    out = ["/"]
    for n in range(1, 5):
        for segs in itertools.product(WORDS + ("x",), repeat=n):
            out += ["/" + "/".join(segs), "/" + "/".join(segs) + "/"]
    return out


def test_layout_routes_every_path_as_the_spec_says(tmp_path: Path) -> None:
    rng = random.Random(20240611)
    uris = _uris()
    for _ in range(60):
        routes = _random_routes(rng)
        server = _server(_compile(tmp_path, routes))
        for uri in uris:
            loc, _ = _nginx_search(server.children, uri)
            assert _picked(loc) == _route_by_spec(routes, uri), (routes, uri)


def test_a_large_nested_layout_passes_nginx_t(tmp_path: Path) -> None:
    routes = _random_routes(random.Random(5), 400)
    conf = _compile(tmp_path, routes, nginx_t=True)
    server = _server(conf)
    assert _depth(server.children) >= 3  # prefix locations nested in prefix locations
    assert conf.count("location ~ ") > sum("{" in r.get("path", "") for r in routes)  # and some regex copies
    for uri in _uris():
        assert _picked(_nginx_search(server.children, uri)[0]) == _route_by_spec(routes, uri), uri


def _depth(nodes: list[Node]) -> int:
    return max((1 + _depth(n.children) for n in nodes if n.name == "location" and n.args[0] not in ("~", "=")),
               default=0)


def test_a_route_beating_a_deeper_one_is_placed_ahead_of_it(tmp_path: Path) -> None:
    routes = [{"prefix": "/", "service": "app", "name": "web"}, {"prefix": "/static/", "service": "app", "name": "st"},
              {"path": "/{tenant}/status", "service": "app", "name": "tenant"},
              {"path": "/shop/{id}", "service": "app", "name": "shop"}]
    server = _server(_compile(tmp_path, routes))
    for uri, want in [("/shop/status", "tenant"), ("/shop/7", "shop"), ("/static/status", "tenant"),
                      ("/static/x/y", "st"), ("/x/status", "tenant"), ("/x", "web")]:
        assert _picked(_nginx_search(server.children, uri)[0]) == want, uri


def test_parameter_routes_are_not_copied_into_every_prefix(tmp_path: Path) -> None:
    """Routes under a short literal head (here '/') and many prefixes: each regex is written once, so the
    configuration grows with routes, not with routes x prefixes."""
    routes = [{"prefix": f"/p{i}/", "service": "app"} for i in range(300)]
    routes += [{"path": f"/{{tenant}}/r{i}", "service": "app"} for i in range(300)]
    conf = _compile(tmp_path, routes)
    assert conf.count("location ~ ") == 300


def test_placements_match_their_definition_on_a_large_table() -> None:
    """placements() through its trie equals the all-pairs definition: a regex goes in its carrier and in
    every deeper location of a lower-precedence regex it can share a path with."""
    rng = random.Random(7)
    regexes = []
    for _ in range(1500):
        segs = tuple(rng.choice(("a", "b", "c", ANY)) for _ in range(rng.randint(1, 4)))
        head = segs[:segs.index(ANY)] if ANY in segs else segs
        regexes.append(Regex(segs, rng.random() < 0.2, "/" + "".join(s + "/" for s in head)))

    def overlap(x: Regex, y: Regex) -> bool:
        return (len(x.segments) == len(y.segments) and x.trailing_slash == y.trailing_slash
                and all(a == b or ANY in (a, b) for a, b in zip(x.segments, y.segments)))

    brute: list[set[str]] = [set() for _ in regexes]
    for i in range(len(regexes) - 1, -1, -1):
        c = regexes[i].carrier
        brute[i] = {c} | {p for j in range(i + 1, len(regexes)) if overlap(regexes[i], regexes[j])
                          for p in brute[j] if p != c and p.startswith(c)}
    assert placements(regexes) == brute


def test_enclosing_and_hosts() -> None:
    parents = enclosing(["/", "/a/", "/a/b/", "/a/bc", "/ab/", "/a/b/c/"])
    assert parents == {"/": None, "/a/": "/", "/a/b/": "/a/", "/a/b/c/": "/a/b/", "/a/bc": "/a/", "/ab/": "/"}
    assert hosts(parents, {"/a/"}) == {"/": None, "/a/": None, "/a/b/": "/a/", "/a/b/c/": "/a/", "/a/bc": "/a/",
                                       "/ab/": None}


def _locations(nodes: list[Node]) -> dict[tuple[str, ...], Node]:
    """Every location (nested ones too) by its arguments."""
    out: dict[tuple[str, ...], Node] = {}
    for n in nodes:
        if n.name == "location":
            out[tuple(n.args)] = n
            out.update(_locations(n.children))
    return out


def test_prefix_routes_hold_their_body_unless_regex_locations_nest_in_them(tmp_path: Path) -> None:
    """No try_files hand-off (a stat() and a scan of the named locations per request) where nothing nested could
    inherit the route's directives; the path without its '/' then gets an exact location routed as the spec
    says, since nginx would answer it with a 301 (auto_redirect) to the proxy_pass location."""
    routes = [{"prefix": "/", "service": "app", "name": "root"}, {"prefix": "/a/", "service": "app", "name": "a"},
              {"prefix": "/b/", "service": "app", "name": "b"}, {"path": "/b/{id}", "service": "app", "name": "bid"},
              {"path": "/{x}", "service": "app", "name": "x"}, {"path": "/e/", "service": "app", "name": "e"},
              {"prefix": "/c/d/", "service": "app", "name": "cd"}]
    locs = _locations(_server(_compile(tmp_path, routes, nginx_t=True)).children)
    def names(loc: Node) -> set[str]:
        return {d.name for d in loc.children}

    for inline in [("/a/",), ("=", "/e/"), ("/c/d/",)]:
        assert "proxy_pass" in names(locs[inline]) and "try_files" not in names(locs[inline]), inline
    for handoff in [("/",), ("/b/",)]:  # they hold regex locations
        assert "try_files" in names(locs[handoff]) and "proxy_pass" not in names(locs[handoff]), handoff
    guards = {args[1]: _picked(loc) for args, loc in locs.items() if args[0] == "=" and args[1] != "/e/"}
    assert guards == {"/a": "x", "/e": "x", "/c/d": "root"}  # /b/ has no proxy_pass: no redirect to guard


def test_exact_routes_suppress_their_guard_and_mocks_need_none(tmp_path: Path) -> None:
    routes = [{"prefix": "/a/", "service": "app"}, {"path": "/a", "service": "app", "name": "exact_a"},
              {"prefix": "/m/", "service": "mock"}]
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"gwc": 1, "name": "layout", "routes": routes, "services": {
        "app": {"url": "http://127.0.0.1:9001"}, "mock": {"mock": {"json": {"ok": True}}}}}))
    loaded = load_gateway(str(path))
    files, _ = compile_gateway(loaded.gateway, loaded.doc, load_target("nginx")[0])
    locs = _locations(_server(files["nginx.conf"]).children)
    assert [args for args in locs if args[0] == "="] == [("=", "/a")]
    assert _picked(locs[("=", "/a")]) == "exact_a"
    assert {d.name for d in locs[("/m/",)].children} >= {"set", "try_files"}  # the mock's own named location
