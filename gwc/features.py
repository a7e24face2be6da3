"""The features of the model that a target must express, and where a gateway uses them.

Each target's fidelity table has one row per feature id below; `used_features` lists every use with
an owner (a route id, a service name, an auth name or 'gateway') and the pointer to report it at.
"""

from __future__ import annotations

from typing import NamedTuple

from gwc.model import Gateway

FEATURES: dict[str, str] = {
    "route.exact": "route by exact path",
    "route.params": "route by path with {params} (one segment each)",
    "route.prefix": "route by path prefix",
    "route.methods": "match on HTTP method (others get 405)",
    "route.rewrite": "rewrite the upstream path",
    "route.split": "split traffic between services by weight",
    "hosts": "answer only for the listed host names",
    "service.instances": "several weighted instances of one service",
    "service.balance": "balancing method (least_conn, ip_hash)",
    "service.timeouts": "connect/read/send timeouts",
    "service.retries": "retries on errors and status codes",
    "service.health": "passive health (max_fails, fail_timeout)",
    "service.mock": "answers served by the gateway itself",
    "service.https": "TLS to the upstream with certificate verification",
    "auth.jwt": "JWT validation (signature, issuer, audience, expiry)",
    "auth.api_key": "API keys (header or query)",
    "auth.any_of": "several auth methods, any one is enough",
    "rate_limit.client_ip": "rate limit per client IP (token bucket)",
    "rate_limit.api_key": "rate limit per API key (token bucket)",
    "rate_limit.route": "one rate limit for the whole route",
    "rate_limit.quota": "a long-term quota (requests per day, week or month)",
    "cache": "response caching with a TTL",
    "cache.per_subject": "cache authenticated responses per subject",
    "compression.gzip": "gzip responses above a minimum size",
    "compression.brotli": "brotli responses above a minimum size",
    "cors": "CORS preflight and response headers",
    "headers.request": "set/remove request headers",
    "headers.response": "set/remove response headers",
    "body_limit": "maximum request body size (413)",
    "ip_rules": "client IP allow/deny (403)",
    "trusted_proxies": "client IP from X-Forwarded-For of trusted proxies",
    "observability.access_log": "structured access log",
    "observability.request_id": "request id passed upstream and returned",
    "observability.tracing": "W3C trace-context propagation",
    "observability.metrics": "metrics/status endpoint",
    "tls": "serve HTTPS",
}


class Use(NamedTuple):
    """One use of a feature: which feature, who uses it, and the pointer to report it at (a tuple: a large
    spec has hundreds of thousands, and they sort as (feature, owner, pointer))."""

    feature: str
    owner: str
    pointer: str


def _route_uses(gw: Gateway) -> list[Use]:
    out = []
    for r in gw.routes:
        add = lambda f, p=r.pointer: out.append(Use(f, r.id, p))  # noqa: E731
        add(f"route.{r.match.kind}")
        if r.methods:
            add("route.methods", f"{r.pointer}/methods")
        if r.rewrite:
            add("route.rewrite", f"{r.pointer}/rewrite")
        if r.split:
            add("route.split", f"{r.pointer}/split")
        kinds = [gw.auth[a].kind for a in r.auth if a in gw.auth]
        for kind in sorted(set(kinds)):
            add(f"auth.{kind}")
        if len(r.auth) > 1:
            add("auth.any_of")
        if r.rate_limit:
            add(f"rate_limit.{r.rate_limit.per}", r.rate_limit.pointer)
            if r.rate_limit.quota:
                add("rate_limit.quota", f"{r.rate_limit.pointer}/quota")
        if r.cache:
            add("cache", r.cache.pointer)
            if r.cache.authenticated == "per_subject":
                add("cache.per_subject", r.cache.pointer)
        if r.compression:
            for algo in ("gzip", "brotli"):
                if getattr(r.compression, algo):
                    add(f"compression.{algo}", r.compression.pointer)
        if r.cors:
            add("cors", r.cors.pointer)
        if r.request_headers:
            add("headers.request")
        if r.response_headers:
            add("headers.response")
        if r.body_limit is not None:
            add("body_limit", r.body_limit_pointer)
        if r.ip:
            add("ip_rules", r.ip.pointer)
    return out


def _service_uses(gw: Gateway) -> list[Use]:
    """Uses by the services routes reach (an unused service has no behaviour to express)."""
    out = []
    reached = {r.service for r in gw.routes if r.service} | {s.service for r in gw.routes for s in r.split}
    for s in (gw.services[n] for n in sorted(reached) if n in gw.services):
        add = lambda f, p=s.pointer: out.append(Use(f, s.name, p))  # noqa: E731
        if s.mock:
            add("service.mock", f"{s.pointer}/mock")
            continue
        if len(s.instances) > 1:
            add("service.instances", f"{s.pointer}/targets")
        if s.balance != "round_robin":
            add("service.balance", f"{s.pointer}/balance")
        if s.timeouts_set:
            add("service.timeouts", f"{s.pointer}/timeouts")
        if s.retries:
            add("service.retries", f"{s.pointer}/retries")
        if s.health_set:
            add("service.health", f"{s.pointer}/health")
        if s.scheme == "https":
            add("service.https")
    return out


def _gateway_uses(gw: Gateway) -> list[Use]:
    out = []
    add = lambda f, p: out.append(Use(f, "gateway", p))  # noqa: E731
    o = gw.observability
    if gw.hosts:
        add("hosts", "/hosts")
    if gw.trusted_proxies:
        add("trusted_proxies", "/trusted_proxies")
    # Defaults a target applies on its own (nginx logs and propagates ids unless told not to) are not
    # uses: only what the spec asks for must be expressed by every target.
    if o.log_format != "none" and "access_log" in o.explicit:
        add("observability.access_log", "/observability/access_log")
    if o.request_id and "request_id" in o.explicit:
        add("observability.request_id", "/observability/request_id")
    if o.tracing != "none" and "tracing" in o.explicit:
        add("observability.tracing", "/observability/tracing")
    if o.metrics_path:
        add("observability.metrics", "/observability/metrics")
    if gw.tls:
        add("tls", "/tls")
    return out


class Uses(NamedTuple):
    """A gateway's feature uses in three shapes, each asked for by every target."""

    all: tuple[Use, ...]                          # sorted: by feature, then owner, then pointer
    by_feature: dict[str, tuple[Use, ...]]        # in the same order
    pairs: frozenset[tuple[str, str]]             # (feature, owner)


_CACHE: dict[int, tuple[Gateway, Uses]] = {}


def feature_uses(gw: Gateway) -> Uses:
    """Every use of every feature in the gateway. Computed once per gateway object: the pipeline and every
    target ask for it (the model is frozen, so the answer cannot change)."""
    hit = _CACHE.get(id(gw))
    if hit is not None and hit[0] is gw:
        return hit[1]
    uses = tuple(sorted(_gateway_uses(gw) + _service_uses(gw) + _route_uses(gw)))
    by_feature: dict[str, list[Use]] = {}
    for use in uses:
        by_feature.setdefault(use.feature, []).append(use)
    answer = Uses(uses, {f: tuple(u) for f, u in by_feature.items()}, frozenset((u.feature, u.owner) for u in uses))
    if len(_CACHE) >= 8:
        _CACHE.clear()
    _CACHE[id(gw)] = (gw, answer)
    return answer


def used_features(gw: Gateway) -> tuple[Use, ...]:
    """Every use of every feature in the gateway, in a stable order (sorted)."""
    return feature_uses(gw).all
