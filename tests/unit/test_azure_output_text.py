"""The Azure target writes its large documents itself (JSON text from shared pieces, policy XML from
elements serialised once per emit): the bytes must be exactly what the standard library writes (json with
sorted keys and two-space indentation, ElementTree's indent() and tostring()), and shared pieces must be
written once, not once per operation (what made a 10,000-route API take tens of seconds)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from gwc.targets.azure import jsontext, template, xmldoc
from gwc.targets.azure.bundle import split
from gwc.targets.azure.jsontext import Later, document, dumps, escape, escaped, quote_twice
from gwc.targets.azure.xmldoc import PolicyDoc, Renderer, el, serialize

from bench import specgen
from gwc.emitting import to_json
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.validators.azure_checks import expand_policies

STRINGS = ["", "plain", 'a "quoted" \\ back\\slash', "line\nbreak\r\ttab\x00\x1f\x7f", "caf\u00e9 \u20ac \U0001f600",
           "[brackets]", "{{named}}", "</tag>&amp;"]
VALUES = [
    {}, [], {"a": {}, "b": []}, {"z": 1, "a": 2, "m": [1, 2, {"k": None}]},
    {"s": STRINGS, "n": [0, -1, 10 ** 20, 1.5, -0.0, 1e-7], "b": [True, False, None]},
    {"nested": {"deeper": {"deepest": [[], [[]], {"x": "y"}]}}}, STRINGS, "just a string", 42, None,
    {k: {"v": k} for k in STRINGS},
]


@pytest.mark.parametrize("value", VALUES)
def test_json_text_is_what_json_writes(value) -> None:
    assert dumps(value) == json.dumps(value, sort_keys=True, indent=2, ensure_ascii=True)
    assert document(value) == to_json(value)
    assert dumps(value, compact=True) == json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    # written later, at its place two levels down
    inner = Later(lambda write: write(dumps(value, 2)))
    assert document({"a": {"b": inner}}) == to_json({"a": {"b": value}})


@pytest.mark.parametrize("text", STRINGS)
def test_escaping_json_text_inside_a_string(text: str) -> None:
    quoted, twice = quote_twice(text)
    assert quoted == json.dumps(text) and twice == json.dumps(quoted)[1:-1] == escape(quoted)
    pieces: list[str] = []
    compact = {"k": text, "l": [text, 1]}
    jsontext.write_json(compact, escaped(pieces.append), compact=True)
    assert '"' + "".join(pieces) + '"' == json.dumps(json.dumps(compact, sort_keys=True, separators=(",", ":")))


def _et(root: ElementTree.Element, level: int = 0) -> str:
    """What ElementTree writes for the element at nesting `level` (its own indentation left out)."""
    root = copy.deepcopy(root)
    ElementTree.indent(root, space="    ", level=level)
    root.tail = None
    return ElementTree.tostring(root, encoding="unicode")


def _tree() -> ElementTree.Element:
    odd = 'a "b" <c> & d\ne\r\tf \u00e9 ]]>'
    return el("policies", {}, [
        el("inbound", {}, [el("base"), el("set-header", {"name": "X", "exists-action": "override"},
                                            [el("value", text=odd)]),
                           el("empty", text=""), el("spaces", text="  "),
                           el("choose", {}, [el("when", {"condition": odd}, [el("a", {"z": "1", "a": odd})])]),
                           el("mixed", {}, [el("child")], text="text before children")]),
        el("backend", {}, []), el("outbound", {}, [el("leaf", {"k": ""}, text=odd)])])


def test_xml_is_what_elementtree_writes() -> None:
    root = _tree()
    assert serialize(root) == _et(root)
    for child in root:
        assert serialize(child, 1) == _et(child, 1)
    doc = PolicyDoc()
    doc.add("inbound", *root[0][1:])
    doc.add("outbound", *root[2])
    doc.forward = [el("forward-request", {"timeout": "5"})]
    assert Renderer().render(doc) == _et(doc.element()) + "\n"
    doc.forward = []
    assert Renderer().render(doc) == _et(doc.element()) + "\n"


def test_a_shared_element_is_serialised_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = xmldoc.serialize
    monkeypatch.setattr(xmldoc, "serialize", lambda node, level=0: calls.append(node.tag) or real(node, level))
    shared, renderer = el("validate-jwt", {"token-value": "@(x)"}), Renderer()
    texts = set()
    for i in range(50):
        doc = PolicyDoc()
        doc.add("inbound", shared, el("rate-limit-by-key", {"calls": str(i)}))
        texts.add(renderer.render(doc))
    assert len(texts) == 50 and calls.count("validate-jwt") == 1 and calls.count("rate-limit-by-key") == 50


def _compile(folder: Path, routes: int) -> dict[str, str]:
    spec = specgen.write(folder, routes)
    loaded = load_gateway(str(spec))
    assert loaded.gateway is not None
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("azure")[0], allow_lossy=True)
    assert files, [d.format() for d in diags]
    return files


def test_a_large_api_is_written_as_the_standard_library_writes_it(tmp_path: Path) -> None:
    files = _compile(tmp_path, 300)
    assert list(files) == sorted(files)
    for rel in ("template.json", "api.openapi.json", "deploy.json"):
        assert files[rel] == to_json(json.loads(files[rel])), rel
    doc = json.loads(files["api.openapi.json"])
    ops = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ops) > 5 * 300  # 405 operations included
    tmpl = json.loads(files["template.json"])
    api = next(r for r in tmpl["resources"] if r["type"].endswith("/apis"))
    assert api["properties"]["value"] == json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    policies = {r["name"]: r["properties"]["value"] for r in tmpl["resources"] if r["type"].endswith("/policies")}
    served = [op for op in ops if not re.search(r"-405-[0-9a-f]{2}$", op)]
    assert len(served) == 600 and len(policies) == len(served) + 1  # 405 operations are answered at API scope
    assert sorted(split(files["policies/operations.xml"])) == sorted(served)
    files = expand_policies(files)
    for rel, text in files.items():
        if rel == "policies/operations.xml":
            continue
        if rel.startswith("policies/"):
            assert text == _et(ElementTree.fromstring(text)) + "\n", rel
    assert files["policies/api.xml"] in policies.values()
    for op in served:
        name = f"[concat(parameters('serviceName'), '/', 'bench-300', '/', '{op}', '/', 'policy')]"
        assert policies[name] == files[f"policies/operations/{op}.xml"]


def test_shared_work_is_done_once_not_per_route_or_operation(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    depends: list[str] = []
    real_depends = template.policy_depends
    monkeypatch.setattr(template, "policy_depends",
                        lambda xml, api_id: depends.append(xml) or real_depends(xml, api_id))
    tags: list[str] = []
    real_serialize = xmldoc.serialize
    monkeypatch.setattr(xmldoc, "serialize", lambda node, level=0: tags.append(node.tag) or real_serialize(node, level))
    files = _compile(tmp_path, 200)
    files = expand_policies(files)
    distinct = {text for rel, text in files.items() if rel.startswith("policies/") and rel != "policies/operations.xml"}
    operations = sum(rel.startswith("policies/operations/") for rel in files)
    # each distinct policy goes into the template once; operations share policies (a route's methods but GET)
    assert sorted(depends) == sorted(distinct) and len(distinct) < operations * 0.6
    # one validate-jwt per JWT method and one backend element per backend, not one per route
    jwt_routes = sum("<validate-jwt" in text for text in distinct)
    assert tags.count("validate-jwt") == 1 and jwt_routes > 20
    backends = set(re.findall(r'backend-id="([^"]+)"', "".join(distinct)))
    assert tags.count("set-backend-service") == len(backends) < 10
