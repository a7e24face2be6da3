"""End-to-end: prefix routes (and exact routes ending in '/') hold their own body where no regex location nests
in them, instead of handing over to a named location; routing, body limits and access checks stay as the
spec says, and no path is answered with nginx's 301 to the location's name (auto_redirect).
"""

from __future__ import annotations

import contextlib

import pytest

from tests.e2e.harness import Upstream
from tests.e2e.served import Gateway, assert_json_error, spec

ROLES = ("web", "a", "x", "e", "cd", "b", "bid", "small")


def bodies_spec(ups: dict[str, Upstream]) -> dict:
    services = {name: {"url": up.url} for name, up in ups.items()}
    services["mock"] = {"mock": {"json": {"mocked": True}}}
    routes = [{"prefix": "/", "service": "web"}, {"prefix": "/a/", "service": "a"},
              {"path": "/{x}", "service": "x"}, {"path": "/e/", "service": "e"},
              {"prefix": "/c/d/", "service": "cd"},
              {"prefix": "/b/", "service": "b"}, {"path": "/b/{id}", "service": "bid"},
              {"prefix": "/small/", "service": "small", "body_limit": "1KiB"},
              {"prefix": "/two/", "methods": ["GET"], "service": "a"},
              {"prefix": "/two/", "methods": ["POST"], "service": "small", "body_limit": "1KiB"},
              {"path": "/pair", "methods": ["GET"], "service": "a"},
              {"path": "/pair", "methods": ["POST"], "service": "small", "body_limit": "1KiB"},
              {"prefix": "/m/", "service": "mock", "auth": "k", "cache": {"ttl": "500ms"},
               "headers": {"request": {"set": {"X-Nothing": "1"}}, "response": {"set": {"X-Mocked": "yes"}}}}]
    return spec("bodies", services, routes, auth={"k": {"api_key": {"keys": {"env": "GWC_E2E_KEYS"}}}})


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    with contextlib.ExitStack() as stack:
        ups = {name: stack.enter_context(Upstream(name)) for name in ROLES}
        yield stack.enter_context(Gateway(tmp_path_factory.mktemp("bodies"), bodies_spec(ups),
                                          env={"GWC_E2E_KEYS": "k-secret"}))


@pytest.mark.parametrize("path, instance", [
    ("/a", "x"), ("/a/", "a"), ("/a/z/y", "a"),          # /a is not a 301 to /a/: {x} matches it
    ("/e", "x"), ("/e/", "e"),                           # the same for an exact route ending in '/'
    ("/c/d", "web"), ("/c/d/", "cd"), ("/c/d/1", "cd"),  # nothing else matches /c/d: the catch-all
    ("/b", "x"), ("/b/1", "bid"), ("/b/1/2", "b"),       # /b/ holds a regex location: handed over as before
    ("/small", "x"), ("/small/up", "small"), ("/zzz/q", "web"),
])
def test_paths_reach_the_route_the_spec_picks(gw, path, instance):
    response = gw.get(path)
    assert response.status == 200, (path, response.status, response.body[:200])
    assert response.json()["instance"] == instance


def test_body_limit_of_a_prefix_that_holds_its_body(gw):
    assert gw.request("POST", "/small/up", body=b"a" * 1024).status == 200
    assert_json_error(gw.request("POST", "/small/up", body=b"a" * 1025), 413, "request body too large")


@pytest.mark.parametrize("path", ["/two/x", "/pair"])
def test_routes_by_method_on_one_path_keep_json_errors(gw, path):
    """The method dispatch's own error_page lines must not hide the gateway's JSON pages: a body above the
    largest limit of the path is refused where nginx picks the location."""
    assert gw.get(path).json()["instance"] == "a"
    assert gw.request("POST", path, body=b"a" * 512).json()["instance"] == "small"
    assert_json_error(gw.request("POST", path, body=b"a" * 2048), 413, "request body too large")
    assert_json_error(gw.request("POST", path, body=b"a" * (1024 * 1024 + 1)), 413, "request body too large")
    assert_json_error(gw.request("PUT", path, body=b""), 405, "method not allowed")


def test_mock_prefix_with_cache_and_request_headers_checks_auth_first(gw):
    assert_json_error(gw.get("/m/q"), 401, "unauthorized")
    for _ in range(2):
        response = gw.get("/m/q", {"X-API-Key": "k-secret"})
        assert response.status == 200 and response.json() == {"mocked": True}
        assert response.headers["X-Mocked"] == "yes" and "X-Cache-Status" not in response.headers
