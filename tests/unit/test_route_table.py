"""The nginx route table stays flat as routes grow: no top-level regex locations, parameter routes nested
under their static prefix, and 1,000 routes still pass nginx -t."""

from __future__ import annotations

from pathlib import Path

import yaml

from gwc.output import write_tree
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.e2e.harness import nginx_config_test, require_tool
from tests.security.nginx_syntax import parse


def _spec(n: int) -> dict:
    routes = []
    for i in range(n):
        if i % 2:
            routes.append({"path": f"/svc{i}/items/{{id}}", "methods": ["GET"], "service": "app"})
        else:
            routes.append({"path": f"/svc{i}/items", "methods": ["GET"], "service": "app"})
    return {"gwc": 1, "name": "big", "services": {"app": {"url": "http://127.0.0.1:9001"}}, "routes": routes}


def _compile(tmp: Path, n: int) -> str:
    path = tmp / "spec.yaml"
    path.write_text(yaml.safe_dump(_spec(n)))
    loaded = load_gateway(str(path))
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("nginx")[0])
    assert files, [d.format() for d in diags]
    return files


def test_thousand_routes_have_no_top_level_regex(tmp_path: Path) -> None:
    files = _compile(tmp_path, 1000)
    server = next(n for n in parse(files["nginx.conf"]) if n.name == "http").children[-1]
    top = [n for n in server.children if n.name == "location"]
    assert not [n for n in top if n.args[0] in ("~", "~*")]
    carriers = [n for n in top if n.args[0].startswith("/svc")]
    assert len(carriers) == 500
    assert all(len([c for c in n.children or [] if c.name == "location"]) == 1 for n in carriers)
    require_tool("nginx")
    out = tmp_path / "out"
    assert write_tree(out, files) is None
    proc = nginx_config_test(out)
    assert proc.returncode == 0, proc.stderr
