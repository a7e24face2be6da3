"""Per-route policies decided once per route: rate limits, caching, request headers, CORS, IP rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from gwc.model import Cors, IpRules, Route

from .context import Context
from .values import quote_static

MAX_TTL_S = 3600
QUOTA_PERIODS = {"day": "DAY", "week": "WEEK", "month": "MONTH"}
# Headers an HTTP API cannot set or remove (API Gateway reserves them).
HTTP_RESERVED = ("access-control-", "apigw-", "x-amz-", "x-amzn-")
HTTP_RESERVED_NAMES = {"authorization", "connection", "content-encoding", "content-length", "content-location",
                       "forwarded", "keep-alive", "origin", "proxy-authenticate", "proxy-authorization", "te",
                       "trailers", "transfer-encoding", "upgrade", "x-forwarded-for", "x-forwarded-host",
                       "x-forwarded-proto", "via"}


@dataclass
class RoutePlan:
    """What one route asks of API Gateway, after the per-use decisions."""

    route: Route
    service: str
    security: list[dict]
    throttle: tuple[float, int] | None = None   # (rate per second, AWS burst = spec burst + 1)
    throttle_per: str = ""                      # "route" (stage method settings) or "api_key" (usage plan)
    quota: tuple[int, str] | None = None        # (requests, DAY/WEEK/MONTH)
    cache_ttl: int | None = None                # seconds, 1..3600
    cache_keys: list[tuple[str, str]] = field(default_factory=list)  # (in, name): query/header parameters
    request_parameters: dict[str, str] = field(default_factory=dict)
    cors: Cors | None = None
    ip: IpRules | None = None
    gzip_min: int | None = None


def rate_limit(ctx: Context, plan: RoutePlan) -> None:
    """Token buckets: per route in stage method settings, per API key in the usage plan."""
    r, rl = plan.route, plan.route.rate_limit
    if not rl or ctx.dropped(f"rate_limit.{rl.per}", r.id):
        if rl and rl.quota and not ctx.dropped("rate_limit.quota", r.id):
            ctx.cannot("rate_limit.quota", r.id, f"{rl.pointer}/quota", "API Gateway counts quotas per API key "
                       "(usage plans), not per client address")
        return
    if rl.per == "api_key" and not ctx.rest:
        ctx.cannot("rate_limit.api_key", r.id, rl.pointer, "HTTP APIs have no API keys or usage plans")
        return
    plan.throttle, plan.throttle_per = (float(rl.rate.per_second), rl.burst + 1), rl.per
    ctx.mark(f"rate_limit.{rl.per}", r.id)
    if rl.quota and not ctx.dropped("rate_limit.quota", r.id):
        if rl.per != "api_key" or not ctx.rest:
            ctx.cannot("rate_limit.quota", r.id, f"{rl.pointer}/quota",
                       "API Gateway counts quotas per API key in a usage plan (REST APIs, per: api_key only)")
        else:
            plan.quota = (rl.quota.requests, QUOTA_PERIODS[rl.quota.period])


def cache(ctx: Context, plan: RoutePlan) -> None:
    """Method caching (REST): TTL in whole seconds, 1..3600; path parameters and key parts as cache keys."""
    r, c = plan.route, plan.route.cache
    if not c or ctx.dropped("cache", r.id):
        return
    if not ctx.rest:
        ctx.cannot("cache", r.id, c.pointer, "HTTP APIs have no response cache (REST APIs do)")
        return
    if r.auth and c.authenticated == "bypass":
        ctx.cannot("cache", r.id, c.pointer, "API Gateway cannot bypass its cache for requests with credentials, "
                   "so one caller's response would be served to another",
                   fix="set cache.authenticated: per_subject or shared for this route, or pass --allow-lossy")
        return
    seconds = min(max(c.ttl_ms // 1000, 1), MAX_TTL_S)
    if seconds * 1000 != c.ttl_ms:
        ctx.warn("GWC303", f"route {r.id!r}: cache ttl {c.ttl_ms / 1000:g} s becomes {seconds} s (API Gateway "
                 f"takes whole seconds, at most {MAX_TTL_S})", f"{c.pointer}/ttl",
                 f"use a ttl of whole seconds between 1s and {MAX_TTL_S}s")
    plan.cache_ttl = seconds
    for part in c.key:
        kind, name = part.split(":", 1)
        plan.cache_keys.append(("query" if kind == "query" else "header", name))
    if c.authenticated == "per_subject":
        first = ctx.gw.auth[r.auth[0]] if r.auth else None
        if first is not None:
            plan.cache_keys.append(("header", "x-api-key" if first.kind == "api_key" else first.header))
        ctx.mark("cache.per_subject", r.id)
    ctx.mark("cache", r.id)


def request_headers(ctx: Context, plan: RoutePlan) -> None:
    """Static request headers: REST requestParameters ('value'), HTTP API overwrite:/remove:header."""
    r, ops = plan.route, plan.route.request_headers
    if not ops or ctx.dropped("headers.request", r.id):
        return
    pointer = f"{r.pointer}/headers/request"
    problems = []
    for name, value in ops.set:
        if ctx.rest:
            quoted = quote_static(value)
            if quoted is None:
                problems.append(f"the value of {name} holds a single quote (API Gateway has no escape for it)")
                continue
            plan.request_parameters[f"integration.request.header.{name}"] = quoted
        elif _reserved(name) or "$" in value:
            problems.append(f"{name}: " + ("API Gateway reserves this header" if _reserved(name)
                                          else "a '$' starts a mapping expression in HTTP API values"))
        else:
            plan.request_parameters[f"overwrite:header.{name}"] = value
    for name in ops.remove:
        if ctx.rest:
            problems.append(f"removing {name}: a REST http_proxy integration passes every client header on")
        elif _reserved(name):
            problems.append(f"removing {name}: API Gateway reserves this header")
        else:
            plan.request_parameters[f"remove:header.{name}"] = "''"
    if problems:
        ctx.cannot("headers.request", r.id, pointer, "; ".join(problems))
        if not ctx.options.allow_lossy:
            return
    ctx.mark("headers.request", r.id)


def _reserved(name: str) -> bool:
    low = name.lower()
    return low in HTTP_RESERVED_NAMES or low.startswith(HTTP_RESERVED)


def other_policies(ctx: Context, plan: RoutePlan) -> None:
    """CORS, IP rules and compression: collected here, expressed API-wide by the caller."""
    r = plan.route
    if r.cors and not ctx.dropped("cors", r.id):
        plan.cors = r.cors
        ctx.mark("cors", r.id)
    if r.ip and not ctx.dropped("ip_rules", r.id):
        if ctx.rest:
            plan.ip = r.ip
            ctx.mark("ip_rules", r.id)
        else:
            ctx.cannot("ip_rules", r.id, r.ip.pointer, "HTTP APIs have no resource policies (REST APIs do)")
    comp = r.compression
    if comp and comp.gzip and not ctx.dropped("compression.gzip", r.id):
        if ctx.rest:
            plan.gzip_min = comp.min_size
            ctx.mark("compression.gzip", r.id)
        else:
            ctx.cannot("compression.gzip", r.id, comp.pointer, "HTTP APIs do not compress responses")
