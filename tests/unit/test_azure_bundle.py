"""policies/operations.xml holds every operation policy; `split` must give back each document byte for byte,
whatever its text holds (lines that look like the bundle's own tags, blank lines, other line breaks)."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from gwc.targets.azure.bundle import bundle, split
from gwc.targets.azure.xmldoc import PolicyDoc, el

BODIES = ["plain", "two\nlines", "    </operation>\n    <operation id=\"x\">", "\n\nblank\n\n", "a\u2028b\x85c\rd",
          "</operations>", "        indented"]


def _doc(body: str) -> str:
    doc = PolicyDoc()
    doc.add("inbound", el("return-response", {}, [el("set-body", text=body)]))
    return doc.render()


@pytest.mark.parametrize("body", BODIES)
def test_split_gives_back_each_document(body: str) -> None:
    shared = _doc("shared")
    docs = [("a-get", _doc(body)), ("a-post", shared), ("b-get", shared), ("z_9.x-put", _doc(body + "!"))]
    text = bundle(docs)
    assert split(text) == dict(docs)
    root = ElementTree.fromstring(text)  # the bundle itself is one XML document
    assert [o.get("id") for o in root] == [i for i, _ in docs]
    assert all(len(o) == 1 and o[0].tag == "policies" for o in root)


def test_an_empty_bundle() -> None:
    assert bundle([]) == "<operations>\n</operations>\n" and split(bundle([])) == {}
