"""gwc import openapi on real public OpenAPI documents (tests/data/openapi, sources and licences in its README):
OpenAPI 2.0 and 3.x, several security schemes with AND/OR requirements, path parameters at the start of
paths, server variables, and GitHub's REST description (1,200+ operations, $refs across the file). Each
imported spec validates, compiles to every target, and every target's own validator accepts the output."""

from __future__ import annotations

import lzma
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gwc.cli import app
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.conftest import ROOT
from tests.validators.azure_checks import load_xsd
from tests.validators.every_target import check_every_target

DATA = ROOT / "tests" / "data" / "openapi"
TARGETS = ("aws", "azure", "gateway-api", "gcp", "istio", "nginx")
runner = CliRunner()


@dataclass(frozen=True)
class Expect:
    """What one document must import as: a route (path, methods, auth), the first service URL, operations
    at least, and words that must appear in the not-mapped notes."""

    route: str
    methods: tuple[str, ...]
    auth: object = None
    url: str | None = None
    operations: int = 1
    notes: tuple[str, ...] = ()


PUBLIC = {
    # the classic Swagger Petstore, OpenAPI 2.0: oauth2 + an apiKey header named api_key (underscore: not mapped,
    # so GET /pet/{petId}, which accepts only that key, is left out rather than imported open)
    "swagger-petstore-2.0.json": Expect("/pet/{pet_id}", ("POST", "DELETE"), "petstore_auth",
                                        "http://petstore.swagger.io", 18,
                                        ("GET /pet/{petId}: requires authentication", "OAuth 2.0 flows")),
    "petstore-2.0.yaml": Expect("/pets/{pet_id}", ("GET",), None, None, 3),
    "petstore-3.0.yaml": Expect("/pets/{pet_id}", ("GET",), None, None, 3),
    "petstore-3.1.yaml": Expect("/pets/{pet_id}", ("GET",), None, None, 3),
    # server variables {protocol}://{customer}.intellifi.{tld}/api resolved to their defaults; header OR query
    # key; a cookie scheme reported
    "intellifi-3.0.json": Expect("/blobs/{id}", ("GET", "DELETE"), ["header_api_key", "query_api_key"],
                                 "https://brain.intellifi.cloud", 36, ("'CookieSid' in 'cookie'",)),
    # paths that start with a parameter; basic AND key requirements reported
    "conjur-3.0.json": Expect("/{authenticator}/{service_id}/{account}/status", ("GET",), "conjur_auth",
                              "http://conjur.local", 32, ("all required together (AND)",)),
    # OR kept as a list, AND reported
    "readme-security-multiple-3.0.json": Expect("/anything/or", ("POST",), ["oauth2", "api_key_header"],
                                                "https://httpbin.org", 4, ("all required together (AND)",)),
    "readme-server-variables-3.0.json": Expect("/global", ("POST",), None, "https://demo.example.com:443", 4,
                                               ("only the first is used",)),
    # GitHub's REST API description: 1,223 operations; one path with two parameters in one segment is reported
    "github-3.0.json.xz": Expect("/repos/{owner}/{repo}/pulls/{pull_number}", ("GET", "PATCH"), None,
                                 "https://api.github.com", 1200, ("'{base}...{head}' is not a whole segment",)),
}


@pytest.fixture(scope="module")
def xsd():
    return load_xsd()


def test_every_shipped_document_is_tested_and_described() -> None:
    shipped = {p.name for p in DATA.iterdir() if p.name != "README.md"}
    assert shipped == set(PUBLIC)
    readme = (DATA / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in shipped)


def _source(name: str, tmp_path: Path) -> Path:
    if not name.endswith(".xz"):
        return DATA / name
    plain = tmp_path / name.removesuffix(".xz")
    plain.write_bytes(lzma.decompress((DATA / name).read_bytes()))
    return plain


def _local(spec: dict) -> dict:
    """The spec with every service at 127.0.0.1: nginx -t resolves upstream hosts and tests run without DNS."""
    return {**spec, "services": {k: {**v, "url": "http://127.0.0.1:8081"} for k, v in spec["services"].items()}}


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_document_imports_and_compiles_to_valid_output(tmp_path: Path, name: str, xsd) -> None:
    expect = PUBLIC[name]
    spec_file = tmp_path / "spec.yaml"
    done = runner.invoke(app, ["import", "openapi", str(_source(name, tmp_path)), "-o", str(spec_file)])
    assert done.exit_code == 0, done.output
    for words in expect.notes:
        assert words in done.output, words
    spec = yaml.safe_load(spec_file.read_text())
    assert sum(len(r["methods"]) for r in spec["routes"]) >= expect.operations
    [route] = [r for r in spec["routes"] if r["path"] == expect.route]
    assert set(expect.methods) <= set(route["methods"]) and route.get("auth") == expect.auth, route
    if expect.url:
        assert next(iter(spec["services"].values()))["url"] == expect.url
    done = runner.invoke(app, ["validate", str(spec_file)])
    assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["compile", str(spec_file), "--target", "all", "--allow-lossy",
                               "-o", str(tmp_path / "build")])
    assert done.exit_code == 0, done.output

    local_file = tmp_path / "local.yaml"
    local_file.write_text(yaml.safe_dump(_local(spec), sort_keys=False))
    loaded = load_gateway(str(local_file))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    outputs = {}
    for target in TARGETS:
        files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target(target)[0], allow_lossy=True)
        assert files, [d.format() for d in diags]
        outputs[target] = files
    check_every_target(outputs, tmp_path / "check", xsd, cfn_lint=name == "swagger-petstore-2.0.json")
