"""Every Azure output is checked by the format's own tools: each policy file (and each nested policy body
the XSD skips) against Microsoft's APIM policy XSD, api.openapi.json by openapi-spec-validator, and
template.json structurally (types, names, dependsOn, and that it carries exactly the files beside it).
The stored golden outputs are checked, and every example and case compiled again for Azure. Hostile
values in every Azure-bound string field come out literal, and the policies keep the element structure
of a harmless value's. xmlschema and openapi-spec-validator are test dependencies: a missing one fails."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from gwc.targets.azure.bundle import PATH as BUNDLE
from gwc.targets.azure.bundle import bundle, split
from openapi_spec_validator import validate

from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.conftest import ROOT, gateway_examples
from tests.validators.azure_checks import (
    expand_policies,
    load_xsd,
    policy_errors,
    policy_text,
    shape,
    template_problems,
)

GOLDEN = ROOT / "tests" / "golden"
STORED = sorted(p.parent for p in GOLDEN.rglob("azure/deploy.json"))
SPECS = gateway_examples() + sorted((GOLDEN / "cases").glob("*/spec.yaml"))
OPERATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
NOT_ALLOWED_ID = re.compile(r"-405-[0-9a-f]{2}$")


@pytest.fixture(scope="session")
def xsd():
    return load_xsd()


def _id(folder: Path) -> str:
    return str(folder.parent.relative_to(GOLDEN))


def _stored(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file()}


def check_files(xsd, files: dict[str, str]) -> None:
    """Every check on one Azure output."""
    assert sorted(files) == ["api.openapi.json", "deploy.json", "policies/api.xml", "policies/operations.xml",
                             "template.json"]
    assert files["policies/operations.xml"] == bundle(sorted(split(files["policies/operations.xml"]).items()))
    policies = {k: v for k, v in expand_policies(files).items() if k.startswith("policies/") and k != BUNDLE}
    assert "policies/api.xml" in policies
    for rel, text in policies.items():
        assert not policy_errors(xsd, text), (rel, policy_errors(xsd, text))
        assert text.count("<forward-request") <= 1, rel  # never the inherited one and an own one
        backend = text.split("<backend>", 1)[1].split("</backend>", 1)[0]
        assert ("<forward-request" in backend or "<retry" in backend) != ("<base />" in backend), rel
    doc = json.loads(files["api.openapi.json"])
    validate(doc)
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)) and all(OPERATION_ID.match(i) for i in ids)
    deploy = json.loads(files["deploy.json"])
    assert deploy["operation_policies_file"] == BUNDLE
    # every operation has its own policy but those answering 405, which the API's policy answers by id
    not_allowed = [i for i in ids if NOT_ALLOWED_ID.search(i)]
    assert {f"policies/operations/{i}.xml" for i in ids if i not in not_allowed} | {"policies/api.xml"} == \
        set(policies)
    codes = set(re.findall(r'EndsWith\(&quot;(-405-[0-9a-f]{2})&quot;\)', policies["policies/api.xml"]))
    assert {NOT_ALLOWED_ID.search(i).group(0) for i in not_allowed} == codes
    template = json.loads(files["template.json"])
    assert not template_problems(template, files), template_problems(template, files)
    for path in doc["paths"]:
        assert "*" not in path[:-1] and (path.endswith("/*") or "*" not in path), path


def test_there_are_stored_azure_outputs() -> None:
    assert len(STORED) >= 20


@pytest.mark.parametrize("folder", STORED, ids=_id)
def test_stored_output_is_valid(folder: Path, xsd) -> None:
    check_files(xsd, _stored(folder))


def compile_azure(spec: Path, lossy: bool = True):
    loaded = load_gateway(str(spec))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    return compile_gateway(loaded.gateway, loaded.doc, load_target("azure")[0], allow_lossy=lossy)


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_spec_compiles_to_valid_azure_output(spec: Path, xsd) -> None:
    files, diags = compile_azure(spec)
    assert files, "\n".join(d.format() for d in diags)
    check_files(xsd, files)


def test_the_nested_check_sees_inside_choose(xsd) -> None:
    bad = ('<policies><inbound><base /><choose><when condition="@(true)"><rate-limit-by-key calls="lots" '
           'renewal-period="1" counter-key="a" /></when></choose></inbound></policies>')
    assert not list(xsd.iter_errors(bad)) and policy_errors(xsd, bad)


# -- injection --------------------------------------------------------------------------------------------

HARMLESS = "plain-value"
HOSTILE = ["@(context.Request.Body.As<string>())", "@{ return \"x\"; }", " @(x)", "@@(x)", "@", "{{secret}}",
           "a{{b}}c", "}}{{", "{{{", "}}}", "{", "<evil attr=\"1\"/>", "</value></set-header><x/>", "&amp;&lt;",
           "\"'", "]]>", "<![CDATA[x]]>", "\\", "[concat('x')]", "[x]", "x\\\"); } return @(\"y"]
TEXT_ONLY = ["line\r\nbreak", "bell\u0007", "tab\there", "caf\u00e9 \U0001F600", "\ufffe", "trailing  "]
KEYS = json.loads((ROOT / "examples" / "ecommerce" / "keys" / "jwks.json").read_text())
RSA = next(k for k in KEYS["keys"] if k["kty"] == "RSA")


def yaml_quote(text: str) -> str:
    """A YAML double-quoted scalar: quotes and backslashes escaped, everything outside printable ASCII as
    a \\u / \\U escape."""
    out = []
    for c in text:
        o = ord(c)
        if c in '"\\':
            out.append("\\" + c)
        elif 0x20 <= o < 0x7F:
            out.append(c)
        else:
            out.append(f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}")
    return '"' + "".join(out) + '"'


def _spec(tmp_path: Path, field: str, value: str) -> Path:
    v = yaml_quote(value)
    issuer = yaml_quote("https://id.example/" + value) if field == "issuer" else '"https://id.example/"'
    kid = value if field == "kid" else "k1"
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [dict(RSA, kid=kid)]}))
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"""gwc: 1
name: inj
title: {v if field == "title" else '"T"'}
description: {v if field == "description" else '"D"'}
services:
  app: {{url: "https://app.example.com"}}
  canned:
    mock:
      body: {v if field == "body" else '"ok"'}
      headers: {{X-Mock: {v if field == "mock_header" else '"m"'}}}
auth:
  u: {{jwt: {{issuer: {issuer}, audiences: [{v if field == "audience" else '"aud"'}], jwks: {{file: jwks.json}}}}}}
routes:
  - path: /a
    methods: [GET]
    service: app
    auth: u
    headers:
      request: {{set: {{X-Req: {v if field == "request_header" else '"r"'}}}}}
      response: {{set: {{X-Resp: {v if field == "response_header" else '"s"'}}}}}
  - path: /m
    methods: [GET]
    service: canned
""")
    return spec


# (field, where the value lands: (file, xpath) in the policies, or "arm")
FIELDS = {
    "request_header": ("policies/operations/a-get.xml", ".//inbound/set-header[@name='X-Req']/value"),
    "response_header": ("policies/operations/a-get.xml", ".//outbound/set-header[@name='X-Resp']/value"),
    "audience": ("policies/operations/a-get.xml", ".//audience"),
    "issuer": ("policies/operations/a-get.xml", ".//issuer"),
    "body": ("policies/operations/m-get.xml", ".//set-body"),
    "mock_header": ("policies/operations/m-get.xml", ".//set-header[@name='X-Mock']/value"),
    "kid": ("policies/operations/a-get.xml", ".//key"),
    "title": ("arm", "displayName"),
    "description": ("arm", "description"),
}
SCHEMA_OK = {"audience": lambda v: re.fullmatch(r"[\x21-\x7e]{1,512}", v),
             "issuer": lambda v: re.fullmatch(r"[\x21-\x7e]*", v),
             "request_header": lambda v: re.fullmatch(r"[\x20-\x7e]{0,1024}", v),
             "response_header": lambda v: re.fullmatch(r"[\x20-\x7e]{0,1024}", v),
             "mock_header": lambda v: re.fullmatch(r"[\x20-\x7e]{0,1024}", v),
             "title": lambda v: not re.search(r"[\x00-\x1f\x7f]", v),
             "description": lambda v: not re.search(r"[\x00-\x1f\x7f]", v)}
CASES = [(f, v) for f in FIELDS for v in HOSTILE + TEXT_ONLY if SCHEMA_OK.get(f, lambda v: True)(v)]


def _compiled(tmp_path: Path, field: str, value: str) -> dict[str, str]:
    files, diags = compile_azure(_spec(tmp_path, field, value), lossy=False)
    assert files, "\n".join(d.format() for d in diags)
    return files


def _landed(files: dict[str, str], field: str) -> str | None:
    from xml.etree import ElementTree
    rel, where = FIELDS[field]
    if rel == "arm":
        api = next(r for r in json.loads(files["template.json"])["resources"] if r["type"].endswith("/apis"))
        text = api["properties"][where]
        return text[1:] if text.startswith("[[") else text
    node = ElementTree.fromstring(files[rel]).find(where)
    if field == "kid":
        return node.get("id")
    return policy_text(node.text or "")


@pytest.mark.parametrize("field,value", CASES, ids=[f"{f}-{i}" for i, (f, _) in enumerate(CASES)])
def test_hostile_values_come_out_literal(field: str, value: str, tmp_path: Path, xsd) -> None:
    (tmp_path / "h").mkdir()
    (tmp_path / "x").mkdir()
    harmless, files = _compiled(tmp_path / "h", field, HARMLESS), _compiled(tmp_path / "x", field, value)
    check_files(xsd, files)
    files, harmless = expand_policies(files), expand_policies(harmless)
    assert set(files) == set(harmless)
    for rel in files:
        if rel.startswith("policies/"):
            assert shape(files[rel], field == "kid") == shape(harmless[rel], field == "kid"), rel
            # only gwc's own named-value references may look like one
            assert "{{" not in re.sub(r"\{\{inj-[a-z0-9-]+\}\}", "", files[rel]), rel
    landed = _landed(files, field)
    if field == "kid":  # a key id APIM would read as an expression is left out (APIM then tries each key)
        assert landed in (value, None)
    else:
        assert landed == ("https://id.example/" + value if field == "issuer" else value)
    if field in ("title", "description"):
        api = next(r for r in json.loads(files["template.json"])["resources"] if r["type"].endswith("/apis"))
        text = api["properties"][FIELDS[field][1]]
        assert not (text.startswith("[") and text.endswith("]") and not text.startswith("[["))
