"""The AWS target's own guard against CloudFormation dynamic references (GWC325), behind the spec check (GWC225):
a model built without the checks, holding '{{resolve:' in a header value, gets no template and an error at the
route; the spec check alone refuses the same spec at the exact value."""

from __future__ import annotations

import yaml

from gwc.build import build_gateway
from gwc.load import load_file
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target

SPEC = {"gwc": 1, "name": "t", "services": {"a": {"url": "https://api.example.com"}},
        "routes": [{"path": "/x", "service": "a",
                    "headers": {"request": {"set": {"X-Req": "{{resolve:ssm:/prod/db-password}}"}}}}]}


def test_the_spec_check_refuses_it_at_the_value(tmp_path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    loaded = load_gateway(str(path))
    assert loaded.gateway is None
    [d] = [d for d in loaded.diagnostics if d.code == "GWC225"]
    assert d.pointer == "/routes/0/headers/request/set/X-Req" and d.line > 0


def test_the_target_refuses_it_when_a_model_holds_it(tmp_path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    doc, _ = load_file(str(path))
    gw, _ = build_gateway(doc)  # no checks: as if a value reached the model another way
    files, diags = compile_gateway(gw, doc, load_target("aws")[0], allow_lossy=True)
    assert files == {}
    assert [d.pointer for d in diags if d.code == "GWC325"] == ["/routes/0"]
