"""Every Google output is checked by openapi-spec-validator: the stored golden openapi.yaml files (2.0 and
3.0) and every example and case compiled again as OpenAPI 3.0, and for API Gateway. The validator is a
test dependency, so a missing one fails (never skips).

One adaptation, and only one: Google's OpenAPI 2.0 path templates end a prefix route with a double
wildcard, `/orders/{path=**}`, declared as the parameter `path` (what Google's importer binds the `**`
variable to). Plain OpenAPI 2.0 has no wildcard syntax, so the validator would look for a parameter
literally named `path=**`. Before validating, such a last segment is rewritten to `{path}`; everything
else is validated as written.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.conftest import ROOT, gateway_examples

GOLDEN = ROOT / "tests" / "golden"
STORED = sorted(p.parent for p in GOLDEN.rglob("gcp/openapi.yaml"))
SPECS = gateway_examples() + sorted((GOLDEN / "cases").glob("*/spec.yaml"))
GREEDY = re.compile(r"^(/(?:[^{}]*/)?)\{([a-z_][a-z0-9_]*)=\*\*\}$")


def _id(folder: Path) -> str:
    return str(folder.parent.relative_to(GOLDEN))


def as_plain_openapi(doc: dict) -> dict:
    """The document with Google's trailing `{name=**}` written as `{name}` (see the module docstring)."""
    if "swagger" not in doc:
        return doc
    paths = {}
    for key, item in doc["paths"].items():
        m = GREEDY.match(key)
        if m:
            for op in item.values():  # the greedy variable is declared under its own name
                assert {"name": m.group(2), "in": "path", "required": True, "type": "string"} in op["parameters"]
            key = f"{m.group(1)}{{{m.group(2)}}}"
        assert "*" not in key and "=" not in key, key
        paths[key] = item
    return {**doc, "paths": paths}


def check(text: str) -> dict:
    """Parse and validate one generated openapi.yaml; the parsed document."""
    doc = yaml.safe_load(text)
    validate(as_plain_openapi(doc))
    return doc


def test_there_are_stored_gcp_outputs() -> None:
    assert len(STORED) >= 15


def test_the_adaptation_touches_only_the_greedy_variable() -> None:
    doc = {"swagger": "2.0", "paths": {"/a/{path=**}": {"get": {"parameters": [
        {"name": "path", "in": "path", "required": True, "type": "string"}]}}, "/b/{id}": {}}}
    assert set(as_plain_openapi(doc)["paths"]) == {"/a/{path}", "/b/{id}"}
    with pytest.raises(AssertionError):
        as_plain_openapi({"swagger": "2.0", "paths": {"/a/{x=*}/b": {}}})


@pytest.mark.parametrize("folder", STORED, ids=_id)
def test_stored_openapi_is_valid(folder: Path) -> None:
    doc = check((folder / "openapi.yaml").read_text())
    version = json.loads((folder / "deploy.json").read_text())["openapi_version"]
    assert ("swagger" in doc) == (version == 2)


def _compile_with(spec: Path, **settings) -> dict[str, str]:
    loaded = load_gateway(str(spec))
    gw = loaded.gateway
    assert gw is not None, [d.format() for d in loaded.diagnostics]
    gcp = {"project": "gwc-validate", **gw.target_settings("gcp"), **settings}
    files, diags = compile_gateway(replace(gw, settings={**gw.settings, "gcp": gcp}), loaded.doc,
                                   load_target("gcp")[0], allow_lossy=True)
    assert files, "\n".join(d.format() for d in diags)
    return files


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_spec_as_openapi_3_is_valid(spec: Path) -> None:
    files = _compile_with(spec, openapi=3)
    doc = check(files["openapi.yaml"])
    assert doc["openapi"].startswith("3.0") and json.loads(files["deploy.json"])["openapi_version"] == 3
    backends = doc["x-google-api-management"]["backends"]
    for item in doc["paths"].values():
        for op in item.values():
            assert op["x-google-backend"] in backends  # a string reference Google resolves, never inline
    for b in backends.values():
        assert ("jwtAudience" in b) != ("disableAuth" in b)  # Google requires exactly one of them


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.parametrize("version", [2, 3])
def test_every_spec_for_api_gateway_is_valid(spec: Path, version: int) -> None:
    files = _compile_with(spec, product="api-gateway", openapi=version)
    doc = check(files["openapi.yaml"])
    assert "servers" not in doc and json.loads(files["deploy.json"])["product"] == "api-gateway"
