"""CORS: REST APIs answer preflights with generated OPTIONS mock methods; HTTP APIs take one API-wide
configuration (x-amazon-apigateway-cors)."""

from __future__ import annotations

from gwc.model import Cors

from .context import Context

ORIGIN_VTL = ('#set($origin = $input.params().header.get("Origin"))'
              '#if("$!origin" == "")#set($origin = $input.params().header.get("origin"))#{end}')


def policy(cors: Cors | None) -> tuple | None:
    """What a CORS policy answers with, without where the spec says it: routes with equal policies share
    their answers."""
    if cors is None:
        return None
    return cors.origins, cors.methods, cors.headers, cors.expose_headers, cors.credentials, cors.max_age_s


def origin_vtl(cors: Cors) -> str:
    """VTL that echoes the request's Origin when it is allowed (origins are schema-checked URLs: no quotes)."""
    if "*" in cors.origins:
        return ""
    test = " || ".join(f'$origin == "{o}"' for o in cors.origins)
    echo = "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)"
    return f"{ORIGIN_VTL}#if({test}){echo}#{{end}}"


def static_headers(cors: Cors, preflight: bool) -> dict[str, str]:
    """CORS headers with fixed values (name -> value, unquoted)."""
    out = {"Vary": "Origin"}
    if "*" in cors.origins:
        out["Access-Control-Allow-Origin"] = "*"
    if cors.credentials:
        out["Access-Control-Allow-Credentials"] = "true"
    if preflight:
        out["Access-Control-Allow-Methods"] = ", ".join(cors.methods)
        if cors.headers:
            out["Access-Control-Allow-Headers"] = ", ".join(cors.headers)
        out["Access-Control-Max-Age"] = str(cors.max_age_s)
    elif cors.expose_headers:
        out["Access-Control-Expose-Headers"] = ", ".join(cors.expose_headers)
    return out


def gateway_response_headers(ctx: Context, policies: list[tuple[str, Cors]]) -> dict[str, str]:
    """CORS headers for API Gateway's own error answers, which are API-wide: only when every CORS route
    shares one policy whose origin is fixed (one origin or '*')."""
    distinct = {policy(c): c for _, c in policies}  # equal policies of several routes count once
    if not distinct:
        return {}
    cors = next(iter(distinct.values()))
    if len(distinct) == 1 and (len(cors.origins) == 1 or "*" in cors.origins):
        out = static_headers(cors, preflight=False)
        out["Access-Control-Allow-Origin"] = "*" if "*" in cors.origins else cors.origins[0]
        return out
    why = f"the routes use {len(distinct)} different CORS policies" if len(distinct) > 1 else \
        f"the CORS policy allows {len(cors.origins)} origins"
    ctx.warn("GWC303", "API Gateway's own error answers (401, 403, 429, 5xx) are API-wide and carry no CORS "
             f"headers here: {why}, so browsers cannot read those error bodies",
             policies[0][1].pointer, "use one CORS policy with one origin (or '*') to get CORS headers on errors")
    return {}


def http_cors(ctx: Context, policies: list[tuple[str, Cors]], all_routes: list[str]) -> dict | None:
    """x-amazon-apigateway-cors for an HTTP API: one policy for the whole API."""
    if not policies:
        return None
    first_route, cors = policies[0]
    for route_id, other in policies[1:]:
        if policy(other) != policy(cors):
            ctx.warn("GWC303", f"route {route_id!r}: HTTP APIs have one CORS policy for the whole API; the policy "
                     f"of route {first_route!r} applies here too", other.pointer,
                     "give every route the same CORS policy (or use a REST API)")
    with_cors = {r for r, _ in policies}
    without = [r for r in all_routes if r not in with_cors]
    if without:
        ctx.warn("GWC303", f"HTTP APIs apply CORS to every route: {len(without)} route(s) without cors in the spec "
                 f"({', '.join(without[:5])}{', ...' if len(without) > 5 else ''}) answer preflights and get CORS "
                 "headers too", cors.pointer, "set the same cors on every route, or use a REST API")
    out = {"allowOrigins": list(cors.origins), "allowMethods": list(cors.methods),
           "allowCredentials": cors.credentials, "maxAge": cors.max_age_s}
    if cors.headers:
        out["allowHeaders"] = list(cors.headers)
    if cors.expose_headers:
        out["exposeHeaders"] = list(cors.expose_headers)
    return out
