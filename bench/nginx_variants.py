"""Variants of compiled gateways that show where the time goes: for (b) the auth_request subrequest alone,
njs without crypto, njs importing the key but not verifying, and a cache of verified tokens in front of the
njs check; for (a) a buffered access log. They patch copies of the output (the prefix folder), never the
compiler, and fail loudly if the text they patch is gone."""

from __future__ import annotations

import re
from collections.abc import Callable

from .nginx_env import free_port

JS_CONTENT = "js_content gwc.authorize;"
JS_IMPORT = "js_import gwc from gwc_auth.js;"
AUTH_LOCATION = re.compile(r"(    location = (/_gwc/auth/[a-z0-9_]+) \{\n      internal;\n)"
                           r"(      set \$gwc_auth_methods [^\n]+\n)      js_content gwc\.authorize;\n")
IMPORT = "var key = await importSpki(keys[i], spec);"
VERIFY = "if (await crypto.subtle.verify(spec.verifyAs, key, jwt.signature, jwt.signingInput)) {"

NOTES = {
    "log-buffered": "gwc's config with `buffer=64k flush=1s` added to its access_log (JSON lines written in "
                    "batches instead of one write() per request), vs the proxy logging unbuffered.",
    "bare": "gwc without request ids, trace propagation or access log (observability.request_id false, "
            "tracing.propagate none, access_log.format none), vs the proxy without a log.",
    "bare-param": "As bare, but the request goes to the last {param} route (a regex location nested in its "
                  "carrier prefix) instead of the last-declared route (a prefix route, reached through "
                  "`try_files /.gwc-none @named`).",
    "last-param-10000": "The 10,000-route gateway asked for its last {param} route (a regex location in its "
                        "carrier prefix, no try_files), vs the 10-route one asked for its last-declared (prefix) "
                        "route: the route table alone, without the named-location jump.",
    "no-jwt": "The same spec without auth (rate limit and gzip kept).",
    "no-gzip": "The same spec without compression (JWT and rate limit kept).",
    "auth-return-204": "The full config with the auth location answering `return 204` instead of running njs: "
                       "the auth_request subrequest alone.",
    "njs-no-crypto": "The full config with gwc_auth.js neither importing the key nor verifying (token parsing, "
                     "header and claim checks only).",
    "njs-import-only": "The full config with gwc_auth.js importing the SPKI key per request but not verifying.",
    "auth-cached": "The full config with the auth location proxying to the same njs check on a second loopback "
                   "server and caching its 204 (proxy_cache keyed by the Authorization header): one possible "
                   "cache of verified tokens; here every request after the first is a hit.",
}


def cached_auth(conf: str, port: int) -> str:
    """The auth location as a proxy_cache in front of the njs check, which moves to a loopback server."""
    match = AUTH_LOCATION.search(conf)
    if not match or len(AUTH_LOCATION.findall(conf)) != 1:
        raise RuntimeError("variant patch: expected exactly one njs auth location in the generated nginx.conf")
    head, uri, methods = match.groups()
    front = (f"{head}      proxy_pass http://gwc_auth_inner{uri};\n      proxy_http_version 1.1;\n"
             '      proxy_set_header Connection "";\n      proxy_pass_request_body off;\n'
             '      proxy_set_header Content-Length "";\n      proxy_cache gwc_auth_cache;\n'
             "      proxy_cache_key $http_authorization;\n      proxy_cache_valid 204 5m;\n")
    conf = conf[: match.start()] + front + conf[match.end():]
    inner = (f"  upstream gwc_auth_inner {{\n    server 127.0.0.1:{port};\n    keepalive 16;\n  }}\n"
             f"  server {{\n    listen 127.0.0.1:{port};\n    access_log off;\n    location = {uri} {{\n"
             f"{methods}      js_content gwc.authorize;\n    }}\n  }}\n")
    cache = ("proxy_cache_path tmp/gwc_auth_cache levels=1:2 keys_zone=gwc_auth_cache:1m inactive=10m "
             "use_temp_path=off;")
    return _replace(conf, JS_IMPORT, f"{JS_IMPORT}\n  {cache}\n{inner}")


LOG = "access_log logs/access.log gwc_json;"


def buffered_log(conf: str) -> str:
    """gwc's access log written through a 64 KiB buffer (flushed at least every second)."""
    return _replace(conf, LOG, LOG[:-1] + " buffer=64k flush=1s;")


def _replace(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise RuntimeError(f"variant patch: expected exactly one {old!r} in the generated file")
    return text.replace(old, new)


def auth_variants() -> list[tuple[str, Callable[[str], str], Callable[[str], str] | None, dict]]:
    """(label, nginx.conf patch, gwc_auth.js patch or None, what check() should expect)."""
    port = free_port()  # the loopback server behind the auth cache

    def same(text: str) -> str:
        return text

    return [
        ("auth-return-204", lambda conf: _replace(conf, JS_CONTENT, "return 204;"), None, {"gzipped": True}),
        ("njs-no-crypto", same,
         lambda js: _replace(_replace(js, IMPORT, "var key = null;"), VERIFY, "if (key === null) {"),
         {"gzipped": True, "jwt": True}),
        ("njs-import-only", same, lambda js: _replace(js, VERIFY, "if (key !== null) {"),
         {"gzipped": True, "jwt": True}),
        ("auth-cached", lambda conf: cached_auth(conf, port), None, {"gzipped": True, "jwt": True}),
    ]
