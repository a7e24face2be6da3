"""End-to-end: authentication of a gwc-compiled spec, checked with real requests against real nginx + njs.

One gateway (module scope) is compiled from a spec with every kind of method the tests need: RS256 JWT from a
JWKS file with issuer and audiences, HS256 with an env secret (set, and not set for nginx), API keys from env
(plain and sha256) and from files (readable, missing, unreadable by the `nobody` workers), and an any-of list.
The echo upstream shows what the gateway forwarded. The last test greps the whole output folder (config, js,
logs) for every secret and credential that was sent.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tests.e2e.harness import require_nginx
from tests.e2e.live import LiveGateway, leaked_secrets, live_gateway, nginx_target
from tests.e2e.tokens import (
    AUDIENCE,
    ISSUER,
    api_key_subject,
    bearer,
    claims,
    jwks_json,
    make_jwt,
    random_secret,
    rsa_jwk,
    rsa_key,
    sha256_hex,
)

HMAC_SECRET = random_secret("hmac")
API_KEYS = [random_secret("apikey-one"), random_secret("apikey-two")]
HASHED_KEY = random_secret("apikey-hashed")
FILE_KEY = random_secret("apikey-file")
ENV = {
    "GWC_E2E_HMAC": HMAC_SECRET,
    "GWC_E2E_API_KEYS": ",".join(API_KEYS),
    "GWC_E2E_API_KEY_HASHES": sha256_hex(HASHED_KEY),
    # GWC_E2E_HMAC_UNSET is referenced by the spec but deliberately not given to nginx.
}
UNAUTHORIZED = {"message": "unauthorized"}
SIGNER = rsa_key()     # the issuer's key, published in keys/jwks.json
STRANGER = rsa_key()   # not in the JWKS
SENT: set[str] = set()  # every token and key sent to the gateway, for the leak scan


# ------------------------------------------------------------------------------------------------ helpers


def call(gw: LiveGateway, path: str, headers: dict | None = None):
    """GET path, remembering the credentials sent (for test_no_secret_or_credential_leaks_into_output)."""
    for name, value in (headers or {}).items():
        if name.lower() in ("authorization", "x-api-key"):
            SENT.add(value.split(" ", 1)[-1])
    return gw.get(path, headers)


def assert_unauthorized(gw: LiveGateway, response, path: str) -> None:
    """401 with the JSON error body, a WWW-Authenticate challenge and a request id; upstream not reached."""
    assert response.status == 401, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == UNAUTHORIZED
    assert response.headers["WWW-Authenticate"]
    assert response.headers["X-Request-Id"]
    assert gw.upstream_hits(path) == 0


def public_pem(key) -> bytes:
    """The PEM of a private key's public half (what an alg-confusion attacker would use as HMAC secret)."""
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def forwarded(gw: LiveGateway, path: str) -> dict:
    """The request headers the upstream received for the only request to path."""
    requests = gw.upstream_requests(path)
    assert len(requests) == 1, requests
    return requests[0]["headers"]


def traversable(path: Path) -> None:
    """Let other users (the nginx workers run as nobody) traverse every directory above path."""
    for parent in path.parents:
        mode = stat.S_IMODE(parent.stat().st_mode)
        if not mode & stat.S_IXOTH and parent.owner() == "root":
            parent.chmod(mode | stat.S_IXOTH)


def key_files(folder: Path) -> dict[str, Path]:
    """Key files for `{file: ...}` references: readable (0644), unreadable (0600, owner root) and missing."""
    secrets = folder / "secrets"
    secrets.mkdir(exist_ok=True)
    secrets.chmod(0o755)
    readable, unreadable = secrets / "readable.keys", secrets / "unreadable.keys"
    readable.write_text(f"\n{FILE_KEY}\n")
    readable.chmod(0o644)
    unreadable.write_text(f"{FILE_KEY}\n")
    unreadable.chmod(0o600)
    traversable(readable)
    return {"readable": readable, "unreadable": unreadable, "missing": secrets / "missing.keys"}


def auth_spec(upstream_url: str, port: int, files: dict[str, Path]) -> dict:
    """The spec: one route prefix per auth method (or combination)."""
    def api_key(keys: dict, **extra) -> dict:
        return {"api_key": {"header": "X-API-Key", "keys": keys, **extra}}

    routes = {"/jwt/": "customers", "/hs/": "staff", "/hs-unset/": "staff_unset", "/key/": "partners",
              "/hashed/": "hashed", "/either/": ["customers", "partners"], "/key-file/": "file_keys",
              "/key-file-missing/": "missing_file", "/key-file-unreadable/": "unreadable_file"}
    return {
        "gwc": 1, "name": "auth-e2e",
        "services": {"backend": {"url": upstream_url}},
        "auth": {
            "customers": {"jwt": {"issuer": ISSUER, "audiences": [AUDIENCE],
                                  "jwks": {"file": "keys/jwks.json"}}},
            "staff": {"jwt": {"secret": {"env": "GWC_E2E_HMAC"}}},
            "staff_unset": {"jwt": {"secret": {"env": "GWC_E2E_HMAC_UNSET"}, "query": "access_token"}},
            "partners": api_key({"env": "GWC_E2E_API_KEYS"}),
            "hashed": api_key({"env": "GWC_E2E_API_KEY_HASHES"}, format="sha256"),
            "file_keys": api_key({"file": str(files["readable"])}),
            "missing_file": api_key({"file": str(files["missing"])}, query="api_key"),
            "unreadable_file": api_key({"file": str(files["unreadable"])}),
        },
        "routes": [{"prefix": prefix, "service": "backend", "auth": auth} for prefix, auth in routes.items()],
        "targets": nginx_target(port),
    }


@pytest.fixture(scope="module")
def gw(tmp_path_factory) -> LiveGateway:
    """The auth gateway, running for the whole module."""
    require_nginx("ngx_http_js_module")
    folder = tmp_path_factory.mktemp("auth")
    files = key_files(folder)
    jwks = jwks_json(rsa_jwk(SIGNER.public_key(), "k-rsa"))
    with live_gateway(folder, lambda url, port: auth_spec(url, port, files), ENV,
                      extra_files={"keys/jwks.json": jwks}) as gateway:
        yield gateway


# -------------------------------------------------------------------------------------------------- JWT


def test_valid_rs256_token_passes_and_upstream_gets_the_subject(gw):
    token = make_jwt("RS256", SIGNER, claims(sub="user-7"), kid="k-rsa")
    response = call(gw, "/jwt/valid", bearer(token))
    assert response.status == 200
    assert forwarded(gw, "/jwt/valid")["x-gwc-subject"] == "user-7"


def test_rs256_token_without_kid_passes(gw):
    token = make_jwt("RS256", SIGNER, claims(sub="user-8"))
    assert call(gw, "/jwt/no-kid", bearer(token)).status == 200


def test_client_cannot_forge_the_subject_header(gw):
    token = make_jwt("RS256", SIGNER, claims(sub="user-9"), kid="k-rsa")
    assert call(gw, "/jwt/forge", {**bearer(token), "X-Gwc-Subject": "admin"}).status == 200
    assert forwarded(gw, "/jwt/forge")["x-gwc-subject"] == "user-9"


def rejected_jwt_requests() -> dict[str, dict]:
    """Requests that must get 401 on a route with issuer, audiences and a JWKS, by reason."""
    now = int(time.time())
    return {
        "expired": bearer(make_jwt("RS256", SIGNER, claims(exp=now - 120, iat=now - 600), kid="k-rsa")),
        "wrong audience": bearer(make_jwt("RS256", SIGNER, claims(aud="billing-api"), kid="k-rsa")),
        "wrong issuer": bearer(make_jwt("RS256", SIGNER, claims(iss="https://evil.example/"), kid="k-rsa")),
        "bad signature": bearer(make_jwt("RS256", STRANGER, claims(), kid="k-rsa")),
        "alg none": bearer(make_jwt("none", None, claims())),
        "alg none with kid": bearer(make_jwt("none", None, claims(), kid="k-rsa")),
        "HS256 signed with the public key": bearer(make_jwt("HS256", public_pem(SIGNER), claims())),
        "missing token": {},
        "not a bearer token": {"Authorization": "Basic dXNlcjpwYXNz"},
    }


@pytest.mark.parametrize("reason", list(rejected_jwt_requests()))
def test_invalid_jwt_gets_401_json_with_challenge(gw, reason):
    path = "/jwt/rejected-" + reason.replace(" ", "-")
    response = call(gw, path, rejected_jwt_requests()[reason])
    assert_unauthorized(gw, response, path)


def test_hs256_token_with_env_secret_passes(gw):
    token = make_jwt("HS256", HMAC_SECRET.encode(), claims(sub="staff-1"))
    assert call(gw, "/hs/valid", bearer(token)).status == 200
    assert forwarded(gw, "/hs/valid")["x-gwc-subject"] == "staff-1"


def test_hs256_token_signed_with_another_secret_is_refused(gw):
    token = make_jwt("HS256", b"not-the-secret", claims())
    assert_unauthorized(gw, call(gw, "/hs/other-secret", bearer(token)), "/hs/other-secret")


@pytest.mark.parametrize("secret", [HMAC_SECRET.encode(), b"", b"undefined", b"null"],
                         ids=["real-secret", "empty", "undefined", "null"])
def test_hs256_with_env_secret_not_set_fails_closed(gw, secret):
    """GWC_E2E_HMAC_UNSET is referenced by the spec but absent from nginx's environment: never a 200."""
    path = "/hs-unset/" + (secret.decode()[:5] or "empty")
    assert_unauthorized(gw, call(gw, path, bearer(make_jwt("HS256", secret, claims()))), path)


# --------------------------------------------------------------------------------------------- API keys


@pytest.mark.parametrize("index", [0, 1])
def test_each_configured_api_key_passes_and_is_not_forwarded(gw, index):
    path = f"/key/valid-{index}"
    response = call(gw, path, {"X-API-Key": API_KEYS[index]})
    assert response.status == 200
    headers = forwarded(gw, path)
    assert "x-api-key" not in headers
    assert headers["x-gwc-subject"] == api_key_subject(API_KEYS[index])
    assert API_KEYS[index] not in response.body.decode()


@pytest.mark.parametrize("headers", [
    {}, {"X-API-Key": "wrong-key"}, {"X-API-Key": API_KEYS[0] + "x"}, {"X-API-Key": ",".join(API_KEYS)},
    {"X-API-Key": sha256_hex(API_KEYS[0])},
], ids=["missing", "wrong", "suffixed", "both-keys", "digest-of-key"])
def test_wrong_or_missing_api_key_gets_401(gw, headers, request):
    path = "/key/rejected-" + request.node.callspec.id
    assert_unauthorized(gw, call(gw, path, headers), path)


def test_sha256_format_accepts_the_key_whose_digest_is_configured(gw):
    assert call(gw, "/hashed/valid", {"X-API-Key": HASHED_KEY}).status == 200
    assert forwarded(gw, "/hashed/valid")["x-gwc-subject"] == api_key_subject(HASHED_KEY)
    digest = sha256_hex(HASHED_KEY)  # the configured entry itself is not a key
    assert_unauthorized(gw, call(gw, "/hashed/digest", {"X-API-Key": digest}), "/hashed/digest")


def test_any_of_jwt_or_api_key(gw):
    token = make_jwt("RS256", SIGNER, claims(sub="either-user"), kid="k-rsa")
    expired = make_jwt("RS256", SIGNER, claims(exp=1, iat=0), kid="k-rsa")
    assert call(gw, "/either/jwt", bearer(token)).status == 200
    assert forwarded(gw, "/either/jwt")["x-gwc-subject"] == "either-user"
    assert call(gw, "/either/key", {"X-API-Key": API_KEYS[1]}).status == 200
    assert forwarded(gw, "/either/key")["x-gwc-subject"] == api_key_subject(API_KEYS[1])
    assert "x-api-key" not in forwarded(gw, "/either/key")
    assert call(gw, "/either/bad-jwt-good-key", {**bearer(expired), "X-API-Key": API_KEYS[0]}).status == 200
    assert_unauthorized(gw, call(gw, "/either/neither"), "/either/neither")
    assert_unauthorized(gw, call(gw, "/either/both-bad", {**bearer(expired), "X-API-Key": "nope"}),
                        "/either/both-bad")


def test_api_key_from_a_readable_file(gw):
    assert call(gw, "/key-file/valid", {"X-API-Key": FILE_KEY}).status == 200
    assert "x-api-key" not in forwarded(gw, "/key-file/valid")
    assert_unauthorized(gw, call(gw, "/key-file/wrong", {"X-API-Key": API_KEYS[0]}), "/key-file/wrong")


@pytest.mark.parametrize("prefix", ["/key-file-missing/", "/key-file-unreadable/"])
def test_missing_or_unreadable_key_file_fails_closed(gw, prefix):
    if prefix == "/key-file-unreadable/" and os.geteuid() != 0:
        pytest.skip("the workers only run as another user (nobody) when nginx is started as root")
    path = prefix + "probe"
    assert_unauthorized(gw, call(gw, path, {"X-API-Key": FILE_KEY}), path)


# ------------------------------------------------------------------------------------- logs and secrets


def test_access_log_names_the_route_of_authenticated_requests(gw):
    """The JSON access log's `route` field must be the matched route, also when auth_request ran."""
    token = make_jwt("RS256", SIGNER, claims(), kid="k-rsa")
    assert call(gw, "/jwt/log-route", bearer(token)).status == 200
    routes: list[str] = []
    for _ in range(50):  # nginx writes the log line after the response: wait for it (at most 5 s)
        lines = [json.loads(line) for line in (gw.out / "logs" / "access.log").read_text().splitlines()]
        routes = [line["route"] for line in lines if line["path"] == "/jwt/log-route"]
        if routes:
            break
        time.sleep(0.1)
    assert routes == ["jwt_all"]


def test_no_secret_or_credential_leaks_into_output(gw):
    """After every other test: no key, secret or sent token in nginx.conf, the js files, the logs (access log
    and the nginx stderr/error log) or anything else in the output folder."""
    token = make_jwt("RS256", SIGNER, claims(), kid="k-rsa")
    call(gw, "/jwt/leak-check", bearer(token))                                  # a success and
    call(gw, "/hs-unset/leak-check", bearer(make_jwt("HS256", HMAC_SECRET.encode(), claims())))  # error paths
    call(gw, "/key-file-missing/leak-check", {"X-API-Key": API_KEYS[0]})
    query_token = make_jwt("HS256", HMAC_SECRET.encode(), claims(sub="query"))  # credentials in the query
    call(gw, f"/hs-unset/leak-check?access_token={query_token}")                # string, on paths that log
    call(gw, f"/key-file-missing/leak-check?api_key={API_KEYS[1]}")             # an error
    SENT.add(query_token)
    secrets = {"hmac secret": HMAC_SECRET, "hashed key": HASHED_KEY, "file key": FILE_KEY,
               **{f"api key {i}": key for i, key in enumerate(API_KEYS)},
               **{f"sent credential {value[:12]}...": value for value in SENT if len(value) >= 16}}
    assert SENT, "no credentials were recorded"
    assert (gw.out / "nginx-stderr.log").exists() and (gw.out / "logs" / "access.log").stat().st_size > 0
    assert leaked_secrets(gw.out, secrets) == {}
