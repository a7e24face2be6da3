"""How gwc explain, gwc routes and gwc init present their results: text, JSON, the route table and the
starter spec (no I/O; the CLI prints)."""

from __future__ import annotations

from gwc.explain import Explanation, label, route_order, written
from gwc.model import Gateway, Route
from gwc.values import format_seconds


def _route_data(route: Route) -> dict:
    return {"id": route.id, "kind": route.match.kind, "path": route.match.path, "written": written(route),
            "methods": list(route.methods) if route.methods else None, "declared": route.index + 1}


def explanation_json(e: Explanation) -> dict:
    """The explanation as JSON-ready data."""
    return {
        "request": {"method": e.method, "path": e.path, "query": e.query or None},
        "status": e.status, "reason": e.reason,
        "route": _route_data(e.route) if e.route else None,
        "params": e.params, "upstream_path": e.upstream_path,
        "allowed": list(e.allowed) if e.status == 405 else None,
        "policies": e.policies,
        "shadowed": [{**_route_data(s.route), "reason": s.reason, "accepts_method": s.accepts_method}
                     for s in e.shadowed],
        "notes": e.notes,
    }


def _policy_lines(p: dict) -> list[str]:
    def src(d: dict) -> str:
        return f"  (from {d['from']})" if d.get("from") == "defaults" else ""

    lines = []
    if p["auth"]:
        parts = []
        for a in p["auth"]:
            if a.get("kind") == "jwt":
                parts.append(f"{a['name']} (jwt, issuer {a['issuer'] or '-'}, audiences "
                             f"{', '.join(a['audiences']) or '-'})")
            elif a.get("kind") == "api_key":
                parts.append(f"{a['name']} (api key in {' or '.join(a['in'])}, keys {a['keys']})")
            else:
                parts.append(a["name"])
        lines.append(f"auth          {' or '.join(parts)}")
    else:
        lines.append("auth          none (public)")
    rl = p["rate_limit"]
    lines.append("rate limit    " + ("none" if rl is None else f"{rl['rate']} burst {rl['burst']} per {rl['per']}"
                                     + (f", quota {rl['quota']['requests']}/{rl['quota']['period']}"
                                        if rl.get("quota") else "") + src(rl)))
    c = p["cache"]
    lines.append("cache         " + ("none" if c is None else f"ttl {c['ttl']}, authenticated {c['authenticated']}"
                                     + (f", key {', '.join(c['key'])}" if c["key"] else "") + src(c)))
    z = p["compression"]
    lines.append("compression   " + ("none" if z is None else ", ".join(
        n for n, on in (("gzip", z["gzip"]), ("brotli", z["brotli"])) if on) + f" level {z['level']}, "
        f"min {z['min_size']}" + src(z)))
    o = p["cors"]
    lines.append("cors          " + ("none" if o is None else f"origins {', '.join(o['origins'])}; methods "
                                     f"{', '.join(o['methods'])}; credentials {str(o['credentials']).lower()}"
                                     + src(o)))
    for side in ("request", "response"):
        h = p["headers"][side]
        ops = [f"set {k}: {v}" for k, v in h["set"].items()] + [f"remove {n}" for n in h["remove"]]
        if ops:
            lines.append(f"{side + ' hdrs':14}{'; '.join(ops)}")
    b = p["body_limit"]
    lines.append("body limit    " + ("none set by gwc" if b is None else b["size"] + src(b)))
    ip = p["ip"]
    lines.append("ip            " + ("any client" if ip is None else "; ".join(
        f"{k} {', '.join(ip[k])}" for k in ("allow", "deny") if ip[k]) + src(ip)))
    for u in p["upstream"]:
        head = f"upstream      {u['service']}" + (f" (weight {u['weight']})" if "weight" in u else "")
        if "mock" in u:
            lines.append(f"{head}: answered by the gateway (mock {u['mock']['status']} {u['mock']['content_type']})")
            continue
        if "instances" not in u:
            lines.append(head)
            continue
        inst = ", ".join(i["url"] + (f" w{i['weight']}" if i["weight"] != 1 else "") + (" backup" if i["backup"]
                                                                                          else "")
                         for i in u["instances"])
        t = u["timeouts"]
        r = u["retries"]
        lines.append(f"{head}: {inst}; {u['balance']}; timeouts connect {t['connect']} read {t['read']} send "
                     f"{t['send']}; retries " + (f"{r['attempts']} on {', '.join(r['on'])}" if r else "none"))
    return lines


def explanation_text(e: Explanation) -> str:
    """The explanation for people."""
    target = e.path + (f"?{e.query}" if e.query else "")
    lines = [f"{e.method} {target}"]
    if e.status == 404:
        lines.append(f"404 Not Found: {e.reason}")
    elif e.status == 405:
        lines.append(f"405 Method Not Allowed: {e.reason}")
        lines.append(f"Allow: {', '.join(e.allowed)}")
    else:
        r = e.route
        lines.append(f"route         {label(r)}, declared #{r.index + 1}")
        lines.append(f"why           {e.reason}")
        lines.append(f"methods       {', '.join(r.methods) if r.methods else 'any'}")
        if e.params:
            lines.append("params        " + ", ".join(f"{k}={v}" for k, v in e.params.items()))
        lines.append(f"upstream path {e.upstream_path}")
        lines += _policy_lines(e.policies)
    if e.shadowed:
        lines.append("also matching the path, but not answering:")
        lines += [f"  {label(s.route)}: {s.reason}" for s in e.shadowed]
    lines += [f"note: {n}" for n in e.notes]
    return "\n".join(lines) + "\n"


# --- route table --------------------------------------------------------------------------------------

def route_table(gw: Gateway) -> list[dict]:
    """The effective routes in precedence order, one row each."""
    rows = []
    for r in route_order(gw):
        rl, cache = r.rate_limit, r.cache
        rows.append({
            "id": r.id, "kind": r.match.kind, "path": r.match.path,
            "methods": list(r.methods) if r.methods else None,
            "service": r.service, "split": [{"service": s.service, "weight": s.weight} for s in r.split] or None,
            "auth": list(r.auth) or None,
            "rate_limit": None if rl is None else f"{rl.rate.text} burst {rl.burst} per {rl.per}",
            "cache": None if cache is None else format_seconds(cache.ttl_ms),
            "declared": r.index + 1,
        })
    return rows


TABLE_COLUMNS = ("#", "id", "kind", "path", "methods", "service", "auth", "rate limit", "cache")


def route_table_text(rows: list[dict]) -> str:
    """The route table as aligned text."""
    body = []
    for i, row in enumerate(rows, 1):
        upstream = row["service"] or " ".join(f"{s['service']}:{s['weight']}" for s in row["split"] or [])
        body.append((str(i), row["id"], row["kind"], row["path"], ",".join(row["methods"] or ["any"]), upstream,
                     ",".join(row["auth"] or ["none"]), row["rate_limit"] or "none", row["cache"] or "none"))
    widths = [max(len(c) for c in col) for col in zip(TABLE_COLUMNS, *body)]
    return "".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() + "\n"
                   for line in [TABLE_COLUMNS, *body])


# --- gwc init -----------------------------------------------------------------------------------------

def starter_spec(schema_id: str) -> str:
    """A commented starter spec; the first line points editors at the JSON Schema."""
    return f"""# yaml-language-server: $schema={schema_id}
# A starter gwc spec. Check it with `gwc validate gateway.yaml`; the reference is docs/spec.md.
gwc: 1                                # spec format version, always 1
name: my-api                          # used in generated resource names
title: My API
version: "0.1.0"                      # quote it

services:                             # the upstreams, by name
  app:
    url: "http://127.0.0.1:8080"
    timeouts: {{connect: 2s, read: 30s}}
    retries: {{attempts: 2}}            # on connect errors, 502, 503, 504; idempotent methods only
  status:                             # answered by the gateway itself
    mock: {{status: 200, json: {{status: ok}}}}

auth:                                 # named methods that routes refer to
  users:
    jwt:
      issuer: https://login.example.com/
      audiences: [my-api]
      jwks: {{url: "https://login.example.com/.well-known/jwks.json"}}
  partners:
    api_key:                          # the keys stay behind a reference, never in the spec
      header: X-API-Key
      keys: {{env: PARTNER_API_KEYS}}

defaults:                             # every route gets these unless it sets its own (or 'none')
  auth: users
  rate_limit: {{rate: 100/s, burst: 50}}   # per client IP
  body_limit: 1MiB
  headers:
    response: {{set: {{X-Content-Type-Options: nosniff}}}}

routes:                               # exact paths, then {{params}}, then the longest prefix
  - path: /health
    methods: [GET]
    service: status
    auth: none                        # public
    rate_limit: none
  - path: /items/{{id}}                 # {{id}} matches one path segment
    methods: [GET, PUT, DELETE]
    service: app
    cache: {{ttl: 30s, authenticated: per_subject}}
  - prefix: /partner/                 # everything under /partner/
    service: app
    auth: partners
    rewrite: /api/partner/
  - prefix: /api                      # /api itself and everything under /api/
    service: app
"""
