"""gwc explain / routes / init: route precedence as docs/spec.md states it, effective policies, the route table
order and the starter spec."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gwc.explain import explain
from gwc.explain_render import explanation_json, explanation_text, route_table, starter_spec
from gwc.pipeline import load_gateway
from gwc.schema import schema_text
from tests.conftest import ROOT

ROUTES = [
    {"path": "/users/me", "service": "a"},                                   # 0 exact
    {"path": "/users/{id}/orders", "service": "a"},                          # 1 params, 2 literals
    {"path": "/users/{id}", "service": "a", "rewrite": "/v2/u/{id}"},        # 2 params, 1 literal
    {"prefix": "/users/", "service": "a"},                                   # 3 prefix
    {"prefix": "/", "service": "b"},                                         # 4 catch-all
    {"path": "/files/{name}/raw", "service": "a"},                           # 5 tie (GWC204) ...
    {"path": "/files/latest/{fmt}", "service": "b"},                         # 6 ... declared later
    {"prefix": "/docs", "service": "a"},                                     # 7 segment prefix
    {"prefix": "/docs/api/", "service": "b", "rewrite": "/v1/"},             # 8 longer prefix
    {"path": "/items", "methods": ["GET", "HEAD"], "service": "a"},          # 9 methods
    {"path": "/items", "methods": ["POST"], "service": "b", "name": "items_post"},  # 10 same shape, other method
]


def _spec(tmp: Path, routes=None, defaults=None, auth=None) -> Path:
    data = {"gwc": 1, "name": "t", "services": {"a": {"url": "http://127.0.0.1:9001"},
                                                  "b": {"url": "http://127.0.0.1:9002"}},
            "routes": routes if routes is not None else ROUTES}
    if defaults:
        data["defaults"] = defaults
    if auth:
        data["auth"] = auth
    path = tmp / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture()
def gw(tmp_path: Path):
    loaded = load_gateway(str(_spec(tmp_path)))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    return loaded.gateway


@pytest.mark.parametrize("method,path,status,winner", [
    ("GET", "/users/me", 200, "/users/me"),                 # exact beats params and prefix
    ("GET", "/users/42/orders", 200, "/users/{id}/orders"),  # more literal segments first
    ("GET", "/users/42", 200, "/users/{id}"),               # params beat prefix
    ("GET", "/users/42/avatar.png", 200, "/users/"),        # prefix
    ("GET", "/users/", 200, "/users/"),                     # a {param} is never empty
    ("GET", "/users", 200, "/"),                            # prefix /users/ does not match /users
    ("GET", "/files/latest/raw", 200, "/files/{name}/raw"),  # tie: declaration order
    ("GET", "/docs", 200, "/docs"),                         # segment prefix: the bare path
    ("GET", "/docs/x", 200, "/docs/"),                      # ... and everything under it
    ("GET", "/docsX", 200, "/"),                            # ... not a longer segment
    ("GET", "/docs/api/x", 200, "/docs/api/"),              # longest prefix
    ("GET", "/users/42/", 200, "/users/"),                  # trailing slash: not /users/{id}
    ("GET", "/items", 200, "/items"),
    ("POST", "/items", 200, "/items"),
    ("GET", "/items/", 200, "/"),                           # trailing slash is significant
])
def test_precedence(gw, method, path, status, winner) -> None:
    e = explain(gw, method, path)
    assert e.status == status, e.reason
    assert e.route.match.path == winner


def test_same_shape_routes_split_methods(gw) -> None:
    assert explain(gw, "GET", "/items").route.id == "items"
    assert explain(gw, "POST", "/items").route.id == "items_post"


def test_405_lists_allowed_methods(gw) -> None:
    e = explain(gw, "DELETE", "/items")
    assert e.status == 405 and e.route is None
    assert e.allowed == ("GET", "HEAD", "POST")
    assert "Allow: GET, HEAD, POST" in explanation_text(e)


def test_405_does_not_fall_through_to_a_lower_route(tmp_path: Path) -> None:
    loaded = load_gateway(str(_spec(tmp_path, [{"path": "/x", "methods": ["GET"], "service": "a"},
                                               {"prefix": "/", "service": "b"}])))
    e = explain(loaded.gateway, "POST", "/x")
    assert e.status == 405 and e.allowed == ("GET",)
    assert [s.route.match.path for s in e.shadowed] == ["/x", "/"]


def test_404(tmp_path: Path) -> None:
    loaded = load_gateway(str(_spec(tmp_path, [{"prefix": "/api/", "service": "a"}])))
    e = explain(loaded.gateway, "GET", "/other")
    assert e.status == 404 and e.route is None and "no route" in e.reason


def test_rewrite_with_params_and_query(gw) -> None:
    e = explain(gw, "GET", "/users/42?x=1")
    assert e.params == {"id": "42"}
    assert e.upstream_path == "/v2/u/42?x=1"
    assert explain(gw, "GET", "/docs/api/a/b").upstream_path == "/v1/a/b"
    assert explain(gw, "GET", "/users/7/avatar").upstream_path == "/users/7/avatar"


def test_shadowed_routes_with_reasons(gw) -> None:
    e = explain(gw, "GET", "/users/42/orders")
    reasons = {s.route.match.path: s.reason for s in e.shadowed}
    assert set(reasons) == {"/users/", "/"}  # /users/{id} has fewer segments: it does not match
    e = explain(gw, "GET", "/users/me")
    reasons = {s.route.match.path: s.reason for s in e.shadowed}
    assert set(reasons) == {"/users/{id}", "/users/", "/"}
    assert "ranks above" in reasons["/users/{id}"]
    e = explain(gw, "GET", "/files/latest/raw")
    tie, catch_all = e.shadowed
    assert catch_all.route.match.path == "/"
    assert tie.route.match.path == "/files/latest/{fmt}" and "declared earlier" in tie.reason
    e = explain(gw, "GET", "/docs/api/x")
    assert "shorter prefix" in {s.route.match.path: s.reason for s in e.shadowed}["/docs/"]


def test_effective_policies_after_defaults_and_none(tmp_path: Path) -> None:
    auth = {"staff": {"api_key": {"header": "X-Key", "keys": {"env": "KEYS"}}}}
    defaults = {"auth": "staff", "rate_limit": {"rate": "10/s", "burst": 5}, "cache": {"ttl": "1m"},
                "body_limit": "1MiB", "headers": {"response": {"set": {"X-A": "1", "X-B": "1"}}}}
    routes = [{"path": "/open", "service": "a", "auth": "none", "cache": "none",
               "rate_limit": {"rate": "5/s"}, "headers": {"response": {"set": {"X-B": "2"}}}},
              {"path": "/closed", "service": "a"}]
    gw = load_gateway(str(_spec(tmp_path, routes, defaults, auth))).gateway
    p = explain(gw, "GET", "/open").policies
    assert p["auth"] is None and p["cache"] is None
    assert p["rate_limit"] == {"rate": "5/s", "burst": 0, "per": "client_ip", "from": "route"}  # not merged
    assert p["headers"]["response"]["set"] == {"X-A": "1", "X-B": "2"}                            # merged
    assert p["body_limit"] == {"bytes": 1 << 20, "size": "1MiB", "from": "defaults"}
    assert p["upstream"][0]["service"] == "a" and p["upstream"][0]["instances"][0]["url"] == "http://127.0.0.1:9001"
    q = explain(gw, "GET", "/closed").policies
    assert q["auth"] == [{"name": "staff", "kind": "api_key", "in": ["header X-Key"], "keys": "{env: KEYS}"}]
    assert q["rate_limit"]["burst"] == 5 and q["rate_limit"]["from"] == "defaults"
    assert q["cache"]["ttl"] == "1m"
    json.dumps(explanation_json(explain(gw, "GET", "/closed")))  # JSON-ready


def test_headers_are_noted_not_matched(gw) -> None:
    e = explain(gw, "GET", "/users/me", (("X-Env", "beta"),))
    assert e.status == 200 and any("not used for matching" in n for n in e.notes)


def test_route_table_is_in_precedence_order(gw) -> None:
    paths = [(r["kind"], r["path"]) for r in route_table(gw)]
    assert paths == [("exact", "/users/me"), ("exact", "/docs"), ("exact", "/items"), ("exact", "/items"),
                     ("params", "/users/{id}/orders"), ("params", "/files/{name}/raw"),
                     ("params", "/files/latest/{fmt}"), ("params", "/users/{id}"),
                     ("prefix", "/docs/api/"), ("prefix", "/users/"), ("prefix", "/docs/"), ("prefix", "/")]


def _gwc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gwc", *args], check=False, capture_output=True, text=True,
                          cwd=cwd or ROOT)


def test_cli_explain_and_routes(tmp_path: Path) -> None:
    spec = str(_spec(tmp_path))
    ok = _gwc("explain", spec, "get", "/users/42", "--format", "json")
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["route"]["path"] == "/users/{id}" and data["upstream_path"] == "/v2/u/42"
    assert _gwc("explain", spec, "DELETE", "/items").returncode == 1
    assert "405" in _gwc("explain", spec, "DELETE", "/items").stdout
    assert _gwc("explain", spec, "GET", "nope").returncode == 2
    assert _gwc("explain", spec, "FETCH", "/x").returncode == 2
    assert _gwc("explain", spec, "GET", "/x", "--header", "novalue").returncode == 2
    table = _gwc("routes", spec)
    assert table.returncode == 0 and table.stdout.splitlines()[1].split()[:4] == ["1", "users_me", "exact",
                                                                                  "/users/me"]
    assert json.loads(_gwc("routes", spec, "--format", "json").stdout)[-1]["path"] == "/"


def test_init_writes_a_valid_spec_and_refuses_to_overwrite(tmp_path: Path) -> None:
    first = _gwc("init", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    text = (tmp_path / "gateway.yaml").read_text()
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={json.loads(schema_text())['$id']}"
    assert text == starter_spec(json.loads(schema_text())["$id"])
    check = _gwc("validate", str(tmp_path / "gateway.yaml"))
    assert check.returncode == 0, check.stderr
    (tmp_path / "gateway.yaml").write_text("mine")
    again = _gwc("init", cwd=tmp_path)
    assert again.returncode == 1 and "--force" in again.stderr
    assert (tmp_path / "gateway.yaml").read_text() == "mine"
    assert _gwc("init", str(tmp_path / "gateway.yaml"), "--force").returncode == 0
    assert (tmp_path / "gateway.yaml").read_text() == text
    loaded = load_gateway(str(tmp_path / "gateway.yaml"))
    data = yaml.safe_load(text)
    assert {"services", "auth", "defaults", "routes"} <= set(data) and loaded.gateway is not None
    assert {a.kind for a in loaded.gateway.auth.values()} == {"jwt", "api_key"}
