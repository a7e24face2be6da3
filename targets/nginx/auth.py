"""Authentication for nginx: the internal auth_request locations and the njs configuration module.

The configuration holds only public material (issuers, audiences, SPKI public keys) and references to
secrets (environment variable names, file paths); the njs module reads the secrets at run time.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from gwc.diagnostics import Diagnostic, Level
from gwc.model import ApiKeyAuth, Gateway, JwtAuth, SecretRef
from gwc.target import finding

from .auth_cache import combo_digest, front_locations
from .conf import Block, Directive
from .context import Context

RUNTIME_KINDS = ("env", "file")
AUTH_JS = "gwc_auth.js"


@cache
def auth_js() -> str:
    """The njs module (static: copied into every output that has auth)."""
    return resources.files("gwc.targets").joinpath("nginx", "templates", AUTH_JS).read_text(encoding="utf-8")


def _ref(ref: SecretRef | None) -> dict | None:
    return {ref.kind: ref.ref} if ref else None


def _method(auth: JwtAuth | ApiKeyAuth) -> dict:
    if isinstance(auth, ApiKeyAuth):
        return {"type": "api_key", "header": auth.header, "query": auth.query, "keys": _ref(auth.keys),
                "format": auth.format}
    return {"type": "jwt", "issuer": auth.issuer, "audiences": list(auth.audiences),
            "algorithms": list(auth.algorithms),
            "keys": [{"kid": k.kid, "alg": k.alg, "spki": k.spki} for k in auth.keys],
            "secret": _ref(auth.secret), "leeway": auth.leeway_s, "header": auth.header,
            "scheme": auth.scheme, "query": auth.query}


def config_module(gw: Gateway, names: set[str]) -> str:
    """`gwc_auth_config.js`: the methods the routes use, as JSON (escaped by json.dumps, ASCII only)."""
    methods = {n: _method(gw.auth[n]) for n in sorted(names)}
    return "export default " + json.dumps({"methods": methods}, sort_keys=True, indent=1, ensure_ascii=True) + ";\n"


def env_names(gw: Gateway, names: set[str]) -> list[str]:
    """Environment variables the njs module reads (nginx clears the environment unless told)."""
    refs = [gw.auth[n].keys if gw.auth[n].kind == "api_key" else gw.auth[n].secret for n in names]
    return sorted({r.ref for r in refs if r and r.kind == "env"})


def auth_problems(gw: Gateway, names: set[str]) -> list[Diagnostic]:
    """What nginx cannot do for these methods: cloud secret stores, JWKS only by URL."""
    out = []
    for name in sorted(names):
        auth = gw.auth[name]
        ref = auth.keys if auth.kind == "api_key" else auth.secret
        if ref and ref.kind not in RUNTIME_KINDS:
            out.append(finding("nginx", "GWC310", f"auth {name!r}: nginx cannot read a secret from {ref.kind}",
                               auth.pointer, "use {env: NAME} or {file: /abs/path} for the nginx target (an "
                               "environment overlay can switch the reference per target)", Level.ERROR))
        if auth.kind == "jwt" and any(not a.startswith("HS") for a in auth.algorithms) and not auth.keys:
            out.append(finding("nginx", "GWC311", f"auth {name!r}: nginx checks signatures with keys embedded "
                               "at compile time, and none were given", f"{auth.pointer}/jwks",
                               "add jwks.file: a copy of the JWKS (public keys) next to the spec", Level.ERROR))
    return out


def per_key_problems(gw: Gateway) -> list[Diagnostic]:
    """nginx counts before it authenticates, so a per-key bucket needs one API-key method to read from."""
    return [finding("nginx", "GWC312", f"route {r.id!r} counts per API key but has {len(r.auth)} auth methods; "
                    "nginx applies rate limits before authentication and could be given an unused credential "
                    "to dodge the bucket", f"{r.rate_limit.pointer}/per",
                    "use a single API-key method on this route, or count per client_ip", Level.ERROR)
            for r in gw.routes if r.rate_limit and r.rate_limit.per == "api_key" and len(r.auth) != 1]


def auth_locations(ctx: Context) -> list[Block]:
    """One internal location per combination of methods that routes use (see auth_cache.py)."""
    methods = {n: _method(ctx.gw.auth[n]) for combo in ctx.auth_combos for n in combo}
    return front_locations(ctx, {c: combo_digest(methods, c, auth_js()) for c in ctx.auth_combos})


def auth_main_directives(ctx: Context) -> list[Directive]:
    """`env NAME;` lines for the main context."""
    names = {n for combo in ctx.auth_combos for n in combo}
    return [Directive("env", (n,)) for n in env_names(ctx.gw, names)]
