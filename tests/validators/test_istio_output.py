"""Every Istio resource gwc writes is checked against Istio's own CRD schemas (strict: additionalProperties false)
from ../shared/validators/k8s: every stored golden istio.yaml, and every example and case compiled again with
the settings that change the output's shape (ingress mode with a TLS credential, api_version v1, named routes).

The CRD schemas check `spec` only; apiVersion, kind and metadata are checked here: the group and version, a
DNS-1123 name (and namespace), and no two resources of one kind with one name."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.conftest import ROOT, SHARED, gateway_examples

GOLDEN = ROOT / "tests" / "golden"
STORED = sorted(GOLDEN.rglob("istio/istio.yaml"))
SPECS = gateway_examples() + sorted((GOLDEN / "cases").glob("*/spec.yaml"))
K8S = SHARED / "validators" / "k8s"
SCHEMAS = {
    "VirtualService": ("networking.istio.io", "virtualservice_v1.json"),
    "DestinationRule": ("networking.istio.io", "destinationrule_v1.json"),
    "Gateway": ("networking.istio.io", "gateway_v1.json"),
    "RequestAuthentication": ("security.istio.io", "requestauthentication_v1.json"),
    "AuthorizationPolicy": ("security.istio.io", "authorizationpolicy_v1.json"),
}
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


@cache
def validator(kind: str) -> Draft7Validator:
    group, file = SCHEMAS[kind]
    schema = json.loads((K8S / group / file).read_text())
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def check(text: str) -> list[dict]:
    """Parse one istio.yaml and validate every resource; the resources."""
    docs = list(yaml.safe_load_all(text))
    assert docs and all(isinstance(d, dict) for d in docs)
    seen = set()
    for doc in docs:
        kind = doc["kind"]
        group = SCHEMAS[kind][0]
        assert set(doc) == {"apiVersion", "kind", "metadata", "spec"}, doc.keys()
        assert doc["apiVersion"] in (f"{group}/v1", f"{group}/v1beta1")
        meta = doc["metadata"]
        assert set(meta) <= {"name", "namespace"} and DNS1123_LABEL.match(meta["name"]), meta
        assert "namespace" not in meta or DNS1123_LABEL.match(meta["namespace"])
        assert (kind, meta["name"]) not in seen, f"two {kind}s named {meta['name']}"
        seen.add((kind, meta["name"]))
        errors = sorted(validator(kind).iter_errors(doc), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{kind} {meta['name']} {list(e.path)}: {e.message}" for e in errors)
        for route in doc["spec"].get("http", []):
            assert route.get("route") or route.get("directResponse")
            weights = [d.get("weight") for d in route.get("route", [])]
            if len(weights) > 1:
                assert sum(weights) == 100, weights
            if "name" in route:
                assert DNS1123_LABEL.match(route["name"])
        names = [r["name"] for r in doc["spec"].get("http", []) if "name" in r]
        assert len(names) == len(set(names))
    return docs


def test_there_are_stored_istio_outputs() -> None:
    assert len(STORED) >= 20


def test_the_validator_is_strict() -> None:
    bad = {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "x"},
           "spec": {"hosts": ["a"], "http": [{"route": [{"destination": {"host": "a"}}], "timeoutt": "1s"}]}}
    with pytest.raises(AssertionError):
        check(yaml.safe_dump(bad))


@pytest.mark.parametrize("path", STORED, ids=lambda p: str(p.parent.parent.relative_to(GOLDEN)))
def test_stored_istio_output_is_valid(path: Path) -> None:
    check(path.read_text())


def _compile_with(spec: Path, **settings) -> dict[str, str]:
    loaded = load_gateway(str(spec))
    gw = loaded.gateway
    assert gw is not None, [d.format() for d in loaded.diagnostics]
    istio = {**gw.target_settings("istio"), **settings}
    files, diags = compile_gateway(replace(gw, settings={**gw.settings, "istio": istio}), loaded.doc,
                                   load_target("istio")[0], allow_lossy=True)
    assert files, "\n".join(d.format() for d in diags)
    return files


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_spec_in_ingress_mode_is_valid(spec: Path) -> None:
    docs = check(_compile_with(spec, mode="ingress", api_version="v1", route_names=True,
                               tls_credential_name="gwc-tls", namespace="gwc")["istio.yaml"])
    vs = [d for d in docs if d["kind"] == "VirtualService"]
    assert len(vs) == 1 and vs[0]["spec"]["gateways"]
    assert all(d["metadata"]["namespace"] == "gwc" for d in docs)


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_spec_in_mesh_mode_is_valid(spec: Path) -> None:
    docs = check(_compile_with(spec, mode="mesh", selector={"app": "gwc"})["istio.yaml"])
    assert not any(d["kind"] == "Gateway" for d in docs)
