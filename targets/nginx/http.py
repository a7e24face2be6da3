"""The skeleton of nginx.conf: main context, events, http-level maps, zones and the server block."""

from __future__ import annotations

from gwc import __version__
from gwc.values import size_bytes
from .auth import auth_locations, auth_main_directives
from .conf import Block, Comment, Directive, Entry, Lit, Node, Raw
from .context import Context
from .locations import route_locations
from .logs import log_directives
from .policies import cors_map
from .rates import nginx_rate
from .route_body import mock_location
from .upstreams import split_block, upstream_blocks

TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
ERRORS = {401: "unauthorized", 403: "forbidden", 413: "request body too large", 429: "too many requests",
          500: "internal error", 502: "bad gateway", 503: "service unavailable", 504: "gateway timeout"}


def _zones(ctx: Context, zone_size: int) -> list[Node]:
    out: list[Node] = []
    for (rate, per), name in sorted(ctx.rate_zones.items(), key=lambda kv: kv[1]):
        key = {"client_ip": "$gwc_route:$binary_remote_addr", "route": "$gwc_route"}.get(per)
        if key is None:  # per api key: whichever credential variable the route's methods use
            key = "$gwc_route:$gwc_api_key"
        out.append(Directive("limit_req_zone", (Raw(key), f"zone={name}:{zone_size}",
                                                f"rate={nginx_rate(rate)[0]}")))
    if ctx.rate_zones:
        out += [Directive("limit_req_status", (429,)), Directive("limit_req_log_level", ("warn",))]
    return out


def _api_key_map(ctx: Context) -> list[Node]:
    """$gwc_api_key: the presented API key, from any API-key method's header or query parameter."""
    if not any(per == "api_key" for _, per in ctx.rate_zones):
        return []
    names = sorted(n for n, a in ctx.gw.auth.items() if a.kind == "api_key")
    variables = sorted({v for n in names for v in ctx.api_key_vars((n,))})
    source = Raw("".join(variables))
    b = Block("map", (source, Raw("$gwc_api_key")))
    b.children.append(Entry(("default", source)))
    return [b]


def _id_maps(ctx: Context) -> list[Node]:
    obs = ctx.gw.observability
    out: list[Node] = []
    if obs.request_id:
        b = Block("map", (Raw("$http_x_request_id"), Raw("$gwc_request_id")))
        b.children += [Entry((Raw("~^[A-Za-z0-9._-]{1,64}$"), Raw("$http_x_request_id"))),
                       Entry(("default", Raw("$request_id")))]
        out.append(b)
        ctx.result.mark("observability.request_id", "gateway")
    if obs.tracing == "w3c":
        b = Block("map", (Raw("$http_traceparent"), Raw("$gwc_traceparent")))
        b.children += [Entry((Raw("~^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$"), Raw("$http_traceparent"))),
                       Entry(("default", Raw("$gwc_traceparent_new")))]
        new = Block("map", (Raw("$request_id"), Raw("$gwc_traceparent_new")))
        new.children.append(Entry((Raw("~^(?<gwc_span>[0-9a-f]{16})"), Raw("00-$request_id-$gwc_span-01"))))
        out += [b, new]
        ctx.result.mark("observability.tracing", "gateway")
    return out


def _server(ctx: Context, locations: list[Block], named: list[Block]) -> Block:
    gw, settings = ctx.gw, ctx.gw.target_settings("nginx")
    s = Block("server")
    address = settings.get("listen_address")
    port = settings.get("listen", 8080)
    s.add("listen", Raw(f"{address}:{port}" if address else str(port)))
    if gw.tls:
        s.add("listen", Raw(f"{address}:{gw.tls.port}" if address else str(gw.tls.port)), "ssl")
        s.add("ssl_certificate", Raw(gw.tls.cert_file))
        s.add("ssl_certificate_key", Raw(gw.tls.key_file))
        s.add("ssl_protocols", "TLSv1.2", "TLSv1.3")
        ctx.result.mark("tls", "gateway")
    s.add("server_name", *([Raw(h) for h in gw.hosts] or ["_"]))
    if gw.hosts:
        ctx.result.mark("hosts", "gateway")
    for cidr in gw.trusted_proxies:
        s.add("set_real_ip_from", Raw(cidr))
    if gw.trusted_proxies:
        s.add("real_ip_header", "X-Forwarded-For")
        s.add("real_ip_recursive", "on")
        ctx.result.mark("trusted_proxies", "gateway")
    s.add("set", Raw("$gwc_subject"), Lit(""))
    s.add("set", Raw("$gwc_route"), "none")
    for code in ERRORS:
        s.add("error_page", code, "=", f"@gwc_error_{code}")
    s.children += locations
    obs = gw.observability
    if obs.metrics_path:
        m = s.block("location", "=", Lit(obs.metrics_path))
        m.add("stub_status")
        m.add("access_log", "off")
        m.children += [Directive("allow", (Raw(c),)) for c in obs.metrics_allow] + [Directive("deny", ("all",))]
        ctx.result.mark("observability.metrics", "gateway")
    s.children += auth_locations(ctx)
    s.children += named
    s.children += [mock_location(r, ctx) for _, r in sorted(ctx.mock_routes.items())]
    for code, text in ERRORS.items():
        e = s.block("location", f"@gwc_error_{code}")
        if obs.request_id:
            e.add("add_header", "X-Request-Id", Raw("$gwc_request_id"), "always")
        if code == 401:
            e.add("add_header", "WWW-Authenticate", Lit("Bearer"), "always")
        e.add("return", code, Lit('{"message":"' + text + '"}'))
    return s


def nginx_conf(ctx: Context) -> tuple[list[Node], list[Node]]:
    """(main-context nodes, http block children); the caller renders them and adds $gwc_dollar if needed."""
    gw, settings = ctx.gw, ctx.gw.target_settings("nginx")
    locations, named = route_locations(ctx)
    server = _server(ctx, locations, named)
    modules = settings.get("modules_dir", "/usr/lib/nginx/modules")
    main: list[Node] = [Comment(f"Generated by gwc {__version__}. Do not edit: change the spec and compile again.")]
    if ctx.auth_combos:
        main.append(Directive("load_module", (Raw(f"{modules}/ngx_http_js_module.so"),)))
    if ctx.needs_brotli:
        main.append(Directive("load_module", (Raw(f"{modules}/ngx_http_brotli_filter_module.so"),)))
    if "user" in settings:
        main.append(Directive("user", (settings["user"],)))
    main += [Directive("worker_processes", (settings.get("worker_processes", "auto"),)),
             Directive("pid", ("nginx.pid",)), Directive("error_log", ("stderr", "warn"))]
    main += auth_main_directives(ctx)
    main.append(Block("events", (), [Directive("worker_connections", (settings.get("worker_connections", 1024),))]))
    http: list[Node] = [Directive("server_tokens", ("off",)), Directive("default_type", ("application/json",)),
                        Directive("sendfile", ("on",)), Directive("keepalive_timeout", ("65s",))]
    http += [Directive(f"{d}_temp_path", (f"tmp/{d}",)) for d in TEMP_DIRS]
    http += log_directives(ctx)
    http += _id_maps(ctx)
    if ctx.auth_combos:
        http += [Directive("js_import", ("gwc", "from", "gwc_auth.js"))]
    zone_size = size_bytes(settings.get("zone_size", "10MiB"))
    http += _zones(ctx, zone_size)
    http += _api_key_map(ctx)
    if ctx.needs_cache:
        cache_size = size_bytes(settings.get("cache_size", "1GiB"))
        http.append(Directive("proxy_cache_path", ("tmp/cache", "levels=1:2", f"keys_zone=gwc_cache:{zone_size}",
                                                   f"max_size={cache_size}", "inactive=1d", "use_temp_path=off")))
    http += upstream_blocks(gw, ctx.result)
    http += [split_block(r, ctx.result) for r in gw.routes if r.split]
    http += [cors_map(origins, var) for (origins, _), var in sorted(ctx.cors_maps.items(), key=lambda kv: kv[1])]
    http.append(server)
    return main, http
