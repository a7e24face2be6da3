"""Schema and semantic checks: a table of bad specs, each with the code and pointer it must produce,
and good specs that must produce no error."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from gwc.diagnostics import Level
from gwc.pipeline import load_gateway

BASE = {
    "gwc": 1,
    "name": "t",
    "services": {"users": {"url": "http://127.0.0.1:9001"}, "other": {"url": "http://127.0.0.1:9002"}},
    "auth": {"keys": {"api_key": {"keys": {"env": "KEYS"}}}},
    "routes": [{"path": "/users", "methods": ["GET"], "service": "users"}],
}


def run(tmp_path, spec: dict):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return load_gateway(str(path))


def with_(change) -> dict:
    spec = copy.deepcopy(BASE)
    change(spec)
    return spec


def route(**kw) -> dict:
    return {"service": "users", **kw}


def add_routes(*routes):
    return lambda s: s["routes"].extend(routes)


BAD = [
    ("unknown top field", lambda s: s.update(servces={}), "GWC101", "/servces"),
    ("missing name", lambda s: s.pop("name"), "GWC102", ""),
    ("bad name", lambda s: s.update(name="Shop!"), "GWC104", "/name"),
    ("url with path", lambda s: s["services"]["users"].update(url="http://a/b"), "GWC104", "/services/users/url"),
    ("url injection", lambda s: s["services"]["users"].update(url="http://a;b"), "GWC104", "/services/users/url"),
    ("wrong type", lambda s: s["routes"][0].update(methods="GET"), "GWC103", "/routes/0/methods"),
    ("bad method", lambda s: s["routes"][0].update(methods=["FETCH"]), "GWC104", "/routes/0/methods/0"),
    ("path with semicolon", add_routes(route(path="/a;b")), "GWC104", "/routes/1/path"),
    ("path with dollar", add_routes(route(path="/a$b")), "GWC104", "/routes/1/path"),
    ("path with space", add_routes(route(path="/a b")), "GWC104", "/routes/1/path"),
    ("path with newline", add_routes(route(path="/a\nb")), "GWC104", "/routes/1/path"),
    ("header value newline", add_routes(route(path="/h", headers={"request": {"set": {"X-A": "a\nb"}}})),
     "GWC104", "/routes/1/headers/request/set/X-A"),
    ("header name", add_routes(route(path="/h", headers={"request": {"remove": ["X A"]}})),
     "GWC104", "/routes/1/headers/request/remove/0"),
    ("rate grammar", add_routes(route(path="/r", rate_limit={"rate": "100 per second"})),
     "GWC104", "/routes/1/rate_limit/rate"),
    ("both path and prefix", add_routes(route(path="/x", prefix="/x/")), "GWC106", "/routes/1"),
    ("neither service nor split", add_routes({"path": "/x"}), "GWC102", "/routes/1"),
    ("secret inline", lambda s: s["auth"]["keys"]["api_key"].update(keys={"value": "hunter2"}), "GWC101",
     "/auth/keys/api_key/keys/value"),
    ("relative runtime file", lambda s: s["auth"]["keys"]["api_key"].update(keys={"file": "keys.txt"}),
     "GWC104", "/auth/keys/api_key/keys/file"),
    ("undefined service", add_routes({"path": "/x", "service": "nope"}), "GWC201", "/routes/1/service"),
    ("undefined split service", add_routes({"prefix": "/s/", "split": [{"service": "users", "weight": 1},
                                                                        {"service": "ghost", "weight": 1}]}),
     "GWC201", "/routes/1/split/1/service"),
    ("undefined auth", add_routes(route(path="/x", auth="ghost")), "GWC202", "/routes/1/auth"),
    ("duplicate route", add_routes(route(path="/users", methods=["GET", "POST"])), "GWC203", "/routes/1"),
    ("same shape params", add_routes(route(path="/a/{x}"), route(path="/a/{y}")), "GWC203", "/routes/2"),
    ("rewrite unknown param", add_routes(route(path="/a/{id}", rewrite="/b/{uid}")), "GWC205",
     "/routes/1/rewrite"),
    ("prefix rewrite without slash", add_routes(route(prefix="/a/", rewrite="/b")), "GWC205", "/routes/1/rewrite"),
    ("segment prefix with a slashed rewrite", add_routes(route(prefix="/a", rewrite="/b/")), "GWC205",
     "/routes/1/rewrite"),
    ("double slash", add_routes(route(path="/a//b")), "GWC209", "/routes/1/path"),
    ("dot segment", add_routes(route(path="/a/../b")), "GWC209", "/routes/1/path"),
    ("partial param", add_routes(route(path="/a/{id}.json")), "GWC209", "/routes/1/path"),
    ("repeated param", add_routes(route(path="/a/{id}/{id}")), "GWC209", "/routes/1/path"),
    ("per api_key without api key", add_routes(route(path="/k", rate_limit={"rate": "1/s", "per": "api_key"})),
     "GWC206", "/routes/1/rate_limit/per"),
    ("zero timeout", lambda s: s["services"]["users"].update(timeouts={"read": "0s"}), "GWC207",
     "/services/users/timeouts/read"),
    ("zero ttl", add_routes(route(path="/c", cache={"ttl": 0})), "GWC207", "/routes/1/cache/ttl"),
    ("duplicate host", lambda s: s.update(hosts=["a.example", "a.example"]), "GWC208", "/hosts/1"),
    ("bad cidr", add_routes(route(path="/i", ip={"allow": ["10.0.0.1/8"]})), "GWC214", "/routes/1/ip/allow/0"),
    ("cors star with credentials", add_routes(route(path="/c", cors={"origins": ["*"], "credentials": True})),
     "GWC212", "/routes/1/cors/origins"),
    ("mixed schemes", lambda s: s["services"].update(m={"targets": [{"url": "http://a"}, {"url": "https://b"}]}),
     "GWC211", "/services/m/targets"),
    ("all zero split", add_routes({"prefix": "/s/", "split": [{"service": "users", "weight": 0},
                                                               {"service": "other", "weight": 0}]}),
     "GWC210", "/routes/1/split"),
    ("auth named none", lambda s: s["auth"].update(none={"api_key": {"keys": {"env": "K"}}}), "GWC220", "/auth/none"),
    ("hs without secret", lambda s: s["auth"].update(j={"jwt": {"issuer": "https://i/", "audiences": ["a"],
                                                               "algorithms": ["HS256"]}}), "GWC215", "/auth/j/jwt"),
    ("jwks file missing", lambda s: s["auth"].update(j={"jwt": {"jwks": {"file": "nope.json"}}}), "GWC216",
     "/auth/j/jwt/jwks/file"),
    ("duplicate route name", add_routes(route(path="/a", name="x"), route(path="/b", name="x")), "GWC222",
     "/routes/2/name"),
    ("metrics collides", lambda s: s.update(observability={"metrics": {"path": "/users", "allow": ["127.0.0.1"]}}),
     "GWC219", "/observability/metrics/path"),
    ("ip_hash with backup", lambda s: s["services"].update(b={"targets": [{"url": "http://a"}, {"url": "http://b",
                                                                                             "backup": True}],
                                                             "balance": "ip_hash"}), "GWC210", "/services/b/balance"),
    ("reserved path", add_routes(route(path="/_gwc/x")), "GWC224", "/routes/1/path"),
    ("mock redirect status", lambda s: s["services"].update(m={"mock": {"status": 301}}), "GWC105",
     "/services/m/mock/status"),
]


@pytest.mark.parametrize("name,change,code,pointer", BAD, ids=[b[0] for b in BAD])
def test_bad_spec_is_located(tmp_path, name, change, code, pointer) -> None:
    loaded = run(tmp_path, with_(change))
    errors = [d for d in loaded.diagnostics if d.level is Level.ERROR]
    assert loaded.gateway is None
    assert any(d.code == code and d.pointer == pointer for d in errors), [d.format() for d in errors]
    for d in errors:
        assert d.line >= 1 and d.column >= 1 and d.hint and d.file.endswith("spec.yaml")


WARN = [
    ("ambiguous params", add_routes(route(path="/a/{x}/c"), route(path="/a/b/{y}")), "GWC204", "/routes/2"),
    ("jwt without issuer", lambda s: s["auth"].update(j={"jwt": {"secret": {"env": "S"}}}), "GWC223", "/auth/j/jwt"),
    ("cache on POST only", add_routes(route(path="/p", methods=["POST"], cache={"ttl": "1m"})), "GWC218",
     "/routes/1/cache"),
]


@pytest.mark.parametrize("name,change,code,pointer", WARN, ids=[w[0] for w in WARN])
def test_warnings_keep_the_gateway(tmp_path, name, change, code, pointer) -> None:
    loaded = run(tmp_path, with_(change))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    assert any(d.code == code and d.pointer == pointer and d.level is Level.WARNING for d in loaded.diagnostics)


GOOD = [
    ("base", lambda s: None),
    ("methods split a path", add_routes(route(path="/users", methods=["POST"], service="other"))),
    ("exact beats params", add_routes(route(path="/a/me"), route(path="/a/{id}"))),
    ("trailing slash path", add_routes(route(path="/users/"))),
    ("segment prefix", add_routes(route(prefix="/items", rewrite="/v2/items"))),
    ("defaults none", lambda s: s.update(defaults={"auth": "keys", "rate_limit": {"rate": "1/s"}}) or
     s["routes"].append(route(path="/open", auth="none", rate_limit="none"))),
    ("env overlay kept", lambda s: s.update(environments={"staging": {"hosts": ["s.example"]}})),
    ("yaml 1.1 on key", lambda s: s["services"]["users"].update(retries={"attempts": 1, "on": ["502"]})
     if False else s["services"]["users"].update(retries={"attempts": 1, "on": [502]})),
]


@pytest.mark.parametrize("name,change", GOOD, ids=[g[0] for g in GOOD])
def test_good_spec_has_no_errors(tmp_path, name, change) -> None:
    loaded = run(tmp_path, with_(change))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]


def test_segment_prefix_is_a_prefix_and_its_bare_path(tmp_path) -> None:
    gw = run(tmp_path, with_(add_routes(route(prefix="/items", rewrite="/v2/items", name="items")))).gateway
    prefix, bare = gw.routes[1], gw.routes[2]
    assert (prefix.match.kind, prefix.match.path, prefix.rewrite, prefix.covers_base) == ("prefix", "/items/",
                                                                                          "/v2/items/", True)
    assert (bare.match.kind, bare.match.path, bare.rewrite, bare.base_of) == ("exact", "/items", "/v2/items", "items")


def test_header_merge_route_wins(tmp_path) -> None:
    spec = with_(lambda s: s.update(defaults={"headers": {"request": {"set": {"X-A": "1", "X-B": "2"},
                                                                       "remove": ["X-C"]}}}))
    spec["routes"].append(route(path="/h", headers={"request": {"remove": ["X-A"], "set": {"X-C": "3"}}}))
    gw = run(tmp_path, spec).gateway
    h = gw.routes[1].request_headers
    assert h.set == (("X-B", "2"), ("X-C", "3")) and h.remove == ("X-A",)


def test_unknown_field_hint_lists_allowed(tmp_path) -> None:
    loaded = run(tmp_path, with_(lambda s: s["routes"][0].update(serivce="x")))
    d = next(d for d in loaded.diagnostics if d.code == "GWC101")
    lines = (tmp_path / "spec.yaml").read_text().splitlines()
    assert "service" in d.hint and "serivce" in lines[d.line - 1] and lines[d.line - 1].index("serivce") == d.column - 1


def test_schema_is_draft_2020_12_with_id() -> None:
    from gwc.schema import schema_text
    schema = json.loads(schema_text())
    assert schema["$schema"].endswith("2020-12/schema") and schema["$id"]
