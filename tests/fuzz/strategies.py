"""Hypothesis strategies for whole gateway specs that use every feature: exact, parameter, prefix and segment-prefix
routes, methods, services with one or several weighted instances and upstream options, mocks, splits, JWT (JWKS
file or HMAC secret by reference) and API keys (header or query), any-of auth, rate limits of every kind, caches,
compression, CORS, header operations, rewrites, body limits, IP rules, hosts, observability and an environment
overlay. Routes get distinct first segments, so most drawn specs are valid; the rest must be refused with
located errors."""

from __future__ import annotations

from hypothesis import strategies as st

DURATIONS = st.sampled_from(["500ms", "2s", "15s", "1m", 30])
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]
HEADER = st.sampled_from(["X-Trace", "X-Team", "X-Api-Version", "Accept-Language"])
VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=24)
SEGMENT = st.from_regex(r"\A[a-z][a-z0-9._~-]{0,7}\Z")


@st.composite
def service(draw, port: int) -> dict:
    if draw(st.integers(0, 9)) == 0:
        mock = {"status": draw(st.sampled_from([200, 201, 204, 404, 503]))}
        if draw(st.booleans()):
            mock["json"] = {"ok": draw(st.booleans()), "n": draw(st.integers(-5, 5))}
        return {"mock": mock}
    url = f"http://127.0.0.1:{port}"
    out: dict = {"url": url}
    if draw(st.booleans()):
        n = draw(st.integers(1, 3))
        out = {"targets": [{"url": f"http://127.0.0.1:{port + i}", "weight": draw(st.integers(1, 5))}
                           for i in range(n)]}
        if n > 1 and draw(st.booleans()):
            out["targets"][-1]["backup"] = True
        out["balance"] = draw(st.sampled_from(["round_robin", "least_conn", "ip_hash"]))
    if draw(st.booleans()):
        out["timeouts"] = {"connect": draw(DURATIONS), "read": draw(DURATIONS)}
    if draw(st.booleans()):
        out["retries"] = {"attempts": draw(st.integers(0, 3)),
                          "on": draw(st.lists(st.sampled_from(["connect_error", "timeout", 502, 503]),
                                              min_size=1, max_size=3, unique=True))}
    if draw(st.booleans()):
        out["health"] = {"max_fails": draw(st.integers(0, 5)), "fail_timeout": draw(DURATIONS)}
    return out


AUTH = {
    "jwks": {"jwt": {"issuer": "https://login.example.com/", "audiences": ["api"], "algorithms": ["RS256"],
                     "jwks": {"file": "keys/jwks.json"}}},
    "hmac": {"jwt": {"algorithms": ["HS256"], "issuer": "https://id.example.com/", "audiences": ["a", "b"],
                     "secret": {"env": "FUZZ_JWT_SECRET"}}},
    "hkey": {"api_key": {"header": "X-Api-Key", "keys": {"env": "FUZZ_KEYS"}}},
    "qkey": {"api_key": {"query": "api_key", "keys": {"env": "FUZZ_QKEYS"}, "format": "sha256"}},
}


@st.composite
def policies(draw, auth_names: list[str], gettable: bool, api_key_only: bool) -> dict:
    out: dict = {}
    if auth_names and draw(st.booleans()):
        picked = draw(st.lists(st.sampled_from(auth_names), min_size=1, max_size=2, unique=True))
        out["auth"] = picked[0] if len(picked) == 1 else picked
    elif draw(st.integers(0, 3)) == 0:
        out["auth"] = "none"
    if draw(st.booleans()):
        per = draw(st.sampled_from(["client_ip", "route", "api_key"] if api_key_only else ["client_ip", "route"]))
        out["rate_limit"] = {"rate": draw(st.sampled_from(["5/s", "100/s", "30/m", "500/h"])),
                             "burst": draw(st.integers(0, 50)), "per": per}
    if gettable and draw(st.booleans()):
        out["cache"] = {"ttl": draw(st.sampled_from(["30s", "5m", "1h"])),
                        "key": draw(st.lists(st.sampled_from(["query:page", "header:Accept-Language"]),
                                             max_size=2, unique=True)),
                        "authenticated": draw(st.sampled_from(["bypass", "per_subject", "shared"]))}
    if draw(st.booleans()):
        out["compression"] = {"gzip": draw(st.booleans()), "brotli": draw(st.booleans()),
                              "min_size": draw(st.sampled_from(["0", "1KiB", 512]))}
    if draw(st.booleans()):
        wild = draw(st.booleans())
        out["cors"] = {"origins": ["*"] if wild else ["https://app.example.com", "https://b.example.org"],
                       "methods": draw(st.lists(st.sampled_from(METHODS[:4]), min_size=1, max_size=3, unique=True)),
                       "credentials": not wild and draw(st.booleans()), "max_age": draw(DURATIONS)}
    if draw(st.booleans()):
        out["headers"] = {"request": {"set": draw(st.dictionaries(HEADER, VALUE, max_size=2)),
                                      "remove": draw(st.lists(st.sampled_from(["Cookie", "X-Debug"]),
                                                              max_size=2, unique=True))},
                          "response": {"set": {"X-Frame-Options": "DENY"}}}
    if draw(st.booleans()):
        out["body_limit"] = draw(st.sampled_from(["1MiB", "10KB", 4096, "none"]))
    if draw(st.booleans()):
        out["ip"] = {"allow": ["10.0.0.0/8", "192.0.2.7"], "deny": ["10.9.0.0/16"]}
    return out


@st.composite
def route(draw, index: int, services: dict, auth_names: list[str]) -> dict:
    base = f"/r{index}{draw(SEGMENT)}"
    kind = draw(st.sampled_from(["exact", "params", "prefix", "segment"]))
    out: dict = {}
    if kind == "exact":
        out["path"] = base + draw(st.sampled_from(["", "/list", "/a.json"]))
    elif kind == "params":
        out["path"] = base + "/{id}" + draw(st.sampled_from(["", "/items/{item_id}"]))
    else:
        out["prefix"] = base + ("/" if kind == "prefix" else "")
    methods = None
    if kind in ("exact", "params") and draw(st.booleans()):
        methods = draw(st.lists(st.sampled_from(METHODS), min_size=1, max_size=3, unique=True))
        out["methods"] = methods
    upstreams = [n for n, s in services.items() if "mock" not in s]
    if len(upstreams) >= 2 and draw(st.integers(0, 4)) == 0:
        out["split"] = [{"service": n, "weight": draw(st.integers(1, 100))} for n in upstreams[:2]]
    else:
        out["service"] = draw(st.sampled_from(sorted(services)))
    if "service" in out and "mock" not in services[out["service"]] and draw(st.booleans()):
        if kind == "params":
            out["rewrite"] = "/v2/{id}"
        elif kind == "exact":
            out["rewrite"] = "/v2" + out["path"]
        else:
            out["rewrite"] = "/v2/"
    gettable = methods is None or bool({"GET", "HEAD"} & set(methods))
    out.update(draw(policies(auth_names, gettable, False)))
    return out


@st.composite
def spec(draw) -> dict:
    names = [f"svc{i}" for i in range(draw(st.integers(1, 3)))]
    services = {n: draw(service(18000 + 10 * i)) for i, n in enumerate(names)}
    auth = {n: AUTH[n] for n in draw(st.lists(st.sampled_from(sorted(AUTH)), max_size=3, unique=True))}
    out: dict = {"gwc": 1, "name": "fuzz", "services": services}
    if auth:
        out["auth"] = auth
    if draw(st.booleans()):
        out["hosts"] = draw(st.lists(st.sampled_from(["api.example.com", "*.example.org", "localhost"]),
                                     min_size=1, max_size=2, unique=True))
    if draw(st.booleans()):
        out["defaults"] = draw(policies(sorted(auth), True, False))
        out["defaults"].pop("cache", None)  # a default cache would land on non-GET routes (GWC218)
    out["routes"] = [draw(route(i, services, sorted(auth))) for i in range(draw(st.integers(1, 6)))]
    if draw(st.booleans()):
        out["observability"] = {"access_log": {"format": draw(st.sampled_from(["json", "combined"]))},
                                "request_id": draw(st.booleans()), "tracing": {"propagate": "w3c"},
                                "metrics": {"path": "/_gwc/status", "allow": ["127.0.0.1"]}}
    if draw(st.booleans()):
        first = names[0]
        overlay = {"services": {first: {"url": "http://127.0.0.1:18999"}}} if "url" in services[first] else {}
        overlay["defaults"] = {"rate_limit": {"rate": "1000/s", "burst": 10, "per": "client_ip"}}
        out["environments"] = {"prod": overlay}
    return out
