"""A cache of verified credentials in front of the njs check, so a credential seen again within a minute costs
a cache lookup instead of a JWT signature check (RS256 in njs: ~200 us of CPU per request).

Each auth location the routes call (`auth_request`) is a proxy_cache in front of the same check moved to a
second server that only this host can reach (`listen 127.0.0.2:PORT`, the gateway's own port on another
loopback address: no new port, no socket file; nginx would resolve a `unix:` socket path against its working
directory, not its prefix). The njs check answers 204 with `X-Accel-Expires` (at most 60 s, and ending
before the token's exp), which alone makes nginx store it: no proxy_cache_valid, so a 401 or 5xx is never
stored. The key holds a digest of the methods' configuration and the njs module, and a digest of every
credential the methods read, so a token never reaches the disk and an answer is only reused for the same
credentials, methods and configuration:

- when every method of the combination reads the `Authorization` header alone (the usual bearer JWT), an
  HMAC-SHA256 of that header keyed by the configuration digest, made by nginx itself (`set_hmac_sha256`,
  from the set-misc module, Debian's libnginx-mod-http-set-misc), next to the worker's pid (answers are
  per worker; new workers usually have new pids, though pids can repeat, and no answer outlives 60 s). nginx takes one Authorization header only (a second is a 400), so the header
  hashed is exactly the one the check reads. This costs about 1 us; an njs call costs 10-15 us per request
  (docs/performance.md). `targets.nginx.auth_cache_key: njs` keeps the njs key for an nginx without set-misc;
- otherwise a SHA-256 (njs, `js_set`) of every header and query value the methods read and the master's pid.

Any failure (the check unreachable, a zone that cannot take the key) makes auth_request answer 500: closed,
never open.
"""

from __future__ import annotations

import hashlib
import json

from .conf import Block, Directive, Entry, Lit, Node, Raw
from .context import Context
from .names import auth_location

CHECK_UPSTREAM = "gwc_auth_check"
KEY_VAR = "$gwc_auth_key"
NATIVE_KEY_VAR = "$gwc_auth_hmac"
SET_MISC_MODULES = ("ndk_http_module.so", "ngx_http_set_misc_module.so")  # in this order: set-misc needs NDK
QUERY_VAR = "$gwc_auth_query"
CACHE_PATH = "tmp/auth_cache"
CACHE_MAX_SIZE = "64m"  # entries are a few hundred bytes; the cache manager drops the oldest beyond this
INACTIVE = "1m"  # as long as the longest entry lives (CACHE_MAX_SECONDS in gwc_auth.js)


def check_address(ctx: Context) -> str:
    """The address:port of the server running the njs check: the gateway's port on a loopback address
    other than the one it listens on (every 127/8 address is local on Linux)."""
    settings = ctx.gw.target_settings("nginx")
    host = "127.0.0.3" if settings.get("listen_address") == "127.0.0.2" else "127.0.0.2"
    return f"{host}:{settings.get('listen', 8080)}"


def combo_digest(methods: dict[str, dict], combo: tuple[str, ...], module: str) -> str:
    """What a cached answer of this combination depends on besides the request: the methods' configuration
    (issuers, audiences, keys, secret references) and the njs module. 128 bits, hex."""
    data = json.dumps([[n, methods[n]] for n in combo], sort_keys=True, ensure_ascii=True) + "\n" + module
    return hashlib.sha256(data.encode()).hexdigest()[:32]


def native_key(ctx: Context, combo: tuple[str, ...]) -> bool:
    """Whether nginx makes this combination's key itself: every method reads the Authorization header and
    nothing else, and the setting allows it."""
    if ctx.gw.target_settings("nginx").get("auth_cache_key", "set_misc") != "set_misc":
        return False
    methods = [ctx.gw.auth[n] for n in combo]
    return all((m.header or "").lower() == "authorization" and m.query is None for m in methods)


def needs_set_misc(ctx: Context) -> bool:
    """Whether any combination's key is made by the set-misc module (its modules must be loaded)."""
    return any(native_key(ctx, c) for c in ctx.auth_combos)


def http_directives(ctx: Context, zone_size: int) -> list[Node]:
    """The key variable, the original query for the check, the cache and the upstream of the check."""
    query = Block("map", (Raw("$request_uri"), Raw(QUERY_VAR)))
    query.children += [Entry((Raw(r"~^[^?]*(\?.*)$"), Raw("$1"))), Entry(("default", Lit("")))]
    upstream = Block("upstream", (CHECK_UPSTREAM,), [Directive("server", (Raw(check_address(ctx)),)),
                                                     Directive("keepalive", (16,))])
    njs_key = [Directive("js_set", (Raw(KEY_VAR), "gwc.cacheKey"))] if not all(
        native_key(ctx, c) for c in ctx.auth_combos) else []
    return [*njs_key, query,
            Directive("proxy_cache_path", (CACHE_PATH, "levels=1:2", f"keys_zone=gwc_auth:{zone_size}",
                                           f"max_size={CACHE_MAX_SIZE}", f"inactive={INACTIVE}",
                                           "use_temp_path=off")),
            upstream]


def front_locations(ctx: Context, digests: dict[tuple[str, ...], str]) -> list[Block]:
    """The locations routes call with auth_request: a cached proxy to the check of their combination."""
    out = []
    for combo in sorted(ctx.auth_combos):
        uri = auth_location(combo)
        b = Block("location", ("=", uri))
        b.add("internal")
        b.add("set", Raw("$gwc_auth_methods"), Lit(" ".join(combo)))
        b.add("proxy_pass", Raw(f"http://{CHECK_UPSTREAM}{uri}{QUERY_VAR}"))
        b.add("proxy_http_version", "1.1")
        b.add("proxy_set_header", "Connection", Lit(""))
        b.add("proxy_pass_request_body", "off")
        b.add("proxy_set_header", "Content-Length", Lit(""))
        b.add("proxy_cache", "gwc_auth")
        if native_key(ctx, combo):
            b.add("set_hmac_sha256", Raw(NATIVE_KEY_VAR), Lit(digests[combo]), Raw("$http_authorization"))
            b.add("set_encode_hex", Raw(NATIVE_KEY_VAR))
            b.add("proxy_cache_key", Raw(f"gwc-auth:{digests[combo]}:$pid:{NATIVE_KEY_VAR}"))
        else:
            b.add("proxy_cache_key", Raw(f"gwc-auth:{digests[combo]}:{KEY_VAR}"))
        b.add("proxy_cache_lock", "on")
        # X-Accel-Expires alone decides what is stored and for how long.
        b.add("proxy_ignore_headers", "Cache-Control", "Expires", "Set-Cookie", "Vary")
        out.append(b)
    return out


def check_server(ctx: Context) -> Block:
    """The server running the njs check, one location per combination; nothing else answers there."""
    s = Block("server")
    s.add("listen", Raw(check_address(ctx)))
    s.add("server_name", "_")
    s.add("access_log", "off")
    for combo in sorted(ctx.auth_combos):
        b = s.block("location", "=", auth_location(combo))
        b.add("set", Raw("$gwc_auth_methods"), Lit(" ".join(combo)))
        b.add("js_content", "gwc.authorize")
    s.block("location", "/").add("return", 404)
    return s
