"""The Azure target's mapping decisions that are easy to get wrong: rate-limit numbers, CIDRs as address
ranges, escaping of `@(`, `@{` and `{{` (read back as C#), ARM literals, named values that never hold a
value, subscription keys and the 401 check, the "any one of" <choose>, stable and valid operation ids,
pools and their weights, one forward-request per operation, caching with credentials, and deterministic
bytes."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import pytest
from gwc.targets.azure.backends import scale
from gwc.targets.azure.bundle import split
from gwc.targets.azure.limits import window
from gwc.targets.azure.policies import address_entries
from gwc.targets.azure.values import arm_literal, cs_string, needs_expression, policy_value

from gwc.diagnostics import Level
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.validators.azure_checks import cs_value, expand_policies, policy_text

HEAD = "gwc: 1\nname: t\nservices:\n  app: {url: 'https://app.example.com'}\n"
KEY = "auth:\n  k: {api_key: {header: X-Key, keys: {azure_keyvault: 'https://kv1.vault.azure.net/secrets/keys'}}}\n"


def build(tmp_path: Path, body: str, lossy: bool = False, head: str = HEAD):
    spec = tmp_path / "spec.yaml"
    spec.write_text(head + body)
    loaded = load_gateway(str(spec))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("azure")[0], allow_lossy=lossy)
    return expand_policies(files), diags  # each operation's policy also as policies/operations/<id>.xml


def codes(diags, level=Level.WARNING) -> list[str]:
    return [d.code for d in diags if d.level >= level]


def xml(files, op: str) -> ElementTree.Element:
    return ElementTree.fromstring(files[f"policies/operations/{op}.xml"])


def not_allowed_answer(files, op: str) -> ElementTree.Element:
    """The <return-response> APIM runs for a 405 operation: the API-scope branch whose
    `context.Operation.Id.EndsWith("...")` holds for the id (exactly one may)."""
    api = ElementTree.fromstring(files["policies/api.xml"])
    hits = [when.find("return-response") for when in api.iterfind("./inbound/choose/when")
            if (m := re.fullmatch(r'@\(context\.Operation\.Id\.EndsWith\("([^"]+)"\)\)', when.get("condition")))
            and op.endswith(m.group(1))]
    assert len(hits) == 1, (op, hits)
    return hits[0]


def template(files) -> dict:
    return json.loads(files["template.json"])


def resources(files, kind: str) -> list[dict]:
    return [r for r in template(files)["resources"] if r["type"] == f"Microsoft.ApiManagement/service/{kind}"]


# -- numbers ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("per_second,unit,burst,calls,period", [
    (Fraction(100), "s", 50, 150, 1), (Fraction(10), "s", 0, 10, 1), (Fraction(600, 60), "m", 20, 620, 60),
    (Fraction(30, 60), "m", 0, 30, 60), (Fraction(1000, 3600), "h", 10, 94, 300), (Fraction(1, 3600), "h", 0, 1, 300)])
def test_rate_becomes_calls_per_window(per_second, unit, burst, calls, period) -> None:
    w = window(per_second, unit, burst)
    assert (w.calls, w.period) == (calls, period)


def test_the_numbers_are_reported(tmp_path: Path) -> None:
    files, diags = build(tmp_path, "routes:\n  - path: /a\n    service: app\n    rate_limit: {rate: 100/s, burst: 50}\n")
    limit = xml(files, "a-get").find(".//rate-limit-by-key")
    assert (limit.get("calls"), limit.get("renewal-period")) == ("150", "1")
    assert limit.get("counter-key") == '@("gwc-rate:a:" + context.Request.IpAddress)'
    note = next(d for d in diags if d.code == "GWC303")
    assert "150 may arrive at once (spec: 51)" in note.message and "150/s may be sustained (spec: 100/s)" in note.message
    assert note.pointer == "/routes/0/rate_limit"


@pytest.mark.parametrize("per,key", [("route", '@("gwc-rate:a:")'),
                                     ("api_key", ('@("gwc-rate:a:" + (context.Subscription != null ? '
                                                  'context.Subscription.Id : ""))'))])
def test_counter_keys_name_the_route(tmp_path: Path, per: str, key: str) -> None:
    files, _ = build(tmp_path, KEY + f"routes:\n  - path: /a\n    service: app\n    auth: k\n"
                     f"    rate_limit: {{rate: 5/s, per: {per}, quota: {{requests: 1000, period: week}}}}\n")
    root = xml(files, "a-get")
    assert root.find(".//rate-limit-by-key").get("counter-key") == key
    quota = root.find(".//quota-by-key")
    assert quota.get("renewal-period") == "604800" and quota.get("calls") == "1000"
    assert quota.get("counter-key") == key.replace("gwc-rate", "gwc-quota")


def test_cidrs_become_addresses_and_ranges() -> None:
    got = [(e.tag, e.text, e.get("from"), e.get("to")) for e in
           address_entries(("10.0.0.0/8", "192.0.2.7", "192.0.2.8/32", "2001:db8::/126", "::1"))]
    assert got == [("address-range", None, "10.0.0.0", "10.255.255.255"), ("address", "192.0.2.7", None, None),
                   ("address", "192.0.2.8", None, None), ("address-range", None, "2001:db8::", "2001:db8::3"),
                   ("address", "::1", None, None)]


def test_deny_comes_before_allow(tmp_path: Path) -> None:
    files, _ = build(tmp_path, "routes:\n  - path: /a\n    service: app\n"
                               "    ip: {allow: [10.0.0.0/16], deny: [10.0.5.0/24]}\n")
    filters = xml(files, "a-get").findall(".//ip-filter")
    assert [f.get("action") for f in filters] == ["forbid", "allow"]


@pytest.mark.parametrize("shares,weights", [([Fraction(3, 4), Fraction(1, 4)], [3, 1]),
                                            ([Fraction(1, 3)] * 3, [1, 1, 1]),
                                            ([Fraction(999, 1000), Fraction(1, 1000)], [100, 1])])
def test_pool_weights_fit_in_100(shares, weights) -> None:
    assert scale(shares) == weights


# -- escaping ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expression", [
    ("plain", None), ("a @( b", None), ("@(x)", '@("@(x)")'), ("@{ return 1; }", '@("@{ return 1; }")'),
    ("{{name}}", '@("{" + "{name}" + "}")'), ("a}}b", None), ("a}}b{{", '@("a}" + "}b{" + "{")'), (" x", '@(" x")'),
    ('say "hi"\\', None), ("line\r\n", '@("line\\r\\n")'), ("\u0007", '@("\\u0007")'),
    ("@(\"x\")", '@("@(\\"x\\")")')])
def test_policy_values(text: str, expression: str | None) -> None:
    got = policy_value(text)
    assert got == (expression or text)
    assert policy_text(got) == text
    assert "{{" not in got


@pytest.mark.parametrize("text", ["{{{{", "}}}}{{", "a{{b}}c{{d}}", "😀 é \ufffe", "{}{}{{}}", "\\u0041"])
def test_cs_string_round_trips_and_never_writes_double_braces(text: str) -> None:
    expr = cs_string(text)
    assert "{{" not in expr and "}}" not in expr and expr.isascii()
    assert cs_value(f"@({expr})") == text


def test_what_needs_an_expression() -> None:
    assert needs_expression("@") and needs_expression("  @(x)") and needs_expression("x{{")
    assert not needs_expression("user@example.com") and not needs_expression("{x}") and not needs_expression("")


@pytest.mark.parametrize("text,out", [("[x]", "[[x]"), ("[x", "[x"), ("x]", "x]"), ("[[x]]", "[[[x]]"), ("", "")])
def test_arm_literals(text: str, out: str) -> None:
    assert arm_literal(text) == out


# -- secrets ----------------------------------------------------------------------------------------------

def test_named_values_never_hold_a_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HMAC_KEY", "super-secret-hmac-value")
    files, diags = build(tmp_path, "auth:\n  a: {jwt: {secret: {env: HMAC_KEY}, audiences: [x]}}\n"
                                   "  b: {jwt: {secret: {azure_keyvault: 'https://kv1.vault.azure.net/secrets/b'},"
                                   " audiences: [y]}}\n"
                                   "routes:\n  - {path: /a, service: app, auth: a}\n  - {path: /b, service: app, auth: b}\n")
    text = "".join(files.values())
    assert "super-secret-hmac-value" not in text and "GWC364" in codes(diags)
    values = {r["name"]: r["properties"] for r in resources(files, "namedValues")}
    env = values["[concat(parameters('serviceName'), '/', 't-a-hmac')]"]
    assert env == {"displayName": "t-a-hmac", "secret": True, "value": "[parameters('secretTAHmac')]"}
    kv = values["[concat(parameters('serviceName'), '/', 't-b-hmac')]"]
    assert kv["keyVault"] == {"secretIdentifier": "https://kv1.vault.azure.net/secrets/b"} and "value" not in kv
    assert template(files)["parameters"]["secretTAHmac"] == {"type": "securestring", "metadata": {
        "description": "The value of the secret named value t-a-hmac (auth 'a' (HMAC key); the spec's env "
                       "reference HMAC_KEY)"}}
    assert xml(files, "a-get").find(".//key").text == "{{t-a-hmac}}"
    deploy = json.loads(files["deploy.json"])["named_values"]
    assert deploy[0]["source"] == {"env": "HMAC_KEY"} and deploy[1]["key_vault_secret_id"].startswith("https://kv1")


def test_other_clouds_secrets_are_refused(tmp_path: Path) -> None:
    body = ("auth:\n  a: {jwt: {secret: {aws_secret: 'arn:aws:secretsmanager:x'}}}\n"
            "routes:\n  - {path: /a, service: app, auth: a}\n")
    files, diags = build(tmp_path, body)
    assert not files and "GWC363" in codes(diags, Level.ERROR)
    files, diags = build(tmp_path, body, lossy=True)
    assert "policies/operations/a-get.xml" not in files and "GWC361" in codes(diags)


# -- authentication ---------------------------------------------------------------------------------------

def test_subscription_required_only_when_every_route_needs_the_key(tmp_path: Path) -> None:
    files, _ = build(tmp_path, KEY + "routes:\n  - {path: /a, service: app, auth: k}\n")
    api = resources(files, "apis")[0]["properties"]
    assert api["subscriptionRequired"] is True
    assert api["subscriptionKeyParameterNames"] == {"header": "X-Key", "query": "subscription-key"}
    # APIM refuses keyless calls itself; the operation's own check stays (it holds if the setting changes)
    assert xml(files, "a-get").find(".//when").get("condition") == "@(context.Subscription == null)"
    files, _ = build(tmp_path, KEY + "routes:\n  - {path: /a, service: app, auth: k}\n  - {path: /b, service: app}\n")
    assert resources(files, "apis")[0]["properties"]["subscriptionRequired"] is False
    check = xml(files, "a-get").find(".//when")
    assert check.get("condition") == "@(context.Subscription == null)"
    assert check.find(".//set-status").get("code") == "401"
    assert xml(files, "b-get").find(".//when") is None
    product, = resources(files, "products")
    assert product["properties"]["subscriptionRequired"] is True
    assert resources(files, "products/apis")[0]["name"].endswith("'t-k', '/', 't')]")


def test_a_second_key_method_is_refused(tmp_path: Path) -> None:
    body = (KEY + "  k2: {api_key: {keys: {azure_keyvault: 'https://kv1.vault.azure.net/secrets/k2'}}}\n"
            "routes:\n  - {path: /a, service: app, auth: k}\n  - {path: /b, service: app, auth: k2}\n")
    files, diags = build(tmp_path, body)
    assert not files and "GWC301" in codes(diags, Level.ERROR)
    files, _ = build(tmp_path, body, lossy=True)
    assert "policies/operations/b-get.xml" not in files and "policies/operations/a-get.xml" in files


def test_any_of_recognises_each_method_before_checking_it(tmp_path: Path) -> None:
    body = (KEY + "  j: {jwt: {issuer: 'https://id.example/', jwks: {url: 'https://id.example/keys'}}}\n"
            "  h: {jwt: {secret: {azure_keyvault: 'https://kv1.vault.azure.net/secrets/h'}, header: X-T}}\n"
            "routes:\n  - {path: /a, service: app, auth: [h, j, k]}\n")
    files, _ = build(tmp_path, body)
    choose = xml(files, "a-get").find(".//choose")
    whens = choose.findall("when")
    assert whens[0].get("condition") == "@(context.Subscription != null)" and not list(whens[0])
    assert 'j.Issuer == "https://id.example/"' in whens[1].get("condition")
    assert whens[1].find("validate-jwt/openid-config").get("url") == "https://id.example/.well-known/openid-configuration"
    assert choose.find("otherwise/validate-jwt/issuer-signing-keys/key").text == "{{t-h-hmac}}"
    assert "X-T" in choose.find("otherwise/validate-jwt").get("token-value")


def test_jwt_methods_that_cannot_be_told_apart(tmp_path: Path) -> None:
    body = ("auth:\n  a: {jwt: {secret: {azure_keyvault: 'https://kv1.vault.azure.net/secrets/a'}}}\n"
            "  b: {jwt: {secret: {azure_keyvault: 'https://kv1.vault.azure.net/secrets/b'}}}\n"
            "routes:\n  - {path: /x, service: app, auth: [a, b]}\n")
    files, diags = build(tmp_path, body)
    assert not files and "GWC301" in codes(diags, Level.ERROR)
    files, _ = build(tmp_path, body, lossy=True)
    assert xml(files, "x-get").find(".//choose") is None and xml(files, "x-get").find(".//validate-jwt") is not None


def test_a_jwks_url_without_issuer_cannot_be_checked(tmp_path: Path) -> None:
    body = "auth:\n  a: {jwt: {jwks: {url: 'https://id.example/keys'}}}\nroutes:\n  - {path: /x, service: app, auth: a}\n"
    files, diags = build(tmp_path, body)
    assert not files and "GWC362" in codes(diags, Level.ERROR)


def test_token_read_after_the_scheme_then_from_the_query(tmp_path: Path) -> None:
    files, _ = build(tmp_path, "auth:\n  a: {jwt: {secret: {azure_keyvault: 'https://kv1.vault.azure.net/secrets/a'}, "
                               "header: X-Session, scheme: Token, query: tok, leeway: 5s}}\n"
                               "routes:\n  - {path: /x, service: app, auth: a}\n")
    jwt = xml(files, "x-get").find(".//validate-jwt")
    assert jwt.get("clock-skew") == "5" and jwt.get("failed-validation-httpcode") == "401"
    value = jwt.get("token-value")
    assert 'GetValueOrDefault("X-Session", "")' in value and 'StartsWith("token ")' in value
    assert "h.Substring(6)" in value and 'Query.GetValueOrDefault("tok", "")' in value


# -- routes and operations --------------------------------------------------------------------------------

def test_operation_ids_are_stable_and_valid(tmp_path: Path) -> None:
    routes = ["  - {path: '/users/{id}', methods: [GET, PUT], service: app}\n",
              "  - {prefix: /files/, service: app}\n", "  - {path: /, methods: [GET], service: app, name: home}\n"]
    one, _ = build(tmp_path, "routes:\n" + "".join(routes))
    two, _ = build(tmp_path, "routes:\n" + "".join(reversed(routes)))
    ids = sorted(split(one["policies/operations.xml"]))
    assert ids == sorted(split(two["policies/operations.xml"]))
    assert "users_id-get" in ids and "files_all-options" in ids and "home-get" in ids
    paths = json.loads(one["api.openapi.json"])["paths"]
    assert set(paths) == {"/users/{id}", "/files/*", "/"}
    assert paths["/users/{id}"]["get"]["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    # 405 operations: GET and PUT served = bits 0 and 3 = 09; no policy of their own, answered at API scope
    assert paths["/users/{id}"]["post"]["operationId"] == "users_id-post-405-09"
    assert "users_id-post-405-09" not in ids and "policies/operations/users_id-post-405-09.xml" not in one
    answer = not_allowed_answer(one, "users_id-post-405-09")
    assert answer.find("set-status").get("code") == "405"
    assert answer.find("set-header[@name='Allow']/value").text == "GET, PUT"
    assert not_allowed_answer(one, "home-put-405-01").find("set-header[@name='Allow']/value").text == "GET"
    with pytest.raises(AssertionError):
        not_allowed_answer(one, "users_id-get")  # a served operation matches no branch


def test_cors_leaves_options_to_the_preflight(tmp_path: Path) -> None:
    files, _ = build(tmp_path, "routes:\n  - path: /a\n    methods: [GET, POST]\n    service: app\n"
                               "    cors: {origins: ['https://x.example'], max_age: 1h}\n")
    ops = {m: o["operationId"] for m, o in json.loads(files["api.openapi.json"])["paths"]["/a"].items()}
    assert "options" not in ops and ops["put"] == "a-put-405-05"
    assert not_allowed_answer(files, ops["put"]).find("set-header[@name='Allow']/value").text == "GET, POST"
    inbound = xml(files, "a-get").find("inbound")
    cors = inbound.find("cors")
    assert list(inbound)[1] is cors  # first after <base/>
    assert cors.find("allowed-methods").get("preflight-result-max-age") == "3600"


def test_a_literal_star_segment_is_refused(tmp_path: Path) -> None:
    files, diags = build(tmp_path, "routes:\n  - {path: '/files/*', service: app}\n")
    assert not files and "GWC301" in codes(diags, Level.ERROR)


def test_prefix_rewrite_cuts_the_api_path_and_prefix(tmp_path: Path) -> None:
    head = HEAD.replace("name: t", "name: t\ntargets: {azure: {api_path: shop/v1}}")
    files, _ = build(tmp_path, "routes:\n  - {prefix: /api/, service: app, rewrite: /internal/}\n"
                               "  - {path: '/u/{id}', service: app, rewrite: '/v2/users/{id}'}\n", head=head)
    assert xml(files, "api_all-get").find(".//rewrite-uri").get("template") == (
        '@("/internal/" + context.Request.OriginalUrl.Path.Substring(13))')  # len("/shop/v1/api/")
    assert xml(files, "u_id-get").find(".//rewrite-uri").get("template") == "/v2/users/{id}"


# -- upstreams ----------------------------------------------------------------------------------------------

def test_instances_become_a_pool_with_a_backup_and_breakers(tmp_path: Path) -> None:
    head = ("gwc: 1\nname: t\nservices:\n  app:\n    targets:\n      - {url: 'https://a.example.com', weight: 3}\n"
            "      - {url: 'https://b.example.com'}\n      - {url: 'https://c.example.com', backup: true}\n"
            "    health: {max_fails: 2, fail_timeout: 20s}\n    tls_verify: false\n")
    files, _ = build(tmp_path, "routes:\n  - {path: /a, service: app}\n", head=head)
    backends = {r["name"].split("'")[-2]: r for r in resources(files, "backends")}
    pool = backends["t-app"]
    assert [(m["weight"], m["priority"]) for m in pool["properties"]["pool"]["services"]] == [(3, 1), (1, 1), (1, 2)]
    assert len(pool["dependsOn"]) == 3
    single = backends["t-app-1"]["properties"]
    assert single["tls"] == {"validateCertificateChain": False, "validateCertificateName": False}
    rule = single["circuitBreaker"]["rules"][0]
    assert rule["failureCondition"]["count"] == 2 and rule["tripDuration"] == "PT20S"
    assert xml(files, "a-get").find(".//set-backend-service").get("backend-id") == "t-app"


def test_split_pool_and_scaled_weights(tmp_path: Path) -> None:
    head = ("gwc: 1\nname: t\nservices:\n  a: {url: 'https://a.example.com'}\n"
            "  b: {url: 'https://b.example.com'}\n")
    files, diags = build(tmp_path, "routes:\n  - prefix: /\n    split: [{service: a, weight: 999}, "
                                   "{service: b, weight: 1}]\n", head=head)
    pool = next(r for r in resources(files, "backends") if "split" in r["name"])
    assert [m["weight"] for m in pool["properties"]["pool"]["services"]] == [100, 1]
    assert any(d.code == "GWC303" and "99.90%, 0.10% become 99.01%, 0.99%" in d.message for d in diags)


def test_own_forwarding_replaces_the_inherited_one(tmp_path: Path) -> None:
    head = ("gwc: 1\nname: t\nservices:\n  app:\n    url: 'https://app.example.com'\n    timeouts: {read: 2500ms}\n"
            "    retries: {attempts: 2, on: [connect_error, 502, 504]}\n")
    files, diags = build(tmp_path, "routes:\n  - {path: /a, service: app}\n", head=head)
    backend = xml(files, "a-get").find("backend")
    assert [e.tag for e in backend] == ["retry"]
    retry = backend.find("retry")
    assert retry.get("count") == "2" and retry.get("first-fast-retry") == "true"
    assert "context.Response.StatusCode == 502 || context.Response.StatusCode == 504" in retry.get("condition")
    assert 'context.Request.Method == "GET"' in retry.get("condition")
    assert retry.find("forward-request").get("timeout") == "3"
    assert {d.code for d in diags} >= {"GWC303"}
    assert any("connect_error cannot be retried" in d.message for d in diags)
    assert any("2500 ms becomes forward-request timeout=\"3\"" in d.message for d in diags)


# -- caching ----------------------------------------------------------------------------------------------

def test_cache_with_credentials(tmp_path: Path) -> None:
    body = (KEY + "routes:\n  - {path: /bypass, service: app, auth: k, cache: {ttl: 90s}}\n"
            "  - {path: /mine, service: app, auth: k, cache: {ttl: 1m, authenticated: per_subject}}\n"
            "  - {path: /all, service: app, cache: {ttl: 1500ms, key: ['query:page'], authenticated: shared}}\n")
    files, diags = build(tmp_path, body)
    bypass = xml(files, "bypass-get")
    condition = bypass.find("inbound/choose[2]/when").get("condition")
    assert condition.startswith("@(!(") and 'ContainsKey("X-Key")' in condition and "Subscription != null" in condition
    assert bypass.find("inbound/choose[2]/when/cache-lookup").get("allow-private-response-caching") == "false"
    assert bypass.find("outbound/choose/when/cache-store").get("duration") == "90"
    assert xml(files, "bypass-post").find(".//cache-lookup") is None  # APIM caches GET only
    mine = xml(files, "mine-get").find("inbound/cache-lookup")
    assert mine.get("allow-private-response-caching") == "true"
    assert [e.text for e in mine] == ["X-Key", "subscription-key"]
    shared = xml(files, "all-get").find("inbound/cache-lookup")
    assert [e.text for e in shared] == ["page"] and xml(files, "all-get").find(".//cache-store").get("duration") == "1"
    assert any("1.5 s becomes 1 s" in d.message for d in diags)


# -- gateway-wide -----------------------------------------------------------------------------------------

def test_access_log_needs_application_insights(tmp_path: Path) -> None:
    body = "routes:\n  - {path: /a, service: app}\nobservability: {access_log: {format: json}}\n"
    files, diags = build(tmp_path, body)
    assert not files and "GWC365" in codes(diags, Level.ERROR)
    files, diags = build(tmp_path, body + "targets: {azure: {app_insights: {logger_id: shared-ai}}}\n")
    diag, = resources(files, "apis/diagnostics")
    assert diag["properties"]["loggerId"].endswith("'shared-ai')]") and not resources(files, "loggers")


def test_hosts_and_request_ids_at_api_scope(tmp_path: Path) -> None:
    files, _ = build(tmp_path, "hosts: [a.example.com, '*.b.example.com']\nroutes:\n  - {path: /a, service: app}\n"
                               "observability: {request_id: true}\n")
    api = ElementTree.fromstring(files["policies/api.xml"])
    condition = api.find("inbound/choose/when").get("condition")
    assert 'host == "a.example.com"' in condition and 'host.EndsWith(".b.example.com")' in condition
    assert api.find("inbound/set-header[@name='X-Request-Id']/value").text == "@(context.RequestId.ToString())"


def test_body_limit_is_413(tmp_path: Path) -> None:
    files, _ = build(tmp_path, "routes:\n  - {path: /a, service: app, body_limit: 1KiB}\n")
    when = xml(files, "a-post").find("inbound/choose/when")
    assert "n > 1024" in when.get("condition") and when.find(".//set-status").get("code") == "413"


def test_settings_without_effect(tmp_path: Path) -> None:
    files, diags = build(tmp_path, "routes:\n  - {path: /a, service: app}\ntargets: {azure: {product_id: p1}}\n")
    assert "GWC366" in codes(diags) and not resources(files, "products")


def test_deploy_json_names_everything_without_secrets(tmp_path: Path) -> None:
    head = HEAD.replace("name: t", "name: t\ntargets:\n  azure: {subscription_id: 00000000-0000-0000-0000-000000000000, "
                                   "resource_group: rg1, service: apim1, api_id: api1}")
    files, _ = build(tmp_path, KEY + "routes:\n  - {path: /a, service: app, auth: k}\n", head=head)
    deploy = json.loads(files["deploy.json"])
    assert (deploy["resource_group"], deploy["service"], deploy["api_id"], deploy["api_path"]) == ("rg1", "apim1",
                                                                                                 "api1", "t")
    assert deploy["products"][0]["id"] == "api1-k" and deploy["backends"][0]["url"] == "https://app.example.com"
    assert template(files)["parameters"]["serviceName"]["defaultValue"] == "apim1"


def test_output_is_deterministic(tmp_path: Path) -> None:
    body = KEY + "routes:\n  - {path: /a, service: app, auth: k, cache: {ttl: 1m}}\n  - {prefix: /b/, service: app}\n"
    assert build(tmp_path, body)[0] == build(tmp_path, body)[0]
