"""Turn a schema-valid document into the typed model: defaults applied, values parsed, keys loaded.

Reference and shape problems the schema cannot see are reported here as located diagnostics; the
route-table analysis lives in gwc.check.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from gwc import jwks
from gwc.diagnostics import Diagnostic
from gwc.load import Document
from gwc.model import (
    ApiKeyAuth,
    Auth,
    Cache,
    Compression,
    Cors,
    Gateway,
    HeaderOps,
    Instance,
    IpRules,
    JwtAuth,
    JwtKey,
    Mock,
    Observability,
    Quota,
    RateLimit,
    Retries,
    Route,
    SecretRef,
    Service,
    Split,
    Tls,
)
from gwc.paths import make_match, path_problems, route_id_base
from gwc.values import duration_ms, parse_rate, size_bytes

DEFAULT_TYPES = ("application/json", "application/javascript", "application/xml", "text/css",
                 "text/html", "text/plain", "text/xml")
POLICY_KEYS = ("auth", "rate_limit", "cache", "compression", "cors", "headers", "body_limit", "ip")


def _secret(value: dict) -> SecretRef:
    (kind, ref), = value.items()
    return SecretRef(kind, ref)


def _instance(url: str, weight: int = 1, backup: bool = False) -> Instance:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return Instance(parts.scheme, host, port, weight, backup)


def _service(name: str, raw: dict, pointer: str) -> Service:
    timeouts, health = raw.get("timeouts", {}), raw.get("health", {})
    mock = None
    if "mock" in raw:
        m = raw["mock"]
        if "json" in m:
            body, ctype = json.dumps(m["json"], sort_keys=True, separators=(",", ":")), "application/json"
        else:
            body, ctype = m.get("body", ""), "text/plain"
        mock = Mock(m.get("status", 200), body, m.get("content_type", ctype),
                    tuple(sorted(m.get("headers", {}).items())))
    if "url" in raw:
        instances = (_instance(raw["url"]),)
    else:
        instances = tuple(_instance(t["url"], t.get("weight", 1), t.get("backup", False))
                          for t in raw.get("targets", ()))
    retries = None
    if "retries" in raw:
        r = raw["retries"]
        retries = Retries(r["attempts"], tuple(str(x) for x in r.get("on", ["connect_error", "502", "503", "504"])),
                          r.get("non_idempotent", False))
    return Service(
        name=name, pointer=pointer, instances=instances, balance=raw.get("balance", "round_robin"),
        connect_timeout_ms=duration_ms(timeouts.get("connect", "5s")),
        read_timeout_ms=duration_ms(timeouts.get("read", "60s")),
        send_timeout_ms=duration_ms(timeouts.get("send", "60s")),
        retries=retries, max_fails=health.get("max_fails", 1),
        fail_timeout_ms=duration_ms(health.get("fail_timeout", "10s")),
        keepalive=raw.get("keepalive", 16), tls_verify=raw.get("tls_verify", True), mock=mock,
        timeouts_set="timeouts" in raw, health_set="health" in raw)


class _Builder:
    def __init__(self, doc: Document, read_file) -> None:
        self.doc = doc
        self.read_file = read_file
        self.diags: list[Diagnostic] = []
        self.explicit_names = {r["name"].replace("-", "_") for r in doc.data["routes"] if "name" in r}

    def error(self, code: str, message: str, pointer: str, hint: str) -> None:
        self.diags.append(self.doc.diag(code, message, pointer, hint))

    def jwt(self, name: str, raw: dict, pointer: str) -> JwtAuth:
        keys: list[JwtKey] = []
        jw = raw.get("jwks", {})
        if "file" in jw:
            try:
                text = self.read_file(jw["file"], self.doc.source(f"{pointer}/jwks/file"))
                keys = [JwtKey(k["kid"], k["alg"], k["spki"]) for k in jwks.jwks_to_keys(json.loads(text))]
            except OSError as exc:
                self.error("GWC216", f"cannot read the JWKS file {jw['file']!r}: {exc.strerror or exc}",
                           f"{pointer}/jwks/file", "the path is relative to the file that names it")
            except (ValueError, KeyError, TypeError) as exc:
                self.error("GWC216", f"the JWKS file {jw['file']!r} is not a usable JWKS: {exc}",
                           f"{pointer}/jwks/file", "give a JSON Web Key Set with public RSA or EC keys")
        algorithms = raw.get("algorithms")
        if not algorithms:
            algorithms = sorted({k.alg for k in keys} | ({"HS256"} if "secret" in raw else set()))
            if not algorithms and "url" in jw:
                algorithms = ["RS256"]
        return JwtAuth(name=name, pointer=pointer, issuer=raw.get("issuer"),
                       audiences=tuple(raw.get("audiences", ())), algorithms=tuple(algorithms),
                       keys=tuple(keys), jwks_url=jw.get("url"), jwks_file=jw.get("file"),
                       secret=_secret(raw["secret"]) if "secret" in raw else None,
                       leeway_s=duration_ms(raw.get("leeway", "30s")) // 1000,
                       header=raw.get("header", "Authorization"), scheme=raw.get("scheme", "Bearer"),
                       query=raw.get("query"))

    def auth(self, name: str, raw: dict, pointer: str) -> Auth:
        if "jwt" in raw:
            return self.jwt(name, raw["jwt"], f"{pointer}/jwt")
        a = raw["api_key"]
        header = a.get("header", None if "query" in a else "X-API-Key")
        return ApiKeyAuth(name=name, pointer=f"{pointer}/api_key", keys=_secret(a["keys"]), header=header,
                          query=a.get("query"), format=a.get("format", "plain"))

    def policy(self, route: dict, defaults: dict, key: str, ri: int) -> tuple[object, str]:
        """The effective value of a policy and the pointer it came from ('none' becomes None)."""
        if key in route:
            value, pointer = route[key], f"/routes/{ri}/{key}"
        elif key in defaults:
            value, pointer = defaults[key], f"/defaults/{key}"
        else:
            return None, ""
        return (None if value == "none" else value), pointer

    def routes(self, ri: int, raw: dict, defaults: dict, used_ids: set[str]) -> list[Route]:
        """The routes of one spec route. A prefix written without its trailing '/' ('/users') matches the path
        itself and everything under it: it becomes the prefix '/users/' plus a companion exact route."""
        prefix = raw.get("prefix", "")
        if not prefix or prefix.endswith("/"):
            route = self.route(ri, raw, defaults, used_ids)
            return [route] if route else []
        rewrite = raw.get("rewrite")
        if rewrite and rewrite.endswith("/") and rewrite != "/":
            self.error("GWC205", "the prefix has no trailing '/', so the rewrite must not have one either",
                       f"/routes/{ri}/rewrite", f"write rewrite: {rewrite.rstrip('/')}")
            return []
        main = self.route(ri, {**raw, "prefix": prefix + "/", **({"rewrite": rewrite.rstrip("/") + "/"}
                                                                   if rewrite else {})}, defaults, used_ids)
        if main is None:
            return []
        bare = {k: v for k, v in raw.items() if k not in ("prefix", "name")}
        bare["path"] = prefix
        if "name" in raw:
            bare["name"] = f"{raw['name']}-base"
        base = self.route(ri, bare, defaults, used_ids)
        if base is None:
            return [main]
        return [replace(main, covers_base=True), replace(base, base_of=main.id)]

    def route(self, ri: int, raw: dict, defaults: dict, used_ids: set[str]) -> Route | None:
        pointer = f"/routes/{ri}"
        kind = "prefix" if "prefix" in raw else "path"
        path = raw[kind]
        problems = path_problems(path, kind)
        for problem in problems:
            self.error("GWC209", problem, f"{pointer}/{kind}", "see 'Routes' in docs/spec.md")
        if problems:
            return None
        match = make_match(path, kind)
        if "name" in raw:
            rid = raw["name"]
            if rid.replace("-", "_") in used_ids:
                self.error("GWC222", f"route name {rid!r} is already used by another route", f"{pointer}/name",
                           "route names must be unique ('-' and '_' count as the same)")
                return None
        else:
            base = rid = route_id_base(match)
            n = 2
            while rid in used_ids or rid in self.explicit_names:
                rid, n = f"{base}_{n}", n + 1
        used_ids.add(rid.replace("-", "_"))
        get = lambda key: self.policy(raw, defaults, key, ri)  # noqa: E731
        auth, _ = get("auth")
        rl, rl_ptr = get("rate_limit")
        cache, cache_ptr = get("cache")
        comp, comp_ptr = get("compression")
        cors, cors_ptr = get("cors")
        ip, ip_ptr = get("ip")
        body, body_ptr = get("body_limit")
        if body_ptr and body is None:
            body = 0  # 'none': no limit
        elif body is not None and size_bytes(body) == 0:
            self.error("GWC207", "a body limit of 0 bytes would refuse every body", body_ptr,
                       "write body_limit: none for no limit, or a size above 0")
        headers = _merged_headers(defaults.get("headers", {}), raw.get("headers", {}))
        return Route(
            id=rid, index=ri, pointer=pointer, match=match,
            methods=tuple(raw["methods"]) if "methods" in raw else None,
            service=raw.get("service"),
            split=tuple(Split(s["service"], s["weight"]) for s in raw.get("split", ())),
            rewrite=raw.get("rewrite"),
            auth=(auth,) if isinstance(auth, str) else tuple(auth or ()),
            rate_limit=RateLimit(parse_rate(rl["rate"]), rl.get("burst", 0), rl.get("per", "client_ip"), rl_ptr,
                                 Quota(rl["quota"]["requests"], rl["quota"]["period"]) if "quota" in rl else None)
            if rl else None,
            cache=Cache(duration_ms(cache["ttl"]), tuple(cache.get("key", ())), cache.get("authenticated", "bypass"),
                        cache_ptr) if cache else None,
            compression=Compression(comp.get("gzip", True), comp.get("brotli", False),
                                    size_bytes(comp.get("min_size", "1KiB")), comp.get("level", 5),
                                    tuple(sorted(comp.get("types", DEFAULT_TYPES))), comp_ptr)
            if comp and (comp.get("gzip", True) or comp.get("brotli", False)) else None,
            cors=Cors(tuple(cors["origins"]), tuple(cors.get("methods", ("GET", "POST"))),
                      tuple(cors.get("headers", ("Authorization", "Content-Type"))),
                      tuple(cors.get("expose_headers", ())), cors.get("credentials", False),
                      duration_ms(cors.get("max_age", "10m")) // 1000, cors_ptr) if cors else None,
            request_headers=headers[0], response_headers=headers[1],
            body_limit=size_bytes(body) if body is not None else None, body_limit_pointer=body_ptr,
            ip=IpRules(tuple(ip.get("allow", ())), tuple(ip.get("deny", ())), ip_ptr) if ip else None,
        )


def _merged_headers(defaults: dict, route: dict) -> tuple[HeaderOps, HeaderOps]:
    """Default header operations with the route's on top: the route wins on a name it sets or removes."""
    out = []
    for side in ("request", "response"):
        d, r = defaults.get(side, {}), route.get(side, {})
        route_removes = {n.lower() for n in r.get("remove", ())}
        route_sets = {n.lower() for n in r.get("set", {})}
        merged = {n: v for n, v in d.get("set", {}).items() if n.lower() not in route_removes}
        merged.update(r.get("set", {}))
        removed = sorted({n for n in d.get("remove", ()) if n.lower() not in route_sets} | set(r.get("remove", ())))
        out.append(HeaderOps(tuple(sorted(merged.items())), tuple(removed), ""))
    return out[0], out[1]


def _observability(raw: dict) -> Observability:
    log, metrics = raw.get("access_log", {}), raw.get("metrics")
    return Observability(
        log_format=log.get("format", "json"), log_path=log.get("path", "logs/access.log"),
        log_fields=tuple(log.get("fields", ())), request_id=raw.get("request_id", True),
        tracing=raw.get("tracing", {}).get("propagate", "w3c"),
        metrics_path=metrics["path"] if metrics else None,
        metrics_allow=tuple(metrics["allow"]) if metrics else (), explicit=tuple(sorted(raw)))


def build_gateway(doc: Document, read_file=None) -> tuple[Gateway | None, list[Diagnostic]]:
    """Build the model from a schema-valid document. `read_file(relpath) -> str` reads compile-time inputs
    (JWKS files) relative to the spec; the default reads from the folder of the file that names them (the
    spec, or the included file)."""
    if read_file is None:
        def reader(rel: str, source: str) -> str:  # relative to the file that names it (an include's own folder)
            return (Path(source).parent / rel).read_text(encoding="utf-8")
    else:
        def reader(rel: str, source: str) -> str:
            return read_file(rel)
    data = doc.data
    b = _Builder(doc, reader)
    services = {n: _service(n, s, f"/services/{n}") for n, s in sorted(data["services"].items())}
    auths = {n: b.auth(n, a, f"/auth/{n}") for n, a in sorted(data.get("auth", {}).items())}
    defaults = data.get("defaults", {})
    used: set[str] = set()
    routes = tuple(r for i, raw in enumerate(data["routes"]) for r in b.routes(i, raw, defaults, used))
    tls = None
    if "tls" in data:
        t = data["tls"]
        tls = Tls(t["cert"]["file"], t["key"]["file"], t.get("port", 8443), t.get("redirect_http", False))
    gateway = Gateway(
        name=data["name"], title=data.get("title", data["name"]), description=data.get("description", ""),
        version=str(data.get("version", "1.0.0")), source=doc.path, hosts=tuple(data.get("hosts", ())),
        trusted_proxies=tuple(data.get("trusted_proxies", ())), services=services, auth=auths, routes=routes,
        observability=_observability(data.get("observability", {})), tls=tls,
        settings={k: dict(v) for k, v in data.get("targets", {}).items()})
    return gateway, b.diags
