"""Authentication and client-address rules: a RequestAuthentication (the JWT methods routes use) and DENY
AuthorizationPolicies on the routes' own request sets.

Istio's RequestAuthentication only rejects invalid tokens; a request without a token passes it. So each
protected route gets a DENY rule for requests without a principal from one of its issuers (`issuer/*`), on the
route's paths (the same request set the VirtualService sends to it: `paths` minus the `notPaths` of the routes
before it) and methods. A route whose protection cannot be written is left out, never served open."""

from __future__ import annotations

import base64
import json

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from gwc.model import JwtAuth, Route

from .context import Context
from .names import label
from .plan import Group, could_overlap

SECURITY = "security.istio.io"


def _b64url_int(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def inline_jwks(auth: JwtAuth) -> str:
    """The public keys of a jwks file as a compact JWKS JSON string (Istio's `jwks`)."""
    keys = []
    for k in auth.keys:
        pub = load_der_public_key(base64.b64decode(k.spki))
        if isinstance(pub, rsa.RSAPublicKey):
            nums = pub.public_numbers()
            jwk = {"kty": "RSA", "n": _b64url_int(nums.n), "e": _b64url_int(nums.e)}
        else:
            assert isinstance(pub, ec.EllipticCurvePublicKey)
            nums = pub.public_numbers()
            size = (pub.curve.key_size + 7) // 8
            crv = {"secp256r1": "P-256", "secp384r1": "P-384"}[pub.curve.name]
            jwk = {"kty": "EC", "crv": crv,
                   "x": base64.urlsafe_b64encode(nums.x.to_bytes(size, "big")).rstrip(b"=").decode(),
                   "y": base64.urlsafe_b64encode(nums.y.to_bytes(size, "big")).rstrip(b"=").decode()}
        keys.append({**jwk, "alg": k.alg, "use": "sig", **({"kid": k.kid} if k.kid else {})})
    return json.dumps({"keys": keys}, sort_keys=True, separators=(",", ":"))


def usable_jwt(ctx: Context) -> dict[str, bool]:
    """For each JWT method routes use: can Istio check it? Reported once per method (GWC380)."""
    used = {a for r in ctx.gw.routes for a in r.auth}
    jwts = {n: a for n, a in sorted(ctx.gw.auth.items()) if n in used and isinstance(a, JwtAuth)}
    issuers: dict[str, str] = {}
    out = {}
    for name, a in jwts.items():
        why = ""
        if not a.issuer:
            why = "Istio's JWT rules are keyed by issuer, and this method checks none"
        elif not (a.jwks_url or a.keys):
            why = "Istio verifies signatures with public keys (jwks.url or jwks.file), not an HMAC secret"
        elif a.issuer in issuers:
            why = (f"method {issuers[a.issuer]!r} has the same issuer; Istio tells tokens apart by issuer only, so "
                   "one route would accept the other's tokens")
        else:
            issuers[a.issuer] = name
        out[name] = not why
        if why:
            msg = f"JWT method {name!r} cannot be checked by Istio: {why}"
            if ctx.options.allow_lossy:
                ctx.warn("GWC380", msg, a.pointer, "the routes that have no other usable method are left out")
            else:
                ctx.error("GWC380", msg, a.pointer, "add issuer and jwks (url or file) to the method, or pass "
                          "--allow-lossy to leave out the routes that need it")
    return out


def route_methods(ctx: Context, r: Route, usable: dict[str, bool]) -> list[str]:
    """The route's auth methods Istio can check (an API key cannot be)."""
    return [a for a in r.auth if usable.get(a, False)]


def _operation(groups: list[Group], index: int, r: Route) -> dict:
    g = groups[index]
    not_paths = [p for e in groups[:index] if could_overlap(e, g) for p in e.ap_paths]
    op: dict = {"paths": list(g.ap_paths)}
    if not_paths:
        op["notPaths"] = sorted(set(not_paths))
    if r.methods:
        op["methods"] = list(r.methods)
    return op


def star_problem(groups: list[Group], index: int) -> bool:
    """True when a path of this group, or of a route before it, has a literal '*', which Istio's policy paths
    would read as a wildcard (the policy could then cover the wrong requests)."""
    g = groups[index]
    paths = [g.literal] if g.kind != "params" else ["/".join(g.segments)]
    paths += [e.literal if e.kind != "params" else "/".join(e.segments)
              for e in groups[:index] if could_overlap(e, g)]
    return any("*" in p for p in paths)


def policies(ctx: Context, groups: list[Group], usable: dict[str, bool]) -> list[dict]:
    """RequestAuthentication and the DENY AuthorizationPolicies for the routes that are emitted."""
    gw = ctx.gw
    selector = {"selector": {"matchLabels": ctx.selector}} if ctx.selector else {}
    jwt_rules, ip_rules, used = [], [], set()
    for i, g in enumerate(groups):
        for r in g.routes:
            methods = route_methods(ctx, r, usable)
            if methods:
                op = _operation(groups, i, r)
                principals = [f"{gw.auth[m].issuer}/*" for m in methods]
                jwt_rules.append({"from": [{"source": {"notRequestPrincipals": principals}}], "to": [{"operation": op}]})
                used |= set(methods)
                ctx.mark("auth.jwt", r.id)
                if len(r.auth) > 1:
                    ctx.mark("auth.any_of", r.id)
            if r.ip:
                op = _operation(groups, i, r)
                if r.ip.deny:
                    ip_rules.append({"from": [{"source": {"ipBlocks": list(r.ip.deny)}}], "to": [{"operation": op}]})
                if r.ip.allow:
                    ip_rules.append({"from": [{"source": {"notIpBlocks": list(r.ip.allow)}}],
                                     "to": [{"operation": op}]})
                ctx.mark("ip_rules", r.id)
    out = []
    if used:
        rules = []
        for name in sorted(used):
            a = gw.auth[name]
            rule: dict = {"issuer": a.issuer, "forwardOriginalToken": True,
                          "fromHeaders": [{"name": a.header, "prefix": f"{a.scheme} "}]}
            if a.audiences:
                rule["audiences"] = list(a.audiences)
            if a.jwks_url:
                rule["jwksUri"] = a.jwks_url
            else:
                rule["jwks"] = inline_jwks(a)
            if a.query:
                rule["fromParams"] = [a.query]
            rules.append(rule)
        out.append(ctx.resource(SECURITY, "RequestAuthentication", label(f"{gw.name}-jwt"), {**selector, "jwtRules": rules}))
        out.append(ctx.resource(SECURITY, "AuthorizationPolicy", label(f"{gw.name}-require-jwt"),
                                {**selector, "action": "DENY", "rules": jwt_rules}))
    if ip_rules:
        out.append(ctx.resource(SECURITY, "AuthorizationPolicy", label(f"{gw.name}-ip-rules"),
                                {**selector, "action": "DENY", "rules": ip_rules}))
    if out and not ctx.selector:
        ctx.warn("GWC385", "the authentication and IP policies have no workload selector, so they apply to every "
                 "workload in the namespace (mesh mode: the policies are checked by the destination's sidecar)",
                 "/routes", "set targets.istio.selector to the labels of the services' pods")
    return out
