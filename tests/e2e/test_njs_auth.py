"""End-to-end tests: gwc_auth.js running inside a real nginx via auth_request.

A hand-written nginx.conf in the shape the compiler emits is started on an
ephemeral 127.0.0.1 port.  Protected locations proxy to a second server block
that echoes the X-Gwc-Subject / X-Gwc-Auth-Method headers it receives, so a
200 proves both the auth decision and the header hand-off.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gwc.jwks import jwks_to_keys
from tests.e2e.harness import NGINX_MODULES, Nginx, free_port, http, require_nginx
from tests.e2e.tokens import AUDIENCE, ISSUER, b64url, bearer, claims, ec_jwk, make_jwt, rsa_jwk

REPO = Path(__file__).resolve().parents[2]
AUTH_JS = REPO / "targets" / "nginx" / "templates" / "gwc_auth.js"
NJS_MODULE = NGINX_MODULES / "ngx_http_js_module.so"
LEEWAY = 30
JWT_SECRET = "hs-secret-" + os.urandom(12).hex()
FILE_SECRET = "file-secret-" + os.urandom(12).hex()
PARTNER_KEYS = ["pk-one-" + os.urandom(12).hex(), "pk-two-" + os.urandom(12).hex()]
HASHED_KEY = "hk-" + os.urandom(12).hex()

# protected location -> space-separated auth methods
ROUTES = {
    "/customers": "customers",
    "/rs-only": "rs_only",
    "/staff": "staff",
    "/staff-file": "staff_file",
    "/partners": "partners",
    "/hashed": "hashed",
    "/any": "customers partners",
    "/no-secret": "no_secret",
    "/no-keyfile": "no_keyfile",
    "/dir-keyfile": "dir_keyfile",
    "/unknown": "ghost",
}


# ---------------------------------------------------------------- keys/tokens


@dataclass
class Keys:
    """Signing keys for the test issuer; JWKS kids k-rsa, k-ps, k-ec, k-ec384."""

    rsa: rsa.RSAPrivateKey
    pss: rsa.RSAPrivateKey
    ec256: ec.EllipticCurvePrivateKey
    ec384: ec.EllipticCurvePrivateKey
    stranger: rsa.RSAPrivateKey

    def jwks(self) -> dict:
        """The public JWKS, including an encryption key that must be skipped."""
        return {"keys": [
            rsa_jwk(self.rsa.public_key(), "k-rsa", "RS256"),
            rsa_jwk(self.pss.public_key(), "k-ps", "PS256"),
            ec_jwk(self.ec256.public_key(), "k-ec", "P-256"),
            ec_jwk(self.ec384.public_key(), "k-ec384", "P-384"),
            {**rsa_jwk(self.stranger.public_key(), "k-enc", None), "use": "enc"},
        ]}


# -------------------------------------------------------------- nginx set-up


def jwt_method(algorithms, keys=(), secret=None, issuer=None, audiences=()) -> dict:
    """A jwt method entry of gwc_auth_config.js."""
    return {"type": "jwt", "issuer": issuer, "audiences": list(audiences),
            "algorithms": list(algorithms), "keys": list(keys), "secret": secret,
            "leeway": LEEWAY, "header": "Authorization", "scheme": "Bearer",
            "query": "access_token"}


def api_key_method(keys: dict, fmt: str = "plain") -> dict:
    """An api_key method entry of gwc_auth_config.js."""
    return {"type": "api_key", "header": "X-API-Key", "query": "api_key",
            "keys": keys, "format": fmt}


def auth_config(prefix: Path, keys: Keys) -> dict:
    """The methods the test gateway knows, as the compiler would emit them."""
    customer_keys = jwks_to_keys(keys.jwks())
    hs = ["HS256", "HS384", "HS512"]
    return {"methods": {
        "customers": jwt_method(["RS256", "PS256", "ES256", "ES384"], keys=customer_keys,
                                issuer=ISSUER, audiences=[AUDIENCE, "other-api"]),
        "rs_only": jwt_method(["RS256"], keys=customer_keys, secret={"env": "JWT_SECRET"}),
        "staff": jwt_method(hs, secret={"env": "JWT_SECRET"}),
        "staff_file": jwt_method(["HS256"], secret={"file": str(prefix / "jwt.secret")}),
        "no_secret": jwt_method(["HS256"], secret={"env": "MISSING_SECRET"}),
        "partners": api_key_method({"env": "PARTNER_KEYS"}),
        "hashed": api_key_method({"file": str(prefix / "hashed.keys")}, "sha256"),
        "no_keyfile": api_key_method({"file": str(prefix / "does-not-exist")}),
        "dir_keyfile": api_key_method({"file": str(prefix)}),
    }}


def locations(upstream_port: int) -> str:
    """One internal auth location per method combination plus its protected location."""
    blocks = []
    for path, methods in ROUTES.items():
        auth = "/_gwc/auth/" + methods.replace(" ", "+")
        blocks.append(f"""
        location = {auth} {{ internal; set $gwc_auth_methods "{methods}"; js_content gwc.authorize; }}
        location {path} {{
            auth_request {auth};
            auth_request_set $gwc_subject $sent_http_x_gwc_subject;
            auth_request_set $gwc_method $sent_http_x_gwc_auth_method;
            proxy_set_header X-Gwc-Subject $gwc_subject;
            proxy_set_header X-Gwc-Auth-Method $gwc_method;
            proxy_pass http://127.0.0.1:{upstream_port};
        }}""")
    return "".join(blocks)


def nginx_conf(prefix: Path, port: int, upstream_port: int) -> str:
    """The complete hand-written nginx.conf."""
    temp = "".join(f"    {kind}_temp_path {prefix}/tmp;\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""load_module {NJS_MODULE};
env JWT_SECRET;
env PARTNER_KEYS;
env MISSING_SECRET;
error_log {prefix}/error.log info;
pid {prefix}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
{temp}    js_path "{prefix}";
    js_import gwc from gwc_auth.js;
    server {{
        listen 127.0.0.1:{port};
{locations(upstream_port)}
    }}
    server {{
        listen 127.0.0.1:{upstream_port};
        location / {{ return 200 "subject=$http_x_gwc_subject method=$http_x_gwc_auth_method"; }}
    }}
}}
"""


@dataclass
class Gateway:
    """A running nginx with the gwc auth module."""

    port: int
    error_log: Path

    def get(self, path: str, headers: dict | None = None) -> tuple[int, str]:
        """GET path; returns (status, body) without raising on HTTP errors."""
        response = http("GET", f"http://127.0.0.1:{self.port}{path}", headers)
        return response.status, response.body.decode()


@pytest.fixture(scope="module")
def keys() -> Keys:
    """Fresh issuer keys for this test module."""
    return Keys(rsa=rsa.generate_private_key(65537, 2048), pss=rsa.generate_private_key(65537, 2048),
                ec256=ec.generate_private_key(ec.SECP256R1()), ec384=ec.generate_private_key(ec.SECP384R1()),
                stranger=rsa.generate_private_key(65537, 2048))


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, keys: Keys, request) -> Gateway:
    """Write config + JS into a temp prefix, start nginx, stop it afterwards."""
    require_nginx("ngx_http_js_module")
    prefix = tmp_path_factory.mktemp("nginx")
    (prefix / "tmp").mkdir()
    (prefix / "jwt.secret").write_text(FILE_SECRET + "\n")
    (prefix / "hashed.keys").write_text(hashlib.sha256(HASHED_KEY.encode()).hexdigest() + "\n")
    shutil.copy(AUTH_JS, prefix / "gwc_auth.js")
    config = json.dumps(auth_config(prefix, keys), indent=1)
    (prefix / "gwc_auth_config.js").write_text(f"export default {config};\n")
    port, upstream_port = free_port(), free_port()
    (prefix / "nginx.conf").write_text(nginx_conf(prefix, port, upstream_port))
    env = {"JWT_SECRET": JWT_SECRET, "PARTNER_KEYS": f" {PARTNER_KEYS[0]} ,\n\n{PARTNER_KEYS[1]}\n,"}
    nginx = Nginx(prefix, env, port=port)
    request.addfinalizer(nginx.stop)
    nginx.start()
    return Gateway(port=port, error_log=prefix / "error.log")


# ---------------------------------------------------------------------- JWT


@pytest.mark.parametrize("alg, key_name, kid", [
    ("RS256", "rsa", "k-rsa"),
    ("RS256", "rsa", None),
    ("PS256", "pss", "k-ps"),
    ("ES256", "ec256", "k-ec"),
    ("ES384", "ec384", "k-ec384"),
])
def test_jwks_signed_tokens_are_accepted(gateway, keys, alg, key_name, kid):
    header = {"kid": kid} if kid else {}
    token = make_jwt(alg, getattr(keys, key_name), claims(), **header)
    assert gateway.get("/customers", bearer(token)) == (200, "subject=alice method=customers")


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_secret_from_env_is_accepted(gateway, alg):
    token = make_jwt(alg, JWT_SECRET.encode(), claims(sub="bob"))
    assert gateway.get("/staff", bearer(token)) == (200, "subject=bob method=staff")


def test_hmac_secret_from_file_strips_trailing_newline(gateway):
    token = make_jwt("HS256", FILE_SECRET.encode(), claims(sub="carol"))
    assert gateway.get("/staff-file", bearer(token)) == (200, "subject=carol method=staff_file")


def test_scheme_is_case_insensitive(gateway, keys):
    token = make_jwt("RS256", keys.rsa, claims(), kid="k-rsa")
    assert gateway.get("/customers", {"Authorization": f"bEaReR {token}"})[0] == 200


def test_token_in_query_parameter(gateway, keys):
    token = make_jwt("ES256", keys.ec256, claims(), kid="k-ec")
    assert gateway.get(f"/customers?access_token={token}") == (200, "subject=alice method=customers")


def test_audience_array_and_second_audience(gateway, keys):
    token = make_jwt("RS256", keys.rsa, claims(aud=["unrelated", "other-api"]), kid="k-rsa")
    assert gateway.get("/customers", bearer(token))[0] == 200


def test_clock_skew_within_leeway_is_tolerated(gateway, keys):
    now = int(time.time())
    token = make_jwt("RS256", keys.rsa, claims(exp=now - 10, nbf=now + 10, iat=now + 10), kid="k-rsa")
    assert gateway.get("/customers", bearer(token))[0] == 200


def rejected_tokens(keys: Keys) -> dict[str, dict]:
    """Requests to /customers that must be refused, by name."""
    now = int(time.time())
    good = make_jwt("RS256", keys.rsa, claims(), kid="k-rsa")
    head, body, sig = good.split(".")
    public_pem = keys.rsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    tampered = b64url(json.dumps(claims(sub="admin")).encode())
    none_header, broken_json = b64url(b'{"alg":"none"}'), b64url(b"{oops")
    spki = next(entry["spki"] for entry in jwks_to_keys(keys.jwks()) if entry["kid"] == "k-rsa")
    tokens = {
        "expired": make_jwt("RS256", keys.rsa, claims(exp=now - LEEWAY - 5), kid="k-rsa"),
        "exp missing": make_jwt("RS256", keys.rsa, claims(exp=None), kid="k-rsa"),
        "not yet valid": make_jwt("RS256", keys.rsa, claims(nbf=now + LEEWAY + 60), kid="k-rsa"),
        "iat in future": make_jwt("RS256", keys.rsa, claims(iat=now + LEEWAY + 60), kid="k-rsa"),
        "wrong audience": make_jwt("RS256", keys.rsa, claims(aud="billing-api"), kid="k-rsa"),
        "audience missing": make_jwt("RS256", keys.rsa, claims(aud=None), kid="k-rsa"),
        "wrong issuer": make_jwt("RS256", keys.rsa, claims(iss="https://evil.example/"), kid="k-rsa"),
        "issuer missing": make_jwt("RS256", keys.rsa, claims(iss=None), kid="k-rsa"),
        "subject missing": make_jwt("RS256", keys.rsa, claims(sub=None), kid="k-rsa"),
        "bad signature": make_jwt("RS256", keys.stranger, claims(), kid="k-rsa"),
        "bad signature no kid": make_jwt("RS256", keys.stranger, claims()),
        "tampered payload": f"{head}.{tampered}.{sig}",
        "kid not found": make_jwt("RS256", keys.rsa, claims(), kid="k-unknown"),
        "kid of other alg": make_jwt("RS256", keys.rsa, claims(), kid="k-ec"),
        "enc key skipped": make_jwt("RS256", keys.stranger, claims(), kid="k-enc"),
        "alg none": make_jwt("none", None, claims()),
        "alg none with signature": f"{none_header}.{body}.{sig}",
        "alg not allowed": make_jwt("RS512", keys.rsa, claims(), kid="k-rsa"),
        "hs256 with public key pem": make_jwt("HS256", public_pem, claims(), kid="k-rsa"),
        "hs256 with public key spki": make_jwt("HS256", spki.encode(), claims()),
        "es256 signature truncated": make_jwt("ES256", keys.ec256, claims(), kid="k-ec")[:-4],
        "crit header": make_jwt("RS256", keys.rsa, claims(), kid="k-rsa", crit=["exp"]),
        "malformed": "not-a-jwt",
        "malformed json": f"{broken_json}.{body}.{sig}",
        "too many parts": f"{good}.{sig}",
    }
    requests = {name: bearer(token) for name, token in tokens.items()}
    requests["missing token"] = {}
    requests["empty bearer"] = {"Authorization": "Bearer "}
    requests["wrong scheme"] = {"Authorization": f"Basic {good}"}
    requests["token without scheme"] = {"Authorization": good}
    return requests


def test_rejected_tokens_get_401(gateway, keys):
    results = {name: gateway.get("/customers", headers)[0]
               for name, headers in rejected_tokens(keys).items()}
    assert results == {name: 401 for name in results}


def test_only_configured_algorithms_are_accepted(gateway, keys):
    """rs_only has a HS secret and an ES256 key, but allows RS256 alone."""
    assert gateway.get("/rs-only", bearer(make_jwt("RS256", keys.rsa, claims())))[0] == 200
    for token in (make_jwt("HS256", JWT_SECRET.encode(), claims()),
                  make_jwt("ES256", keys.ec256, claims(), kid="k-ec")):
        assert gateway.get("/rs-only", bearer(token))[0] == 401


def test_missing_env_secret_fails_closed(gateway):
    for secret in (b"", b"undefined", b"null"):
        token = make_jwt("HS256", secret, claims())
        assert gateway.get("/no-secret", bearer(token))[0] == 401
    assert "gwc auth: no_secret: secret unavailable" in gateway.error_log.read_text()


# ------------------------------------------------------------------ API keys


def api_key_subject(key: str) -> str:
    """The subject the gateway reports for an API key."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


@pytest.mark.parametrize("key", PARTNER_KEYS)
def test_api_key_accepted(gateway, key):
    status, body = gateway.get("/partners", {"X-API-Key": key})
    assert (status, body) == (200, f"subject={api_key_subject(key)} method=partners")
    assert key not in body


def test_api_key_in_query_parameter(gateway):
    assert gateway.get(f"/partners?api_key={PARTNER_KEYS[1]}")[0] == 200


@pytest.mark.parametrize("headers", [
    {}, {"X-API-Key": "nope"}, {"X-API-Key": PARTNER_KEYS[0] + "x"}, {"X-API-Key": PARTNER_KEYS[0][:-1]},
    {"X-API-Key": f"{PARTNER_KEYS[0]},{PARTNER_KEYS[1]}"},
], ids=["missing", "wrong", "suffixed", "truncated", "list"])
def test_api_key_rejected(gateway, headers):
    assert gateway.get("/partners", headers)[0] == 401


def test_client_cannot_forge_subject_header(gateway):
    headers = {"X-API-Key": PARTNER_KEYS[0], "X-Gwc-Subject": "admin", "X-Gwc-Auth-Method": "root"}
    assert gateway.get("/partners", headers) == (200, f"subject={api_key_subject(PARTNER_KEYS[0])} method=partners")


def test_sha256_key_format(gateway):
    assert gateway.get("/hashed", {"X-API-Key": HASHED_KEY}) == (
        200, f"subject={api_key_subject(HASHED_KEY)} method=hashed")
    digest = hashlib.sha256(HASHED_KEY.encode()).hexdigest()
    assert gateway.get("/hashed", {"X-API-Key": digest})[0] == 401


@pytest.mark.parametrize("path", ["/no-keyfile", "/dir-keyfile"])
def test_unreadable_key_file_fails_closed(gateway, path):
    assert gateway.get(path, {"X-API-Key": PARTNER_KEYS[0]})[0] == 401


# ------------------------------------------------------------ combinations


def test_any_of_several_methods(gateway, keys):
    token = make_jwt("ES256", keys.ec256, claims(sub="dave"), kid="k-ec")
    expired = make_jwt("ES256", keys.ec256, claims(exp=1), kid="k-ec")
    key = {"X-API-Key": PARTNER_KEYS[0]}
    assert gateway.get("/any", bearer(token)) == (200, "subject=dave method=customers")
    assert gateway.get("/any", key)[1] == f"subject={api_key_subject(PARTNER_KEYS[0])} method=partners"
    assert gateway.get("/any", {**bearer(expired), **key})[1].endswith("method=partners")
    assert gateway.get("/any", {**bearer(expired), "X-API-Key": "nope"})[0] == 401
    assert gateway.get("/any")[0] == 401


def test_unknown_method_fails_closed(gateway, keys):
    token = make_jwt("RS256", keys.rsa, claims(), kid="k-rsa")
    assert gateway.get("/unknown", {**bearer(token), "X-API-Key": PARTNER_KEYS[0]})[0] == 401


# ----------------------------------------------------------------- logging


def test_error_log_has_reasons_but_no_secrets(gateway, keys):
    token = make_jwt("HS256", JWT_SECRET.encode(), claims(sub="erin"))
    gateway.get("/staff", bearer(token))
    gateway.get("/customers", bearer(make_jwt("RS256", keys.rsa, claims(exp=1), kid="k-rsa")))
    gateway.get("/partners", {"X-API-Key": PARTNER_KEYS[0] + "-wrong"})
    gateway.get("/hashed", {"X-API-Key": HASHED_KEY})
    log = gateway.error_log.read_text()
    assert "gwc auth: customers: expired" in log
    assert "gwc auth: partners: key not recognized" in log
    secrets = [JWT_SECRET, FILE_SECRET, HASHED_KEY, *PARTNER_KEYS, token,
               hashlib.sha256(HASHED_KEY.encode()).hexdigest()]
    assert [secret for secret in secrets if secret in log] == []
    assert "eyJ" not in log  # no JWT (base64url of '{"') anywhere in the log
