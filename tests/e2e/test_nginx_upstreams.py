"""End-to-end: how the compiled nginx talks to upstreams and guards them.

Instance weights, weighted splits, retries, upstream timeouts, body limits and IP rules, against the real
nginx with echo Upstreams. One module-scoped gateway; each behaviour has its own route prefix.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter

import pytest

from tests.e2e.harness import Upstream, refused_url
from tests.e2e.served import Gateway, assert_json_error, spec

ROLES = ("heavy", "light", "stable", "canary", "retry-live", "fragile-live", "slow", "sink")


def upstreams_spec(ups: dict[str, Upstream]) -> dict:
    """Services with several instances, a split, retries, a short read timeout, limits and IP rules."""
    dead_a, dead_b = refused_url(), refused_url()
    services = {
        "weighted": {"targets": [{"url": ups["heavy"].url, "weight": 3}, {"url": ups["light"].url, "weight": 1}]},
        "stable": {"url": ups["stable"].url},
        "canary": {"url": ups["canary"].url},
        # the dead instance comes first: round robin tries it first in every worker
        "retrying": {"targets": [{"url": dead_a}, {"url": ups["retry-live"].url}],
                     "retries": {"attempts": 1, "on": ["connect_error"]}},
        "fragile": {"targets": [{"url": dead_b}, {"url": ups["fragile-live"].url}]},
        "slow": {"url": ups["slow"].url, "timeouts": {"read": "1s"}},
        "sink": {"url": ups["sink"].url},
    }
    routes = [
        {"prefix": "/weighted/", "service": "weighted"},
        {"prefix": "/split/", "split": [{"service": "stable", "weight": 90}, {"service": "canary", "weight": 10}]},
        {"prefix": "/retry/", "service": "retrying"},
        {"prefix": "/fragile/", "service": "fragile"},
        {"prefix": "/slow/", "service": "slow"},
        {"path": "/upload", "methods": ["POST"], "service": "sink", "body_limit": "1KiB"},
        # a prefix with a nested {param} route, and a path with a route per method: served via named locations
        {"prefix": "/files/", "service": "sink", "body_limit": "1KiB"},
        {"path": "/files/{name}/meta", "service": "sink"},
        {"prefix": "/bulk/", "service": "sink", "body_limit": "4MiB"},
        {"path": "/bulk/{id}/meta", "service": "sink"},
        {"path": "/forms", "methods": ["GET"], "service": "sink"},
        {"path": "/forms", "methods": ["POST"], "service": "sink", "body_limit": "1KiB"},
        {"path": "/ip/deny-local", "service": "sink", "ip": {"deny": ["127.0.0.1"]}},
        {"path": "/ip/allow-other", "service": "sink", "ip": {"allow": ["10.0.0.0/8"]}},
        {"path": "/ip/allow-local", "service": "sink", "ip": {"allow": ["127.0.0.0/8"]}},
    ]
    return spec("upstreams", services, routes)


@pytest.fixture(scope="module")
def ups():
    """One echo Upstream per role, named after it."""
    with contextlib.ExitStack() as stack:
        yield {name: stack.enter_context(Upstream(name)) for name in ROLES}


@pytest.fixture(scope="module")
def gw(tmp_path_factory, ups):
    """The gateway, running for the whole module."""
    with Gateway(tmp_path_factory.mktemp("upstreams"), upstreams_spec(ups)) as gateway:
        yield gateway


def share(gw: Gateway, path: str, requests: int) -> Counter:
    """How many of `requests` each upstream answered, by its X-Upstream header (all must succeed).

    HEAD, because a proxied GET to the echo costs ~40 ms (it writes headers and body separately, and
    Nagle meets delayed ACKs on nginx's keep-alive connection); a HEAD has no body and takes < 1 ms."""
    counts: Counter = Counter()
    for _ in range(requests):
        response = gw.request("HEAD", path)
        assert response.status == 200, response.status
        counts[response.headers["X-Upstream"]] += 1
    return counts


# ------------------------------------------------------------------ load distribution


def test_instance_weights_3_to_1(gw):
    counts = share(gw, "/weighted/x", 400)
    assert set(counts) == {"heavy", "light"}
    assert 0.70 <= counts["heavy"] / 400 <= 0.80, counts


def test_split_90_10(gw):
    counts = share(gw, "/split/x", 1000)
    assert set(counts) == {"stable", "canary"}
    assert 0.05 <= counts["canary"] / 1000 <= 0.15, counts


# ------------------------------------------------------------------ retries and failures


def test_retry_on_connect_error_reaches_live_instance(gw, ups):
    for i in range(20):
        assert gw.echo(f"/retry/{i}")["instance"] == "retry-live"
    assert ups["retry-live"].hits == 20


def test_without_retries_dead_instance_is_502(gw, ups):
    first = gw.get("/fragile/first")  # every worker's first pick is the first (dead) instance
    assert_json_error(first, 502, "bad gateway")
    statuses = [gw.get(f"/fragile/{i}").status for i in range(6)]
    assert set(statuses) <= {200, 502}
    assert ups["fragile-live"].hits == statuses.count(200)


def test_upstream_read_timeout_is_504(gw):
    started = time.monotonic()
    response = gw.get("/slow/_slow?s=3")
    elapsed = time.monotonic() - started
    assert_json_error(response, 504, "gateway timeout")
    assert 0.9 <= elapsed < 2.5, elapsed


# ------------------------------------------------------------------ body limit


@pytest.mark.parametrize("path", ["/upload", "/files/report", "/forms"],
                         ids=["exact-path", "prefix-carrying-param-route", "per-method-dispatch"])
def test_body_limit(gw, path):
    assert_json_error(gw.request("POST", path, body=b"x" * 2048), 413, "request body too large")
    response = gw.request("POST", path, body=b"x" * 512)
    assert response.status == 200, (response.status, response.body)
    assert response.json()["body_len"] == 512


def test_body_limit_above_nginx_default_is_honoured(gw):
    """body_limit 4MiB lets 2 MiB through (nginx's own default would refuse anything above 1 MiB)."""
    response = gw.request("POST", "/bulk/x", body=b"x" * (2 << 20), timeout=15)
    assert response.status == 200, (response.status, response.body)
    assert response.json()["body_len"] == 2 << 20


# ------------------------------------------------------------------ IP rules


@pytest.mark.parametrize("path, status", [("/ip/deny-local", 403), ("/ip/allow-other", 403),
                                          ("/ip/allow-local", 200)])
def test_ip_rules(gw, path, status):
    response = gw.get(path)
    if status == 403:
        assert_json_error(response, 403, "forbidden")
    else:
        assert (response.status, response.json()["instance"]) == (200, "sink")
