"""The directives of one route's location: method check, CORS, rewrite, access, proxy or mock, headers."""

from __future__ import annotations

import re

from gwc.model import Cors, Route
from gwc.paths import PARAM
from gwc.target import finding
from gwc.values import format_seconds

from .body_limit import effective, guard, limit_directive
from .conf import Block, Directive, Lit, Node, Raw, Shared
from .context import Context
from .names import auth_location, ident, mock_named, upstream
from .policies import cache_directives, compression_directives, cors_headers, cors_key, preflight_block
from .times import report_rounding

_RETRY_ON = {"connect_error": "error", "timeout": "timeout", "500": "http_500", "502": "http_502",
             "503": "http_503", "504": "http_504", "429": "http_429"}


def path_regex(route: Route) -> str:
    """An anchored regex for the route's path: literal segments escaped, each {param} one segment."""
    if route.match.kind == "prefix":
        return "^" + re.escape(route.match.path) + "(.*)$"
    parts = ["([^/]+)" if PARAM.match(s) else re.escape(s) for s in route.match.segments]
    tail = "/" if route.match.path.endswith("/") and route.match.segments else ""
    return "^/" + "/".join(parts) + tail + "$"


def rewrite_directive(route: Route) -> Directive:
    """`rewrite REGEX REPLACEMENT break;` with {params} and a prefix's remainder as $1, $2..."""
    target = route.rewrite or ""
    if route.match.kind == "prefix":
        return Directive("rewrite", (Raw(path_regex(route)), Raw(target + "$1"), "break"))
    index = {p: i + 1 for i, p in enumerate(route.match.params)}
    replacement = re.sub(r"\{([a-z_][a-z0-9_]*)\}", lambda m: f"${index[m.group(1)]}", target)
    return Directive("rewrite", (Raw(path_regex(route)), Raw(replacement), "break"))


def allow_header(methods: tuple[str, ...]) -> str:
    """The Allow header value for a 405."""
    return ", ".join(methods)


def request_id_header(ctx: Context) -> list[Node]:
    """`add_header X-Request-Id` when request ids are on (every add_header level needs its own copy)."""
    if not ctx.gw.observability.request_id:
        return []
    return [Directive("add_header", ("X-Request-Id", Raw("$gwc_request_id"), "always"))]


def method_check(methods: tuple[str, ...], ctx: Context) -> Block:
    """`if ($request_method !~ ^(GET|POST)$) { add_header Allow ...; return 405 ...; }`."""
    b = Block("if", (Raw("($request_method"), "!~", Raw("^(" + "|".join(methods) + ")$)")))
    b.children += request_id_header(ctx)
    b.add("add_header", "Allow", Lit(allow_header(methods)), "always")
    b.add("return", 405, Lit('{"message":"method not allowed"}'))
    return b


def _access(route: Route, ctx: Context, picked_limit: int | None) -> Shared:
    """Rate limit, auth, IP rules and body limit: marks and findings for this route, nodes shared by the
    routes that ask for the same."""
    zone: tuple[str, int] | None = None
    rl = route.rate_limit
    if rl and not ctx.dropped(f"rate_limit.{rl.per}", route.id):
        text, meant = ctx.nginx_rate(rl.rate)
        if meant is not None:
            ctx.result.diagnostics.append(finding(
                "nginx", "GWC303", f"rate {rl.rate.text} is written as {text} ({float(meant * 3600):.6g}/h instead "
                f"of {float(rl.rate.per_second * 3600):.6g}/h): nginx counts whole requests per second or minute",
                f"{rl.pointer}/rate", "use a rate per second or per minute"))
        zone = (ctx.rate_zone(rl, route.auth[0] if rl.per == "api_key" else ""), rl.burst)
        ctx.result.mark(f"rate_limit.{rl.per}", route.id)
    live = tuple(a for a in route.auth if not ctx.dropped(f"auth.{ctx.gw.auth[a].kind}", route.id))
    if live:
        ctx.auth_combos.add(live)
        for kind in {ctx.gw.auth[a].kind for a in live}:
            ctx.result.mark(f"auth.{kind}", route.id)
        if len(live) > 1:
            ctx.result.mark("auth.any_of", route.id)
    ip = route.ip if route.ip and not ctx.dropped("ip_rules", route.id) else None
    if ip:
        ctx.result.mark("ip_rules", route.id)
    if route.body_limit is not None:
        ctx.result.mark("body_limit", route.id)
    limit = effective(route)
    rules = (ip.deny, ip.allow) if ip else None
    return ctx.shared(("access", zone, live, rules, limit, picked_limit),
                      lambda: _access_nodes(zone, live, rules, limit, picked_limit))


def _access_nodes(zone: tuple[str, int] | None, live: tuple[str, ...], rules: tuple | None, limit: int,
                  picked_limit: int | None) -> list[Node]:
    out: list[Node] = []
    if zone:
        burst = (f"burst={zone[1]}", "nodelay") if zone[1] else ()
        out.append(Directive("limit_req", (f"zone={zone[0]}",) + burst))
    if live:
        out += [Directive("auth_request", (auth_location(live),)),
                Directive("auth_request_set", (Raw("$gwc_subject"), Raw("$sent_http_x_gwc_subject"))),
                Directive("auth_request_set", (Raw("$gwc_auth_method"), Raw("$sent_http_x_gwc_auth_method")))]
    if rules:
        deny, allow = rules
        out += [Directive("deny", (Raw(c),)) for c in deny]
        out += [Directive("allow", (Raw(c),)) for c in allow]
        if allow:
            out.append(Directive("deny", ("all",)))
    out += [limit_directive(limit)] if picked_limit is None else guard(limit, picked_limit)
    return out


def _host_header(route: Route, ctx: Context) -> Raw:
    services = [route.service] if route.service else [s.service for s in route.split]
    hosts = {f"{i.host}:{i.port}" if i.port not in (80, 443) else i.host
             for name in services for i in ctx.gw.services[name].instances}
    return Raw(hosts.pop()) if len(hosts) == 1 else Raw("$host")


def _proxy(route: Route, ctx: Context) -> list[Node]:
    gw = ctx.gw
    svc = gw.services[route.service or route.split[0].service]
    target = f"$gwc_split_{ident(route.id)}" if route.split else upstream(svc.name)
    out: list[Node] = [Directive("proxy_pass", (Raw(f"{svc.scheme}://{target}"),))]
    forwarded = "$proxy_add_x_forwarded_for" if gw.trusted_proxies else "$remote_addr"
    headers = [("Host", _host_header(route, ctx)), ("X-Forwarded-For", Raw(forwarded)),
               ("X-Forwarded-Proto", Raw("$scheme")), ("X-Forwarded-Host", Raw("$host")),
               ("Connection", Lit("")), ("X-Gwc-Subject", Raw("$gwc_subject") if route.auth else Lit("")),
               ("X-Gwc-Auth-Method", Raw("$gwc_auth_method") if route.auth else Lit(""))]
    if gw.observability.request_id:
        headers.append(("X-Request-Id", Raw("$gwc_request_id")))
    if gw.observability.tracing == "w3c":
        headers.append(("traceparent", Raw("$gwc_traceparent")))
    for var in ctx.api_key_vars(route.auth):
        if var.startswith("$http_"):  # the key itself never travels upstream
            headers.append((var[6:].replace("_", "-").title(), Lit("")))
    if route.request_headers and not ctx.dropped("headers.request", route.id):
        headers += [(n, Lit(v)) for n, v in route.request_headers.set]
        headers += [(n, Lit("")) for n in route.request_headers.remove]
    final: dict[str, object] = {}
    for name, value in headers:  # later entries win, case-insensitively
        final[name.lower()] = (name, value)
    out += [Directive("proxy_set_header", (name, value)) for name, value in final.values()]
    out += [Directive("proxy_http_version", ("1.1",)),
            Directive("proxy_connect_timeout", (format_seconds(svc.connect_timeout_ms),)),
            Directive("proxy_read_timeout", (format_seconds(svc.read_timeout_ms),)),
            Directive("proxy_send_timeout", (format_seconds(svc.send_timeout_ms),))]
    if svc.retries and svc.retries.attempts >= len(svc.instances) and route.service:
        ctx.result.diagnostics.append(finding(
            "nginx", "GWC303", f"service {svc.name!r} asks for {svc.retries.attempts} retries but nginx tries each "
            f"of its {len(svc.instances)} instance(s) at most once: {len(svc.instances) - 1} retries at most",
            f"{svc.pointer}/retries/attempts", "add instances, or lower attempts to match"))
    if svc.retries and svc.retries.attempts:
        conds = sorted({_RETRY_ON[c] for c in svc.retries.on})
        if svc.retries.non_idempotent:
            conds.append("non_idempotent")
        out += [Directive("proxy_next_upstream", tuple(conds)),
                Directive("proxy_next_upstream_tries", (svc.retries.attempts + 1,))]
    else:
        out.append(Directive("proxy_next_upstream", ("off",)))
    if svc.scheme == "https":
        out += _upstream_tls(svc, ctx)
    return out


def mock_location(route: Route, ctx: Context) -> Block:
    """The named location answering a mock route: after auth and limits, since try_files runs late."""
    mock = ctx.gw.services[route.service].mock
    b = Block("location", (mock_named(route.id),))
    b.add("default_type", Lit(mock.content_type))
    b.children += response_headers(route, ctx)
    for name, value in mock.headers:
        b.add("add_header", name, Lit(value), "always")
    b.children += compression_directives(route, ctx)
    b.add("return", mock.status, Lit(mock.body))
    return b


def _upstream_tls(svc, ctx: Context) -> list[Node]:
    host = svc.instances[0].host
    ca = ctx.gw.target_settings("nginx").get("ca_file", "/etc/ssl/certs/ca-certificates.crt")
    return [Directive("proxy_ssl_server_name", ("on",)), Directive("proxy_ssl_name", (Raw(host),)),
            Directive("proxy_ssl_verify", ("on" if svc.tls_verify else "off",)),
            Directive("proxy_ssl_trusted_certificate", (Raw(ca),)),
            Directive("proxy_ssl_verify_depth", (3,))]


def response_headers(route: Route, ctx: Context) -> list[Node]:
    """add_header/proxy_hide_header for the route (they must all sit at one level: nginx does not merge)."""
    out: list[Node] = []
    out += request_id_header(ctx)
    if route.cors and not ctx.dropped("cors", route.id):
        out += cors_headers(route.cors, ctx)
    ops = route.response_headers
    if ops and not ctx.dropped("headers.response", route.id):
        out += [Directive("add_header", (n, Lit(v), "always")) for n, v in ops.set]
        out += [Directive("proxy_hide_header", (n,)) for n in ops.remove + tuple(n for n, _ in ops.set)]
        ctx.result.mark("headers.response", route.id)
    return out


def _tail(route: Route, ctx: Context) -> Shared:
    """proxy_pass and upstream settings, cache, response headers and compression: marks for this route,
    nodes shared by the routes that ask for the same (a split names the route, so it is never shared)."""
    rid, mark = route.id, ctx.result.mark
    if route.split:
        mark("route.split", rid)
    for name in [route.service] if route.service else [s.service for s in route.split]:
        mark("service.timeouts", name)
        mark("service.retries", name)
    req = route.request_headers if route.request_headers and not ctx.dropped("headers.request", rid) else None
    if req:
        mark("headers.request", rid)
    cache = route.cache if route.cache and not ctx.dropped("cache", rid) else None
    if cache:
        mark("cache", rid)
        if cache.authenticated == "per_subject":
            mark("cache.per_subject", rid)
        report_rounding(ctx.result, cache.ttl_ms, "proxy_cache_valid", f"{cache.pointer}/ttl")
    cors = route.cors if route.cors and not ctx.dropped("cors", rid) else None
    ops = route.response_headers if route.response_headers and not ctx.dropped("headers.response", rid) else None
    if ops:
        mark("headers.response", rid)
    comp = route.compression
    algos = tuple(a for a, on in (("gzip", comp.gzip), ("brotli", comp.brotli))
                  if on and not ctx.dropped(f"compression.{a}", rid)) if comp else ()
    for algo in algos:
        mark(f"compression.{algo}", rid)
    key = ("tail", route.service, rid if route.split else None, route.auth, req and (req.set, req.remove),
           cache and (cache.ttl_ms, cache.key, cache.authenticated), cors and cors_key(cors),
           ops and (ops.set, ops.remove), algos and (comp.min_size, comp.level, comp.types, algos))
    return ctx.shared(key, lambda: _proxy(route, ctx) + cache_directives(route, ctx) + response_headers(route, ctx)
                      + compression_directives(route, ctx))


def route_body(route: Route, ctx: Context, check_method: bool = True, picked_limit: int | None = None
               ) -> list[Node]:
    """Everything inside a route's location, or its named location (then picked_limit is the body limit
    of the location nginx picked, which a lower limit here must re-check)."""
    out: list[Node] = [Directive("set", (Raw("$gwc_route"), Raw(ident(route.id))))]
    if route.cors and not ctx.dropped("cors", route.id):
        out.append(ctx.shared(("preflight", cors_key(route.cors)), lambda: [_preflight(route.cors, ctx)]))
        ctx.result.mark("cors", route.id)
    if route.methods and check_method:
        allowed = route.methods + (("OPTIONS",) if route.cors and "OPTIONS" not in route.methods else ())
        out.append(ctx.shared(("methods", allowed), lambda: [method_check(allowed, ctx)]))
    if route.methods:
        ctx.result.mark("route.methods", route.id)
    svc = ctx.gw.services[route.service] if route.service else None
    if route.rewrite and not (svc and svc.mock):
        out.append(rewrite_directive(route))
        ctx.result.mark("route.rewrite", route.id)
    out.append(_access(route, ctx, picked_limit))
    if svc and svc.mock:
        ctx.mock_routes[route.id] = route
        ctx.result.mark("service.mock", svc.name)
        out.append(Directive("try_files", ("/.gwc-mock", mock_named(route.id))))
        if route.rewrite:
            ctx.result.mark("route.rewrite", route.id)
        _mock_has_no_upstream(route, ctx)
        return out  # headers and compression live in the mock's named location
    out.append(_tail(route, ctx))
    return out


def _mock_has_no_upstream(route: Route, ctx: Context) -> None:
    """A mock is answered by the gateway itself: a response cache would only store the fixed answer, and
    request headers have no upstream to reach. Both are met by doing nothing (other targets agree)."""
    if route.cache:
        ctx.result.mark("cache", route.id)
        if route.cache.authenticated == "per_subject":
            ctx.result.mark("cache.per_subject", route.id)
    if route.request_headers:
        ctx.result.mark("headers.request", route.id)


def _preflight(cors: Cors, ctx: Context) -> Block:
    b = preflight_block(cors, ctx)
    b.children[:0] = request_id_header(ctx)
    return b
