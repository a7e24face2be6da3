"""End-to-end: specs compiled by gwc, served by the real nginx, checked with real HTTP requests.

Routing and precedence, 404/405, rewrites, header changes, mocks, CORS, request ids, tracing, the access
log and the metrics endpoint. One module-scoped gateway (`main`) holds most routes; `catchall` is a second
gateway with `prefix: /`, which leaves no room for a 404. Every Upstream echoes its own name as `instance`.
"""

from __future__ import annotations

import contextlib
import hashlib
import re

import pytest

from tests.e2e.harness import Upstream
from tests.e2e.served import HEX32, TRACEPARENT, Gateway, assert_json_error, spec

API_KEY = "secret1"
ORIGIN = "https://shop.example"
CORS = {"origins": [ORIGIN], "methods": ["GET", "POST"], "headers": ["Authorization", "Content-Type", "X-Custom"],
        "credentials": True, "max_age": "1h"}
HOSTILE_REQUEST = {"X-Dollar": '"$http_cookie ${uri}"', "X-Semicolon": "a; b {c} 'd' #e",
                   "X-Backslash": 'C:\\temp\\new \\"x\\" \\$1'}
HOSTILE_RESPONSE = {"X-Resp-Dollar": '$upstream_addr; {x} "q" \\n'}
TEXT_MOCK = 'Price: $5 for "quotes"; {braces} ${uri} $1 C:\\dir\\n #no-comment'
MULTILINE_MOCK = "line one\n  indented $2\r\nafter CRLF\n"
ROLES = ("special", "item", "reviews", "items", "api", "apiv1", "getter", "poster", "plain",
         "web", "tenant", "shop", "static")


# ------------------------------------------------------------------ gateways


def main_spec(ups: dict[str, Upstream]) -> dict:
    """The module's main gateway: no catch-all, so unknown paths get 404."""
    services = {name: {"url": up.url} for name, up in ups.items()}
    services["user-mock"] = {"mock": {"json": {"user": "John Doe"}}}
    services["text-mock"] = {"mock": {"body": TEXT_MOCK}}
    services["lines-mock"] = {"mock": {"body": MULTILINE_MOCK}}
    routes = [
        {"path": "/items/special", "service": "special"},
        {"path": "/items/{id}", "methods": ["GET"], "service": "item"},
        {"path": "/items/{id}/reviews", "service": "reviews"},
        {"prefix": "/items/", "service": "items"},
        {"prefix": "/api/", "service": "api"},
        {"prefix": "/api/v1/", "service": "apiv1", "rewrite": "/internal/"},
        {"path": "/users", "service": "plain"},
        {"prefix": "/docs/", "service": "plain"},
        {"path": "/old", "service": "plain", "rewrite": "/new"},
        {"path": "/teams/{team}/members/{member}", "service": "plain",
         "rewrite": "/v2/members/{member}/team/{team}"},
        {"path": "/orders", "methods": ["GET"], "service": "getter"},
        {"path": "/orders", "methods": ["POST"], "service": "poster"},
        {"path": "/headers", "service": "plain",
         "headers": {"request": {"set": {"X-Gateway": "gwc", **HOSTILE_REQUEST}, "remove": ["Cookie"]},
                     "response": {"set": HOSTILE_RESPONSE, "remove": ["X-Upstream"]}}},
        {"path": "/mock/user", "service": "user-mock"},
        {"path": "/mock/text", "service": "text-mock"},
        {"path": "/mock/lines", "service": "lines-mock"},
        {"path": "/mock/secret", "service": "user-mock", "auth": "k"},
        {"path": "/cors", "methods": ["GET", "POST"], "service": "plain", "cors": CORS},
        {"path": "/cors/private", "service": "plain", "auth": "k", "cors": CORS},
        {"path": "/public", "service": "plain"},
    ]
    return spec("routing", services, routes, auth={"k": {"api_key": {"keys": {"env": "GWC_E2E_KEYS"}}}},
                observability={"metrics": {"path": "/_gwc/status", "allow": ["127.0.0.1"]}})


def catchall_spec(ups: dict[str, Upstream]) -> dict:
    """A catch-all `prefix: /` with parameter routes nested under it; metrics closed to 127.0.0.1."""
    services = {name: {"url": ups[name].url} for name in ("web", "tenant", "shop", "static")}
    routes = [{"prefix": "/", "service": "web"},
              {"prefix": "/static/", "service": "static"},
              {"path": "/{tenant}/status", "service": "tenant"},
              {"path": "/shop/{id}", "service": "shop"}]
    return spec("catchall", services, routes,
                observability={"metrics": {"path": "/_gwc/status", "allow": ["10.0.0.0/8"]}})


@pytest.fixture(scope="module")
def ups():
    """One echo Upstream per role, named after it."""
    with contextlib.ExitStack() as stack:
        yield {name: stack.enter_context(Upstream(name)) for name in ROLES}


@pytest.fixture(scope="module")
def main(tmp_path_factory, ups):
    """The main gateway, running for the whole module; its API key is GWC_E2E_KEYS=secret1."""
    with Gateway(tmp_path_factory.mktemp("main"), main_spec(ups), env={"GWC_E2E_KEYS": API_KEY}) as gw:
        yield gw


@pytest.fixture(scope="module")
def catchall(tmp_path_factory, ups):
    """The catch-all gateway, running for the whole module."""
    with Gateway(tmp_path_factory.mktemp("catchall"), catchall_spec(ups)) as gw:
        yield gw


def served_by(gw: Gateway, path: str, method: str = "GET") -> str:
    """Name of the upstream that answered."""
    return gw.echo(path, method=method)["instance"]


# ------------------------------------------------------------------ routing


@pytest.mark.parametrize("path, instance", [
    ("/items/special", "special"),       # exact beats {param}
    ("/items/42", "item"),               # {param}
    ("/items/42/reviews", "reviews"),    # {param} route beats the prefix
    ("/items/42/other", "items"),        # prefix
    ("/items/", "items"),                # a prefix matches itself
    ("/items/special/", "items"),        # trailing slash: not the exact route
    ("/api/x", "api"),
    ("/api/v2/x", "api"),
    ("/api/v1/x", "apiv1"),              # longer prefix wins
    ("/users", "plain"),
    ("/docs/", "plain"),
])
def test_request_goes_to_the_route_service(main, path, instance):
    assert served_by(main, path) == instance


@pytest.mark.parametrize("path", ["/users/", "/docs", "/items", "/nowhere", "/",
                                  "/teams/red", "/teams/red/members", "/teams/red/members/ann/x"])
def test_no_route_is_404_json_and_trailing_slash_matters(main, path):
    response = main.get(path)
    assert_json_error(response, 404, "no route")
    assert re.match(HEX32, response.headers["X-Request-Id"])


@pytest.mark.parametrize("path, instance", [
    ("/", "web"), ("/anything/deep/x", "web"),
    ("/acme/status", "tenant"), ("/acme/status/x", "web"), ("/acme/statuses", "web"),
    ("/shop/7", "shop"), ("/shop/", "web"), ("/shop/7/x", "web"),
    ("/shop/status", "tenant"),           # equal literal segments: the earlier route wins
    ("/static/app.js", "static"), ("/static", "web"),  # prefix /static/ does not match /static
])
def test_catch_all_with_nested_param_routes(catchall, path, instance):
    assert served_by(catchall, path) == instance


def test_prefix_without_its_slash_falls_through_to_catch_all(tmp_path, ups):
    """`prefix: /static/` does not match /static (spec: trailing slashes are significant)."""
    routes = [{"prefix": "/", "service": "web"}, {"prefix": "/static/", "service": "static"}]
    gateway_spec = spec("slash", {n: {"url": ups[n].url} for n in ("web", "static")}, routes)
    with Gateway(tmp_path, gateway_spec) as gw:
        assert served_by(gw, "/static/app.js") == "static"
        assert served_by(gw, "/static") == "web"


def test_method_not_allowed_is_405_with_allow(main):
    response = main.request("POST", "/items/42", body=b"{}")
    assert_json_error(response, 405, "method not allowed")
    assert response.headers["Allow"] == "GET"
    response = main.request("DELETE", "/orders")
    assert_json_error(response, 405, "method not allowed")
    assert [m.strip() for m in response.headers["Allow"].split(",")] == ["GET", "POST"]


def test_same_path_different_methods_go_to_different_services(main):
    assert served_by(main, "/orders") == "getter"
    assert served_by(main, "/orders", "POST") == "poster"


# ------------------------------------------------------------------ rewrites


@pytest.mark.parametrize("path, upstream_path", [
    ("/old", "/new"),
    ("/old?x=1", "/new?x=1"),
    ("/teams/red/members/ann", "/v2/members/ann/team/red"),
    ("/teams/red/members/ann?full=1", "/v2/members/ann/team/red?full=1"),
    ("/api/v1/x/y?q=1", "/internal/x/y?q=1"),
    ("/api/v1/", "/internal/"),
    ("/teams/r%20d/members/a%25n%3F%C3%A9", "/v2/members/a%25n%3F%C3%A9/team/r%20d"),  # encoded chars survive
    ("/api/v1/a%20b/%C3%A9?q=%2F", "/internal/a%20b/%C3%A9?q=%2F"),
    ("/items/a%20b%25c", "/items/a%20b%25c"),                                           # no rewrite: as sent
])
def test_rewrite(main, path, upstream_path):
    assert main.echo(path)["path"] == upstream_path


# ------------------------------------------------------------------ headers


def test_request_headers_set_and_removed(main, ups):
    main.echo("/headers", {"Cookie": "session=s3cret", "X-Gateway": "client-value"})
    seen = ups["plain"].last_headers
    assert seen["x-gateway"] == "gwc"
    assert "cookie" not in seen


def test_hostile_header_values_arrive_literally(main, ups):
    response = main.get("/headers")
    assert response.status == 200
    seen = ups["plain"].last_headers
    for name, value in HOSTILE_REQUEST.items():
        assert seen[name.lower()] == value
    for name, value in HOSTILE_RESPONSE.items():
        assert response.headers[name] == value


def test_response_headers_set_and_removed(main):
    response = main.get("/headers")
    assert "X-Upstream" not in response.headers
    assert main.get("/public").headers["X-Upstream"] == "plain"  # the echo does send it


# ------------------------------------------------------------------ mocks


def test_json_mock(main, ups):
    hits = sum(up.hits for up in ups.values())
    response = main.get("/mock/user")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.body == b'{"user":"John Doe"}'
    assert sum(up.hits for up in ups.values()) == hits  # answered by the gateway


def test_text_mock_arrives_literally(main):
    response = main.get("/mock/text")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.body.decode() == TEXT_MOCK


def test_multiline_text_mock_arrives_byte_for_byte(main):
    response = main.get("/mock/lines")
    assert response.status == 200
    assert response.body == MULTILINE_MOCK.encode()


def test_mock_behind_api_key_needs_a_key(main):
    assert_json_error(main.get("/mock/secret"), 401, "unauthorized")
    assert_json_error(main.get("/mock/secret", {"X-API-Key": "wrong"}), 401, "unauthorized")
    response = main.get("/mock/secret", {"X-API-Key": API_KEY})
    assert (response.status, response.json()) == (200, {"user": "John Doe"})


# ------------------------------------------------------------------ CORS


def preflight(gw: Gateway, path: str, origin: str = ORIGIN):
    """A browser's CORS preflight for a POST with a Content-Type header."""
    return gw.request("OPTIONS", path, {"Origin": origin, "Access-Control-Request-Method": "POST",
                                        "Access-Control-Request-Headers": "content-type"})


@pytest.mark.parametrize("path", ["/cors", "/cors/private"])  # /cors/private needs an API key otherwise
def test_cors_preflight_answered_by_gateway(main, ups, path):
    hits = ups["plain"].hits
    response = preflight(main, path)
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Methods"] == "GET, POST"
    assert response.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type, X-Custom"
    assert response.headers["Access-Control-Max-Age"] == "3600"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert ups["plain"].hits == hits


def test_cors_disallowed_origin_gets_no_allow_origin(main):
    assert "Access-Control-Allow-Origin" not in preflight(main, "/cors", "https://evil.example").headers
    response = main.get("/cors", {"Origin": "https://evil.example"})
    assert response.status == 200 and "Access-Control-Allow-Origin" not in response.headers


def test_cors_headers_on_actual_request(main):
    response = main.get("/cors", {"Origin": ORIGIN})
    assert response.status == 200 and response.json()["instance"] == "plain"
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response.headers["Vary"]
    assert_json_error(main.get("/cors/private", {"Origin": ORIGIN}), 401, "unauthorized")


# ------------------------------------------------------------------ request id, tracing, log


@pytest.mark.parametrize("sent, kept", [(None, False), ("abc-123.X_y", True), ("a" * 64, True),
                                        ("bad id;x", False), ("a" * 65, False), ("", False)])
def test_request_id_generated_kept_or_replaced(main, ups, sent, kept):
    response = main.get("/public", {} if sent is None else {"X-Request-Id": sent})
    upstream_id = ups["plain"].last_headers["x-request-id"]
    if kept:
        assert upstream_id == sent
    else:
        assert re.match(HEX32, upstream_id), upstream_id
    assert response.headers["X-Request-Id"] == upstream_id


@pytest.mark.parametrize("method, path, headers, status", [
    ("GET", "/nowhere", {}, 404),
    ("GET", "/mock/user", {}, 200),
    ("GET", "/mock/secret", {}, 401),
    ("POST", "/items/4", {}, 405),                     # the route's method check
    ("DELETE", "/orders", {}, 405),                    # the per-method dispatcher
    ("OPTIONS", "/cors", {"Origin": ORIGIN}, 204),     # CORS preflight
], ids=["404", "mock", "401", "405-route", "405-dispatch", "preflight"])
def test_gateway_answers_carry_request_id(main, method, path, headers, status):
    response = main.request(method, path, {**headers, "X-Request-Id": "client-id-7"})
    assert response.status == status
    assert response.headers["X-Request-Id"] == "client-id-7"


def test_traceparent_generated_or_kept(main, ups):
    valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    main.get("/public", {"traceparent": valid})
    assert ups["plain"].last_headers["traceparent"] == valid
    for sent in (None, "00-xyz-abc-01", valid.upper(), valid + "-extra"):
        main.get("/public", {"traceparent": sent} if sent else {})
        received = ups["plain"].last_headers["traceparent"]
        assert re.match(TRACEPARENT, received) and received != sent, (sent, received)


@pytest.mark.parametrize("sent", ["00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                                  "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"])
def test_traceparent_with_all_zero_id_is_replaced(main, ups, sent):
    """W3C trace context: an all-zero trace-id or parent-id is invalid and must not be propagated."""
    main.get("/public", {"traceparent": sent})
    received = ups["plain"].last_headers["traceparent"]
    assert re.match(TRACEPARENT, received), (sent, received)


def test_access_log_is_json(main):
    request_id = "log-check-1"
    assert main.get("/public", {"X-Request-Id": request_id}).status == 200
    assert main.get("/nowhere", {"X-Request-Id": request_id + "-404"}).status == 404
    wanted = {request_id, request_id + "-404"}
    lines = {line.get("request_id"): line
             for line in main.access_log(until=lambda ls: wanted <= {x.get("request_id") for x in ls})}
    ok, missing = lines[request_id], lines[request_id + "-404"]
    assert ok["status"] == 200 and ok["route"] == "public" and ok["path"] == "/public"
    assert isinstance(ok["request_time"], (int, float)) and float(ok["upstream_response_time"]) >= 0
    assert missing["status"] == 404 and missing["route"] == "none"


# ------------------------------------------------------------------ identity headers


@pytest.mark.parametrize("path", ["/public", "/items/1", "/api/x", "/orders", "/teams/a/members/b"])
def test_client_subject_header_never_reaches_upstream(main, path):
    seen = main.echo(path, {"X-Gwc-Subject": "admin"})["headers"]
    assert "x-gwc-subject" not in seen


def test_authenticated_subject_replaces_client_value_and_key_stays(main, ups):
    main.echo("/cors/private", {"X-API-Key": API_KEY, "X-Gwc-Subject": "admin"})
    seen = ups["plain"].last_headers
    assert seen["x-gwc-subject"] == hashlib.sha256(API_KEY.encode()).hexdigest()[:12]
    assert "x-api-key" not in seen


# ------------------------------------------------------------------ metrics


def test_metrics_allowed(main):
    response = main.get("/_gwc/status")
    assert response.status == 200 and b"Active connections" in response.body


def test_metrics_denied_outside_allow_list(catchall):
    assert_json_error(catchall.get("/_gwc/status"), 403, "forbidden")
