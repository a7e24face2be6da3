"""Unit tests for gwc.jwks (JWKS/PEM -> SPKI key entries)."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from gwc.jwks import jwks_to_keys, pem_to_key


def b64url(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64int(value: int, size: int | None = None) -> str:
    """JWK encoding of an unsigned integer."""
    return b64url(value.to_bytes(size or (value.bit_length() + 7) // 8, "big"))


def rsa_jwk(key: rsa.RSAPrivateKey, kid: str = "r1", **extra) -> dict:
    """Public RSA JWK for key."""
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "kid": kid, "n": b64int(numbers.n), "e": b64int(numbers.e), **extra}


def ec_jwk(key: ec.EllipticCurvePrivateKey, crv: str, kid: str = "e1", **extra) -> dict:
    """Public EC JWK for key."""
    numbers, size = key.public_key().public_numbers(), (key.curve.key_size + 7) // 8
    return {"kty": "EC", "kid": kid, "crv": crv, "x": b64int(numbers.x, size),
            "y": b64int(numbers.y, size), **extra}


def pem(key) -> str:
    """PEM SubjectPublicKeyInfo of key's public half."""
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def spki_key(entry: dict):
    """Load the public key an entry's spki field encodes."""
    return serialization.load_der_public_key(base64.b64decode(entry["spki"], validate=True))


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@pytest.fixture(scope="module")
def p256() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def p384() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


# ------------------------------------------------------------- jwks_to_keys


def test_rsa_key_round_trips_to_spki(rsa_key):
    [entry] = jwks_to_keys({"keys": [rsa_jwk(rsa_key)]})
    assert (entry["kid"], entry["alg"]) == ("r1", "RS256")
    assert spki_key(entry).public_numbers() == rsa_key.public_key().public_numbers()


@pytest.mark.parametrize("crv, alg", [("P-256", "ES256"), ("P-384", "ES384")])
def test_ec_key_round_trips_to_spki(p256, p384, crv, alg):
    key = p256 if crv == "P-256" else p384
    [entry] = jwks_to_keys({"keys": [ec_jwk(key, crv)]})
    assert entry["alg"] == alg
    assert spki_key(entry).public_numbers() == key.public_key().public_numbers()


def test_declared_alg_is_kept(rsa_key):
    [entry] = jwks_to_keys({"keys": [rsa_jwk(rsa_key, alg="PS256", use="sig")]})
    assert entry["alg"] == "PS256"


def test_output_is_sorted_and_order_independent(rsa_key, p256, p384):
    keys = [ec_jwk(p384, "P-384", kid="b"), rsa_jwk(rsa_key, kid="b", alg="PS256"),
            ec_jwk(p256, "P-256", kid="a"), rsa_jwk(rsa_key, kid="c"), rsa_jwk(rsa_key, kid=None)]
    forward, backward = jwks_to_keys({"keys": keys}), jwks_to_keys({"keys": keys[::-1]})
    assert forward == backward
    assert [(e["kid"], e["alg"]) for e in forward] == [
        (None, "RS256"), ("a", "ES256"), ("b", "ES384"), ("b", "PS256"), ("c", "RS256")]
    json.dumps(forward)


def test_encryption_keys_are_skipped(rsa_key, p256):
    keys = [rsa_jwk(rsa_key, kid="enc", use="enc"), ec_jwk(p256, "P-256", kid="sig")]
    assert [e["kid"] for e in jwks_to_keys({"keys": keys})] == ["sig"]


def test_only_encryption_keys_is_an_error(rsa_key):
    with pytest.raises(ValueError, match="no signing keys"):
        jwks_to_keys({"keys": [rsa_jwk(rsa_key, use="enc")]})


@pytest.mark.parametrize("member", ["d", "p", "q", "dp", "dq", "qi"])
def test_private_rsa_members_are_rejected(rsa_key, member):
    jwk = {**rsa_jwk(rsa_key), member: "AQAB"}
    with pytest.raises(ValueError, match=f"private key material \\({member}\\)"):
        jwks_to_keys({"keys": [jwk]})


def test_private_ec_key_is_rejected_even_if_enc(p256):
    jwk = ec_jwk(p256, "P-256", use="enc", d=b64int(p256.private_numbers().private_value))
    with pytest.raises(ValueError, match="private key material"):
        jwks_to_keys({"keys": [jwk]})


def test_symmetric_key_is_rejected():
    with pytest.raises(ValueError, match="private key material \\(k\\)"):
        jwks_to_keys({"keys": [{"kty": "oct", "k": b64url(b"secret")}]})


@pytest.mark.parametrize("jwk, message", [
    ({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}, "unsupported key type 'OKP'"),
    ({"kid": "x"}, "unsupported key type None"),
    ({"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"}, "unsupported EC curve 'P-521'"),
    ({"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"}, "unsupported EC curve"),
    ({"kty": "RSA", "e": "AQAB"}, "member 'n' is missing or not base64url"),
    ({"kty": "RSA", "n": "a+b/", "e": "AQAB"}, "member 'n' is missing or not base64url"),
    ({"kty": "RSA", "n": "AQAB==", "e": "AQAB"}, "member 'n' is missing or not base64url"),
    ({"kty": "RSA", "n": "A", "e": "AQAB"}, "member 'n' is malformed base64url"),
    ({"kty": "RSA", "kid": 7, "n": "AQAB", "e": "AQAB"}, "kid must be a string"),
])
def test_bad_jwks_entries_raise(jwk, message):
    with pytest.raises(ValueError, match=message):
        jwks_to_keys({"keys": [jwk]})


def test_point_not_on_curve_is_rejected(p256):
    jwk = {**ec_jwk(p256, "P-256"), "y": b64int(1, 32)}
    with pytest.raises(ValueError, match="invalid public key"):
        jwks_to_keys({"keys": [jwk]})


def test_short_rsa_key_is_rejected():
    small = rsa.generate_private_key(65537, 1024)
    with pytest.raises(ValueError, match="1024 bits; at least 2048 required"):
        jwks_to_keys({"keys": [rsa_jwk(small)]})


@pytest.mark.parametrize("alg", ["ES256", "HS256", "none"])
def test_alg_not_fitting_rsa_key_is_rejected(rsa_key, alg):
    with pytest.raises(ValueError, match=f"alg '{alg}' does not fit this key"):
        jwks_to_keys({"keys": [rsa_jwk(rsa_key, alg=alg)]})


def test_alg_not_fitting_curve_is_rejected(p256):
    with pytest.raises(ValueError, match="alg 'ES384' does not fit"):
        jwks_to_keys({"keys": [ec_jwk(p256, "P-256", alg="ES384")]})


@pytest.mark.parametrize("document", [None, [], {}, {"keys": {}}, {"keys": "x"}])
def test_document_shape_is_checked(document):
    with pytest.raises(ValueError, match='"keys" array'):
        jwks_to_keys(document)


def test_non_object_key_is_rejected():
    with pytest.raises(ValueError, match="JWKS key #0: must be a JSON object"):
        jwks_to_keys({"keys": ["AQAB"]})


def test_error_names_the_key():
    with pytest.raises(ValueError, match="JWKS key #1 \\(kid 'bad'\\)"):
        jwks_to_keys({"keys": [{"kty": "RSA", "use": "enc"}, {"kty": "XYZ", "kid": "bad"}]})


# ---------------------------------------------------------------- pem_to_key


def test_rsa_pem_matches_jwks_conversion(rsa_key):
    entry = pem_to_key(pem(rsa_key), kid="r1")
    assert entry == jwks_to_keys({"keys": [rsa_jwk(rsa_key)]})[0]


@pytest.mark.parametrize("curve, alg", [(ec.SECP256R1, "ES256"), (ec.SECP384R1, "ES384")])
def test_ec_pem(curve, alg):
    key = ec.generate_private_key(curve())
    entry = pem_to_key(pem(key))
    assert (entry["kid"], entry["alg"]) == (None, alg)
    assert spki_key(entry).public_numbers() == key.public_key().public_numbers()


def test_pem_alg_override(rsa_key):
    assert pem_to_key(pem(rsa_key), kid="k", alg="PS512")["alg"] == "PS512"
    with pytest.raises(ValueError, match="alg 'ES256' does not fit"):
        pem_to_key(pem(rsa_key), alg="ES256")


def test_private_pem_is_rejected(rsa_key):
    private = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    with pytest.raises(ValueError, match="is a private key"):
        pem_to_key(private, kid="k")


@pytest.mark.parametrize("text", ["", "hello", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"])
def test_invalid_pem_is_rejected(text):
    with pytest.raises(ValueError, match="not a valid PEM public key"):
        pem_to_key(text)


@pytest.mark.parametrize("pem_text, kid", [(b"bytes", None), ("text", 5)])
def test_pem_argument_types_are_checked(pem_text, kid):
    with pytest.raises(ValueError, match="must be strings"):
        pem_to_key(pem_text, kid=kid)


def test_unsupported_pem_key_types():
    with pytest.raises(ValueError, match="unsupported key type"):
        pem_to_key(pem(ed25519.Ed25519PrivateKey.generate()))
    with pytest.raises(ValueError, match="unsupported EC curve secp521r1"):
        pem_to_key(pem(ec.generate_private_key(ec.SECP521R1())))
