"""gwc import openapi: the mapping (inline OpenAPI 2.0 / 3.0 documents) and real public documents, which must
import, validate and compile to every target, with nginx -t and openapi-spec-validator accepting the output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gwc.cli import app
from gwc.importers.openapi import ImportError_, import_openapi, load_openapi
from gwc.pipeline import load_gateway
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "openapi"
PUBLIC = sorted(DATA.glob("*.yaml"))
runner = CliRunner()

V3 = {
    "openapi": "3.0.3",
    "info": {"title": "Tenant Items", "version": "2.1.0", "description": "Items.\nMore text."},
    "servers": [{"url": "https://{region}.api.example.com:{port}/base/v1",
                 "variables": {"region": {"default": "eu"}, "port": {"default": "8443"}}},
                {"url": "https://backup.example.com"}],
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "headerKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "queryKey": {"$ref": "#/components/x-schemes/queryKey"},
            "oidc": {"type": "openIdConnect",
                     "openIdConnectUrl": "https://login.example.com/.well-known/openid-configuration"},
            "oauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://t.example.com/token",
                                                                         "scopes": {}}}},
            "basic": {"type": "http", "scheme": "basic"},
            "cookie": {"type": "apiKey", "in": "cookie", "name": "sid"},
        },
        "x-schemes": {"queryKey": {"type": "apiKey", "in": "query", "name": "api_key"}},
        "parameters": {"tenant": {"name": "tenant", "in": "path", "required": True, "schema": {"type": "string"}}},
        "schemas": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}},
    },
    "security": [{"bearer": []}],
    "paths": {
        "/{tenant}/items": {
            "parameters": [{"$ref": "#/components/parameters/tenant"}],
            "get": {"security": [{"headerKey": []}, {"queryKey": []}], "responses": {"200": {"description": "ok"}}},
            "post": {"responses": {"201": {"description": "created"}}},
        },
        "/{tenant}/items/{itemId}": {"$ref": "#/x-items"},
        "/open": {"get": {"security": [], "responses": {"200": {"description": "ok"}}}},
        "/optional": {"get": {"security": [{}, {"bearer": []}], "responses": {"200": {"description": "ok"}}}},
        "/both": {"get": {"security": [{"headerKey": [], "oidc": []}], "responses": {"200": {"description": "ok"}}}},
        "/basic-only": {"get": {"security": [{"basic": []}], "responses": {"200": {"description": "ok"}}}},
        "/basic-or-key": {"get": {"security": [{"basic": []}, {"headerKey": []}],
                                  "responses": {"200": {"description": "ok"}}}},
        "/cookie": {"get": {"security": [{"cookie": []}], "responses": {"200": {"description": "ok"}}}},
        "/oauth": {"get": {"security": [{"oauth": ["read"]}], "responses": {"200": {"description": "ok"}}}},
        "/files/{name}.json": {"get": {"responses": {"200": {"description": "ok"}}}},
        "/bad$path": {"get": {"responses": {"200": {"description": "ok"}}}},
        "/trace": {"trace": {"responses": {"200": {"description": "ok"}}}},
        "/cycle": {"$ref": "#/x-cycle-a"},
        "/external": {"$ref": "other.yaml#/paths/~1x"},
        "/other-server": {"servers": [{"url": "http://other.internal:8080"}],
                          "get": {"responses": {"200": {"description": "ok"}}}},
    },
    "x-items": {"get": {"security": [{"oidc": []}], "responses": {"200": {"description": "ok"}}},
                "delete": {"responses": {"204": {"description": "gone"}}}},
    "x-cycle-a": {"$ref": "#/x-cycle-b"},
    "x-cycle-b": {"$ref": "#/x-cycle-a"},
}

V2 = {
    "swagger": "2.0",
    "info": {"title": "Legacy", "version": "1.0"},
    "host": "legacy.example.com:8080",
    "basePath": "/api",
    "schemes": ["http"],
    "securityDefinitions": {
        "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
        "basic": {"type": "basic"},
        "oauth": {"type": "oauth2", "flow": "implicit", "authorizationUrl": "https://a.example.com/auth",
                  "scopes": {}},
    },
    "paths": {
        "/users/{userId}": {"get": {"security": [{"key": []}], "responses": {"200": {"description": "ok"}}},
                            "put": {"security": [{"oauth": []}], "responses": {"200": {"description": "ok"}}}},
        "/login": {"post": {"security": [{"basic": []}], "responses": {"200": {"description": "ok"}}}},
        "/aws": {"get": {"x-amazon-apigateway-integration": {"uri": "https://backend.example.com/v9/aws",
                                                             "type": "http_proxy"},
                         "responses": {"200": {"description": "ok"}}}},
        "/goog/{id}": {"get": {"x-google-backend": {"address": "https://run.example.app/svc",
                                                    "path_translation": "APPEND_PATH_TO_ADDRESS"},
                               "responses": {"200": {"description": "ok"}}}},
        "/lambda": {"get": {"x-amazon-apigateway-integration": {
            "uri": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/f/invocations"},
            "responses": {"200": {"description": "ok"}}}},
    },
}


def _route(spec: dict, path: str) -> list[dict]:
    return [r for r in spec["routes"] if r["path"] == path]


def _messages(notes) -> str:
    return "\n".join(n.message for n in notes)


def test_v3_mapping() -> None:
    spec, notes, hints = import_openapi(json.loads(json.dumps(V3)))
    assert spec["name"] == "tenant-items" and spec["version"] == "2.1.0" and spec["description"] == "Items."
    # server variables resolved to their defaults; the server path goes into each route's rewrite
    assert spec["services"]["api"] == {"url": "https://eu.api.example.com:8443"}
    assert "only the first is used" in _messages(notes)
    items = _route(spec, "/{tenant}/items")
    assert {(tuple(r["methods"]), str(r.get("auth"))) for r in items} == {
        (("GET",), str(["header_key", "query_key"])), (("POST",), "bearer")}
    assert all(r["rewrite"] == "/base/v1/{tenant}/items" for r in items)
    # path-item $ref, parameter renamed to the gwc grammar, methods grouped per path and auth
    one = {tuple(r["methods"]): r for r in _route(spec, "/{tenant}/items/{item_id}")}
    assert one[("GET",)]["auth"] == "oidc" and one[("DELETE",)]["auth"] == "bearer"
    assert one[("GET",)]["rewrite"] == "/base/v1/{tenant}/items/{item_id}"
    auth = spec["auth"]
    assert auth["header_key"] == {"api_key": {"header": "X-API-Key", "keys": {"env": "HEADER_KEY_KEYS"}}}
    assert auth["query_key"] == {"api_key": {"query": "api_key", "keys": {"env": "QUERY_KEY_KEYS"}}}
    assert auth["oidc"]["jwt"]["issuer"] == "https://login.example.com"
    assert "jwks" not in auth["oidc"]["jwt"] and "issuer" not in auth["bearer"]["jwt"]
    assert auth["oauth"]["jwt"]["secret"] == {"env": "OAUTH_JWT_SECRET"}
    assert any("auth.bearer" in h for h in hints)
    # security: [] is open, an empty alternative makes auth optional (open), AND keeps the strictest (jwt)
    assert "auth" not in _route(spec, "/open")[0] and "auth" not in _route(spec, "/optional")[0]
    assert _route(spec, "/both")[0]["auth"] == "oidc"
    assert "(AND)" in _messages(notes)
    # never open when the required scheme cannot be mapped; an unmappable alternative is dropped
    assert not _route(spec, "/basic-only") and not _route(spec, "/cookie")
    assert _route(spec, "/basic-or-key")[0]["auth"] == "header_key"
    assert _route(spec, "/oauth")[0]["auth"] == "oauth"
    # paths gwc refuses, unsupported methods, cycles, external refs: left out with a note
    for left_out in ("/files/{name}.json", "/bad$path", "/trace", "/cycle", "/external"):
        assert not _route(spec, left_out)
    text = _messages(notes)
    assert "not a whole segment" in text and "TRACE" in text and "cycle" in text and "external $ref" in text
    # a path-level server becomes its own service
    other = _route(spec, "/other-server")[0]
    assert spec["services"][other["service"]] == {"url": "http://other.internal:8080"} and "rewrite" not in other


def test_v2_mapping() -> None:
    spec, notes, _ = import_openapi(json.loads(json.dumps(V2)), name="legacy-gw")
    assert spec["name"] == "legacy-gw"
    assert spec["services"]["api"] == {"url": "http://legacy.example.com:8080"}
    users = {tuple(r["methods"]): r for r in _route(spec, "/users/{user_id}")}
    assert users[("GET",)]["auth"] == "key" and users[("PUT",)]["auth"] == "oauth"
    assert users[("GET",)]["rewrite"] == "/api/users/{user_id}"
    assert not _route(spec, "/login") and "HTTP basic" in _messages(notes)
    aws = _route(spec, "/aws")[0]
    assert spec["services"][aws["service"]] == {"url": "https://backend.example.com"} and aws["rewrite"] == "/v9/aws"
    goog = _route(spec, "/goog/{id}")[0]
    assert spec["services"][goog["service"]] == {"url": "https://run.example.app"}
    assert goog["rewrite"] == "/svc/goog/{id}"
    assert _route(spec, "/lambda")[0]["rewrite"] == "/api/lambda" and "Lambda" in _messages(notes)


@pytest.mark.parametrize("doc", [V2, V3], ids=["v2", "v3"])
def test_inline_imports_validate(tmp_path: Path, doc: dict) -> None:
    src = tmp_path / "api.json"
    src.write_text(json.dumps(doc))
    out = tmp_path / "spec.yaml"
    done = runner.invoke(app, ["import", "openapi", str(src), "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "GWC601" in done.output and out.read_text().startswith("# yaml-language-server")
    loaded = load_gateway(str(out))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    done = runner.invoke(app, ["compile", str(out), "--target", "all", "--allow-lossy", "-o", str(tmp_path / "b")])
    assert done.exit_code == 0, done.output


def test_unsafe_and_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(ImportError_):
        load_openapi("a: !!python/object/apply:os.system ['true']\n")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8))
    with pytest.raises(ImportError_, match="expands"):
        load_openapi(bomb)
    with pytest.raises(ImportError_):
        import_openapi({"openapi": "1.0", "paths": {}})
    with pytest.raises(ImportError_, match="no operation"):
        import_openapi({"openapi": "3.0.0", "paths": {"/x": {"get": {"security": [{"nope": []}]}}}})
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: [unclosed\n")
    done = runner.invoke(app, ["import", "openapi", str(bad)])
    assert done.exit_code == 1 and "GWC602" in done.output
    done = runner.invoke(app, ["import", "openapi", str(tmp_path / "missing.yaml"), "--format", "json"])
    assert done.exit_code == 1 and "GWC602" in done.output


def test_stdout_and_json_notes(tmp_path: Path) -> None:
    src = tmp_path / "api.yaml"
    src.write_text(yaml.safe_dump(V2))
    done = runner.invoke(app, ["import", "openapi", str(src), "--format", "json", "-o", str(tmp_path / "s.yaml")])
    assert done.exit_code == 0
    notes = json.loads(done.stdout)
    assert notes and {n["code"] for n in notes} == {"GWC601"}
    done = runner.invoke(app, ["import", "openapi", str(src)])
    assert done.exit_code == 0 and "gwc: 1" in done.stdout
