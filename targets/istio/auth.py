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
from .overlap import Overlaps
from .plan import Group

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


def _not_paths(groups: list[Group], earlier: list[int]) -> list[str]:
    """The policy paths of the `earlier` groups overlapping a group: the requests routes before it answer."""
    return sorted({p for e in earlier for p in groups[e].ap_paths})


def _operation(g: Group, not_paths: list[str], r: Route, method_lists: dict[tuple, list]) -> dict:
    """The request set of route r: its group's paths minus `not_paths`, its methods. Lists many rules have in
    common are one object (method_lists: one per set of methods); the writer writes each in full."""
    op: dict = {"paths": g.ap_paths}
    if not_paths:
        op["notPaths"] = not_paths
    if r.methods:
        if r.methods not in method_lists:
            method_lists[r.methods] = list(r.methods)
        op["methods"] = method_lists[r.methods]
    return op


def policy_path(g: Group) -> str:
    """The group's path as written in the spec (a '*' in it is literal), or its prefix."""
    return g.literal if g.kind != "params" else "/".join(g.segments)


def star_problem(groups: list[Group], index: int, earlier: list[int]) -> bool:
    """True when a path of this group, or of an earlier group that overlaps it (`earlier`, from
    `Overlaps.earlier`), has a literal '*', which Istio's policy paths would read as a wildcard (the policy
    could then cover the wrong requests)."""
    return any("*" in policy_path(groups[n]) for n in (index, *earlier))


def policies(ctx: Context, groups: list[Group], overlaps: Overlaps, usable: dict[str, bool]) -> list[dict]:
    """RequestAuthentication and the DENY AuthorizationPolicies for the routes that are emitted."""
    gw = ctx.gw
    selector = {"selector": {"matchLabels": ctx.selector}} if ctx.selector else {}
    jwt_rules, ip_rules, used = [], [], set()
    method_lists: dict[tuple, list] = {}
    sources: dict[tuple, list] = {}   # auth methods -> the rule's `from`, one object for the rules that share it
    for i, g in enumerate(groups):
        not_paths = None   # computed for the first protected route of the group
        for r in g.routes:
            methods = route_methods(ctx, r, usable)
            if (methods or r.ip) and not_paths is None:
                not_paths = _not_paths(groups, overlaps.earlier(i))
            if methods:
                op = _operation(g, not_paths, r, method_lists)
                key = tuple(methods)
                if key not in sources:
                    sources[key] = [{"source": {"notRequestPrincipals": [f"{gw.auth[m].issuer}/*" for m in methods]}}]
                jwt_rules.append({"from": sources[key], "to": [{"operation": op}]})
                used |= set(methods)
                ctx.mark("auth.jwt", r.id)
                if len(r.auth) > 1:
                    ctx.mark("auth.any_of", r.id)
            if r.ip:
                op = _operation(g, not_paths, r, method_lists)
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
