"""Minting test credentials: JWTs (RS256/ES256/HS256 and an unsigned `alg: none`), public JWKS, API keys.

Shared by the njs module tests and the compiled-spec e2e tests. Everything here is test-only key material
generated per run.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

ISSUER = "https://login.example/"
AUDIENCE = "shop-api"
_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}


def random_secret(label: str) -> str:
    """A unique, easily greppable secret value such as `label-3f9c...` (24 hex digits)."""
    return f"{label}-{os.urandom(12).hex()}"


def sha256_hex(text: str) -> str:
    """Lower-case hex SHA-256 of a UTF-8 string (the `format: sha256` key encoding)."""
    return hashlib.sha256(text.encode()).hexdigest()


def api_key_subject(key: str) -> str:
    """The subject the nginx runtime reports for an API key: a prefix of its SHA-256 digest."""
    return sha256_hex(key)[:12]


def b64url(data: bytes) -> str:
    """Unpadded base64url, as used by JOSE."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64int(value: int) -> str:
    """JWK encoding of a big-endian unsigned integer."""
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def rsa_key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit RSA signing key."""
    return rsa.generate_private_key(65537, 2048)


def rsa_jwk(key: rsa.RSAPublicKey, kid: str, alg: str | None = "RS256") -> dict:
    """The public JWK of an RSA key (no `alg` member when alg is None)."""
    numbers = key.public_numbers()
    jwk = {"kty": "RSA", "kid": kid, "use": "sig", "n": b64int(numbers.n), "e": b64int(numbers.e)}
    return {**jwk, "alg": alg} if alg else jwk


def ec_jwk(key: ec.EllipticCurvePublicKey, kid: str, crv: str) -> dict:
    """The public JWK of an EC key, with fixed-size coordinates."""
    numbers, size = key.public_numbers(), (key.curve.key_size + 7) // 8
    return {"kty": "EC", "kid": kid, "crv": crv, "use": "sig",
            "x": b64url(numbers.x.to_bytes(size, "big")), "y": b64url(numbers.y.to_bytes(size, "big"))}


def jwks_json(*jwks: dict) -> str:
    """A JWKS document (text) holding the given public JWKs."""
    return json.dumps({"keys": list(jwks)}, indent=1)


def sign(alg: str, key, data: bytes) -> bytes:
    """The JWS signature of data (HS*: key is the raw secret as bytes; `none`: empty)."""
    family, digest = alg[:2], _HASHES.get(alg[2:])
    if family == "HS":
        return hmac.new(key, data, digest.name).digest()
    if family == "RS":
        return key.sign(data, padding.PKCS1v15(), digest())
    if family == "PS":
        pss = padding.PSS(mgf=padding.MGF1(digest()), salt_length=digest.digest_size)
        return key.sign(data, pss, digest())
    if family == "ES":
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest())))
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return b""


def make_jwt(alg: str, key, claims: dict, **header) -> str:
    """A compact JWS over claims, signed with alg; extra keyword arguments go into the JOSE header."""
    head = b64url(json.dumps({"alg": alg, "typ": "JWT", **header}).encode())
    body = b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{b64url(sign(alg, key, f'{head}.{body}'.encode()))}"


def claims(**overrides) -> dict:
    """Valid claims for ISSUER/AUDIENCE, subject `alice`, 5 minutes left; an override of None drops a claim."""
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 300}
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def bearer(token: str) -> dict:
    """The Authorization header carrying a bearer token."""
    return {"Authorization": f"Bearer {token}"}
