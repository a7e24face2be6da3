"""validate-jwt for one JWT method, and the C# that reads the method's token from the request.

APIM's validate-jwt takes its keys inline (`<key n= e=>` for RSA public keys, `<key>BASE64</key>` for an
HMAC key, here a `{{named value}}`), or from an OpenID Connect discovery document (`<openid-config
url=>`); it cannot be given a JWKS URL. So:
- keys from `jwks.file`: RSA keys inline by modulus and exponent (EC keys cannot be written inline);
- only `jwks.url`: the issuer's discovery document `<issuer>/.well-known/openid-configuration`, whose
  `jwks_uri` APIM follows (GWC303 says so; without an issuer the method cannot be checked, GWC362);
- `secret`: a secret named value holding the HMAC key Base64-encoded.
The token is read as the spec says (`<scheme> <token>` from the header, else the query parameter) by a
`token-value` expression, so a custom header or scheme works (APIM's header-name ignores require-scheme
on any header but Authorization).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from gwc.model import JwtAuth, JwtKey

from .values import cs_string, needs_expression, policy_value
from .xmldoc import el

DISCOVERY = "/.well-known/openid-configuration"
MESSAGE = "Unauthorized"


def _b64url(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def rsa_numbers(key: JwtKey) -> tuple[str, str] | None:
    """(n, e) Base64url-encoded for an RSA key; None for other key types."""
    public = load_der_public_key(base64.b64decode(key.spki))
    if not isinstance(public, rsa.RSAPublicKey):
        return None
    nums = public.public_numbers()
    return _b64url(nums.n), _b64url(nums.e)


def token_statements(m: JwtAuth) -> str:
    """C# statements that leave the method's token (or "") in `t`."""
    scheme = m.scheme.lower() + " "
    query = (f"context.Request.Url.Query.GetValueOrDefault({cs_string(m.query)}, \"\")" if m.query else '""')
    return (f"string h = context.Request.Headers.GetValueOrDefault({cs_string(m.header)}, \"\"); "
            f"string t = h.Length > 0 ? (h.ToLowerInvariant().StartsWith({cs_string(scheme)}) ? "
            f"h.Substring({len(scheme)}).Trim() : \"\") : {query};")


def token_expression(m: JwtAuth) -> str:
    """The token-value expression."""
    return "@{ " + token_statements(m) + " return t; }"


def recognizer(m: JwtAuth) -> str:
    """A condition true when the request carries a token this method is meant for (before validation):
    its unvalidated `iss` is the method's issuer, or, without an issuer, a token is present."""
    if m.issuer:
        return ("@{ " + token_statements(m) + " Jwt j = t.AsJwt(); "
                f"return j != null && j.Issuer == {cs_string(m.issuer)}; }}")
    return "@{ " + token_statements(m) + " return t.Length > 0; }"


@dataclass
class JwtPlan:
    """What validate-jwt gets for one method."""

    method: JwtAuth
    keys: list[tuple[str | None, str, str]] = field(default_factory=list)   # (kid, n, e)
    secret_named_value: str | None = None
    discovery: str | None = None

    def element(self) -> Element:
        """The validate-jwt policy."""
        m = self.method
        children: list[Element] = []
        if self.discovery:
            children.append(el("openid-config", {"url": self.discovery}))
        if self.keys or self.secret_named_value:
            keys = [el("key", {"id": kid, "n": n, "e": e}) for kid, n, e in self.keys]
            if self.secret_named_value:
                keys.append(el("key", text="{{" + self.secret_named_value + "}}"))
            children.append(el("issuer-signing-keys", {}, keys))
        if m.audiences:
            children.append(el("audiences", {}, [el("audience", text=policy_value(a)) for a in m.audiences]))
        if m.issuer:
            children.append(el("issuers", {}, [el("issuer", text=policy_value(m.issuer))]))
        return el("validate-jwt", {"token-value": token_expression(m), "failed-validation-httpcode": "401",
                                   "failed-validation-error-message": MESSAGE, "require-expiration-time": "true",
                                   "require-signed-tokens": "true", "clock-skew": str(m.leeway_s)}, children)


def inline_keys(m: JwtAuth) -> tuple[list[tuple[str | None, str, str]], list[str]]:
    """The method's RSA keys as (kid, n, e), and the kids of keys that cannot be written inline. A kid
    APIM would read as an expression or named value is left out (APIM then tries every key)."""
    keys, skipped = [], []
    for k in m.keys:
        numbers = rsa_numbers(k)
        if numbers is None:
            skipped.append(f"{k.kid or '(no kid)'} ({k.alg})")
            continue
        kid = k.kid if k.kid and not needs_expression(k.kid) else None
        keys.append((kid, *numbers))
    return keys, skipped


def discovery_url(m: JwtAuth) -> str | None:
    """The OpenID discovery document of the method's issuer, when it can be written as a plain URL."""
    if not m.issuer:
        return None
    url = m.issuer.rstrip("/") + DISCOVERY
    return None if needs_expression(url) else url
