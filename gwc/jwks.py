"""Convert JWKS documents and PEM public keys into the njs auth key format.

njs 0.7.9 cannot import JWKs, but its WebCrypto can import DER
SubjectPublicKeyInfo ("spki") keys.  The functions here turn public keys into
``{"kid": ..., "alg": ..., "spki": "<base64 DER>"}`` entries at compile time.
They are pure: no file or network access.
"""

from __future__ import annotations

import base64
import binascii
import re

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

RSA_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
EC_CURVES = {"P-256": (ec.SECP256R1, "ES256"), "P-384": (ec.SECP384R1, "ES384")}
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
MIN_RSA_BITS = 2048

_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


def jwks_to_keys(jwks: dict) -> list[dict]:
    """Convert a JWKS document into sorted njs key entries.

    RSA keys and EC keys on P-256/P-384 are supported.  Keys marked
    ``"use": "enc"`` are skipped.  Any key carrying private-key members is
    rejected, as is a JWKS without a single usable signing key.

    Returns a list of ``{"kid", "alg", "spki"}`` dicts sorted by
    ``(kid, alg)``.  Raises ``ValueError`` with a human-readable message.
    """
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ValueError('JWKS must be an object with a "keys" array')
    entries = []
    for index, jwk in enumerate(jwks["keys"]):
        label = _label(jwk, index)
        if not isinstance(jwk, dict):
            raise ValueError(f"{label}: must be a JSON object")
        _reject_private(jwk, label)
        if jwk.get("use") == "enc":
            continue
        entries.append(_jwk_to_entry(jwk, label))
    if not entries:
        raise ValueError("JWKS contains no signing keys")
    return _sorted(entries)


def pem_to_key(pem_text: str, kid: str | None = None, alg: str | None = None) -> dict:
    """Convert a PEM-encoded public key into one njs key entry.

    ``alg`` defaults to RS256 for RSA keys and to ES256/ES384 for EC keys on
    P-256/P-384; pass e.g. ``"PS256"`` to use an RSA key for RSA-PSS.
    Raises ``ValueError`` for private keys, certificates, unparsable text or
    unsupported key types.
    """
    label = "PEM key" if kid is None else f"PEM key {kid!r}"
    if not isinstance(pem_text, str) or (kid is not None and not isinstance(kid, str)):
        raise ValueError(f"{label}: PEM text and kid must be strings")
    if "PRIVATE KEY" in pem_text:
        raise ValueError(f"{label}: is a private key; supply the public key only")
    try:
        key = serialization.load_pem_public_key(pem_text.encode("utf-8"))
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"{label}: not a valid PEM public key ({exc})") from None
    if isinstance(key, rsa.RSAPublicKey):
        _check_rsa_size(key, label)
        return _entry(kid, _pick_alg(alg, RSA_ALGS, label), key)
    if isinstance(key, ec.EllipticCurvePublicKey):
        for curve, curve_alg in EC_CURVES.values():
            if isinstance(key.curve, curve):
                return _entry(kid, _pick_alg(alg, (curve_alg,), label), key)
        raise ValueError(f"{label}: unsupported EC curve {key.curve.name}")
    raise ValueError(f"{label}: unsupported key type {type(key).__name__}")


def _label(jwk: object, index: int) -> str:
    """Name a JWKS entry for error messages."""
    kid = jwk.get("kid") if isinstance(jwk, dict) else None
    return f"JWKS key #{index}" + (f" (kid {kid!r})" if kid is not None else "")


def _reject_private(jwk: dict, label: str) -> None:
    """Raise if the JWK contains private (or symmetric) key material."""
    present = sorted(member for member in PRIVATE_MEMBERS if member in jwk)
    if present:
        raise ValueError(
            f"{label}: contains private key material ({', '.join(present)}); "
            "publish only public keys in the JWKS"
        )


def _jwk_to_entry(jwk: dict, label: str) -> dict:
    """Convert one public signing JWK into an njs key entry."""
    kid = jwk.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise ValueError(f"{label}: kid must be a string")
    kty = jwk.get("kty")
    if kty == "RSA":
        numbers = rsa.RSAPublicNumbers(_b64int(jwk, "e", label), _b64int(jwk, "n", label))
        key = _load(numbers, label)
        _check_rsa_size(key, label)
        return _entry(kid, _pick_alg(jwk.get("alg"), RSA_ALGS, label), key)
    if kty == "EC":
        crv = jwk.get("crv")
        if crv not in EC_CURVES:
            raise ValueError(f"{label}: unsupported EC curve {crv!r} (supported: P-256, P-384)")
        curve, curve_alg = EC_CURVES[crv]
        x, y = _b64int(jwk, "x", label), _b64int(jwk, "y", label)
        key = _load(ec.EllipticCurvePublicNumbers(x, y, curve()), label)
        return _entry(kid, _pick_alg(jwk.get("alg"), (curve_alg,), label), key)
    raise ValueError(f"{label}: unsupported key type {kty!r} (supported: RSA, EC)")


def _b64int(jwk: dict, member: str, label: str) -> int:
    """Decode a base64url JWK member into a positive integer."""
    value = jwk.get(member)
    if not isinstance(value, str) or not _B64URL.match(value):
        raise ValueError(f"{label}: member {member!r} is missing or not base64url")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ValueError(f"{label}: member {member!r} is malformed base64url") from None
    return int.from_bytes(raw, "big")


def _load(numbers, label: str):
    """Build a public key from its numbers, translating validation errors."""
    try:
        return numbers.public_key()
    except ValueError as exc:
        raise ValueError(f"{label}: invalid public key ({exc})") from None


def _check_rsa_size(key: rsa.RSAPublicKey, label: str) -> None:
    """Refuse RSA keys that are too short to be safe."""
    if key.key_size < MIN_RSA_BITS:
        raise ValueError(f"{label}: RSA key is {key.key_size} bits; at least {MIN_RSA_BITS} required")


def _pick_alg(alg: object, allowed: tuple[str, ...], label: str) -> str:
    """Return the declared alg if compatible with the key, else the default."""
    if alg is None:
        return allowed[0]
    if alg not in allowed:
        raise ValueError(f"{label}: alg {alg!r} does not fit this key (expected one of {', '.join(allowed)})")
    return alg


def _entry(kid: str | None, alg: str, key) -> dict:
    """Build the njs key entry holding the base64 DER SubjectPublicKeyInfo."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"kid": kid, "alg": alg, "spki": base64.b64encode(der).decode("ascii")}


def _sorted(entries: list[dict]) -> list[dict]:
    """Sort entries deterministically by (kid, alg), then key bytes."""
    return sorted(entries, key=lambda e: (e["kid"] is not None, e["kid"] or "", e["alg"], e["spki"]))
