"""Per-route policies that are plain nginx directives: CORS, caching and compression."""

from __future__ import annotations

from gwc.model import Cors, Route

from .conf import Block, Directive, Entry, Lit, Node, Raw
from .context import Context
from .names import ident
from .times import whole_seconds

ALWAYS_GZIPPED = "text/html"  # nginx always compresses text/html; listing it again is a warning


def cors_key(cors: Cors) -> tuple:
    """What the nginx output of a CORS policy depends on (its values without the spec location)."""
    return (cors.origins, cors.methods, cors.headers, cors.expose_headers, cors.credentials, cors.max_age_s)


def cors_headers(cors: Cors, ctx: Context) -> list[Node]:
    """The CORS headers of actual (non-preflight) responses."""
    var = ctx.cors_var(cors)
    out: list[Node] = [Directive("add_header", ("Access-Control-Allow-Origin", Raw(var), "always")),
                       Directive("add_header", ("Vary", "Origin", "always"))]
    if cors.credentials:
        out.append(Directive("add_header", ("Access-Control-Allow-Credentials", "true", "always")))
    if cors.expose_headers:
        out.append(Directive("add_header", ("Access-Control-Expose-Headers", Lit(", ".join(cors.expose_headers)),
                                            "always")))
    return out


def preflight_block(cors: Cors, ctx: Context) -> Block:
    """`if ($request_method = OPTIONS) { ... return 204; }`: answered before auth, as browsers require."""
    var = ctx.cors_var(cors)
    b = Block("if", (Raw("($request_method"), "=", "OPTIONS", Raw(")")))
    b.add("add_header", "Access-Control-Allow-Origin", Raw(var), "always")
    b.add("add_header", "Access-Control-Allow-Methods", Lit(", ".join(cors.methods)), "always")
    if cors.headers:
        b.add("add_header", "Access-Control-Allow-Headers", Lit(", ".join(cors.headers)), "always")
    if cors.credentials:
        b.add("add_header", "Access-Control-Allow-Credentials", "true", "always")
    b.add("add_header", "Access-Control-Max-Age", cors.max_age_s, "always")
    b.add("add_header", "Vary", "Origin", "always")
    b.add("return", 204)
    return b


def cors_map(origins: tuple[str, ...], var: str) -> Block:
    """`map $http_origin $gwc_cors_origin_N { default ""; "https://a.example" $http_origin; }`."""
    b = Block("map", (Raw("$http_origin"), Raw(var)))
    b.add("default", Lit("*" if "*" in origins else ""))
    b.children += [Entry((Lit(origin), Raw("$http_origin"))) for origin in origins if origin != "*"]
    return b


def cache_directives(route: Route, ctx: Context) -> list[Node]:
    """proxy_cache for GET/HEAD with the route's TTL and key; credentials bypass unless told otherwise."""
    cache = route.cache
    if not cache or ctx.dropped("cache", route.id):
        return []
    ctx.needs_cache = True
    key = "$scheme$request_method$host$request_uri"
    for part in cache.key:
        kind, name = part.split(":", 1)
        key += "|$" + ("http_" + ident(name.lower()) if kind == "header" else "arg_" + name)
    if cache.authenticated == "per_subject":
        key += "|$gwc_subject"
        ctx.result.mark("cache.per_subject", route.id)
    out: list[Node] = [Directive("proxy_cache", ("gwc_cache",)),
                       Directive("proxy_cache_key", (Raw(key),)),
                       Directive("proxy_cache_valid", (200, 203, 204, 301, whole_seconds(cache.ttl_ms))),
                       Directive("proxy_cache_lock", ("on",)),
                       Directive("add_header", ("X-Cache-Status", Raw("$upstream_cache_status"), "always"))]
    if cache.authenticated == "bypass":
        creds = ["$http_authorization"] + ctx.api_key_vars(route.auth)
        out += [Directive("proxy_cache_bypass", tuple(Raw(v) for v in creds)),
                Directive("proxy_no_cache", tuple(Raw(v) for v in creds))]
    ctx.result.mark("cache", route.id)
    return out


def compression_directives(route: Route, ctx: Context) -> list[Node]:
    """gzip and brotli with the route's minimum size, level and types."""
    comp = route.compression
    if not comp:
        return []
    types = [t for t in comp.types if t != ALWAYS_GZIPPED] or ["text/plain"]
    out: list[Node] = []
    for algo, on in (("gzip", comp.gzip), ("brotli", comp.brotli)):
        if not on or ctx.dropped(f"compression.{algo}", route.id):
            continue
        out += [Directive(algo, ("on",)), Directive(f"{algo}_min_length", (comp.min_size,)),
                Directive(f"{algo}_comp_level", (comp.level,)), Directive(f"{algo}_types", tuple(types))]
        if algo == "gzip":
            out += [Directive("gzip_proxied", ("any",)), Directive("gzip_vary", ("on",))]
        else:
            ctx.needs_brotli = True
        ctx.result.mark(f"compression.{algo}", route.id)
    return out
