"""The Google target's mapping decisions that are easy to get wrong: rates as per-minute quotas with the
numbers, the path translation for each kind of rewrite, the deadline, the audiences string, prefixes as
double wildcards, a route that cannot keep its authentication never served open, the settings each
product needs, and deterministic bytes."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from gwc.targets.gcp.quota import per_minute_limit

from gwc.diagnostics import Level
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target

HEAD = ("gwc: 1\nname: t\nservices:\n  app: {url: 'https://app.example.com'}\n"
        "  run: {url: 'https://app-abc123-ew.a.run.app'}\n")
JWT = ("auth:\n  c: {jwt: {issuer: 'https://id.example/', audiences: [a, b], "
       "jwks: {url: 'https://id.example/keys'}}}\n")
GCP = "targets:\n  gcp: {project: shop-prod%s}\n"


def build(tmp_path: Path, body: str, lossy: bool = False, settings: str = ""):
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + body + GCP % settings)
    loaded = load_gateway(str(spec))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    return compile_gateway(loaded.gateway, loaded.doc, load_target("gcp")[0], allow_lossy=lossy)


def codes(diags, level=Level.WARNING) -> list[str]:
    return [d.code for d in diags if d.level >= level]


def doc(files) -> dict:
    return yaml.safe_load(files["openapi.yaml"])


def backend_of(files, path: str, method: str = "get") -> dict:
    return doc(files)["paths"][path][method]["x-google-backend"]


@pytest.mark.parametrize("per_second,limit", [(Fraction(100), 6000), (Fraction(10), 600), (Fraction(1, 2), 30),
                                              (Fraction(1000, 3600), 17), (Fraction(1, 3600), 1)])
def test_rate_becomes_the_rate_per_minute_rounded_up(per_second: Fraction, limit: int) -> None:
    assert per_minute_limit(per_second) == limit


def test_quota_per_api_key_with_the_numbers(tmp_path: Path) -> None:
    files, diags = build(tmp_path, "auth:\n  k: {api_key: {keys: {env: KEYS}}}\nroutes:\n  - prefix: /feed/\n"
                                   "    service: app\n    auth: k\n"
                                   "    rate_limit: {rate: 100/s, burst: 50, per: api_key}\n")
    d = doc(files)
    limit, = d["x-google-management"]["quota"]["limits"]
    assert limit["unit"] == "1/min/{project}" and limit["values"] == {"STANDARD": 6000}
    metric, = d["x-google-management"]["metrics"]
    assert metric["name"] == limit["metric"] and (metric["valueType"], metric["metricKind"]) == ("INT64", "DELTA")
    op = d["paths"]["/feed/{path=**}"]["get"]
    assert op["x-google-quota"] == {"metricCosts": {limit["metric"]: 1}} and op["security"] == [{"k": []}]
    note = next(x for x in diags if x.code == "GWC303")
    assert "6000 requests per minute" in note.message and "51 through at once" in note.message
    assert note.pointer == "/routes/0/rate_limit"


def test_rates_google_cannot_count_are_unsupported(tmp_path: Path) -> None:
    body = "routes:\n  - path: /a\n    service: app\n    rate_limit: {rate: 5/s, per: %s}\n"
    for per in ("client_ip", "route"):
        files, diags = build(tmp_path, body % per)
        assert not files and "GWC301" in codes(diags, Level.ERROR)
        files, diags = build(tmp_path, body % per, lossy=True)
        assert "x-google-management" not in doc(files)


@pytest.mark.parametrize("route,path,address,translation", [
    ("path: /a", "/a", "https://app.example.com", "APPEND_PATH_TO_ADDRESS"),
    ("path: /a\n    rewrite: /internal/a-v2", "/a", "https://app.example.com/internal/a-v2", "CONSTANT_ADDRESS"),
    ("path: /users/{id}\n    rewrite: /v2/users/{id}", "/users/{id}", "https://app.example.com/v2",
     "APPEND_PATH_TO_ADDRESS"),
    ("prefix: /api/\n    rewrite: /v1/api/", "/api/{path=**}", "https://app.example.com/v1", "APPEND_PATH_TO_ADDRESS"),
    ("prefix: /\n    rewrite: /api/", "/{path=**}", "https://app.example.com/api", "APPEND_PATH_TO_ADDRESS"),
])
def test_path_translation(tmp_path: Path, route: str, path: str, address: str, translation: str) -> None:
    files, diags = build(tmp_path, f"routes:\n  - {route}\n    service: app\n")
    assert files, [d.format() for d in diags]
    b = backend_of(files, path)
    assert (b["address"], b["path_translation"], b["protocol"], b["disable_auth"]) == (address, translation,
                                                                                       "http/1.1", True)


@pytest.mark.parametrize("route", ["path: /users/{id}\n    rewrite: /accounts/{id}/profile",
                                   "prefix: /api/\n    rewrite: /"])
def test_a_rewrite_path_translation_cannot_express_is_reported(tmp_path: Path, route: str) -> None:
    body = f"routes:\n  - {route}\n    service: app\n"
    files, diags = build(tmp_path, body)
    assert not files and "GWC301" in codes(diags, Level.ERROR)
    assert any("query parameters" in d.message for d in diags)
    files, diags = build(tmp_path, body, lossy=True)  # the path reaches the upstream unchanged
    b = next(iter(doc(files)["paths"].values()))["get"]["x-google-backend"]
    assert (b["address"], b["path_translation"]) == ("https://app.example.com", "APPEND_PATH_TO_ADDRESS")


def test_deadline_is_the_read_timeout_or_the_spec_default(tmp_path: Path) -> None:
    files, _ = build(tmp_path, "routes:\n  - path: /a\n    service: app\n")
    assert backend_of(files, "/a")["deadline"] == 60.0  # the spec's default read timeout, not Google's 15 s
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + "  slow: {url: 'https://slow.example.com', timeouts: {connect: 1s, read: 2m}}\n"
                    "routes:\n  - path: /s\n    service: slow\n" + GCP % "")
    loaded = load_gateway(str(spec))
    files, _ = compile_gateway(loaded.gateway, loaded.doc, load_target("gcp")[0])
    assert backend_of(files, "/s")["deadline"] == 120.0


def test_cloud_run_gets_an_id_token_for_its_service_url(tmp_path: Path) -> None:
    files, _ = build(tmp_path, "routes:\n  - path: /users/{id}\n    service: run\n    rewrite: /v2/users/{id}\n")
    b = backend_of(files, "/users/{id}")
    assert b["address"] == "https://app-abc123-ew.a.run.app/v2"
    assert b["jwt_audience"] == "https://app-abc123-ew.a.run.app" and "disable_auth" not in b


def test_jwt_definition(tmp_path: Path) -> None:
    body = JWT.replace("audiences: [a, b]", "audiences: [a, b], query: tok") + \
        "routes:\n  - path: /a\n    service: app\n    auth: c\n"
    files, _ = build(tmp_path, body)
    d = doc(files)["securityDefinitions"]["c"]
    assert (d["type"], d["flow"], d["authorizationUrl"]) == ("oauth2", "implicit", "")
    assert d["x-google-audiences"] == "a,b" and d["x-google-issuer"] == "https://id.example/"
    assert d["x-google-jwks_uri"] == "https://id.example/keys"
    assert {"header": "Authorization", "value_prefix": "Bearer "} in d["x-google-jwt-locations"]
    assert d["x-google-jwt-locations"][-1] == {"query": "tok"}
    files, _ = build(tmp_path, body, settings=", openapi: 3")
    auth = doc(files)["components"]["securitySchemes"]["c"]["x-google-auth"]
    assert auth["audiences"] == ["a", "b"] and auth["jwksUri"] == "https://id.example/keys"
    assert {"query": "tok"} in auth["jwtLocations"]


def test_a_route_that_cannot_keep_its_auth_is_left_out(tmp_path: Path) -> None:
    body = ("auth:\n  f: {jwt: {issuer: 'https://id.example/', audiences: [a], secret: {gcp_secret: "
            "projects/p/secrets/hmac}}}\n"
            "routes:\n  - path: /secret\n    service: app\n    auth: f\n  - path: /open\n    service: app\n")
    files, diags = build(tmp_path, body)
    assert not files and "GWC343" in codes(diags, Level.ERROR)
    files, diags = build(tmp_path, body, lossy=True)
    assert set(doc(files)["paths"]) == {"/open"} and "GWC341" in codes(diags)


def test_any_of_never_weakens(tmp_path: Path) -> None:
    second = "  s: {jwt: {issuer: 'https://sso.example/', jwks: {url: 'https://sso.example/k'}}}\n"
    keyed = "  k: {api_key: {keys: {env: KEYS}}}\n"
    files, _ = build(tmp_path, JWT + second + "routes:\n  - path: /a\n    service: app\n    auth: [c, s]\n")
    assert doc(files)["paths"]["/a"]["get"]["security"] == [{"c": []}, {"s": []}]  # OR of JWT methods: exact
    body = JWT + keyed + "routes:\n  - path: /a\n    service: app\n    auth: [c, k]\n"
    files, diags = build(tmp_path, body)
    assert not files and "GWC301" in codes(diags, Level.ERROR)
    files, _ = build(tmp_path, body, lossy=True)
    assert doc(files)["paths"]["/a"]["get"]["security"] == [{"c": []}]  # the first only: stricter
    broken = "  s: {jwt: {issuer: 'https://id.example/', jwks: {url: 'https://id.example/other'}}}\n"
    files, diags = build(tmp_path, JWT + broken + "routes:\n  - path: /a\n    service: app\n    auth: [c, s]\n",
                         lossy=True)
    assert doc(files)["paths"]["/a"]["get"]["security"] == [{"c": []}] and "GWC343" in codes(diags)


def test_api_keys_are_read_where_google_reads_them(tmp_path: Path) -> None:
    route = "routes:\n  - path: /a\n    service: app\n    auth: k\n"
    for key, expected in (("{}", {"type": "apiKey", "name": "x-api-key", "in": "header"}),
                          ("{query: key}", {"type": "apiKey", "name": "key", "in": "query"})):
        auth = "auth:\n  k: {api_key: %s}\n" % key.replace("}", ", keys: {env: KEYS}}").replace("{,", "{")
        files, _ = build(tmp_path, auth + route)
        assert doc(files)["securityDefinitions"]["k"] == expected
    files, diags = build(tmp_path, "auth:\n  k: {api_key: {header: X-App-Key, keys: {env: KEYS}}}\n" + route,
                         lossy=True)
    assert doc(files)["paths"] == {} and "GWC341" in codes(diags)


def test_key_values_are_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYS", "secret-key-value-123")
    files, _ = build(tmp_path, "auth:\n  k: {api_key: {keys: {env: KEYS}}}\nroutes:\n  - path: /a\n"
                               "    service: app\n    auth: k\n")
    assert not any("secret-key-value-123" in text or "KEYS" in text for text in files.values())


def test_prefix_templates(tmp_path: Path) -> None:
    files, _ = build(tmp_path, "routes:\n  - prefix: /orders/\n    service: app\n")
    op = doc(files)["paths"]["/orders/{path=**}"]["get"]
    assert op["parameters"] == [{"name": "path", "in": "path", "required": True, "type": "string"}]
    files, _ = build(tmp_path, "routes:\n  - prefix: /orders/\n    service: app\n", settings=", openapi: 3")
    d = doc(files)
    param, = d["paths"]["/orders/{path}"]["get"]["parameters"]
    assert param["x-google-parameter"] == {"pattern": "**"} and param["schema"] == {"type": "string"}
    assert d["paths"]["/orders/{path}"]["get"]["x-google-backend"] == "app"
    assert d["x-google-api-management"]["backends"]["app"]["pathTranslation"] == "APPEND_PATH_TO_ADDRESS"
    assert d["servers"] == [{"url": "https://t.endpoints.shop-prod.cloud.goog", "x-google-endpoint": {}}]


@pytest.mark.parametrize("path", ["/files/*", "/a:b", "/x=y", "/!bang"])
def test_template_syntax_in_a_literal_segment_is_refused(tmp_path: Path, path: str) -> None:
    files, diags = build(tmp_path, f"routes:\n  - path: '{path}'\n    service: app\n")
    assert not files and "GWC301" in codes(diags, Level.ERROR)


def test_head_and_options_cannot_be_declared(tmp_path: Path) -> None:
    body = "routes:\n  - path: /a\n    methods: [GET, HEAD]\n    service: app\n" \
           "  - path: /b\n    methods: [OPTIONS]\n    service: app\n"
    files, diags = build(tmp_path, body)
    assert not files and "GWC301" in codes(diags, Level.ERROR)
    files, diags = build(tmp_path, body, lossy=True)
    assert set(doc(files)["paths"]) == {"/a"} and set(doc(files)["paths"]["/a"]) == {"get"}
    files, _ = build(tmp_path, "routes:\n  - path: /c\n    service: app\n")
    assert set(doc(files)["paths"]["/c"]) == {"get", "post", "put", "patch", "delete"}


def test_endpoints_without_a_service_name_compiles_without_host(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + "routes:\n  - path: /a\n    service: app\n")
    loaded = load_gateway(str(spec))
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("gcp")[0], allow_lossy=True)
    warning = next(d for d in diags if d.code == "GWC340")
    assert warning.level is Level.WARNING and "project:" in warning.hint
    assert "host" not in doc(files) and json.loads(files["deploy.json"])["service"] is None
    files, _ = build(tmp_path, "routes:\n  - path: /a\n    service: app\n")
    assert doc(files)["host"] == "t.endpoints.shop-prod.cloud.goog"
    files, _ = build(tmp_path, "routes:\n  - path: /a\n    service: app\n", settings=", service: api.example.com")
    assert doc(files)["host"] == "api.example.com"
    assert json.loads(files["deploy.json"])["service"] == "api.example.com"


def test_deploy_json_and_settings_per_product(tmp_path: Path) -> None:
    route = "routes:\n  - path: /a\n    service: app\n"
    files, diags = build(tmp_path, route, settings=", api_id: x-api")
    assert "GWC342" in codes(diags) and json.loads(files["deploy.json"])["api_id"] is None
    files, diags = build(tmp_path, route, settings=", product: api-gateway, api_id: x-api, gateway_id: x-gw, "
                                                   "location: europe-west1")
    plan = json.loads(files["deploy.json"])
    assert plan == {"format": 1, "product": "api-gateway", "name": "t", "title": "t", "project": "shop-prod",
                    "service": None, "api_id": "x-api", "gateway_id": "x-gw", "location": "europe-west1",
                    "gateway_service_account": None, "openapi_file": "openapi.yaml", "openapi_version": 2}
    assert "host" not in doc(files) and not codes(diags)


@pytest.mark.parametrize("setting", ["project: Shop", "openapi: 4", "product: cloud-run", "location: 'eu west'",
                                     "gateway_service_account: someone@example.com", "service: 'a b'",
                                     "colour: blue"])
def test_settings_are_allow_listed(tmp_path: Path, setting: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + "routes:\n  - path: /a\n    service: app\ntargets:\n  gcp: {%s}\n" % setting)
    loaded = load_gateway(str(spec))
    assert loaded.gateway is None and any(d.code.startswith("GWC1") for d in loaded.diagnostics)


def test_output_is_deterministic(tmp_path: Path) -> None:
    body = JWT + "  k: {api_key: {keys: {env: KEYS}}}\nroutes:\n  - path: /a\n    service: app\n    auth: c\n" \
        "  - prefix: /k/\n    service: run\n    auth: k\n    rate_limit: {rate: 7/s, per: api_key}\n"
    for settings in ("", ", openapi: 3"):
        first, _ = build(tmp_path, body, settings=settings)
        assert first == build(tmp_path, body, settings=settings)[0]
        assert first["openapi.yaml"].isascii() and first["deploy.json"].endswith("\n")
