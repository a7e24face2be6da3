"""The YAML writer of the Istio and Gateway API targets (`block_yaml`, one copy in each) writes the bytes of
`gwc.emitting.to_yaml`: for hostile scalars, random documents, and by falling back to to_yaml for what it does not
reproduce; and it asks PyYAML only about the few scalars that are not plainly plain."""

from __future__ import annotations

import pytest
from gwc.targets.gateway_api import block_yaml as gateway_api_block_yaml
from gwc.targets.istio import block_yaml as istio_block_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gwc.emitting import to_yaml

MODULES = [istio_block_yaml, gateway_api_block_yaml]
TRICKY = ["", " ", "a", "80", "1.5", "0x1F", "0o17", "1_000", "1:20", "2024-01-01", "1e3", "true", "No", "off", "ON",
          "null", "Null", "~", "<<", "=", "-", "- a", "-a", "--- x", "...", "a: b", "a:b", "a:", "a #b", "a#b", "#a",
          "?a", "? a", ":a", "@a", "`a", "!a", "&a", "*a", "|a", ">a", "'a", '"a', "%a", "[a", "]a", "{a", "}a",
          ",a", "a,b", "a b", "a  b", "a ", " a", "a\tb", "a\nb", "a\n", "\x85", "\u2028", "é", "日本", "/svc/{id}",
          "^(GET|POST)$", "^/a/[^/]+$", "/a/*", "https://x.example/", "x" * 130, "x " * 2100, ".inf", "-.inf",
          ".nan", "y", "n", "Y", "yes", "\\x", "a\\", "a'b", 'a"b', "%%A%%", "GET, POST", "/a:b", "a=b", "a~b"]
text = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12),
                 st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20))
scalar = st.one_of(text, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
tree = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
                    max_leaves=30)


@pytest.mark.parametrize("module", MODULES, ids=["istio", "gateway_api"])
@pytest.mark.parametrize("value", TRICKY)
def test_hostile_scalars_as_keys_values_and_items(module, value: str) -> None:
    doc = {value: value, "list": [value, [value], {value: [value]}], "map": {"k": {value: {}}, "e": []}}
    assert module.BlockYaml().dump(doc) == to_yaml(doc)


@pytest.mark.parametrize("module", MODULES, ids=["istio", "gateway_api"])
def test_random_documents(module) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.dictionaries(text, tree, max_size=5))
    def check(doc: dict) -> None:
        assert module.BlockYaml().dump(doc) == to_yaml(doc)

    check()


@pytest.mark.parametrize("module", MODULES, ids=["istio", "gateway_api"])
def test_documents_are_joined_like_the_targets_did(module) -> None:
    docs = [{"a": 1}, {}, {"b": [{"c": "d"}]}, {"x": "multi\nline"}]
    assert module.BlockYaml().dump_all(docs) == "---\n".join(to_yaml(d) for d in docs)


@pytest.mark.parametrize("module", MODULES, ids=["istio", "gateway_api"])
def test_plain_scalars_are_written_without_asking_pyyaml(module, monkeypatch) -> None:
    """Thousands of routes' paths, regexes and names must not each go through PyYAML."""
    asked: list[object] = []
    monkeypatch.setattr(module, "to_yaml", lambda value: asked.append(value) or to_yaml(value))
    http = [{"match": [{"uri": {"regex": f"^/svc{i % 7}/r{i}/[^/]+$"}, "method": {"exact": "GET"}}],
             "route": [{"destination": {"host": "127.0.0.1", "port": {"number": 8081}}}], "name": f"r{i}"}
            for i in range(2000)]
    doc = {"apiVersion": "networking.istio.io/v1", "spec": {"hosts": ["*"], "http": http}}
    text = module.BlockYaml().dump(doc)
    assert sorted(asked) == ["*", "127.0.0.1"]
    assert text == to_yaml(doc)
