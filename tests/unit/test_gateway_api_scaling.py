"""The Gateway API target's per-route work stays per route: the uses of a segment prefix's companion are looked up
once for the whole spec (not once per prefix), the bare-path check of a slashed prefix is a set lookup with the
same answers, and routes with the same services and weights share one weight computation while each still gets
its own rounding warning."""

from __future__ import annotations

from pathlib import Path

from gwc.targets.gateway_api import routes as routes_module

from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.unit.test_gateway_api_target import build, codes, rules


def compile_text(tmp_path: Path, text: str):
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    loaded = load_gateway(str(spec))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    return compile_gateway(loaded.gateway, loaded.doc, load_target("gateway-api")[0], allow_lossy=True)


def test_companion_uses_are_looked_up_once(tmp_path: Path, monkeypatch) -> None:
    calls = [0]
    real = routes_module.used_features

    def counted(gw):
        calls[0] += 1
        return real(gw)

    monkeypatch.setattr(routes_module, "used_features", counted)
    body = "".join(f"  - {{prefix: /p{i}, service: orders, methods: [GET]}}\n" for i in range(300))
    files, diags = build(tmp_path, "routes:\n" + body)
    assert calls[0] == 1
    assert len(rules(files)) == 300 and "GWC300" not in codes(diags)


def test_slashed_prefixes_warn_exactly_where_no_bare_path_route_exists(tmp_path: Path) -> None:
    body = "".join(f"  - {{prefix: /p{i}/, service: orders}}\n" + (f"  - {{path: /p{i}, service: orders}}\n"
                                                                   if i % 2 else "") for i in range(200))
    _, diags = build(tmp_path, "routes:\n" + body)
    warned = sorted(int(d.message.split("PathPrefix /p")[1].split("/")[0]) for d in diags if d.code == "GWC393")
    assert warned == list(range(0, 200, 2))


def test_routes_with_one_split_share_weights_and_each_gets_its_warning(tmp_path: Path) -> None:
    """Weights beyond the CRD's maximum are rounded: the warning names each route, the refs are the same."""
    text = ("gwc: 1\nname: t\nservices:\n"
            "  a: {targets: [{url: 'http://a1:80', weight: 1000}, {url: 'http://a2:80', weight: 999}]}\n"
            "  b: {url: 'http://b:80'}\n"
            "routes:\n" + "".join(f"  - {{path: /r{i}, split: [{{service: a, weight: 99991}}, "
                                  f"{{service: b, weight: 99989}}]}}\n" for i in range(3)))
    files, diags = compile_text(tmp_path, text)
    rounded = [d.message.split("'")[1] for d in diags if d.code == "GWC303"]
    assert rounded == ["r0", "r1", "r2"]
    refs = [r["backendRefs"] for r in rules(files)]
    assert refs[0] == refs[1] == refs[2] and sum(ref["weight"] for ref in refs[0]) in range(999_998, 1_000_003)
