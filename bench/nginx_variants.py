"""Variants of compiled gateways that show where the time goes: for (b) the auth_request subrequest alone,
the auth cache keyed without njs, the njs check without the cache of verified tokens, and without it njs
without crypto or importing the key but not verifying; for (a) the access log unbuffered. They patch copies of the output (the prefix folder), never
the compiler, and fail loudly if the text they patch is gone."""

from __future__ import annotations

import re
from collections.abc import Callable

# The auth location as gwc writes it: a cached proxy to the njs check (targets/nginx/auth_cache.py).
AUTH_FRONT = re.compile(r"(    location = /_gwc/auth/[a-z0-9_+]+ \{\n      internal;\n"
                        r"      set \$gwc_auth_methods [^\n]+\n)((?:      (?:proxy_|set_hmac_sha256 |set_encode_hex )[^\n]*\n)+)(    \})")
IMPORT = "var key = await importSpki(keys[i], spec);"
VERIFY = "if (await crypto.subtle.verify(spec.verifyAs, key, jwt.signature, jwt.signingInput)) {"

NOTES = {
    "log-unbuffered": "gwc's config with its access_log written unbuffered (one write() per request, as before "
                      "gwc added `buffer=64k flush=1s`), vs the proxy logging unbuffered.",
    "bare": "gwc without request ids, trace propagation or access log (observability.request_id false, "
            "tracing.propagate none, access_log.format none), vs the proxy without a log.",
    "bare-param": "As bare, but the request goes to the last {param} route (a regex location nested in its "
                  "carrier prefix) instead of the last-declared route (a prefix route holding its own body).",
    "last-param-10000": "The 10,000-route gateway asked for its last {param} route (a regex location in its "
                        "carrier prefix), vs the 10-route one asked for its last-declared (prefix) route.",
    "no-jwt": "The same spec without auth (rate limit and gzip kept).",
    "no-gzip": "The same spec without compression (JWT and rate limit kept).",
    "auth-return-204": "The full config with the auth location answering `return 204` instead of asking the "
                       "njs check: the auth_request subrequest alone.",
    "njs-key": "The same spec with targets.nginx.auth_cache_key: njs: the cache of verified tokens keyed by an "
               "njs SHA-256 of the credentials (gwc's only key before the set-misc HMAC; for an nginx without "
               "set-misc) instead of nginx's own HMAC of the Authorization header.",
    "auth-uncached": "The full config with the auth location running the njs check itself on every request, "
                     "without the cache of verified tokens (gwc's output before the cache).",
    "njs-no-crypto": "As auth-uncached, with gwc_auth.js neither importing the key nor verifying (token parsing, "
                     "header and claim checks only).",
    "njs-import-only": "As auth-uncached, with gwc_auth.js importing the SPKI key per request but not verifying.",
}


def _auth_front(conf: str, body: str) -> str:
    """The auth location's proxy and cache directives replaced by `body` (exactly one auth location)."""
    if len(AUTH_FRONT.findall(conf)) != 1:
        raise RuntimeError("variant patch: expected exactly one cached auth location in the generated nginx.conf")
    return AUTH_FRONT.sub(lambda m: m.group(1) + body + m.group(3), conf)


def uncached_auth(conf: str) -> str:
    """The njs check run by the auth location itself, every request."""
    return _auth_front(conf, "      js_content gwc.authorize;\n")


LOG = "access_log logs/access.log gwc_json buffer=64k flush=1s;"


def unbuffered_log(conf: str) -> str:
    """gwc's access log written with one write() per request."""
    return _replace(conf, LOG, "access_log logs/access.log gwc_json;")


def _replace(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise RuntimeError(f"variant patch: expected exactly one {old!r} in the generated file")
    return text.replace(old, new)


def auth_variants() -> list[tuple[str, Callable[[str], str], Callable[[str], str] | None, dict]]:
    """(label, nginx.conf patch, gwc_auth.js patch or None, what check() should expect)."""
    return [
        ("auth-return-204", lambda conf: _auth_front(conf, "      return 204;\n"), None, {"gzipped": True}),
        ("auth-uncached", uncached_auth, None, {"gzipped": True, "jwt": True}),
        ("njs-no-crypto", uncached_auth,
         lambda js: _replace(_replace(js, IMPORT, "var key = null;"), VERIFY, "if (key === null) {"),
         {"gzipped": True, "jwt": True}),
        ("njs-import-only", uncached_auth, lambda js: _replace(js, VERIFY, "if (key !== null) {"),
         {"gzipped": True, "jwt": True}),
    ]
