"""End-to-end: rate limits, caching and compression of gwc-compiled specs, checked with real requests against
real nginx (with the njs and brotli modules) in front of an echo upstream.

Three module-scoped gateways, one per policy family, because each needs its own `defaults`:

- rate limits: `defaults.rate_limit` is a token bucket of 2/s with burst 3 (so 4 tokens), per client IP;
  routes override it per route, per API key, or switch it off. `trusted_proxies: [127.0.0.1]` lets a test
  pick its client address with X-Forwarded-For, so every test has buckets of its own.
- caching: a public route, a shared route behind JWT auth, a per-subject route and a bypass route behind
  API-key auth, a route with `query:page` in its key.
- compression: gzip + brotli from 1 KiB by default; one route with `compression: none`.

The last test greps all three output folders for the keys, the HMAC secret and every token sent.

Rate-limit timing: nginx implements the bucket as a leaky bucket counting "excess" in 1/1000 requests. A
request adds 1000 and the excess drains at rate*1000 per second (2000/s here); with `nodelay` a request is
refused (429) when the new excess would exceed burst*1000 (3000). Requests arriving within T seconds of the
first therefore let exactly 4 through as long as 2000*T < 1000, i.e. T < 0.5 s: bursts are sent from
parallel threads, and one that took more than MAX_SPREAD (0.3 s) is not judged but sent again, on fresh
buckets or after they have filled up again. After the burst the last accepted request left an excess of at most 3000; 1.1 s drains 2200,
so one more request (needing excess <= 2000 before it) passes with a 0.6 s margin.
"""

from __future__ import annotations

import gzip
import itertools
import json
import time

import pytest

from tests.e2e.harness import missing, require_nginx
from tests.e2e.live import LiveGateway, burst, leaked_secrets, live_gateway, nginx_target
from tests.e2e.tokens import bearer, claims, make_jwt, random_secret

HMAC_SECRET = random_secret("hmac")
API_KEYS = [random_secret(f"apikey-{i}") for i in range(5)]
ENV = {"GWC_E2E_HMAC": HMAC_SECRET, "GWC_E2E_API_KEYS": "\n".join(API_KEYS)}
BUCKET = 4            # rate 2/s, burst 3: burst + 1 requests pass at once
MAX_SPREAD = 0.3      # seconds; a burst that took longer is retried (see the module docstring)
REFILL = 1.1          # seconds after a burst until the next request must pass
TOO_MANY = {"message": "too many requests"}
BIG_BODY = json.dumps({"pad": "a" * 4085}).encode()  # what the upstream answers on /_big (4096 bytes)
SENT: set[str] = set()   # tokens sent, for the leak scan
OUT_FOLDERS = []         # output folders of the gateways started, for the leak scan
_client_ips = itertools.count()


# ------------------------------------------------------------------------------------------------ helpers


def fresh_ip() -> str:
    """A client address no other request used: a bucket of its own (sent as X-Forwarded-For). Call it from
    the test's thread only (before a burst)."""
    n = next(_client_ips)
    return f"10.9.{n // 250}.{n % 250 + 1}"


def brotli_decompress(data: bytes) -> bytes:
    """Decode a br body with the PyPI `brotli` package (skip, or fail in CI, when it is not installed)."""
    try:
        import brotli
    except ImportError:
        missing("the PyPI package 'brotli' is needed to decode br responses (pip install brotli)")
    return brotli.decompress(data)


def base_spec(name: str, upstream_url: str, port: int) -> dict:
    """The common part of the specs: one upstream, a JWT (HS256) method, two API-key methods over the same
    keys (`partners`: X-API-Key header or api_key query parameter; `ops`: X-Ops-Key), the test listener."""
    return {
        "gwc": 1, "name": name,
        "trusted_proxies": ["127.0.0.1"],
        "services": {"backend": {"url": upstream_url}},
        "auth": {"bearer": {"jwt": {"secret": {"env": "GWC_E2E_HMAC"}}},
                 "partners": {"api_key": {"header": "X-API-Key", "query": "api_key",
                                          "keys": {"env": "GWC_E2E_API_KEYS"}}},
                 "ops": {"api_key": {"header": "X-Ops-Key", "keys": {"env": "GWC_E2E_API_KEYS"}}}},
        "targets": nginx_target(port),
    }


def start(tmp_path_factory, name: str, routes: list[dict], defaults: dict | None = None):
    """Compile and run a gateway for a fixture (a generator: yields the LiveGateway, then stops it)."""
    require_nginx("ngx_http_js_module", "ngx_http_brotli_filter_module")

    def make_spec(url: str, port: int) -> dict:
        return {**base_spec(name, url, port), "defaults": defaults or {}, "routes": routes}

    with live_gateway(tmp_path_factory.mktemp(name), make_spec, ENV) as gateway:
        OUT_FOLDERS.append(gateway.out)
        yield gateway


def token(sub: str) -> str:
    """A valid HS256 token for the `bearer` method, recorded for the leak scan."""
    value = make_jwt("HS256", HMAC_SECRET.encode(), claims(sub=sub))
    SENT.add(value)
    return value


def assert_json_error(response, status: int, body: dict) -> None:
    """An error answered by the gateway: the status, a JSON body and the request id."""
    assert response.status == status
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == body
    assert response.headers["X-Request-Id"]


def settled_burst(gw: LiveGateway, requests_for, refill: float = 0.0, attempts: int = 3) -> list[int]:
    """Send the requests of requests_for(attempt) -> [(path, headers), ...] as one burst() and return their
    statuses (in list order). A burst that spread over more than MAX_SPREAD is not judged: it is sent again,
    after `refill` seconds (enough for the buckets to fill up again) or on the fresh buckets that
    requests_for picks for the new attempt."""
    for attempt in range(attempts):
        requests = requests_for(attempt)
        statuses, elapsed = burst(lambda i: gw.get(*requests[i]), len(requests))
        if elapsed <= MAX_SPREAD:
            return statuses
        time.sleep(refill)
    pytest.fail(f"could not send a burst within {MAX_SPREAD}s in {attempts} attempts")


# ----------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def limits(tmp_path_factory):
    """Rate limits: default 2/s burst 3 per client IP, and per-route, per-API-key and `none` routes."""
    routes = [
        {"prefix": "/ip/", "service": "backend"},
        {"prefix": "/route/", "service": "backend", "rate_limit": {"rate": "2/s", "burst": 3, "per": "route"}},
        {"prefix": "/key/", "service": "backend", "auth": "partners",
         "rate_limit": {"rate": "2/s", "burst": 3, "per": "api_key"}},
        {"prefix": "/free/", "service": "backend", "rate_limit": "none"},
    ]
    yield from start(tmp_path_factory, "limits-e2e", routes, {"rate_limit": {"rate": "2/s", "burst": 3}})


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """Caching: public, shared behind JWT, per subject and bypass behind API keys, a query key part."""
    ttl = "1m"
    routes = [
        {"prefix": "/public/", "service": "backend", "cache": {"ttl": ttl}},
        {"prefix": "/shared/", "service": "backend", "auth": "bearer",
         "cache": {"ttl": ttl, "authenticated": "shared"}},
        {"prefix": "/subject/", "service": "backend", "auth": "partners",
         "cache": {"ttl": ttl, "authenticated": "per_subject"}},
        {"prefix": "/keyed/", "service": "backend", "auth": "partners", "cache": {"ttl": ttl}},
        {"prefix": "/paged/", "service": "backend", "cache": {"ttl": ttl, "key": ["query:page"]}},
    ]
    yield from start(tmp_path_factory, "cache-e2e", routes)


@pytest.fixture(scope="module")
def compression(tmp_path_factory):
    """Compression: gzip + brotli from 1 KiB by default; /plain/ switches it off."""
    routes = [{"prefix": "/zip/", "service": "backend"},
              {"prefix": "/plain/", "service": "backend", "compression": "none"}]
    defaults = {"compression": {"gzip": True, "brotli": True, "min_size": "1KiB"}}
    yield from start(tmp_path_factory, "compression-e2e", routes, defaults)


# ------------------------------------------------------------------------------------------- rate limits


def test_token_bucket_lets_burst_plus_one_through_then_429(limits):
    """8 requests at once from one client (127.0.0.1, no X-Forwarded-For): exactly burst + 1 = 4 pass."""
    statuses = settled_burst(limits, lambda attempt: [("/ip/burst", {})] * 8, refill=2.0)
    assert sorted(statuses) == [200] * BUCKET + [429] * (8 - BUCKET), statuses


def test_429_is_a_json_error_with_request_id(limits):
    client = {"X-Forwarded-For": fresh_ip()}
    responses = [limits.get("/ip/error-body", client) for _ in range(BUCKET + 4)]
    refused = [r for r in responses if r.status == 429]
    assert refused, [r.status for r in responses]
    for response in refused:
        assert_json_error(response, 429, TOO_MANY)


def test_bucket_refills_at_the_rate(limits):
    """After a burst has emptied the bucket, REFILL (1.1 s) at 2/s refills it enough for a request to pass."""
    clients = []  # one fresh client per attempt; the last one is the judged burst

    def requests_for(attempt):
        clients.append({"X-Forwarded-For": fresh_ip()})
        return [("/ip/refill", clients[-1])] * 8

    statuses = settled_burst(limits, requests_for)
    assert statuses.count(200) == BUCKET, statuses
    time.sleep(REFILL)
    assert limits.get("/ip/refill", clients[-1]).status == 200


def test_client_ip_buckets_are_independent(limits):
    """Control for per: route: two clients, 8 requests each, interleaved: 4 pass for each client."""
    def requests_for(attempt):
        ips = [fresh_ip(), fresh_ip()]
        return [("/ip/two-clients", {"X-Forwarded-For": ips[i % 2]}) for i in range(16)]

    statuses = settled_burst(limits, requests_for)
    assert [statuses[i::2].count(200) for i in (0, 1)] == [BUCKET, BUCKET], statuses


def test_per_route_bucket_is_shared_by_all_clients(limits):
    """Two clients, 8 requests each, interleaved, on a `per: route` limit: 4 pass in all."""
    ips = [fresh_ip(), fresh_ip()]
    requests = [("/route/shared", {"X-Forwarded-For": ips[i % 2]}) for i in range(16)]
    statuses = settled_burst(limits, lambda attempt: requests, refill=2.0)
    assert statuses.count(200) == BUCKET, statuses
    assert statuses.count(429) == 16 - BUCKET, statuses


def test_per_api_key_buckets_are_independent(limits):
    """Two API keys, 8 requests each, interleaved, on a `per: api_key` limit: 4 pass for each key."""
    requests = [("/key/two-keys", {"X-API-Key": API_KEYS[i % 2]}) for i in range(16)]
    statuses = settled_burst(limits, lambda attempt: requests, refill=2.0)
    assert [statuses[i::2].count(200) for i in (0, 1)] == [BUCKET, BUCKET], statuses
    assert set(statuses) == {200, 429}, statuses


@pytest.mark.parametrize("noise", ["query", "header"])
def test_per_api_key_bucket_ignores_credentials_the_route_does_not_use(limits, noise):
    """`/key/` authenticates with `partners`, which reads X-API-Key (the api_key query parameter only when the
    header is absent). Varying the api_key query parameter, or the X-Ops-Key header of another method, next to
    the same valid X-API-Key header must not open a fresh bucket per request: still 4 of 8 pass."""
    key = API_KEYS[2] if noise == "query" else API_KEYS[3]

    def requests_for(attempt):
        if noise == "query":
            return [(f"/key/noise?api_key=junk-{attempt}-{i}", {"X-API-Key": key}) for i in range(8)]
        return [("/key/noise", {"X-API-Key": key, "X-Ops-Key": f"junk-{attempt}-{i}"}) for i in range(8)]

    statuses = settled_burst(limits, requests_for, refill=2.0)
    assert statuses.count(200) == BUCKET, statuses


def test_route_with_rate_limit_none_is_never_limited(limits):
    statuses, _ = burst(lambda i: limits.get("/free/unlimited"), 20)
    statuses += [limits.get("/free/unlimited").status for _ in range(10)]
    assert statuses == [200] * 30


# -------------------------------------------------------------------------------------------------- cache


def cache_status(response) -> str | None:
    """The X-Cache-Status header (None when absent)."""
    assert response.status == 200, response.body
    return response.headers.get("X-Cache-Status")


def test_get_is_cached_for_the_ttl(cache):
    assert cache_status(cache.get("/public/a")) == "MISS"
    assert cache_status(cache.get("/public/a")) == "HIT"
    assert cache.upstream_hits("/public/a") == 1


def test_request_with_authorization_bypasses_the_cache(cache):
    assert cache_status(cache.get("/public/b")) == "MISS"
    assert cache_status(cache.get("/public/b", {"Authorization": "Bearer opaque"})) == "BYPASS"
    assert cache.upstream_hits("/public/b") == 2


def test_response_to_request_with_authorization_is_not_stored(cache):
    assert cache_status(cache.get("/public/c", {"Authorization": "Bearer opaque"})) == "BYPASS"
    assert cache_status(cache.get("/public/c")) == "MISS"
    assert cache.upstream_hits("/public/c") == 2


def test_request_with_the_routes_api_key_bypasses_the_cache(cache):
    key = {"X-API-Key": API_KEYS[0]}
    assert [cache_status(cache.get("/keyed/a", key)) for _ in range(2)] == ["BYPASS", "BYPASS"]
    assert cache.upstream_hits("/keyed/a") == 2


def test_authenticated_shared_caches_one_entry_for_everybody(cache):
    assert cache_status(cache.get("/shared/a", bearer(token("alice")))) == "MISS"
    assert cache_status(cache.get("/shared/a", bearer(token("bob")))) == "HIT"
    assert cache.upstream_hits("/shared/a") == 1


def test_authenticated_shared_still_requires_auth(cache):
    assert cache_status(cache.get("/shared/b", bearer(token("alice")))) == "MISS"
    response = cache.get("/shared/b")
    assert_json_error(response, 401, {"message": "unauthorized"})


def test_authenticated_per_subject_keeps_subjects_apart(cache):
    one, two = {"X-API-Key": API_KEYS[0]}, {"X-API-Key": API_KEYS[1]}
    assert cache_status(cache.get("/subject/a", one)) == "MISS"
    assert cache_status(cache.get("/subject/a", two)) == "MISS"
    assert cache_status(cache.get("/subject/a", one)) == "HIT"
    assert cache_status(cache.get("/subject/a", two)) == "HIT"
    assert cache.upstream_hits("/subject/a") == 2


def test_query_parameter_in_key_keeps_pages_apart(cache):
    assert cache_status(cache.get("/paged/list?page=1")) == "MISS"
    assert cache_status(cache.get("/paged/list?page=2")) == "MISS"
    assert cache_status(cache.get("/paged/list?page=1")) == "HIT"
    assert cache.upstream_hits("/paged/list?page=1") == 1
    assert cache.upstream_hits("/paged/list?page=2") == 1


def test_post_is_never_cached(cache):
    for _ in range(2):
        response = cache.request("POST", "/public/post", {"Content-Type": "application/json"}, b"{}")
        assert response.status == 200
        assert response.headers.get("X-Cache-Status") != "HIT"
    assert cache.upstream_hits("/public/post") == 2
    assert cache_status(cache.get("/public/post")) == "MISS"  # nor stored for a later GET


# -------------------------------------------------------------------------------------------- compression


def test_gzip_for_big_json_when_accepted(compression):
    response = compression.get("/zip/_big", {"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers.get("Vary", "")
    assert gzip.decompress(response.body) == BIG_BODY


def test_brotli_for_big_json_when_accepted(compression):
    response = compression.get("/zip/_big", {"Accept-Encoding": "br"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "br"
    assert brotli_decompress(response.body) == BIG_BODY


def test_brotli_is_preferred_when_both_are_accepted(compression):
    response = compression.get("/zip/_big", {"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert brotli_decompress(response.body) == BIG_BODY


@pytest.mark.parametrize("encoding", ["gzip", "br", "gzip, br"])
def test_small_body_is_not_compressed(compression, encoding):
    response = compression.get("/zip/_small", {"Accept-Encoding": encoding})
    assert response.status == 200
    assert "Content-Encoding" not in response.headers
    assert len(response.body) == 20


def test_identity_without_accept_encoding(compression):
    for response in (compression.get_without_accept_encoding("/zip/_big"),
                     compression.get("/zip/_big", {"Accept-Encoding": "identity"})):
        assert response.status == 200
        assert "Content-Encoding" not in response.headers
        assert response.body == BIG_BODY


@pytest.mark.parametrize("encoding", ["gzip", "br", "gzip, br"])
def test_route_with_compression_none_is_never_compressed(compression, encoding):
    response = compression.get("/plain/_big", {"Accept-Encoding": encoding})
    assert response.status == 200
    assert "Content-Encoding" not in response.headers
    assert response.body == BIG_BODY


# ------------------------------------------------------------------------------------------------ secrets


def test_no_secret_or_credential_leaks_into_output(limits, cache, compression):
    """After every other test: no API key, HMAC secret or sent token anywhere in the three output folders
    (nginx.conf, js files, access logs, the nginx stderr/error log, cache keys)."""
    limits.get("/key/leak-check", {"X-API-Key": API_KEYS[2]})
    limits.get("/key/leak-check", {"X-API-Key": "not-a-key-" + API_KEYS[3]})
    cache.get("/shared/leak-check", bearer(token("carol")))
    secrets = {"hmac secret": HMAC_SECRET, **{f"api key {i}": key for i, key in enumerate(API_KEYS)},
               **{f"token {n}": value for n, value in enumerate(sorted(SENT))}}
    assert len(OUT_FOLDERS) == 3 and SENT
    found = {f"{out.parent.name}/{file}": labels
             for out in OUT_FOLDERS for file, labels in leaked_secrets(out, secrets).items()}
    assert found == {}


def test_api_key_in_query_string_is_not_logged_when_rate_limited(limits):
    """A key sent in the query parameter that `partners` allows must not reach the error log (nor any other file)
    when the request is refused with 429. Kept after the leak scan above (file order), which it would trip."""
    key = API_KEYS[4]
    statuses = [limits.get(f"/key/query-leak?api_key={key}").status for _ in range(BUCKET + 3)]
    assert 429 in statuses and 200 in statuses, statuses
    assert leaked_secrets(limits.out, {"api key sent in the query string": key}) == {}
