"""include: team-owned files merged into one spec, with every problem located in the file that holds it."""

from __future__ import annotations

from pathlib import Path

from gwc.diagnostics import Level
from gwc.pipeline import load_gateway

ROOT_SPEC = """gwc: 1
name: shop
hosts: [api.shop.example]
include: [teams/orders.yaml, ../shared/common.yaml]
routes:
  - path: /health
    service: status
"""

ORDERS = """routes:
  - path: /orders
    methods: [GET, POST]
    service: orders
    auth: partners
  - path: /orders/{id}
    service: orders
"""

COMMON = """services:
  status: {url: "http://10.0.9.1:8080"}
  orders: {url: "http://10.0.3.10:8080"}
auth:
  partners: {api_key: {keys: {env: PARTNER_KEYS}}}
defaults:
  body_limit: 1MiB
"""


def _tree(tmp_path: Path, spec: str = ROOT_SPEC, orders: str = ORDERS, common: str = COMMON) -> Path:
    (tmp_path / "gw" / "teams").mkdir(parents=True)
    (tmp_path / "shared").mkdir()
    (tmp_path / "gw" / "gateway.yaml").write_text(spec)
    (tmp_path / "gw" / "teams" / "orders.yaml").write_text(orders)
    (tmp_path / "shared" / "common.yaml").write_text(common)
    return tmp_path / "gw" / "gateway.yaml"


def _errors(loaded):
    return [d for d in loaded.diagnostics if d.level is Level.ERROR]


def test_services_auth_and_routes_merge_from_two_files(tmp_path: Path) -> None:
    loaded = load_gateway(str(_tree(tmp_path)))
    assert not _errors(loaded), [d.format() for d in loaded.diagnostics]
    gw = loaded.gateway
    assert sorted(gw.services) == ["orders", "status"] and sorted(gw.auth) == ["partners"]
    # the including file's routes first, then each include's routes in the order listed
    assert [r.match.path for r in gw.routes] == ["/health", "/orders", "/orders/{id}"]
    assert "include" not in loaded.doc.data
    # every value keeps its own file, line and column
    doc = loaded.doc
    assert doc.locate("/routes/1/service") == (str(tmp_path / "gw" / "teams" / "orders.yaml"), doc.mark("/routes/1/service"))
    assert doc.mark("/routes/1/service").line == 4
    assert doc.source("/services/orders/url").endswith("shared/common.yaml")
    assert doc.source("/routes/0") == str(tmp_path / "gw" / "gateway.yaml")


def test_a_conflict_names_both_locations(tmp_path: Path) -> None:
    spec = ROOT_SPEC.replace("routes:\n", "services:\n  orders: {url: \"http://10.0.3.11:8080\"}\nroutes:\n")
    orders = ORDERS + "defaults:\n  body_limit: 2MiB\n"
    loaded = load_gateway(str(_tree(tmp_path, spec=spec, orders=orders)))
    assert loaded.gateway is None
    [conflict] = [d for d in _errors(loaded) if d.code == "GWC243" and "service" in d.message]
    common = str(tmp_path / "shared" / "common.yaml")
    assert (conflict.file, conflict.line) == (common, 3)
    assert f"{tmp_path / 'gw' / 'gateway.yaml'}:6:3" in conflict.message
    defaults = [d for d in _errors(loaded) if d.code == "GWC243" and "body_limit" in d.message]
    assert defaults and defaults[0].file == common and "orders.yaml:9:3" in defaults[0].message


def test_a_duplicate_route_in_two_files_names_both(tmp_path: Path) -> None:
    spec = ROOT_SPEC.replace("  - path: /health\n", "  - path: /orders\n    methods: [GET]\n    service: orders\n"
                             "  - path: /health\n")
    loaded = load_gateway(str(_tree(tmp_path, spec=spec)))
    dup = [d for d in _errors(loaded) if d.code == "GWC203"]
    assert len(dup) == 1
    assert (dup[0].file, dup[0].line) == (str(tmp_path / "gw" / "teams" / "orders.yaml"), 2)
    assert f"{tmp_path / 'gw' / 'gateway.yaml'}:6:5" in dup[0].message


def test_an_error_inside_an_included_file_is_located_there(tmp_path: Path) -> None:
    orders = ORDERS.replace("service: orders\n    auth", "service: ordres\n    auth")
    loaded = load_gateway(str(_tree(tmp_path, orders=orders)))
    [err] = _errors(loaded)
    assert (err.code, err.file, err.line) == ("GWC201", str(tmp_path / "gw" / "teams" / "orders.yaml"), 4)
    # a schema problem too, and a field an included file may not hold
    common = COMMON.replace("http://10.0.9.1:8080", "http://bad;host") + "name: nope\n"
    loaded = load_gateway(str(_tree(tmp_path / "b", common=common)))
    found = {(d.code, d.file, d.line) for d in _errors(loaded)}
    path = str(tmp_path / "b" / "shared" / "common.yaml")
    assert ("GWC104", path, 2) in found and ("GWC101", path, 8) in found


def test_an_include_cycle_is_an_error_naming_the_chain(tmp_path: Path) -> None:
    orders = "include: [../../shared/common.yaml]\n" + ORDERS
    common = "include: [../gw/teams/orders.yaml]\n" + COMMON
    loaded = load_gateway(str(_tree(tmp_path, orders=orders, common=common)))
    [err] = _errors(loaded)
    assert err.code == "GWC241" and err.file == str(tmp_path / "shared" / "common.yaml") and err.line == 1
    assert "orders.yaml -> " in err.message and err.message.endswith("orders.yaml")
    # a file reached twice without a cycle (two files including one) is merged once
    orders = "include: [../../shared/common.yaml]\n" + ORDERS
    loaded = load_gateway(str(_tree(tmp_path / "diamond", orders=orders)))
    assert not _errors(loaded) and loaded.gateway is not None


def test_a_missing_include_is_located_at_the_include_entry(tmp_path: Path) -> None:
    spec = ROOT_SPEC.replace("../shared/common.yaml", "../shared/nope.yaml")
    loaded = load_gateway(str(_tree(tmp_path, spec=spec)))
    [err] = _errors(loaded)
    assert (err.code, err.file, err.line) == ("GWC240", str(tmp_path / "gw" / "gateway.yaml"), 4)
    assert err.pointer == "/include/1" and "nope.yaml" in err.message


def test_absolute_paths_and_urls_are_refused_by_the_schema(tmp_path: Path) -> None:
    for bad in ("/etc/passwd.yaml", "https://example.com/x.yaml", "~/x.yaml", "teams/orders.json"):
        spec = ROOT_SPEC.replace("teams/orders.yaml", bad)
        loaded = load_gateway(str(_tree(tmp_path / str(abs(hash(bad))), spec=spec)))
        [err] = _errors(loaded)
        assert err.code == "GWC104" and err.pointer == "/include/0" and err.line == 4, err.format()


def test_the_result_is_deterministic(tmp_path: Path) -> None:
    first = load_gateway(str(_tree(tmp_path)))
    second = load_gateway(str(tmp_path / "gw" / "gateway.yaml"))
    assert first.doc.data == second.doc.data and first.doc.files == second.doc.files
    assert first.doc.marks == second.doc.marks and first.gateway == second.gateway
    assert list(first.doc.data) == list(second.doc.data)


def test_an_environment_applies_to_the_merged_spec(tmp_path: Path) -> None:
    spec = ROOT_SPEC + "environments:\n  staging:\n    services:\n      orders: {url: \"http://orders;x\"}\n"
    loaded = load_gateway(str(_tree(tmp_path, spec=spec)), env="staging")
    [err] = _errors(loaded)
    assert (err.code, err.file, err.line) == ("GWC104", str(tmp_path / "gw" / "gateway.yaml"), 11)
