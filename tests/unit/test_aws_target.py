"""The AWS target's mapping decisions that are easy to get wrong: burst + 1, clamps with numbers, static
header quoting, prefixes as {proxy+}, method-settings keys, key values never written, deterministic bytes,
and the located errors for what AWS cannot express."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from gwc.targets.aws.names import cfn_resource_path, method_key
from gwc.targets.aws.values import quote_static, vtl_literal

from gwc.diagnostics import Level
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target

HEAD = ("gwc: 1\nname: t\nobservability: {access_log: {format: none}}\n"
        "services:\n  app: {url: 'https://app.example.com'}\n")


def build(tmp_path: Path, body: str, lossy: bool = False, head: str = HEAD):
    spec = tmp_path / "spec.yaml"
    spec.write_text(head + body)
    loaded = load_gateway(str(spec))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("aws")[0], allow_lossy=lossy)
    return files, diags


def codes(diags, level=Level.WARNING) -> list[str]:
    return [d.code for d in diags if d.level >= level]


def body(files) -> dict:
    return json.loads(files["openapi.json"])


def deploy(files) -> dict:
    return json.loads(files["deploy.json"])


def test_route_throttle_is_rate_per_second_and_burst_plus_one(tmp_path: Path) -> None:
    files, _ = build(tmp_path, "routes:\n  - path: /users\n    methods: [GET]\n    service: app\n"
                               "    rate_limit: {rate: 600/m, burst: 50, per: route}\n")
    settings = deploy(files)["stage_settings"]["method_settings"]
    assert settings["/users/GET"] == {"throttling_rate_limit": 10.0, "throttling_burst_limit": 51}
    stage = yaml.safe_load(files["template.yaml"])["Resources"]["Stage"]["Properties"]
    entry = next(m for m in stage["MethodSettings"] if m["HttpMethod"] == "GET")
    assert entry == {"ResourcePath": "/~1users", "HttpMethod": "GET", "ThrottlingRateLimit": 10.0,
                     "ThrottlingBurstLimit": 51}


def test_per_key_throttle_and_quota_go_to_the_usage_plan(tmp_path: Path) -> None:
    files, _ = build(tmp_path, "auth:\n  k: {api_key: {keys: {env: KEYS}}}\nroutes:\n  - prefix: /orders/\n"
                               "    service: app\n    auth: k\n"
                               "    rate_limit: {rate: 5/s, burst: 0, per: api_key,"
                               " quota: {requests: 1000, period: day}}\n")
    plan, = deploy(files)["usage_plans"]
    assert plan["method_throttle"] == {"/orders/{proxy+}/ANY": {"rate_limit": 5.0, "burst_limit": 1}}
    assert plan["quota"] == {"limit": 1000, "period": "DAY"} and plan["api_keys"] == ["t-k"]
    template = yaml.safe_load(files["template.yaml"])["Resources"]
    assert template["UsagePlanK"]["Properties"]["ApiStages"][0]["Throttle"] == {
        "/orders/{proxy+}/ANY": {"RateLimit": 5.0, "BurstLimit": 1}}


def test_api_key_values_are_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYS", "secret-key-value-123")
    files, _ = build(tmp_path, "auth:\n  k: {api_key: {keys: {env: KEYS}}}\n"
                               "routes:\n  - path: /a\n    service: app\n    auth: k\n")
    assert not any("secret-key-value-123" in text for text in files.values())
    key = yaml.safe_load(files["template.yaml"])["Resources"]["ApiKeyK"]["Properties"]
    assert "Value" not in key and key["Enabled"] is True


def test_cache_ttl_is_clamped_with_the_numbers(tmp_path: Path) -> None:
    files, diags = build(tmp_path, "routes:\n  - path: /a\n    methods: [GET]\n    service: app\n    cache: {ttl: 2h}\n"
                                   "  - path: /b\n    methods: [GET]\n    service: app\n    cache: {ttl: 1500ms}\n")
    settings = deploy(files)["stage_settings"]["method_settings"]
    assert settings["/a/GET"]["caching_ttl_seconds"] == 3600 and settings["/b/GET"]["caching_ttl_seconds"] == 1
    messages = [d.message for d in diags if d.code == "GWC303"]
    assert any("7200 s becomes 3600 s" in m for m in messages) and any("1.5 s becomes 1 s" in m for m in messages)
    assert deploy(files)["stage_settings"]["cache_cluster_enabled"] is True
    assert settings["*/*"]["caching_enabled"] is False


def test_cache_keys_are_declared_parameters(tmp_path: Path) -> None:
    files, _ = build(tmp_path, "routes:\n  - path: /p/{id}\n    methods: [GET]\n    service: app\n"
                               "    cache: {ttl: 1m, key: ['query:page', 'header:Accept-Language']}\n")
    op = body(files)["paths"]["/p/{id}"]["get"]
    assert op["x-amazon-apigateway-integration"]["cacheKeyParameters"] == [
        "method.request.path.id", "method.request.querystring.page", "method.request.header.Accept-Language"]
    assert {(p["in"], p["name"]) for p in op["parameters"]} == {("path", "id"), ("query", "page"),
                                                                ("header", "Accept-Language")}


def test_timeout_is_clamped_with_the_numbers(tmp_path: Path) -> None:
    head = HEAD.replace("{url: 'https://app.example.com'}", "{url: 'https://app.example.com', timeouts: {read: 2m}}")
    files, diags = build(tmp_path, "routes:\n  - path: /a\n    service: app\n", head=head)
    integ = body(files)["paths"]["/a"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    assert integ["timeoutInMillis"] == 29000
    assert any("120000 ms becomes an integration timeout of 29000 ms" in d.message for d in diags)


def test_static_header_values_are_quoted_and_a_quote_is_refused(tmp_path: Path) -> None:
    assert quote_static("gwc") == "'gwc'" and quote_static("it's") is None
    route = "routes:\n  - path: /a\n    service: app\n    headers: {request: {set: {X-A: plain, X-B: \"it's\"}}}\n"
    files, diags = build(tmp_path, route)
    assert not files and "GWC301" in codes(diags, Level.ERROR)
    files, diags = build(tmp_path, route, lossy=True)
    params = body(files)["paths"]["/a"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"][
        "requestParameters"]
    assert params["integration.request.header.X-A"] == "'plain'" and "integration.request.header.X-B" not in params


def test_header_removal_is_refused_on_rest_and_mapped_on_http(tmp_path: Path) -> None:
    route = "routes:\n  - path: /a\n    service: app\n    headers: {request: {remove: [Cookie]}}\n"
    assert "GWC301" in codes(build(tmp_path, route)[1], Level.ERROR)
    files, _ = build(tmp_path, route + "targets: {aws: {api_type: http}}\n")
    integ = body(files)["paths"]["/a"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    assert integ["requestParameters"]["remove:header.Cookie"] == "''"


def test_prefix_becomes_proxy_plus_and_never_a_variable_sibling(tmp_path: Path) -> None:
    files, _ = build(tmp_path, "routes:\n  - prefix: /orders/\n    service: app\n    rewrite: /v1/\n"
                               "  - path: /items/{id}\n    methods: [GET]\n    service: app\n"
                               "  - prefix: /items/\n    service: app\n")
    paths = body(files)["paths"]
    integ = paths["/orders/{proxy+}"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    assert integ["uri"] == "https://app.example.com/v1/{proxy}"
    assert integ["requestParameters"]["integration.request.path.proxy"] == "method.request.path.proxy"
    assert "/orders" not in paths  # {proxy+} needs a segment: /orders/ itself is not routed
    assert "/items/{proxy+}" not in paths  # it would be a variable sibling of {id}
    assert "/items/{id}/{proxy+}" in paths
    assert paths["/items/{id}"]["x-amazon-apigateway-any-method"]["responses"].keys() == {"405"}


def test_method_settings_keys() -> None:
    assert method_key("/users", "GET") == "/users/GET"
    assert method_key("/orders/{proxy+}", "ANY") == "/orders/{proxy+}/ANY"
    assert method_key("*", "*") == "*/*"
    assert cfn_resource_path("/orders/{proxy+}") == "/~1orders~1{proxy+}" and cfn_resource_path("*") == "/*"


def test_jwt_on_rest_needs_an_authorizer(tmp_path: Path) -> None:
    spec = ("auth:\n  c: {jwt: {issuer: 'https://id.example/', audiences: [x], jwks: {url: 'https://id.example/k'}}}\n"
            "routes:\n  - path: /a\n    service: app\n    auth: c\n  - path: /open\n    service: app\n")
    files, diags = build(tmp_path, spec)
    err = next(d for d in diags if d.code == "GWC320")
    assert not files and err.level is Level.ERROR and "authorizers" in err.hint and "cognito_user_pool_arns" in err.hint
    files, diags = build(tmp_path, spec, lossy=True)  # the route is left out, never made public
    assert set(body(files)["paths"]) == {"/open"} and "GWC322" in codes(diags)
    files, _ = build(tmp_path, spec + "targets: {aws: {authorizers: {c: {lambda_arn: "
                                      "'arn:aws:lambda:eu-west-1:123456789012:function:f'}}}}\n")
    scheme = body(files)["components"]["securitySchemes"]["c"]["x-amazon-apigateway-authorizer"]
    assert scheme["type"] == "token" and scheme["authorizerUri"].startswith("arn:aws:apigateway:eu-west-1:lambda:")
    files, _ = build(tmp_path, spec + "targets: {aws: {api_type: http}}\n")
    jwt = body(files)["components"]["securitySchemes"]["c"]["x-amazon-apigateway-authorizer"]
    assert jwt["jwtConfiguration"] == {"issuer": "https://id.example/", "audience": ["x"]}


def test_access_log_needs_a_destination(tmp_path: Path) -> None:
    head = HEAD.replace("{access_log: {format: none}}", "{access_log: {format: json}}")
    files, diags = build(tmp_path, "routes:\n  - path: /a\n    service: app\n", head=head)
    assert not files and "GWC321" in codes(diags, Level.ERROR)
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:g"
    settings = f"targets: {{aws: {{access_log_destination_arn: '{arn}'}}}}\n"
    files, _ = build(tmp_path, "routes:\n  - path: /a\n    service: app\n" + settings, head=head)
    log = deploy(files)["stage_settings"]["access_log"]
    assert log["destination_arn"] == arn and "$context.requestId" in log["format"]
    json.loads(log["format"])


def test_vtl_literal_keeps_text_literal() -> None:
    assert vtl_literal("plain text") == "plain text"
    assert vtl_literal("$5 #x") == "#[[$5 #x]]#"
    assert vtl_literal("a]]#b") == "#[[a]]]]##[[#b]]#"


def test_output_is_deterministic(tmp_path: Path) -> None:
    spec = "routes:\n  - prefix: /\n    service: app\n    cors: {origins: ['https://a.example', 'https://b.example']}\n"
    assert build(tmp_path, spec)[0] == build(tmp_path, spec)[0]


def test_template_and_deploy_json_agree(tmp_path: Path) -> None:
    files, _ = build(tmp_path, "routes:\n  - path: /a\n    methods: [GET, POST]\n    service: app\n"
                               "    rate_limit: {rate: 2/s, burst: 3, per: route}\n    cache: {ttl: 1m}\n")
    from_deploy = deploy(files)["stage_settings"]["method_settings"]
    stage = yaml.safe_load(files["template.yaml"])["Resources"]["Stage"]["Properties"]
    from_template = {(m["ResourcePath"], m["HttpMethod"]): m for m in stage["MethodSettings"]}
    for key, setting in from_deploy.items():
        resource, method = key.rsplit("/", 1)
        entry = from_template[(cfn_resource_path(resource), method)]
        assert entry.get("ThrottlingBurstLimit") == setting.get("throttling_burst_limit")
        assert entry.get("CacheTtlInSeconds") == setting.get("caching_ttl_seconds")


def test_routes_with_equal_cors_policies_share_one_policy(tmp_path: Path) -> None:
    """Equal policies written on several routes are one policy (they differ only in where the spec says
    them): API Gateway's own error answers get their CORS headers, and an HTTP API has nothing to warn."""
    cors = "    cors: {origins: ['https://a.example']}\n"
    routes = "routes:\n  - path: /a\n    service: app\n" + cors + "  - path: /b\n    service: app\n" + cors
    files, diags = build(tmp_path, routes)
    assert "GWC303" not in codes(diags)
    unauthorized = body(files)["x-amazon-apigateway-gateway-responses"]["UNAUTHORIZED"]["responseParameters"]
    assert unauthorized["gatewayresponse.header.Access-Control-Allow-Origin"] == "'https://a.example'"
    files, diags = build(tmp_path, routes + "targets: {aws: {api_type: http}}\n")
    assert "GWC303" not in codes(diags)
    assert body(files)["x-amazon-apigateway-cors"]["allowOrigins"] == ["https://a.example"]
    other = routes.replace("https://a.example']}\n", "https://b.example']}\n", 1)
    _, diags = build(tmp_path, other)
    assert any("2 different CORS policies" in d.message for d in diags)
