"""Routes configured alike share their nginx fragments (built and written once), and sharing never changes
the output: a route table mixing every per-route feature compiles to the same bytes with sharing switched
off, and every feature use is still marked (a missed mark is error GWC300)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml
from gwc.targets.nginx.conf import Shared
from gwc.targets.nginx.context import Context

from gwc.output import write_tree
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.e2e.harness import nginx_config_test, require_tool

CORS_A = {"origins": ["https://a.example"], "methods": ["GET"], "max_age": "1h"}
CORS_B = {"origins": ["https://a.example"], "methods": ["GET"], "max_age": "1h", "credentials": True}
CHOICES: dict[str, list] = {
    "methods": [None, ["GET"], ["GET", "POST"]],
    "auth": [None, "none", "jwt", "keys", ["jwt", "keys"]],
    "rate_limit": [None, {"rate": "50/s", "burst": 10, "per": "route"}, {"rate": "7/m", "per": "client_ip"},
                   {"rate": "50/s", "burst": 5, "per": "route"}],
    "cache": [None, {"ttl": "5m"}, {"ttl": "5m", "authenticated": "per_subject"}, {"ttl": "1m", "key": ["query:p"]}],
    "headers": [None, {"request": {"set": {"X-A": "1"}}}, {"request": {"set": {"X-A": "2"}}},
                {"response": {"set": {"X-B": "$1"}, "remove": ["Server"]}}],
    "cors": [None, CORS_A, CORS_B],
    "ip": [None, {"allow": ["10.0.0.0/8"]}, {"deny": ["192.0.2.0/24"]}],
    "body_limit": [None, "10KiB", "none", "4MiB"],
    "compression": [None, {"gzip": True}, {"gzip": True, "brotli": True, "min_size": "2KiB"},
                    {"gzip": True, "types": ["application/json"]}],
    "service": ["app", "retrying", "other", "mock"],
}


def _spec(rng: random.Random, n: int) -> dict:
    routes = []
    for i in range(n):
        route: dict = {k: v for k, vs in CHOICES.items() if (v := rng.choice(vs)) is not None}
        kind = rng.random()
        if kind < 0.5:
            route["path"] = f"/p{i % 40}/{{id}}" if i < 40 else f"/q{i}/{{id}}"
        elif kind < 0.7:
            route["prefix"] = f"/x{i}/"
        else:
            route["path"] = f"/e{i}"
        if i % 9 == 0 and "path" in route and "{" not in route["path"]:
            twin = {**route, "methods": ["DELETE"], "name": f"d{i}", "body_limit": rng.choice(["1KiB", "none"])}
            routes.append(twin)  # a second route on the path: both are reached through named locations
            route["methods"] = ["GET"]
        routes.append(route)
    routes.append({"path": "/split", "split": [{"service": "app", "weight": 1}, {"service": "other", "weight": 3}]})
    services = {"app": {"url": "http://127.0.0.1:9001"}, "other": {"url": "https://127.0.0.1:9443"},
                "retrying": {"targets": [{"url": "http://127.0.0.1:9002"}, {"url": "http://127.0.0.1:9003"}],
                             "retries": {"attempts": 1}},
                "mock": {"mock": {"json": {"ok": True}}}}
    auth = {"jwt": {"jwt": {"issuer": "https://id.example/", "audiences": ["a"], "algorithms": ["HS256"],
                            "secret": {"env": "JWT_SECRET"}}},
            "keys": {"api_key": {"keys": {"env": "KEYS"}}}}
    return {"gwc": 1, "name": "shared", "services": services, "auth": auth, "routes": routes,
            "observability": {"tracing": {"propagate": "none"}}}


def _compile(path: Path, nginx_t: bool = False) -> tuple[str, list[str]]:
    loaded = load_gateway(str(path))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("nginx")[0], allow_lossy=True)
    assert files, [d.format() for d in diags]
    if nginx_t:
        require_tool("nginx")
        assert write_tree(path.parent / "out", files) is None
        proc = nginx_config_test(path.parent / "out")
        assert proc.returncode == 0, proc.stderr
    return files["nginx.conf"], [d.format() for d in diags]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sharing_changes_no_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(_spec(random.Random(seed), 400)))
    uses: list[tuple] = []
    real = Context.shared

    def counting(self: Context, key: tuple, make) -> Shared:
        uses.append(key)
        return real(self, key, make)

    monkeypatch.setattr(Context, "shared", counting)
    shared_conf, shared_diags = _compile(path, nginx_t=seed == 1)
    assert len(set(uses)) < len(uses) / 2  # alike routes reuse fragments
    monkeypatch.setattr(Context, "shared", lambda self, key, make: Shared(make()))
    fresh_conf, fresh_diags = _compile(path)
    assert shared_conf == fresh_conf
    assert shared_diags == fresh_diags
