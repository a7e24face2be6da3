"""The skeleton of nginx.conf: main context, events, http-level maps, zones and the server block."""

from __future__ import annotations

from gwc import __version__
from gwc.values import size_bytes

from .auth import auth_locations, auth_main_directives
from .auth_cache import SET_MISC_MODULES, check_server, needs_set_misc
from .auth_cache import http_directives as auth_cache_directives
from .conf import Block, Comment, Directive, Entry, Lit, Node, Raw
from .context import Context
from .locations import route_locations
from .logs import log_directives
from .names import ERRORS, error_named, ident
from .policies import cors_map
from .rates import nginx_rate
from .route_body import mock_location
from .upstreams import split_block, upstream_blocks

TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def _zones(ctx: Context, zone_size: int) -> list[Node]:
    out: list[Node] = []
    for (rate, per, method), name in sorted(ctx.rate_zones.items(), key=lambda kv: kv[1]):
        key = {"client_ip": "$gwc_route:$binary_remote_addr", "route": "$gwc_route",
               "api_key": f"$gwc_route:$gwc_api_key_{ident(method)}"}[per]
        out.append(Directive("limit_req_zone", (Raw(key), f"zone={name}:{zone_size}",
                                                f"rate={nginx_rate(rate)[0]}")))
    if ctx.rate_zones:
        # info, below the error_log level: nginx's "limiting requests" line quotes the request line,
        # which may hold an API key in the query string.
        out += [Directive("limit_req_status", (429,)), Directive("limit_req_log_level", ("info",))]
    return out


def _api_key_maps(ctx: Context) -> list[Node]:
    """$gwc_api_key_METHOD: the credential the njs check reads for that method (the header when present,
    else the query parameter), so a per-key bucket cannot be dodged with an extra unused credential."""
    out: list[Node] = []
    for method in sorted({m for (_, per, m) in ctx.rate_zones if per == "api_key"}):
        auth = ctx.gw.auth[method]
        header = "$http_" + ident(auth.header.lower()) if auth.header else None
        query = "$arg_" + auth.query if auth.query else None
        b = Block("map", (Raw(header or query), Raw(f"$gwc_api_key_{ident(method)}")))
        if header and query:
            b.children.append(Entry((Lit(""), Raw(query))))
        b.children.append(Entry(("default", Raw(header or query))))
        out.append(b)
    return out


def _id_maps(ctx: Context) -> list[Node]:
    obs = ctx.gw.observability
    out: list[Node] = []
    if "subject" in obs.log_fields and not ctx.auth_combos:
        # declares $gwc_subject ("" ) for the log when no route sets it through auth_request_set
        out.append(Block("map", (Raw("$request_method"), Raw("$gwc_subject")), [Entry(("default", Lit("")))]))
    if obs.request_id:
        b = Block("map", (Raw("$http_x_request_id"), Raw("$gwc_request_id")))
        b.children += [Entry((Raw("~^[A-Za-z0-9._-]{1,64}$"), Raw("$http_x_request_id"))),
                       Entry(("default", Raw("$request_id")))]
        out.append(b)
        ctx.result.mark("observability.request_id", "gateway")
    if obs.tracing == "w3c":
        b = Block("map", (Raw("$http_traceparent"), Raw("$gwc_traceparent")))
        # W3C trace context: version 00, non-zero trace and parent ids, any flags.
        b.children += [Entry((Raw("~^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$"),
                              Raw("$http_traceparent"))),
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
    # Method dispatch reaches routes through error_page; without this their own 401/413/429/50x would
    # get nginx's HTML pages instead of the JSON ones. The JSON pages return text, so nothing loops.
    s.add("recursive_error_pages", "on")
    for code in ERRORS:
        s.add("error_page", code, "=", error_named(code))
    s.children += locations
    obs = gw.observability
    if obs.metrics_path:
        m = s.block("location", "=", Lit(obs.metrics_path))
        m.add("set", Raw("$gwc_route"), "metrics")
        m.add("stub_status")
        m.add("access_log", "off")
        m.children += [Directive("allow", (Raw(c),)) for c in obs.metrics_allow] + [Directive("deny", ("all",))]
        ctx.result.mark("observability.metrics", "gateway")
    s.children += auth_locations(ctx)
    s.children += named
    s.children += [mock_location(r, ctx) for _, r in sorted(ctx.mock_routes.items())]
    for code, text in ERRORS.items():
        e = s.block("location", error_named(code))
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
    if needs_set_misc(ctx):
        main += [Directive("load_module", (Raw(f"{modules}/{m}"),)) for m in SET_MISC_MODULES]
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
    zone_size = size_bytes(settings.get("zone_size", "10MiB"))
    if ctx.auth_combos:
        http += [Directive("js_import", ("gwc", "from", "gwc_auth.js"))] + auth_cache_directives(ctx, zone_size)
    http += _zones(ctx, zone_size)
    http += _api_key_maps(ctx)
    if ctx.needs_cache:
        cache_size = size_bytes(settings.get("cache_size", "1GiB"))
        http.append(Directive("proxy_cache_path", ("tmp/cache", "levels=1:2", f"keys_zone=gwc_cache:{zone_size}",
                                                   f"max_size={cache_size}", "inactive=1d", "use_temp_path=off")))
    http += upstream_blocks(gw, ctx.result)
    http += [split_block(r, ctx.result) for r in gw.routes if r.split]
    http += [cors_map(origins, var) for (origins, _), var in sorted(ctx.cors_maps.items(), key=lambda kv: kv[1])]
    http.append(server)
    if ctx.auth_combos:
        http.append(check_server(ctx))
    return main, http
