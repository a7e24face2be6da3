"""Response caching: cache-lookup (inbound) and cache-store (outbound), APIM's internal cache.

- APIM looks up GET requests only (HEAD is not cached) and stores 200 responses; the TTL is whole seconds.
- The key is the operation's URL plus the `vary-by-header` / `vary-by-query-parameter` listed: gwc lists
  the spec's `cache.key` parts, and query parameters not listed are not part of the key (APIM documents
  no way to vary by the whole query string; GWC303 says so for each cached route).
- `authenticated: bypass`: `allow-private-response-caching="false"` (APIM neither serves nor stores a
  request with an Authorization header), and on a route with authentication both policies sit in a
  <choose> that skips them when the request carries any of the route's credentials (token header or query
  parameter, a subscription key).
- `per_subject`: private caching allowed, varied by the token header (and query parameter) or the
  subscription key's header and query parameter: per token or key, not per subject.
- `shared`: private caching allowed, no variation by credentials.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from gwc.model import ApiKeyAuth, Route

from .context import Context
from .values import cs_string
from .xmldoc import choose, el


def _credential_places(ctx: Context, route: Route, key_names: dict[str, str]) -> tuple[list[str], list[str]]:
    """(headers, query parameters) that carry the route's credentials."""
    headers, queries = [], []
    for name in route.auth:
        m = ctx.gw.auth[name]
        if isinstance(m, ApiKeyAuth):
            headers.append(key_names["header"])
            queries.append(key_names["query"])
        else:
            headers.append(m.header)
            if m.query:
                queries.append(m.query)
    return list(dict.fromkeys(headers)), list(dict.fromkeys(queries))


def cache_policies(ctx: Context, route: Route, key_names: dict[str, str]) -> tuple[list[Element], list[Element]]:
    """(inbound, outbound) caching policies of the route, marked and reported."""
    c = route.cache
    if not c or ctx.dropped("cache", route.id):
        return [], []
    seconds = max(c.ttl_ms // 1000, 1)
    if seconds * 1000 != c.ttl_ms:
        ctx.warn("GWC303", f"route {route.id!r}: cache ttl {c.ttl_ms / 1000:g} s becomes {seconds} s (APIM takes "
                 "whole seconds)", f"{c.pointer}/ttl", "use a ttl of whole seconds")
    headers = [p.split(":", 1)[1] for p in c.key if p.startswith("header:")]
    queries = [p.split(":", 1)[1] for p in c.key if p.startswith("query:")]
    ctx.warn("GWC303", f"route {route.id!r}: the APIM cache key holds the path"
             + (f" and the query parameters {', '.join(queries)}" if queries else "")
             + "; requests that differ only in other query parameters share one cached response",
             c.pointer, "list in cache.key every query parameter the response depends on (query:NAME)")
    cred_headers, cred_queries = _credential_places(ctx, route, key_names)
    private = c.authenticated != "bypass"
    if c.authenticated == "per_subject":
        headers += cred_headers  # a public route has no subject: one entry for everybody, as the spec says
        queries += cred_queries
        ctx.mark("cache.per_subject", route.id)
    ctx.mark("cache", route.id)
    condition = None
    if c.authenticated == "bypass" and route.auth:
        present = " || ".join([f"context.Request.Headers.ContainsKey({cs_string(h)})"
                               for h in dict.fromkeys(["Authorization", *cred_headers])]
                              + [f"context.Request.Url.Query.ContainsKey({cs_string(q)})" for q in cred_queries]
                              + ["context.Subscription != null"] * any(
                                  isinstance(ctx.gw.auth[n], ApiKeyAuth) for n in route.auth))
        condition = f"@(!({present}))"
    key = ("cache", seconds, tuple(dict.fromkeys(headers)), tuple(dict.fromkeys(queries)), private, condition)
    return ctx.share(key, lambda: _elements(*key[1:]))


def _elements(seconds: int, headers: tuple[str, ...], queries: tuple[str, ...], private: bool,
              condition: str | None) -> tuple[list[Element], list[Element]]:
    """cache-lookup and cache-store, inside a <choose> on `condition` when there is one."""
    lookup = el("cache-lookup", {"vary-by-developer": "false", "vary-by-developer-groups": "false",
                                 "downstream-caching-type": "none", "caching-type": "internal",
                                 "allow-private-response-caching": "true" if private else "false"},
                [el("vary-by-header", text=h) for h in headers]
                + [el("vary-by-query-parameter", text=q) for q in queries])
    store = el("cache-store", {"duration": str(seconds)})
    if condition:
        return [choose(condition, [lookup])], [choose(condition, [store])]
    return [lookup], [store]
