"""Values the nginx target must write in the form nginx reads: whole seconds where nginx takes no milliseconds,
mock routes with policies that have nothing to act on, and the access log's buffer. Each compiled output also
passes the real `nginx -t`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from gwc.targets.nginx.times import whole_seconds

from gwc.diagnostics import Level
from gwc.output import write_tree
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.e2e.harness import nginx_config_test, require_tool

APP = {"url": "http://127.0.0.1:9001"}


def _compile(tmp: Path, spec: dict, nginx_t: bool = True) -> tuple[str, list]:
    """nginx.conf and the diagnostics; fails on an error (GWC300 included) and, with nginx_t, unless nginx -t
    accepts the output."""
    path = tmp / "spec.yaml"
    path.write_text(yaml.safe_dump({"gwc": 1, "name": "values", **spec}))
    loaded = load_gateway(str(path))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("nginx")[0])
    assert files and not [d for d in diags if d.level is Level.ERROR], [d.format() for d in diags]
    if nginx_t:
        require_tool("nginx")
        assert write_tree(tmp / "out", files) is None
        proc = nginx_config_test(tmp / "out")
        assert proc.returncode == 0, proc.stderr
    return files["nginx.conf"], diags


@pytest.mark.parametrize("ms, text", [(0, "0s"), (1, "1s"), (500, "1s"), (999, "1s"), (1000, "1s"), (1001, "2s"),
                                      (1500, "2s"), (59_500, "1m"), (60_000, "1m"), (90_000, "90s"),
                                      (3_600_000, "1h")])
def test_whole_seconds_round_up_and_never_go_below_the_spec(ms: int, text: str) -> None:
    assert whole_seconds(ms) == text


def test_sub_second_fail_timeout_and_cache_ttl_are_whole_seconds_nginx_accepts(tmp_path: Path) -> None:
    spec = {"services": {"app": {**APP, "health": {"max_fails": 2, "fail_timeout": "500ms"}},
                         "zero": {"url": "http://127.0.0.1:9002", "health": {"fail_timeout": 0}}},
            "routes": [{"path": "/a", "service": "app", "cache": {"ttl": "1500ms"}},
                       {"path": "/b", "service": "zero", "cache": {"ttl": "2s"}}]}
    conf, diags = _compile(tmp_path, spec)
    assert "fail_timeout=1s" in conf and "fail_timeout=0s" in conf and not re.search(r"[0-9]ms\b", conf)
    assert conf.count("proxy_cache_valid 200 203 204 301 2s;") == 2
    rounded = sorted(d.message for d in diags if d.code == "GWC303")
    tail = "nginx takes whole seconds there, so it is rounded up (500 ms longer)"
    assert rounded == [f"1500ms is written as 2s in proxy_cache_valid: {tail}",
                       f"500ms is written as 1s in fail_timeout: {tail}"]
    assert {d.pointer for d in diags if d.code == "GWC303"} == {"/routes/0/cache/ttl",
                                                                "/services/app/health/fail_timeout"}


def test_millisecond_timeouts_stay_exact(tmp_path: Path) -> None:
    """proxy_*_timeout parse milliseconds: no rounding and no warning there."""
    spec = {"services": {"app": {**APP, "timeouts": {"connect": "250ms", "read": "1500ms", "send": "1ms"}}},
            "routes": [{"path": "/a", "service": "app"}]}
    conf, diags = _compile(tmp_path, spec)
    assert "proxy_connect_timeout 250ms;" in conf and "proxy_read_timeout 1500ms;" in conf
    assert not [d for d in diags if d.code == "GWC303"]


def test_a_mock_route_with_cache_and_request_headers_compiles(tmp_path: Path) -> None:
    """A mock is answered by the gateway: the cache and the request headers have nothing to act on, so they are
    accepted and leave no trace (they used to be internal error GWC300)."""
    spec = {"services": {"m": {"mock": {"json": {"ok": True}}}},
            "auth": {"k": {"api_key": {"keys": {"env": "KEYS"}}}},
            "routes": [{"path": "/m", "service": "m", "cache": {"ttl": "500ms"},
                        "headers": {"request": {"set": {"X-A": "1"}, "remove": ["Cookie"]},
                                    "response": {"set": {"X-B": "2"}}}},
                       {"prefix": "/p/", "service": "m", "auth": "k",
                        "cache": {"ttl": "1m", "authenticated": "per_subject"}}]}
    conf, diags = _compile(tmp_path, spec)
    assert "proxy_cache gwc_cache;" not in conf and "X-A" not in conf
    assert 'add_header X-B "2" always;' in conf
    assert not [d for d in diags if d.code in ("GWC300", "GWC303")]


@pytest.mark.parametrize("path, buffered", [("logs/access.log", True), ("/var/log/gwc/a.log", True),
                                            ("/dev/stdout", False), ("/dev/stderr", False)])
@pytest.mark.parametrize("fmt", ["json", "combined"])
def test_file_access_logs_are_buffered(tmp_path: Path, path: str, buffered: bool, fmt: str) -> None:
    spec = {"services": {"app": APP}, "routes": [{"path": "/a", "service": "app"}],
            "observability": {"access_log": {"format": fmt, "path": path}}}
    conf, _ = _compile(tmp_path, spec, nginx_t=False)
    line = next(x for x in conf.splitlines() if x.strip().startswith("access_log "))
    assert line.endswith(" buffer=64k flush=1s;") is buffered, line
