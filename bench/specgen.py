"""Generated gateway specs of any size for the benchmarks: services with several instances, JWT and API-key
auth, rate limits, caches and compression spread over the routes, half of the routes with `{params}`.

Deterministic: the same arguments give the same bytes."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import yaml


def _route(i: int, service: str, params: bool, features: bool) -> dict:
    route: dict = {"path": f"/{service}/r{i}/{{id}}" if params else f"/{service}/r{i}",
                   "methods": ["GET", "POST"] if i % 2 else ["GET"], "service": service}
    if not features:
        return route
    if i % 4 == 1:
        route["auth"] = "partners"
    elif i % 4 == 2:
        route["auth"] = "none"
    if i % 5 == 0:
        route["rate_limit"] = {"rate": "50/s", "burst": 10, "per": "route"}
    if i % 7 == 0 and route["methods"] == ["GET"]:
        route["cache"] = {"ttl": "5m"}
    if i % 11 == 0:
        route["headers"] = {"request": {"set": {"X-Route": f"r{i}"}}}
    return route


def spec(routes: int, *, upstream: str = "http://127.0.0.1:8081", features: bool = True,
         params_every: int = 2, prefixes: bool = True) -> dict:
    """A spec with `routes` routes. features=False: routes and services only (no auth, limits, caches...)."""
    n_services = max(1, routes // 50)
    services = {f"svc{k}": {"targets": [{"url": upstream, "weight": 2}, {"url": upstream}]}
                for k in range(n_services)}
    out: dict = {"gwc": 1, "name": f"bench-{routes}", "services": services, "routes": []}
    if features:
        out["auth"] = {
            "customers": {"jwt": {"issuer": "https://login.bench.example/", "audiences": ["bench"],
                                  "algorithms": ["RS256"], "jwks": {"file": "keys/jwks.json"}}},
            "partners": {"api_key": {"header": "X-API-Key", "keys": {"env": "BENCH_PARTNER_KEYS"}}},
        }
        out["defaults"] = {"auth": "customers", "rate_limit": {"rate": "100/s", "burst": 50, "per": "client_ip"},
                           "compression": {"gzip": True, "brotli": True, "min_size": "1KiB"}}
    for i in range(routes):
        service = f"svc{i % n_services}"
        if prefixes and i % 10 == 9:
            out["routes"].append({"prefix": f"/{service}/p{i}/", "service": service})
        else:
            out["routes"].append(_route(i, service, i % params_every == 0, features))
    return out


def write(folder: Path, routes: int, **options) -> Path:
    """Write spec.yaml (and keys/jwks.json it names) under folder; the spec's path."""
    folder.mkdir(parents=True, exist_ok=True)
    data = spec(routes, **options)
    if "auth" in data:
        (folder / "keys").mkdir(exist_ok=True)
        (folder / "keys" / "jwks.json").write_text(json.dumps({"keys": [_bench_key()]}))
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _bench_key() -> dict:
    """A fixed RSA public key shape (2048-bit odd modulus, e = 65537) so the spec is the same bytes on every
    run; compiling only re-encodes it. The nginx throughput benchmark signs with a real key of its own."""
    n = int("c5" + "3b" * 254 + "7f", 16)
    raw = n.to_bytes(256, "big")
    return {"kty": "RSA", "kid": "bench", "alg": "RS256", "use": "sig", "e": "AQAB",
            "n": base64.urlsafe_b64encode(raw).rstrip(b"=").decode()}
