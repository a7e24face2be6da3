"""The Istio target's decisions that are easy to get wrong: the seed article's VirtualService comes out exactly,
resource and route names are DNS-1123 and unique, split weights sum to 100, retryOn is Envoy's words, a route
that cannot keep its authentication is never served open (and every protected route is covered by a DENY rule),
precedence order, and deterministic bytes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from gwc.targets.istio.names import DNS1123_LABEL, Namer, label
from gwc.targets.istio.plan import plan
from gwc.targets.istio.virtualservice import retry_on, scale_weights

from gwc.diagnostics import Level
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.conftest import ROOT, gateway_examples

SPECS = gateway_examples() + sorted((ROOT / "tests" / "golden" / "cases").glob("*/spec.yaml"))
HEAD = "gwc: 1\nname: t\nservices:\n  app: {url: 'http://app:8080'}\n  canary: {url: 'http://canary:8080'}\n"
JWT = "auth:\n  c: {jwt: {issuer: 'https://id.example/', audiences: [a], jwks: {url: 'https://id.example/keys'}}}\n"
KEY = "  k: {api_key: {keys: {env: KEYS}}}\n"

SEED = yaml.safe_load("""
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: user-service}
spec:
  hosts: [user-service]
  http:
  - match: [{uri: {prefix: /users}}]
    route: [{destination: {host: user-service, port: {number: 80}}}]
""")


def compile_spec(path: Path, lossy: bool = True, **settings):
    loaded = load_gateway(str(path))
    gw = loaded.gateway
    assert gw is not None, [d.format() for d in loaded.diagnostics]
    if settings:
        gw = replace(gw, settings={**gw.settings, "istio": {**gw.target_settings("istio"), **settings}})
    files, diags = compile_gateway(gw, loaded.doc, load_target("istio")[0], allow_lossy=lossy)
    return gw, files, diags


def build(tmp_path: Path, body: str, lossy: bool = False, **settings):
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + body)
    return compile_spec(spec, lossy, **settings)


def docs(files) -> list[dict]:
    return list(yaml.safe_load_all(files["istio.yaml"]))


def one(files, kind: str) -> dict:
    found = [d for d in docs(files) if d["kind"] == kind]
    assert len(found) == 1, kind
    return found[0]


def errors(diags) -> list[str]:
    return [d.code for d in diags if d.level is Level.ERROR]


def test_the_seed_virtual_service_comes_out_exactly() -> None:
    _, files, diags = compile_spec(ROOT / "examples" / "service-mesh" / "gateway.yaml", lossy=False)
    assert not errors(diags)
    assert docs(files) == [SEED]


def test_names_are_dns1123_and_unique() -> None:
    namer = Namer()
    taken = [namer.take(t) for t in ["users_id", "users-id", "USERS.id", "x" * 80, "x" * 80, "_"]]
    assert len(set(taken)) == len(taken)
    assert all(DNS1123_LABEL.match(n) and len(n) <= 63 for n in taken)
    assert label("a" * 70) != label("a" * 71)
    for spec in SPECS:
        _, files, _ = compile_spec(spec, mode="ingress", route_names=True)
        seen = set()
        for d in docs(files):
            key = (d["kind"], d["metadata"]["name"])
            assert DNS1123_LABEL.match(key[1]) and key not in seen, (spec, key)
            seen.add(key)
            names = [r["name"] for r in d["spec"].get("http", [])]
            assert len(names) == len(set(names)) and all(DNS1123_LABEL.match(n) for n in names)


@pytest.mark.parametrize("weights", [[1, 1, 1], [2, 1], [90, 10], [0, 5], [1, 1, 1, 1, 1, 1, 1], [99999, 1, 1]])
def test_weights_sum_to_100(weights: list[int]) -> None:
    out = scale_weights(weights)
    assert sum(out) == 100 and all(w >= 0 for w in out)
    assert all(abs(o - w * 100 / sum(weights)) < 1 for o, w in zip(out, weights))


def test_split_weights_are_scaled_with_numbers(tmp_path: Path) -> None:
    _, files, diags = build(tmp_path, "routes:\n  - prefix: /x/\n    split: [{service: app, weight: 2}, "
                                      "{service: canary, weight: 1}]\n")
    route = one(files, "VirtualService")["spec"]["http"][0]["route"]
    assert [d["weight"] for d in route] == [67, 33]
    assert [d["destination"]["host"] for d in route] == ["app", "canary"]
    assert any(d.code == "GWC303" and "66.67% -> 67%" in d.message for d in diags)


def test_retry_on_uses_envoy_words() -> None:
    assert retry_on(("connect_error", "502", "503", "504")) == "connect-failure,refused-stream,reset,502,503,504"
    assert retry_on(("timeout", "429")) == "reset,429"
    assert retry_on(("500", "connect_error")) == "connect-failure,refused-stream,reset,500"


def test_post_and_patch_are_not_retried_unless_non_idempotent(tmp_path: Path) -> None:
    body = ("routes:\n  - {path: /a, methods: [GET, POST], service: app}\n"
            "  - {path: /b, service: canary}\n")
    spec = HEAD.replace("{url: 'http://app:8080'}", "{url: 'http://app:8080', retries: {attempts: 2, on: [timeout]}, "
                        "timeouts: {read: 3s}}").replace(
        "{url: 'http://canary:8080'}", "{url: 'http://canary:8080', retries: {attempts: 1, non_idempotent: true}}")
    (tmp_path / "spec.yaml").write_text(spec + body)
    _, files, diags = compile_spec(tmp_path / "spec.yaml", lossy=False)
    http = one(files, "VirtualService")["spec"]["http"]
    assert http[0]["match"] == [{"uri": {"exact": "/a"}, "method": {"exact": "POST"}}]
    assert http[0]["retries"] == {"attempts": 0}
    assert http[1]["match"][0]["method"] == {"exact": "GET"}
    assert http[1]["retries"] == {"attempts": 2, "perTryTimeout": "3s", "retryOn": "reset"}
    assert http[1]["timeout"] == "9s"                      # 3 tries of 3 s
    assert http[2]["directResponse"] == {"status": 405}    # the other methods of /a
    assert http[2]["headers"]["response"]["set"] == {"Allow": "GET, POST"}
    assert http[3]["retries"]["attempts"] == 1 and "method" not in http[3]["match"][0]


def test_precedence_order_and_matches(tmp_path: Path) -> None:
    body = ("routes:\n  - {prefix: /, service: app}\n  - {prefix: /users/, service: app}\n"
            "  - {path: '/users/{id}', service: app, rewrite: '/v1/{id}/x'}\n"
            "  - {path: '/users/{id}/orders', service: app}\n  - {path: /users/me, service: canary}\n")
    _, files, _ = build(tmp_path, body)
    http = one(files, "VirtualService")["spec"]["http"]
    assert [m["match"][0]["uri"] for m in http] == [
        {"exact": "/users/me"}, {"regex": "^/users/[^/]+/orders$"}, {"regex": "^/users/[^/]+$"},
        {"prefix": "/users/"}, {"prefix": "/"}]
    assert http[2]["rewrite"] == {"uriRegexRewrite": {"match": "^/users/([^/]+)$", "rewrite": "/v1/\\1/x"}}


def test_api_key_routes_are_errors_and_left_out_never_open(tmp_path: Path) -> None:
    body = JWT + KEY + ("routes:\n  - {path: /keyed, service: app, auth: k}\n  - {path: /open, service: app}\n"
                        "  - {path: /both, service: app, auth: [k, c]}\n")
    _, files, diags = build(tmp_path, body)
    assert not files and "GWC301" in errors(diags)
    _, files, diags = build(tmp_path, body, lossy=True)
    uris = [e["match"][0]["uri"] for e in one(files, "VirtualService")["spec"]["http"]]
    assert {"exact": "/keyed"} not in uris and {"exact": "/open"} in uris and {"exact": "/both"} in uris
    assert any(d.code == "GWC381" and "'keyed'" in d.message for d in diags)
    rules = one(files, "AuthorizationPolicy")["spec"]
    assert rules["action"] == "DENY"
    assert [r["to"][0]["operation"]["paths"] for r in rules["rules"]] == [["/both"]]
    assert rules["rules"][0]["from"] == [{"source": {"notRequestPrincipals": ["https://id.example//*"]}}]


def test_hmac_jwt_is_refused_and_its_routes_left_out(tmp_path: Path) -> None:
    body = "auth:\n  h: {jwt: {secret: {env: K}, issuer: 'https://id.example/'}}\nroutes:\n  - {path: /a, service: app, auth: h}\n"
    _, files, diags = build(tmp_path, body)
    assert not files and "GWC380" in errors(diags)
    _, files, diags = build(tmp_path, body, lossy=True)
    assert one(files, "VirtualService")["spec"]["http"] == []


def test_open_route_inside_a_protected_prefix_stays_open(tmp_path: Path) -> None:
    body = JWT + ("defaults: {auth: c}\nroutes:\n  - {prefix: /api/, service: app}\n"
                  "  - {path: /api/health, service: app, auth: none}\n  - {path: '/api/{x}', service: app}\n")
    _, files, _ = build(tmp_path, body)
    ops = [r["to"][0]["operation"] for r in one(files, "AuthorizationPolicy")["spec"]["rules"]]
    assert ops == [{"paths": ["/api/{*}"], "notPaths": ["/api/health"]},
                   {"paths": ["/api/*"], "notPaths": ["/api/health", "/api/{*}"]}]
    ra = one(files, "RequestAuthentication")["spec"]
    assert ra["jwtRules"][0]["jwksUri"] == "https://id.example/keys" and "selector" not in ra  # mesh mode


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_emitted_protected_route_has_a_deny_rule(spec: Path) -> None:
    gw, files, _ = compile_spec(spec, mode="ingress")
    http = one(files, "VirtualService")["spec"]["http"]
    served = {e["match"][0]["uri"].get("exact") or e["match"][0]["uri"].get("prefix") or e["match"][0]["uri"]["regex"]
              for e in http}
    rules = [r for d in docs(files) if d["kind"] == "AuthorizationPolicy" and d["metadata"]["name"].endswith("jwt")
             for r in d["spec"]["rules"]]
    covered = {p for r in rules for p in r["to"][0]["operation"]["paths"]}
    for g in plan(list(gw.routes)):
        for r in g.routes:
            uri = next(iter(g.uri.values()))
            if r.auth and uri in served and any(e["match"][0]["uri"] == g.uri and "route" in e for e in http):
                # served: it must be protected (JWT) by a DENY rule on its own paths
                assert set(g.ap_paths) <= covered, (spec, r.id)


def test_mesh_rewrite_with_auth_is_left_out(tmp_path: Path) -> None:
    body = JWT + "routes:\n  - {prefix: /a/, service: app, auth: c, rewrite: /b/}\n"
    _, files, diags = build(tmp_path, body)
    assert not files and "GWC387" in errors(diags)
    _, files, _ = build(tmp_path, body, mode="ingress")
    assert one(files, "AuthorizationPolicy")["spec"]["rules"][0]["to"][0]["operation"]["paths"] == ["/a/*"]


def test_tls_needs_a_credential(tmp_path: Path) -> None:
    body = ("hosts: [a.example]\nroutes:\n  - {prefix: /, service: app}\n"
            "tls: {cert: {file: /c.crt}, key: {file: /c.key}}\n")
    _, files, diags = build(tmp_path, body)
    assert not files and "GWC383" in errors(diags)
    _, files, diags = build(tmp_path, body, tls_credential_name="a-tls")
    servers = one(files, "Gateway")["spec"]["servers"]
    assert servers[1]["tls"] == {"mode": "SIMPLE", "credentialName": "a-tls"}
    vs = one(files, "VirtualService")["spec"]
    assert vs["gateways"] == ["t"] and vs["hosts"] == ["a.example"]


def test_compile_is_byte_for_byte_deterministic() -> None:
    for spec in SPECS:
        assert compile_spec(spec)[1] == compile_spec(spec)[1]


def test_percent_in_header_values_is_not_an_envoy_operator(tmp_path: Path) -> None:
    body = ("routes:\n  - path: /a\n    service: app\n    headers: {request: {set: {X-A: '%DOWNSTREAM_REMOTE_ADDRESS%'}}, "
            "response: {set: {X-B: '100%'}}}\n")
    _, files, _ = build(tmp_path, body)
    headers = one(files, "VirtualService")["spec"]["http"][0]["headers"]
    assert headers == {"request": {"set": {"X-A": "%%DOWNSTREAM_REMOTE_ADDRESS%%"}}, "response": {"set": {"X-B": "100%%"}}}
