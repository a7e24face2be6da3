"""The Istio target's overlap index (which earlier groups a group's AuthorizationPolicy paths must exclude) gives
exactly the all-pairs answer of `could_overlap`, without trying all pairs: on many small random route tables it
is compared with the brute force, and on large tables the number of pairs it confirms is counted."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml
from gwc.targets.istio import overlap
from gwc.targets.istio.overlap import earlier_overlaps
from gwc.targets.istio.plan import could_overlap, plan

from bench import specgen
from gwc.model import Route
from gwc.paths import make_match, shape
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target

WORDS = ["a", "b", "ab", "a.b", "x*", "v1", "a+"]


def random_routes(n: int, seed: int) -> list[Route]:
    """Exact, {param} and prefix paths over a few words, so that many of them overlap; some prefixes written
    without their '/' (a prefix route plus its companion exact route, as the model builds them)."""
    rng = random.Random(seed)
    routes: list[Route] = []
    shapes: set[tuple] = set()

    def add(path: str, kind: str, **extra) -> Route:
        r = Route(f"r{len(routes)}", len(routes), f"/routes/{len(routes)}", make_match(path, kind), None, "app",
                  **extra)
        routes.append(r)
        shapes.add(shape(r.match))
        return r

    while len(routes) < n:
        segments = [rng.choice(WORDS) for _ in range(rng.randint(0, 4))]
        kind = rng.choice(["path", "path", "prefix"])
        if kind == "path" and segments and rng.random() < 0.6:
            for i in rng.sample(range(len(segments)), rng.randint(1, len(segments))):
                segments[i] = f"{{p{i}}}"
        path = "/" + "/".join(segments)
        if segments and (kind == "prefix" or rng.random() < 0.15):
            path += "/"
        m = make_match(path, kind)
        if shape(m) in shapes and rng.random() < 0.8:
            continue   # a few routes share a shape (one group), most do not
        if kind == "prefix" and segments and rng.random() < 0.3 and shape(make_match(path[:-1], "path")) not in shapes:
            main = add(path, kind, covers_base=True)
            add(path[:-1], "path", base_of=main.id)
        else:
            add(path, kind)
    return routes


def brute_force(groups) -> list[list[int]]:
    return [[j for j in range(i) if could_overlap(groups[j], groups[i])] for i in range(len(groups))]


@pytest.mark.parametrize("seed", range(40))
def test_the_index_finds_exactly_the_overlapping_pairs(seed: int) -> None:
    groups = plan(random_routes(150, seed))
    expected = brute_force(groups)
    assert any(expected), "the table should have overlaps to find"
    assert earlier_overlaps(groups) == expected


def _counting(monkeypatch) -> list[int]:
    calls = [0]
    real = overlap.could_overlap

    def counted(earlier, later) -> bool:
        calls[0] += 1
        return real(earlier, later)

    monkeypatch.setattr(overlap, "could_overlap", counted)
    return calls


def test_the_index_does_not_try_every_pair(monkeypatch) -> None:
    """A table shaped like the benchmark's (many services, exact, {param} and prefix paths): the pairs confirmed
    grow with the routes, not with their square (all pairs would be 40 million here)."""
    routes = []
    for i in range(9000):
        service = f"svc{i % 180}"
        path, kind = ((f"/{service}/p{i}/", "prefix") if i % 10 == 9 else
                      (f"/{service}/r{i}/{{id}}", "path") if i % 2 == 0 else (f"/{service}/r{i}", "path"))
        routes.append(Route(f"r{i}", i, f"/routes/{i}", make_match(path, kind), None, service))
    groups = plan(routes)
    calls = _counting(monkeypatch)
    found = earlier_overlaps(groups)
    assert calls[0] <= 2 * len(groups)
    assert found == [[] for _ in groups]   # nothing overlaps in this table


def test_a_wide_prefix_collects_every_path_under_it(monkeypatch) -> None:
    """Overlaps that are really there are all found, and only they are confirmed."""
    routes = [Route(f"r{i}", i, f"/routes/{i}", make_match(f"/api/v{i}", "path"), None, "app") for i in range(3000)]
    routes.append(Route("all", 3000, "/routes/3000", make_match("/api/", "prefix"), None, "app"))
    groups = plan(routes)
    calls = _counting(monkeypatch)
    found = earlier_overlaps(groups)
    assert found[-1] == list(range(3000)) and not any(found[:-1])
    assert calls[0] <= 3000 + len(groups)


def test_compiling_a_large_protected_spec_does_not_try_every_pair(tmp_path: Path, monkeypatch) -> None:
    """The whole target (route table, '*' checks, DENY rules) on the benchmark's spec with JWT routes."""
    loaded = load_gateway(str(specgen.write(tmp_path / "b", 1000)))
    calls = _counting(monkeypatch)
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("istio")[0], allow_lossy=True)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    rules = [d for d in yaml.load_all(files["istio.yaml"], Loader=loader) if d["kind"] == "AuthorizationPolicy"][0]
    assert len(rules["spec"]["rules"]) > 250 and calls[0] <= 2 * 1000


def test_a_literal_star_before_a_protected_route_leaves_that_route_out(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("gwc: 1\nname: t\nservices:\n  app: {url: 'http://app:8080'}\n"
                    "auth:\n  c: {jwt: {issuer: 'https://id.example/', jwks: {url: 'https://id.example/keys'}}}\n"
                    "routes:\n  - {path: /a/x*, service: app}\n  - {prefix: /a/, service: app, auth: c}\n"
                    "  - {prefix: /b/, service: app, auth: c}\n")
    loaded = load_gateway(str(spec))
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("istio")[0], allow_lossy=True)
    assert [d.code for d in diags if d.code == "GWC387"] == ["GWC387"]
    rules = [d for d in yaml.safe_load_all(files["istio.yaml"]) if d["kind"] == "AuthorizationPolicy"][0]
    assert [r["to"][0]["operation"]["paths"] for r in rules["spec"]["rules"]] == [["/b/*"]]
