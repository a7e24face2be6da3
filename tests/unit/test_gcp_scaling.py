"""Per-route work on Google stays per route: a backend's extension object and a path's parameters are
built once and shared by the operations that use them (and still written out in full)."""

from __future__ import annotations

from pathlib import Path

import yaml
from gwc.targets.gcp.backend import Backend

from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target

HEAD = ("gwc: 1\nname: t\nservices:\n  app: {url: 'https://app.example.com'}\n"
        "  other: {url: 'https://other.example.com'}\ntargets:\n  gcp: {project: shop-prod}\nroutes:\n")


def test_each_backend_is_built_once(tmp_path: Path, monkeypatch) -> None:
    calls = [0]
    real = Backend.as_v2

    def counted(self: Backend) -> dict:
        calls[0] += 1
        return real(self)
    monkeypatch.setattr(Backend, "as_v2", counted)
    n = 200
    routes = [f"  - {{name: r{i}, path: '/r{i}/{{id}}', service: {'app' if i % 2 else 'other'}}}\n"
              for i in range(n)]
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + "".join(routes))
    loaded = load_gateway(str(spec))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("gcp")[0])
    assert files, [d.format() for d in diags]
    assert calls[0] == 2  # one per service, not one per operation (5 methods x 200 routes)
    text = files["openapi.yaml"]
    assert "&id" not in text and "*id" not in text  # shared objects are written out in full
    paths = yaml.safe_load(text)["paths"]
    assert len(paths) == n
    op = paths["/r7/{id}"]["patch"]
    assert op["x-google-backend"]["address"] == "https://app.example.com"
    assert op["parameters"] == [{"name": "id", "in": "path", "required": True, "type": "string"}]
    assert paths["/r8/{id}"]["get"]["x-google-backend"]["address"] == "https://other.example.com"
