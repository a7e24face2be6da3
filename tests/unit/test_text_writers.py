"""gwc's direct JSON and YAML writers (gwc/json_text.py, gwc/yaml_text.py) give exactly json's and PyYAML's bytes:
on random trees of awkward strings, numbers and nesting, on strings they must leave to PyYAML, and on every
stored golden document written again."""

from __future__ import annotations

import json
import random

import pytest
import yaml

from gwc import json_text
from gwc import yaml_text as block_yaml
from gwc.json_text import stdlib_text as to_json
from gwc.yaml_text import pyyaml_text as to_yaml
from tests.conftest import ROOT

ATOMS = ["", " ", "a", "a b", " a", "a ", "a: b", "a:b", "a:", ":a", "a #b", "a#b", "#a", "-", "- a", "-a", "--- a",
         "...", ".5", "0.5", "1e3", "1_000", "0x1F", "0o7", "012", "+1", "-1", "yes", "No", "on", "OFF", "true",
         "False", "null", "~", "Null", "<<", "=", "!a", "&a", "*a", "|", ">", "'q'", '"q"', "%a", "@a", "`a",
         "a'b", 'a"b', "{a}", "[a]", "a,b", "a?", "?a", "? a", "a\tb", "\t", "a\t", "é", "日本", "\x00", "\x7f",
         "\ufeff", "😀", "a\rb", "a\x85b", "a  b", "a \u00a0b", "x" * 200, "k" * 100, "é" * 100,
         "$context.requestId", "'GET'", "/a/{id}", "/a/{proxy+}", "method.request.header.x-api-key",
         '{"statusCode": 200}', "#[[$x]]#", "a\\b", "https://x.example.com:8443/p?q=1#f", "2001-01-01",
         "12:30:00", "1:20", "0b101", ".inf", "-.INF", ".NaN", "(a)", "^a$", ";a", "=a", "<a>", "+a", "~a", "_a"]
KEYS = [a for a in ATOMS if len(a) < 20]  # longer ones are below; as keys they are often `? key` keys
# strings whose text depends on where they are (line breaks, folding at the 4096th column)
PLACED = ["y " * 600, "z" * 1001, "w " * 2100, "é " * 700, "a\nb", "a\n", "\na", "a\n\n b \n", "\u2028", "a\r\nb",
          "x\x85y", "it's\nhere", "é\n", "maintenance\n", "a" * 4000 + " b", "   a\nb  "]
# keys the YAML writer leaves to PyYAML (`? key`): the whole document goes there
SLOW_KEYS = ["k" * 101, "k" * 128, "k" * 129, "a\nb", "y " * 600]
NUMBERS = [None, True, False, 0, -3, 2 ** 70, 1.5, 20.0, 1e17, 1e-5, float("inf"), float("-inf"), float("nan"),
           -0.0]


def _atom(rnd: random.Random) -> object:
    r = rnd.random()
    return rnd.choice(ATOMS) if r < 0.65 else rnd.choice(NUMBERS) if r < 0.95 else rnd.choice(PLACED)


def _tree(rnd: random.Random, depth: int) -> object:
    r = rnd.random()
    if depth > 5 or r < 0.4:
        return _atom(rnd)
    if r < 0.7:
        return {rnd.choice(KEYS): _tree(rnd, depth + 1) for _ in range(rnd.randint(0, 5))}
    return [_tree(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]


def _direct(doc: dict | list) -> bool:
    """True when the YAML writer writes the document itself (no PyYAML)."""
    writer = block_yaml._Writer()
    try:
        writer.sequence(doc, "", "") if isinstance(doc, list) else writer.mapping(doc, "", "")
    except block_yaml._Fallback:
        return False
    return True


def test_random_trees() -> None:
    direct = 0
    for seed in range(1000):
        rnd = random.Random(seed)
        doc = {rnd.choice(KEYS): _tree(rnd, 0) for _ in range(rnd.randint(1, 6))}
        assert json_text.to_json(doc) == to_json(doc), seed
        for d in (doc, list(doc.values())):
            assert block_yaml.to_yaml(d) == to_yaml(d), seed
            direct += bool(d) and _direct(d)
    assert direct > 1000  # most comparisons are with the direct writer, not PyYAML against itself


@pytest.mark.parametrize("atom", ATOMS + NUMBERS)
def test_each_value_as_key_value_and_item(atom: object) -> None:
    doc = {"k": [atom, {"n": [atom, [atom]]}], "m": {"n": atom}, "e": [{}, []]}
    if isinstance(atom, str):
        doc[atom] = atom
    assert block_yaml.to_yaml(doc) == to_yaml(doc)
    assert json_text.to_json(doc) == to_json(doc)


@pytest.mark.parametrize("atom", PLACED)
def test_strings_written_in_place(atom: str) -> None:
    doc = {"a": {"b": [atom, {"c": atom, "d": [[atom, {"e": {"f": atom}}]]}]}, "g": atom, "h": [atom]}
    assert _direct(doc)
    assert block_yaml.to_yaml(doc) == to_yaml(doc)
    assert block_yaml.to_yaml([doc, [atom]]) == to_yaml([doc, [atom]])
    assert json_text.to_json(doc) == to_json(doc)


@pytest.mark.parametrize("key", SLOW_KEYS)
def test_keys_left_to_pyyaml(key: str) -> None:
    doc = {"a": {"b": [1, {key: "v"}]}, key: 1}
    assert not _direct(doc)
    assert block_yaml.to_yaml(doc) == to_yaml(doc)
    assert json_text.to_json(doc) == to_json(doc)


@pytest.mark.parametrize("doc", [{}, [], {1: "a"}, {"a": (1, 2)}, {"a": {1, 2}}, {"a": 1, 2: "b"}],
                         ids=["empty", "empty-list", "int-key", "tuple", "set", "mixed-keys"])
def test_what_the_writers_leave_to_the_standard_ones(doc: object) -> None:
    for mine, theirs in ((block_yaml.to_yaml, to_yaml), (json_text.to_json, to_json)):
        try:
            expected = theirs(doc)
        except Exception as exc:  # the same failure, not another text
            with pytest.raises(type(exc)):
                mine(doc)
        else:
            assert mine(doc) == expected


def test_every_golden_document_written_again() -> None:
    checked = 0
    for path in sorted((ROOT / "tests" / "golden").rglob("*")):
        if path.suffix not in (".json", ".yaml") or path.name == "spec.yaml":
            continue
        text = path.read_text(encoding="utf-8")
        docs = [json.loads(text)] if path.suffix == ".json" else list(yaml.safe_load_all(text))
        for doc in docs:
            if isinstance(doc, dict) and doc:
                assert block_yaml.to_yaml(doc) == to_yaml(doc), path
                assert json_text.to_json(doc) == to_json(doc), path
                checked += 1
    assert checked > 100



def test_objects_held_in_several_places() -> None:
    """A shared object is written in full at each place, whatever its depth or its place in a sequence."""
    rnd = random.Random(7)
    for _ in range(200):
        shared = {rnd.choice(KEYS): _tree(rnd, 3) for _ in range(rnd.randint(1, 4))}
        shared_list = [shared, _atom(rnd)]
        doc = {"a": shared, "b": {"c": shared, "d": [shared, shared_list, {"e": shared}]}, "f": shared_list,
               "g": [[shared]], "h": shared}
        assert block_yaml.to_yaml(doc) == to_yaml(doc)
        assert json_text.to_json(doc) == to_json(doc)
