"""The compiled schema check (gwc/schema_fast.py) agrees with jsonschema, the reference, on every shipped spec
and on thousands of mutations of them (a value swapped for one of another type or shape, a key dropped, an
unknown key added): it must never call valid what jsonschema calls invalid, nor the other way round."""

from __future__ import annotations

import random

import pytest
import yaml

from gwc.includes import resolve_includes
from gwc.load import load_file
from gwc.schema import _fast, _schema, _validator
from gwc.schema_fast import compile_schema, equal
from tests.conftest import ROOT, gateway_examples
from tests.fuzz.mutations import mutate

SPECS = gateway_examples() + sorted((ROOT / "tests" / "golden" / "cases").glob("*/spec.yaml"))


def _reference_valid(data: object) -> bool:
    return not any(True for _ in _validator(None).iter_errors(data))


def test_there_are_specs() -> None:
    assert len(SPECS) >= 15


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_agrees_with_jsonschema_on_mutations(spec) -> None:
    doc, _ = load_file(str(spec))  # gwc's loader: `on:` is a string, not YAML 1.1's true
    data = resolve_includes(doc)[0].data
    assert _fast(None)(data) and _reference_valid(data)
    rng = random.Random(str(spec.relative_to(ROOT)))
    verdicts = set()
    for _ in range(150):
        mutated = mutate(data, rng)
        fast = _fast(None)(mutated)
        assert fast == _reference_valid(mutated), yaml.safe_dump(mutated)[:2000]
        verdicts.add(fast)
    assert verdicts == {True, False}  # the mutations reach both answers


def test_json_equality_and_unknown_keywords() -> None:
    assert not equal(True, 1) and equal(1, 1.0) and not equal([1], [True]) and equal({"a": [1]}, {"a": [1.0]})
    assert not equal("1", 1)
    with pytest.raises(ValueError, match="not supported"):
        compile_schema({"type": "string", "contentEncoding": "base64"})
    check = compile_schema({"type": "string", "pattern": "^[a-z]+$"})
    assert check("abc") and not check("abc\n") and not check(1)


def test_recursive_reference() -> None:
    check = compile_schema({"$defs": {"n": {"type": "object", "properties": {"next": {"$ref": "#/$defs/n"}},
                                            "additionalProperties": False}}, "$ref": "#/$defs/n"})
    assert check({"next": {"next": {}}}) and not check({"next": {"x": 1}})


def test_the_shipped_schema_compiles() -> None:
    assert _fast(None)({**_minimal()}) and not _fast(None)({})


def _minimal() -> dict:
    return {"gwc": 1, "name": "t", "services": {"a": {"url": "http://127.0.0.1:1"}},
            "routes": [{"path": "/", "service": "a"}]} if _schema(None) else {}
