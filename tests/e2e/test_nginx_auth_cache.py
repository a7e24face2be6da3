"""End-to-end: the cache of verified credentials in front of the njs check (targets/nginx/auth_cache.py), with
real tokens and keys against the real nginx.

The compiled nginx.conf is patched for the test only: the check server (the njs check behind the cache) writes
one log line per check it runs, so a test can count checks: a cache hit runs none. One worker keeps those lines
in request order; a request to the `s` (sentinel) route, whose check always runs and fails, marks the end of a
test's requests in the log.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.compiled import compile_spec
from tests.e2e.harness import (
    Nginx,
    Response,
    Upstream,
    free_port,
    http,
    refused_url,
    require_nginx,
)
from tests.e2e.live import leaked_secrets
from tests.e2e.tokens import (
    ISSUER,
    api_key_subject,
    bearer,
    jwks_json,
    make_jwt,
    random_secret,
    rsa_jwk,
    rsa_key,
)

SIGNER, STRANGER = rsa_key(), rsa_key()
API_KEYS = [random_secret("cache-key-one"), random_secret("cache-key-two")]
ENV = {"GWC_E2E_CACHE_KEYS": ",".join(API_KEYS)}
CHECK_LOG = "logs/auth-check.log"
SENT: set[str] = set()  # every token and key sent, for the leak scan


def token_claims(aud: str | list[str], sub: str, ttl: int = 300) -> dict:
    """Claims for the test issuer, valid from now for ttl seconds."""
    now = int(time.time())
    return {"iss": ISSUER, "aud": aud, "sub": sub, "iat": now, "exp": now + ttl}


def token(aud: str | list[str] = "aud-a", sub: str = "alice", ttl: int = 300, key=SIGNER) -> str:
    """An RS256 token for the test issuer, remembered for the leak scan."""
    value = make_jwt("RS256", key, token_claims(aud, sub, ttl), kid="k1")
    SENT.add(value)
    return value


def cache_spec(upstream_url: str, port: int, key: str = "set_misc") -> dict:
    """Two JWT methods that differ only in their audience, an API-key method (header or query) and the
    sentinel's; one route prefix each, one with a choice of two methods. `key`: how bearer tokens are keyed
    (set_misc: an HMAC by nginx for the JWT-only routes; njs: every key by njs)."""
    jwt = {"issuer": ISSUER, "jwks": {"file": "keys/jwks.json"}, "leeway": 0}
    return {
        "gwc": 1, "name": "auth-cache-e2e",
        "services": {"backend": {"url": upstream_url}},
        "auth": {"a": {"jwt": {**jwt, "audiences": ["aud-a"]}}, "b": {"jwt": {**jwt, "audiences": ["aud-b"]}},
                 "k": {"api_key": {"header": "X-API-Key", "query": "api_key", "keys": {"env": "GWC_E2E_CACHE_KEYS"}}},
                 "s": {"api_key": {"header": "X-Sentinel", "keys": {"env": "GWC_E2E_CACHE_KEYS"}}}},
        "routes": [{"prefix": f"/{name}/", "service": "backend", "auth": auth}
                   for name, auth in [("a", "a"), ("b", "b"), ("k", "k"), ("s", "s"), ("ak", ["a", "k"])]],
        "targets": {"nginx": {"listen": port, "listen_address": "127.0.0.1", "worker_processes": 1,
                              "auth_cache_key": key}},
    }


def patch(conf: str, old: str, new: str) -> str:
    """conf with the one occurrence of old replaced (fails if the compiled text changed)."""
    assert conf.count(old) == 1, f"expected one {old!r} in the compiled nginx.conf"
    return conf.replace(old, new)


def counting_checks(conf: str) -> str:
    """The check server logs `URI STATUS` per check (the production output logs nothing there)."""
    conf = patch(conf, "js_import gwc from gwc_auth.js;", "js_import gwc from gwc_auth.js;\n  log_format gwc_check "
                 "'$uri $status';")
    return patch(conf, "server_name _;\n    access_log off;", f"server_name _;\n    access_log {CHECK_LOG} gwc_check;")


@dataclass
class CachedGateway:
    """A running gateway with its output folder and echo upstream."""

    out: Path
    nginx: Nginx
    upstream: Upstream

    def get(self, path: str, headers: dict | None = None, method: str = "GET", body: bytes | None = None
            ) -> Response:
        """One request on a fresh connection."""
        return http(method, self.nginx.url + path, headers, body)

    def checks(self, since: int) -> list[str]:
        """The checks run since line `since` of the check log (sentinel lines left out), once the sentinel
        request sent now has been logged after them."""
        assert self.get("/s/sentinel").status == 401
        for _ in range(100):
            lines = (self.out / CHECK_LOG).read_text().splitlines()
            if lines and lines[-1].startswith("/_gwc/auth/s "):
                return [line for line in lines[since:] if not line.startswith("/_gwc/auth/s ")]
            time.sleep(0.05)
        raise AssertionError("the sentinel's check was never logged")

    def mark(self) -> int:
        """The check log's length now (after a sentinel, so nothing of earlier tests is still to come)."""
        self.checks(0)
        return len((self.out / CHECK_LOG).read_text().splitlines())

    def forwarded(self, path: str) -> list[dict]:
        """The headers the upstream got for each request to path."""
        with self.upstream._lock:
            return [echo["headers"] for echo in self.upstream.requests if echo["path"] == path]


def compiled(folder: Path, spec: dict, conf_patch=counting_checks) -> Path:
    """The spec compiled into folder/out with the test's JWKS, its nginx.conf patched."""
    out = compile_spec(folder, spec, extra_files={"keys/jwks.json": jwks_json(rsa_jwk(SIGNER.public_key(), "k1"))})
    conf = out / "nginx.conf"
    conf.write_text(conf_patch(conf.read_text()))
    return out


@contextlib.contextmanager
def running(folder: Path, conf_patch=counting_checks, key: str = "set_misc") -> Iterator[CachedGateway]:
    """The test spec compiled and patched, served by nginx in front of an echo upstream."""
    require_nginx("ngx_http_js_module", *(["ndk_http_module", "ngx_http_set_misc_module"] if key == "set_misc" else []))
    with Upstream("backend") as upstream:
        port = free_port()
        out = compiled(folder, cache_spec(upstream.url, port, key), conf_patch)
        assert ("set_hmac_sha256" in (out / "nginx.conf").read_text()) == (key == "set_misc")
        with Nginx(out, ENV, port=port) as nginx:
            yield CachedGateway(out, nginx, upstream)


@pytest.fixture(scope="module", params=["set_misc", "njs"])
def gw(tmp_path_factory, request) -> Iterator[CachedGateway]:
    """The gateway most tests share (their checks are told apart in the log by the sentinel), once with each
    way of keying bearer tokens."""
    with running(tmp_path_factory.mktemp("auth-cache"), key=request.param) as gateway:
        yield gateway


# ------------------------------------------------------------------------------------------------ hits


def test_a_valid_token_is_checked_once_and_then_served_from_the_cache(gw):
    since, value = gw.mark(), token(sub="cached-user")
    responses = [gw.get("/a/hit", bearer(value)) for _ in range(3)]
    assert [r.status for r in responses] == [200, 200, 200]
    assert gw.checks(since) == ["/_gwc/auth/a 204"]
    sent = gw.forwarded("/a/hit")  # the headers passed on come from the cached answer, identically
    assert [(h["x-gwc-subject"], h["x-gwc-auth-method"]) for h in sent] == [("cached-user", "a")] * 3
    assert all("X-Accel-Expires" not in r.headers for r in responses)


def test_every_method_shares_the_cached_answer_and_keeps_its_body(gw):
    """auth_request's subrequest is a GET whatever the client's method, so one answer serves them all."""
    since, value = gw.mark(), token(sub="writer")
    for method in ("POST", "PUT", "PATCH", "DELETE", "GET"):
        response = gw.get("/a/write", {**bearer(value), "Content-Type": "application/json"}, method, b'{"n": 1}')
        assert response.status == 200 and response.json()["body_len"] == 8, method
    assert gw.checks(since) == ["/_gwc/auth/a 204"]


def test_api_keys_are_cached_per_key_from_header_or_query(gw):
    since = gw.mark()
    SENT.update(API_KEYS)
    for _ in range(2):
        assert gw.get("/k/h", {"X-API-Key": API_KEYS[0]}).status == 200
        assert gw.get(f"/k/q?api_key={API_KEYS[1]}").status == 200
    assert gw.checks(since) == ["/_gwc/auth/k 204"] * 2
    assert [h["x-gwc-subject"] for h in gw.forwarded("/k/h")] == [api_key_subject(API_KEYS[0])] * 2
    assert [h["x-gwc-subject"] for h in gw.forwarded(f"/k/q?api_key={API_KEYS[1]}")] == [
        api_key_subject(API_KEYS[1])] * 2


def test_any_of_caches_the_method_that_succeeded(gw):
    since, bad = gw.mark(), token(key=STRANGER)
    for _ in range(2):
        assert gw.get("/ak/x", {**bearer(bad), "X-API-Key": API_KEYS[1]}).status == 200
    assert gw.checks(since) == ["/_gwc/auth/a+k 204"]
    assert [(h["x-gwc-subject"], h["x-gwc-auth-method"]) for h in gw.forwarded("/ak/x")] == [
        (api_key_subject(API_KEYS[1]), "k")] * 2


# ---------------------------------------------------------------------------------------------- misses


@pytest.mark.parametrize("reason", ["bad signature", "expired", "wrong audience", "unknown key"])
def test_failures_are_never_cached(gw, reason):
    headers = {"bad signature": bearer(token(key=STRANGER)), "expired": bearer(token(ttl=-60)),
               "wrong audience": bearer(token(aud="aud-b")), "unknown key": {"X-API-Key": "nope-" + API_KEYS[0]}}
    path = "/k/fail" if reason == "unknown key" else "/a/fail"
    since = gw.mark()
    assert [gw.get(path, headers[reason]).status for _ in range(3)] == [401] * 3
    assert gw.checks(since) == [f"{path[:2].replace('/', '/_gwc/auth/')} 401"] * 3


def test_a_token_for_one_method_is_not_accepted_for_another(gw):
    """/a/ and /b/ check the same issuer and key but another audience: a cached success of `a` is never an
    answer for `b` (the key includes the methods and their configuration)."""
    since, for_a, for_both = gw.mark(), token(aud="aud-a", sub="a-only"), token(aud=["aud-a", "aud-b"], sub="both")
    assert gw.get("/a/x", bearer(for_a)).status == 200
    assert gw.get("/b/x", bearer(for_a)).status == 401
    assert gw.get("/b/x", bearer(for_a)).status == 401
    assert [gw.get(f"/{r}/y", bearer(for_both)).status for r in "abab"] == [200] * 4
    assert gw.checks(since) == ["/_gwc/auth/a 204", "/_gwc/auth/b 401", "/_gwc/auth/b 401", "/_gwc/auth/a 204",
                                "/_gwc/auth/b 204"]


def test_a_token_stops_working_at_its_exp_even_while_cached(gw):
    """exp is 5 s away and the leeway 0: the answer is cached (the second request runs no check), but only
    until before exp, so the request just after exp is checked again and refused."""
    since, value = gw.mark(), token(sub="short", ttl=5)
    exp = json.loads(base64.urlsafe_b64decode(value.split(".")[1] + "=="))["exp"]
    assert [gw.get("/a/short", bearer(value)).status for _ in range(2)] == [200, 200]
    assert gw.checks(since) == ["/_gwc/auth/a 204"]
    time.sleep(max(0.0, exp - time.time()) + 0.2)
    assert gw.get("/a/short", bearer(value)).status == 401


def _cache_entry(gw: CachedGateway, subject: str) -> tuple[int, int]:
    """(valid_sec, date) of the cached answer for a subject, from nginx's cache file header (1.22: version 5,
    then valid_sec, updating_sec, error_sec, last_modified, date as 64-bit integers)."""
    files = [p for p in (gw.out / "tmp" / "auth_cache").rglob("*") if p.is_file()
             and f"\nX-Gwc-Subject: {subject}\r\n".encode() in p.read_bytes()]
    assert len(files) == 1, files
    version, valid_sec, _, _, _, date = struct.unpack_from("<6q", files[0].read_bytes())
    assert version == 5, "nginx cache file format changed"
    return valid_sec, date


def test_cached_answers_live_at_most_60_s_and_end_3_s_before_exp(gw):
    gw.get("/a/ttl", bearer(token(sub="long-lived", ttl=3600)))
    gw.get("/a/ttl", bearer(token(sub="ends-soon", ttl=20)))
    valid, date = _cache_entry(gw, "long-lived")
    assert valid - date == 60
    valid, date = _cache_entry(gw, "ends-soon")
    assert 15 <= valid - date <= 17  # exp - now - 3, now measured by njs and nginx within the same second or two


def test_no_credential_reaches_the_output_folder(gw):
    """After the other tests on this gateway: no token or key in any file of the output folder, the cache of
    verified credentials included (its keys are digests). nginx is stopped first, which writes out the
    buffered access log."""
    assert list((gw.out / "tmp" / "auth_cache").rglob("*"))
    gw.nginx.stop()
    assert SENT and leaked_secrets(gw.out, {f"credential {i}": value for i, value in enumerate(sorted(SENT))}) == {}


# -------------------------------------------------------------------------------------------- failing closed


def test_an_unreachable_check_fails_closed(tmp_path):
    """With the check server out of reach, a valid token gets 500 (auth_request's answer to a 502), never 200."""
    def elsewhere(conf: str) -> str:
        return patch(conf, f"server 127.0.0.2:{conf.split('listen 127.0.0.2:')[1].split(';')[0]};",
                     f"server {refused_url().removeprefix('http://')};")

    with running(tmp_path, elsewhere) as gateway:
        for _ in range(2):
            response = gateway.get("/a/x", bearer(token()))
            assert response.status == 500 and response.json() == {"message": "internal error"}
        assert gateway.upstream.hits == 0


def test_a_cache_too_small_for_every_token_still_checks_each_one(tmp_path):
    """A keys zone with room for a few dozen entries and 150 live tokens: nginx evicts, nothing is mixed up,
    every valid token passes with its own subject and no invalid one does."""
    def tiny(conf: str) -> str:
        return patch(counting_checks(conf), "keys_zone=gwc_auth:10485760", "keys_zone=gwc_auth:32k")

    with running(tmp_path, tiny) as gateway:
        tokens = [(f"user-{i}", token(sub=f"user-{i}")) for i in range(150)]
        for _ in range(2):
            for sub, value in tokens:
                assert gateway.get(f"/a/{sub}", bearer(value)).status == 200
            assert gateway.get("/a/forged", bearer(token(key=STRANGER))).status == 401
        for sub, _ in tokens:
            assert [h["x-gwc-subject"] for h in gateway.forwarded(f"/a/{sub}")] == [sub, sub]


def test_a_reload_with_another_configuration_drops_cached_answers(tmp_path):
    """The same method name with another audience after a reload (same master, same credentials): the
    configuration is part of the key, so the cached success is not reused and the token is refused."""
    with running(tmp_path) as gateway:
        value = token(sub="before-reload")
        assert [gateway.get("/a/r", bearer(value)).status for _ in range(2)] == [200, 200]
        spec = cache_spec(gateway.upstream.url, gateway.nginx.port)
        spec["auth"]["a"]["jwt"]["audiences"] = ["aud-z"]
        spec["routes"].append({"prefix": "/new/", "service": "backend"})
        compiled(tmp_path, spec)
        master = gateway.nginx.proc.pid
        old_workers = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        os.kill(master, signal.SIGHUP)
        deadline = time.monotonic() + 10
        # the new configuration answers, and the old worker (which would still answer from it) is gone
        while gateway.get("/new/x").status != 200 or any(Path(f"/proc/{pid}").exists() for pid in old_workers):
            assert time.monotonic() < deadline, "nginx did not switch to the new configuration"
            time.sleep(0.05)
        assert gateway.get("/a/r", bearer(value)).status == 401
