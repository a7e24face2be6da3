"""The Gateway API target's mapping decisions that are easy to get wrong: Service references from URLs, weights,
the rewrite kinds (and the CRD rule that a prefix rewrite has exactly one PathPrefix match), the segment prefix
as one match, ReferenceGrants only across namespaces, names that are DNS-1123 labels and unique, routes that
cannot keep their authentication never served open, the route limits, and deterministic bytes."""

from __future__ import annotations

from pathlib import Path

import yaml
from gwc.targets.gateway_api.names import label, with_suffix
from gwc.targets.gateway_api.routes import duration, path_regex

from gwc.diagnostics import Level
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.validators.test_gateway_api_output import LABEL, check

HEAD = ("gwc: 1\nname: t\nservices:\n  users: {url: 'http://users.default.svc.cluster.local:8080'}\n"
        "  orders: {url: 'http://orders:9000'}\n  ext: {url: 'http://10.0.0.5:7000'}\n")


def build(tmp_path: Path, body: str, lossy: bool = True, settings: str = "namespace: shop"):
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + body + f"targets:\n  gateway_api: {{{settings}}}\n")
    loaded = load_gateway(str(spec))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    return compile_gateway(loaded.gateway, loaded.doc, load_target("gateway-api")[0], allow_lossy=lossy)


def docs(files) -> list[dict]:
    return check(files["gateway-api.yaml"])


def kinds(files, kind: str) -> list[dict]:
    return [d for d in docs(files) if d["kind"] == kind]


def rules(files) -> list[dict]:
    return [r for route in kinds(files, "HTTPRoute") for r in route["spec"]["rules"]]


def codes(diags, level=Level.WARNING) -> list[str]:
    return [d.code for d in diags if d.level >= level]


def test_names_are_labels_and_unique() -> None:
    assert label("shop") == "shop"
    long = label("a" * 80)
    assert LABEL.match(long) and len(long) <= 63
    assert label("Shop_API") != label("shop-api") and LABEL.match(label("Shop_API"))
    assert label("a" * 80) != label("a" * 81)
    name = with_suffix("x" * 60, "https-redirect")
    assert LABEL.match(name) and name.endswith("-https-redirect") and len(name) <= 63


def test_many_routes_become_several_uniquely_named_httproutes(tmp_path) -> None:
    body = "routes:\n" + "".join(f"  - {{path: /r{i}, methods: [GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS], "
                                 f"service: orders}}\n" for i in range(40))
    files, _diags = build(tmp_path, body, lossy=False, settings="namespace: shop, gateway: {name: shared}")
    routes = kinds(files, "HTTPRoute")
    names = [r["metadata"]["name"] for r in routes]
    assert names == [f"t-{i}" for i in range(1, len(routes) + 1)] and len(routes) == 3
    assert all(len(r["spec"]["rules"]) <= 16 for r in routes)
    assert all(sum(len(x["matches"]) for x in r["spec"]["rules"]) < 128 for r in routes)
    assert sum(len(r["spec"]["rules"]) for r in routes) == 40
    assert not kinds(files, "Gateway")
    assert all(r["spec"]["parentRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "shared"}]
               for r in routes)


def test_service_references_from_urls(tmp_path) -> None:
    files, diags = build(tmp_path, "routes:\n  - {path: /u, service: users}\n  - {path: /o, service: orders}\n"
                                   "  - {path: /e, service: ext}\n")
    refs = {r["matches"][0]["path"]["value"]: r["backendRefs"] for r in rules(files)}
    assert refs == {"/u": [{"name": "users", "namespace": "default", "port": 8080}],
                    "/o": [{"name": "orders", "port": 9000}], "/e": [{"name": "ext", "port": 7000}]}
    assert codes(diags).count("GWC390") == 1  # only the IP address is not a Service


def test_reference_grant_only_across_namespaces(tmp_path) -> None:
    files, _ = build(tmp_path, "routes:\n  - {path: /u, service: users}\n")
    [grant] = kinds(files, "ReferenceGrant")
    assert grant["metadata"]["namespace"] == "default"
    assert grant["spec"] == {"from": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "namespace": "shop"}],
                             "to": [{"group": "", "kind": "Service", "name": "users"}]}
    files, _ = build(tmp_path, "routes:\n  - {path: /u, service: users}\n", settings="namespace: default")
    assert not kinds(files, "ReferenceGrant")
    assert rules(files)[0]["backendRefs"] == [{"name": "users", "port": 8080}]
    files, _ = build(tmp_path, "routes:\n  - {path: /o, service: orders}\n")
    assert not kinds(files, "ReferenceGrant")
    files, diags = build(tmp_path, "routes:\n  - {path: /u, service: users}\n", settings="gateway_class: eg")
    assert not kinds(files, "ReferenceGrant") and "GWC392" in codes(diags)


def test_split_weights_are_exact_and_reduced(tmp_path) -> None:
    body = ("  pool:\n    targets:\n      - {url: 'http://pool-a:80', weight: 2}\n      - {url: 'http://pool-b:80'}\n"
            "routes:\n  - prefix: /\n    split: [{service: orders, weight: 50}, {service: pool, weight: 50}]\n")
    files, diags = build(tmp_path, body, lossy=False)
    [rule] = rules(files)
    assert rule["backendRefs"] == [{"name": "orders", "port": 9000, "weight": 3},
                                   {"name": "pool-a", "port": 80, "weight": 2},
                                   {"name": "pool-b", "port": 80, "weight": 1}]
    assert not codes(diags, Level.ERROR)


def test_rewrite_kinds(tmp_path) -> None:
    body = ("routes:\n  - {path: /a, service: orders, rewrite: /b}\n"
            "  - {prefix: /p/, methods: [GET, POST], service: orders, rewrite: /q/}\n"
            "  - {path: '/u/{id}', service: orders, rewrite: /fixed}\n")
    files, _diags = build(tmp_path, body, lossy=False)
    got = [(r["matches"][0]["path"]["type"], len(r["matches"]), r["filters"][0]["urlRewrite"]["path"])
           for r in rules(files)]
    assert got == [("Exact", 1, {"type": "ReplaceFullPath", "replaceFullPath": "/b"}),
                   ("RegularExpression", 1, {"type": "ReplaceFullPath", "replaceFullPath": "/fixed"}),
                   ("PathPrefix", 1, {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/q/"}),
                   ("PathPrefix", 1, {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/q/"})]
    assert [r["matches"][0]["method"] for r in rules(files)[2:]] == ["GET", "POST"]


def test_rewrite_with_params_is_refused(tmp_path) -> None:
    body = "routes:\n  - {path: '/u/{id}', service: orders, rewrite: '/users/{id}'}\n"
    files, diags = build(tmp_path, body, lossy=False)
    assert not files and "GWC301" in codes(diags, Level.ERROR)
    files, diags = build(tmp_path, body)
    assert "filters" not in rules(files)[0] and "GWC301" in codes(diags)


def test_segment_prefix_is_one_pathprefix_match(tmp_path) -> None:
    body = "routes:\n  - {prefix: /items, methods: [GET], service: orders, rewrite: /v2/items}\n"
    files, diags = build(tmp_path, body, lossy=False)
    [rule] = rules(files)
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/items"}, "method": "GET"}]
    assert rule["filters"][0]["urlRewrite"]["path"] == {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/v2/items"}
    assert not codes(diags)


def test_slashed_prefix_warns_that_it_also_answers_the_bare_path(tmp_path) -> None:
    _, diags = build(tmp_path, "routes:\n  - {prefix: /items/, service: orders}\n", lossy=False)
    assert "GWC393" in codes(diags)
    _, diags = build(tmp_path, "routes:\n  - {prefix: /items/, service: orders}\n  - {path: /items, service: orders}\n",
                     lossy=False)
    assert "GWC393" not in codes(diags)


def test_params_regex_and_precedence_order(tmp_path) -> None:
    assert path_regex("/v1.0/users/{id}/x+y") == r"^/v1\.0/users/[^/]+/x\+y$"
    body = ("routes:\n  - {prefix: /, service: orders}\n  - {path: '/u/{id}', service: orders}\n"
            "  - {prefix: /u/, service: orders}\n  - {path: /u/me, service: orders}\n")
    files, _ = build(tmp_path, body, lossy=False)
    assert [r["matches"][0]["path"]["value"] for r in rules(files)] == ["/u/me", "^/u/[^/]+$", "/u/", "/"]


def test_auth_routes_are_never_served_open(tmp_path) -> None:
    body = ("auth:\n  keys: {api_key: {keys: {env: KEYS}}}\nroutes:\n  - {prefix: /, service: orders}\n"
            "  - {prefix: /admin/, service: orders, auth: keys}\n"
            "  - {path: /vip, service: ext, ip: {allow: [10.0.0.0/8]}}\n")
    files, diags = build(tmp_path, body, lossy=False)
    assert not files and "GWC301" in codes(diags, Level.ERROR)
    files, diags = build(tmp_path, body)
    closed = [r for r in rules(files) if "backendRefs" not in r]
    assert [r["matches"][0]["path"]["value"] for r in closed] == ["/vip", "/admin/"]
    assert all(set(r) == {"matches"} for r in closed)  # no backend, no filter: the Gateway answers 500
    assert codes(diags).count("GWC391") == 2


def test_mock_routes_are_left_out(tmp_path) -> None:
    body = "  m: {mock: {status: 200}}\nroutes:\n  - {path: /m, service: m}\n  - {path: /o, service: orders}\n"
    files, diags = build(tmp_path, body)
    assert [("backendRefs" in r) for r in rules(files)] == [False, True]
    assert "GWC391" in codes(diags)


def test_headers_and_timeouts(tmp_path) -> None:
    body = ("  slow: {url: 'http://slow:80', timeouts: {read: 1500ms}}\nroutes:\n"
            "  - path: /s\n    service: slow\n    headers: {request: {set: {X-A: '1'}, remove: [X-B]}, "
            "response: {remove: [Server]}}\n")
    files, diags = build(tmp_path, body, lossy=False)
    [rule] = rules(files)
    assert rule["timeouts"] == {"request": "1s500ms", "backendRequest": "1s500ms"}
    assert rule["filters"] == [
        {"type": "RequestHeaderModifier", "requestHeaderModifier": {"set": [{"name": "X-A", "value": "1"}],
                                                                    "remove": ["X-B"]}},
        {"type": "ResponseHeaderModifier", "responseHeaderModifier": {"remove": ["Server"]}}]
    assert duration(86_400_000) == "24h" and duration(61_001) == "1m1s1ms"
    bad = "routes:\n  - path: /s\n    service: orders\n    headers: {request: {set: {X-A: ' padded'}}}\n"
    files, diags = build(tmp_path, bad, lossy=False)
    assert not files and "GWC394" in codes(diags, Level.ERROR)


def test_tls_listeners_and_redirect(tmp_path) -> None:
    body = ("hosts: [a.example, b.example]\nroutes:\n  - {prefix: /, service: orders}\n"
            "tls: {cert: {file: c.pem}, key: {file: k.pem}, port: 8443, redirect_http: true}\n")
    files, diags = build(tmp_path, body, lossy=False, settings="namespace: shop, tls_secret: cert")
    [gw] = kinds(files, "Gateway")
    assert [(l["name"], l["port"], l["protocol"], l.get("hostname")) for l in gw["spec"]["listeners"]] == [
        ("http-1", 80, "HTTP", "a.example"), ("https-1", 8443, "HTTPS", "a.example"),
        ("http-2", 80, "HTTP", "b.example"), ("https-2", 8443, "HTTPS", "b.example")]
    main, redirect = kinds(files, "HTTPRoute")
    assert [p["sectionName"] for p in main["spec"]["parentRefs"]] == ["https-1", "https-2"]
    assert [p["sectionName"] for p in redirect["spec"]["parentRefs"]] == ["http-1", "http-2"]
    assert redirect["spec"]["rules"][0]["filters"] == [
        {"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "port": 8443, "statusCode": 301}}]
    assert main["spec"]["hostnames"] == ["a.example", "b.example"]
    assert "GWC392" not in codes(diags)


def test_output_bytes_are_deterministic(tmp_path) -> None:
    body = ("  pool:\n    targets:\n      - {url: 'http://pool-a:80', weight: 2}\n      - {url: 'http://pool-b:80'}\n"
            "routes:\n  - prefix: /\n    split: [{service: users, weight: 1}, {service: pool, weight: 2}]\n"
            "  - {path: '/u/{id}', service: orders}\n")
    first, _ = build(tmp_path, body)
    second, _ = build(tmp_path, body)
    assert first == second
    text = first["gateway-api.yaml"]
    assert text.count("\n---\n") == len(list(yaml.safe_load_all(text))) - 1
