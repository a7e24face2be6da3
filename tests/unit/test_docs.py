"""Documentation cannot drift: generated pages are current, every code in the source is documented, every
target declares every feature, and every spec field appears in docs/spec.md."""

from __future__ import annotations

import importlib.util
import json
import re

from gwc.codes import CODES
from gwc.features import FEATURES
from gwc.registry import load_all
from gwc.schema import schema_text
from tests.conftest import ROOT


def _gen_docs():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_docs_are_current() -> None:
    for rel, make in _gen_docs().GENERATED.items():
        assert (ROOT / rel).read_text() == make(), f"{rel} is stale: run scripts/gen_docs.py"


def test_every_code_used_is_documented() -> None:
    used = set()
    for path in list((ROOT / "gwc").rglob("*.py")) + list((ROOT / "targets").rglob("*.py")):
        used |= set(re.findall(r'"(GWC\d{3})"', path.read_text()))
    used -= set(re.findall(r'"(GWC\d{3})"', (ROOT / "gwc" / "codes.py").read_text())) - used
    assert used <= set(CODES), f"undocumented codes: {sorted(used - set(CODES))}"


def test_every_target_declares_every_feature() -> None:
    targets, diags = load_all()
    assert targets and not diags
    for t in targets:
        assert set(t.fidelity) == set(FEATURES), t.name


def _fields(schema, node, out, prefix=""):
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].split("/")[-1]
            if name not in out["seen"]:
                out["seen"].add(name)
                _fields(schema, schema["$defs"][name], out, prefix)
        for key, sub in node.get("properties", {}).items():
            out["names"].add(key)
            _fields(schema, sub, out, key)
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                _fields(schema, node[key], out, prefix)
        for key in ("oneOf", "anyOf", "allOf"):
            for sub in node.get(key, []):
                _fields(schema, sub, out, prefix)


def test_every_spec_field_is_in_the_reference() -> None:
    schema = json.loads(schema_text())
    out = {"names": set(), "seen": set()}
    _fields(schema, schema, out)
    text = (ROOT / "docs" / "spec.md").read_text()
    spans = " ".join(re.findall(r"`([^`\n]+)`", text))  # field names appear in code spans, alone or dotted
    missing = sorted(n for n in out["names"] if not re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])",
                                                               spans))
    assert not missing, f"fields not documented in docs/spec.md: {missing}"
