"""The route-overlap index (GWC203/GWC204) finds exactly the pairs the obvious all-pairs comparison finds,
in the same order, on random route tables; and it stays fast on 10,000 routes (it was quadratic)."""

from __future__ import annotations

import random
from itertools import combinations

import pytest
import yaml

from gwc.build import build_gateway
from gwc.check import _overlapping_pairs, _static_count
from gwc.load import load_file
from gwc.model import Gateway
from gwc.paths import PARAM, make_match, shape
from gwc.pipeline import load_gateway
from gwc.schema import check_schema
from tests.unit.test_checks import BASE, run


def _brute(gw: Gateway) -> list[tuple[str, int, int]]:
    out = []
    for (i, a), (j, b) in combinations(enumerate(gw.routes), 2):
        if not (a.methods is None or b.methods is None or set(a.methods) & set(b.methods)):
            continue
        if shape(a.match) == shape(b.match):
            out.append(("GWC203", i, j))
        elif (a.match.kind == b.match.kind == "params" and len(a.match.segments) == len(b.match.segments)
              and all(x == y or PARAM.match(x) or PARAM.match(y) for x, y in zip(a.match.segments, b.match.segments))
              and _static_count(a) == _static_count(b)):
            out.append(("GWC204", i, j))
    return out


def _random_routes(rng: random.Random, n: int) -> list[dict]:
    routes = []
    for _ in range(n):
        segs = [rng.choice(["a", "b", "{x}", "{y}"]) for _ in range(rng.randint(1, 3))]
        seen, clean = set(), []
        for s in segs:  # a parameter name appears once per path
            clean.append(s if s not in seen or not s.startswith("{") else "{z}" if "{z}" not in seen else "c")
            seen.add(clean[-1])
        kind = rng.choice(["path", "path", "prefix"])
        text = "/" + "/".join(s for s in clean if kind == "path" or not s.startswith("{"))
        if kind == "prefix":
            text = text.rstrip("/") + "/"
        routes.append({kind: text, "service": "users", "methods": rng.sample(["GET", "POST", "PUT"], rng.randint(1, 2))})
    return routes


@pytest.mark.parametrize("seed", range(30))
def test_index_matches_all_pairs(tmp_path, seed: int) -> None:
    rng = random.Random(seed)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({**BASE, "routes": _random_routes(rng, rng.randint(2, 25))}))
    doc, diags = load_file(str(path))
    assert doc is not None and not check_schema(doc), diags
    gw, diags = build_gateway(doc)  # the model before the checks: the tables hold duplicates on purpose
    assert gw is not None, [d.format() for d in diags]
    assert _overlapping_pairs(gw) == _brute(gw)


def test_ten_thousand_routes_check_quickly(tmp_path) -> None:
    routes = [{"path": f"/s{i % 50}/r{i}/{{id}}" if i % 2 else f"/s{i % 50}/r{i}", "service": "users"}
              for i in range(10_000)]
    loaded = run(tmp_path, {**BASE, "routes": routes})
    assert loaded.gateway is not None
    assert _overlapping_pairs(loaded.gateway) == []
    assert make_match("/a/{id}", "path").kind == "params"


def test_load_gateway_reports_both_kinds(tmp_path) -> None:
    routes = [{"path": "/a/{x}", "service": "users"}, {"path": "/a/{y}", "service": "users"},
              {"path": "/q/{x}/c", "service": "users"}, {"path": "/q/b/{y}", "service": "users"}]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({**BASE, "routes": routes}))
    codes = [d.code for d in load_gateway(str(path)).diagnostics]
    assert codes.count("GWC203") == 1 and codes.count("GWC204") == 1


def test_the_random_tables_do_overlap(tmp_path) -> None:
    """The comparison above is not vacuous: the seeds produce both kinds of pair."""
    codes = set()
    for seed in range(30):
        path = tmp_path / f"{seed}.yaml"
        path.write_text(yaml.safe_dump({**BASE, "routes": _random_routes(random.Random(seed), 25)}))
        doc, _ = load_file(str(path))
        codes |= {code for code, _, _ in _brute(build_gateway(doc)[0])}
    assert codes == {"GWC203", "GWC204"}
