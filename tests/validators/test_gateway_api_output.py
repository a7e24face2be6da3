"""Every Gateway API output is checked against the Gateway API's own JSON schemas (the CRDs' openAPIV3Schema in
../shared/validators/k8s/gateway.networking.k8s.io/, strict: additionalProperties false): each stored golden
gateway-api.yaml, and every example and case compiled again. The CRDs' CEL rules (x-kubernetes-validations)
are not evaluated by jsonschema, so the ones gwc's output can run into are checked here by hand, as are the
resource names (metadata is not in the schemas)."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.conftest import ROOT, SHARED, gateway_examples

GOLDEN = ROOT / "tests" / "golden"
SCHEMAS = SHARED / "validators" / "k8s" / "gateway.networking.k8s.io"
STORED = sorted(GOLDEN.rglob("gateway-api/gateway-api.yaml"))
SPECS = gateway_examples() + sorted((GOLDEN / "cases").glob("*/spec.yaml"))
SCHEMA_FILES = {("gateway.networking.k8s.io/v1", "Gateway"): "gateway_v1.json",
                ("gateway.networking.k8s.io/v1", "HTTPRoute"): "httproute_v1.json",
                ("gateway.networking.k8s.io/v1beta1", "ReferenceGrant"): "referencegrant_v1beta1.json"}
LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
PATH_CHARS = re.compile(r"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$")
FILTER_FIELDS = {"RequestHeaderModifier": "requestHeaderModifier", "ResponseHeaderModifier": "responseHeaderModifier",
                 "URLRewrite": "urlRewrite", "RequestRedirect": "requestRedirect", "RequestMirror": "requestMirror",
                 "ExtensionRef": "extensionRef", "CORS": "cors", "ExternalAuth": "externalAuth"}
DURATION = re.compile(r"^(([0-9]{1,5})(h|m|s|ms)){1,4}$")


@cache
def validator(api_version: str, kind: str) -> Draft7Validator:
    return Draft7Validator(json.loads((SCHEMAS / SCHEMA_FILES[(api_version, kind)]).read_text()))


def duration_ms(text: str) -> int:
    unit = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
    return sum(int(n) * unit[u] for _, n, u in re.findall(r"(([0-9]+)(ms|h|m|s))", text))


def path_problems(path: dict) -> list[str]:
    """The CRD's CEL rules for a path match."""
    value, kind = path["value"], path["type"]
    if kind == "RegularExpression":
        re.compile(value)
        return []
    out = []
    if not value.startswith("/"):
        out.append("must start with '/'")
    for bad in ("//", "/./", "/../", "%2f", "%2F", "#"):
        if bad in value:
            out.append(f"contains {bad}")
    if value.endswith(("/..", "/.")):
        out.append("ends with a dot segment")
    if not PATH_CHARS.match(value):
        out.append("invalid characters")
    return out


def cel_problems(doc: dict) -> list[str]:
    """The CEL rules (x-kubernetes-validations) gwc's resources could break, and the name rules."""
    out = []
    meta = doc["metadata"]
    if not LABEL.match(meta["name"]):
        out.append(f"name {meta['name']!r} is not a DNS-1123 label")
    if "namespace" in meta and not LABEL.match(meta["namespace"]):
        out.append(f"namespace {meta['namespace']!r} is not a DNS-1123 label")
    spec = doc["spec"]
    if doc["kind"] == "Gateway":
        ls = spec["listeners"]
        if len({l["name"] for l in ls}) != len(ls):
            out.append("listener names are not unique")
        if len({(l["port"], l["protocol"], l.get("hostname")) for l in ls}) != len(ls):
            out.append("port, protocol and hostname are not unique per listener")
        for l in ls:
            if l["protocol"] == "HTTP" and "tls" in l:
                out.append("tls on an HTTP listener")
            if l["protocol"] == "HTTPS" and (l.get("tls", {}).get("mode", "Terminate") != "Terminate"
                                             or not l.get("tls", {}).get("certificateRefs")):
                out.append("an HTTPS listener without Terminate and certificateRefs")
    if doc["kind"] == "HTTPRoute":
        parents = Counter((p.get("namespace"), p["name"]) for p in spec["parentRefs"])
        for (ns, name), n in parents.items():
            sections = [p.get("sectionName") for p in spec["parentRefs"]
                        if (p.get("namespace"), p["name"]) == (ns, name)]
            if n > 1 and (None in sections or len(set(sections)) != n):
                out.append("a parent referenced twice without unique sectionNames")
        rules = spec["rules"]
        if len(rules) > 16:
            out.append("more than 16 rules")
        if sum(len(r.get("matches", [])) for r in rules) >= 128:
            out.append("128 matches or more in one route")
        for r in rules:
            matches, filters = r.get("matches", []), r.get("filters", [])
            if len(matches) > 64:
                out.append("more than 64 matches in a rule")
            for m in matches:
                out += path_problems(m["path"])
            kinds = Counter(f["type"] for f in filters)
            if any(n > 1 for n in kinds.values()):
                out.append("a filter type repeated")
            if kinds["RequestRedirect"] and kinds["URLRewrite"]:
                out.append("RequestRedirect with URLRewrite")
            if kinds["RequestRedirect"] and r.get("backendRefs"):
                out.append("RequestRedirect with backendRefs")
            for f in filters:
                key = FILTER_FIELDS[f["type"]]
                if set(f) != {"type", key}:
                    out.append(f"filter {f['type']} does not carry exactly its own field")
                path = f.get("urlRewrite", f.get("requestRedirect", {})).get("path")
                if path and path["type"] == "ReplacePrefixMatch" and (
                        len(matches) != 1 or matches[0]["path"]["type"] != "PathPrefix"):
                    out.append("ReplacePrefixMatch without exactly one PathPrefix match")
                if path and set(path) != {"type", path["type"][0].lower() + path["type"][1:]}:
                    out.append("path modifier type and field disagree")
            for ref in r.get("backendRefs", []):
                if ref.get("kind", "Service") == "Service" and not ref.get("group") and "port" not in ref:
                    out.append("a Service backendRef without port")
            t = r.get("timeouts", {})
            for v in t.values():
                assert DURATION.match(v), v
            if "request" in t and "backendRequest" in t and (
                    duration_ms(t["backendRequest"]) > duration_ms(t["request"])):
                out.append("backendRequest longer than request")
    return out


def check(text: str) -> list[dict]:
    """Parse one gateway-api.yaml and check every resource; the resources."""
    assert text.startswith("apiVersion: ") and not text.endswith("---\n")
    docs = list(yaml.safe_load_all(text))
    for doc in docs:
        errors = sorted(validator(doc["apiVersion"], doc["kind"]).iter_errors(doc), key=str)
        assert not errors, f"{doc['kind']} {doc['metadata']['name']}: " + "\n".join(e.message for e in errors[:5])
        assert not cel_problems(doc), (doc["metadata"]["name"], cel_problems(doc))
    keys = [(d["kind"], d["metadata"].get("namespace"), d["metadata"]["name"]) for d in docs]
    assert len(keys) == len(set(keys)), f"two resources with one name: {keys}"
    return docs


def test_there_are_stored_gateway_api_outputs() -> None:
    assert len(STORED) >= 10


@pytest.mark.parametrize("path", STORED, ids=lambda p: str(p.parent.parent.relative_to(GOLDEN)))
def test_stored_output_is_valid(path: Path) -> None:
    check(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_spec_compiles_to_valid_resources(spec: Path) -> None:
    loaded = load_gateway(str(spec))
    assert loaded.gateway is not None
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("gateway-api")[0], allow_lossy=True)
    assert files, [d.format() for d in diags]
    check(files["gateway-api.yaml"])


def test_the_checks_catch_what_the_schema_cannot() -> None:
    """The hand-written CEL checks refuse what the CRDs refuse (so passing them means something)."""
    route = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "r"},
             "spec": {"parentRefs": [{"name": "g"}], "rules": [{
                 "matches": [{"path": {"type": "PathPrefix", "value": "/a"}, "method": "GET"},
                             {"path": {"type": "PathPrefix", "value": "/a"}, "method": "POST"}],
                 "filters": [{"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch",
                                                                            "replacePrefixMatch": "/b"}}}],
                 "backendRefs": [{"name": "s", "port": 80}],
                 "timeouts": {"request": "1s", "backendRequest": "2s"}}]}}
    assert not list(validator("gateway.networking.k8s.io/v1", "HTTPRoute").iter_errors(route))  # schema-valid
    strict = {**route, "spec": {**route["spec"], "directResponse": {"status": 200}}}
    assert list(validator("gateway.networking.k8s.io/v1", "HTTPRoute").iter_errors(strict))  # the schema is strict
    problems = cel_problems(route)
    assert "ReplacePrefixMatch without exactly one PathPrefix match" in problems
    assert "backendRequest longer than request" in problems
    assert path_problems({"type": "Exact", "value": "/a//b"}) == ["contains //"]
    many = {**route, "spec": {**route["spec"], "rules": [{"matches": [{"path": {"type": "Exact", "value": "/x"}}] * 8}]
                              * 16}}
    assert "128 matches or more in one route" in cel_problems(many)
