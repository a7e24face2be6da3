"""gwc's JSON output (`gwc.emitting.to_json`): sorted keys, two-space indentation, ASCII, final newline.
`stdlib_text` is the reference (json.dumps); `to_json` writes the same bytes directly.

With an indent, `json.dumps` uses its pure-Python encoder (generators per container): 0.35 s for the
10,000-route openapi.json. This writes dicts, lists, strings, numbers, booleans and None with list appends;
strings go through json's own C escaper (`encode_basestring_ascii`) and numbers through the same `repr`s, so
the text is json's. An object the document holds in several places (an answer shared by many operations) is
written once per depth and its text reused. Anything else (another type, a key that is not a string) makes
the whole document fall back to `to_json`. It belongs in gwc.emitting."""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii as _quote


def stdlib_text(doc: object) -> str:
    """The reference bytes: json.dumps with sorted keys, two-space indent, ASCII, and a final newline."""
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=True) + "\n"


class _Fallback(Exception):
    """The document has something this writer does not reproduce: use json.dumps."""


def _scalar(v: object) -> str:
    kind = type(v)
    if kind is str:
        return _quote(v)
    if v is None:
        return "null"
    if kind is bool:
        return "true" if v else "false"
    if kind is int:
        return int.__repr__(v)
    if kind is float:
        if v != v:
            return "NaN"
        if v in (float("inf"), float("-inf")):
            return "Infinity" if v > 0 else "-Infinity"
        return float.__repr__(v)
    raise _Fallback


class _Writer:
    """One document's text."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.seen: set[int] = set()  # the objects written so far (by id: the document is not changed meanwhile)
        self.texts: dict[tuple[int, int], str] = {}  # an object met again -> its text at that depth

    def object(self, d: dict, level: int) -> None:
        if id(d) not in self.seen:
            self.seen.add(id(d))
            self._object(d, level)
            return
        place = (id(d), level)
        text = self.texts.get(place)
        if text is None:
            start = len(self.out)
            self._object(d, level)
            text = self.texts[place] = "".join(self.out[start:])
            del self.out[start:]
        self.out.append(text)

    def _object(self, d: dict, level: int) -> None:
        out = self.out
        if not d:
            out.append("{}")
            return
        inner = "  " * (level + 1)
        sep = "{\n" + inner
        for k in sorted(d):
            if type(k) is not str:
                raise _Fallback
            self.value(f"{sep}{_quote(k)}: ", d[k], level + 1)
            sep = ",\n" + inner
        out.append("\n" + "  " * level + "}")

    def array(self, items: list, level: int) -> None:
        out = self.out
        if not items:
            out.append("[]")
            return
        inner = "  " * (level + 1)
        sep = "[\n" + inner
        for v in items:
            self.value(sep, v, level + 1)
            sep = ",\n" + inner
        out.append("\n" + "  " * level + "]")

    def value(self, before: str, v, level: int) -> None:
        """`before` (the separator, and the key in an object), then the value at nesting `level`."""
        kind = type(v)
        if kind is dict:
            self.out.append(before)
            self.object(v, level)
        elif kind is list:
            self.out.append(before)
            self.array(v, level)
        else:
            self.out.append(before + _scalar(v))


def to_json(doc: dict) -> str:
    """Deterministic JSON: sorted keys, two-space indent, ASCII, final newline (stdlib_text's bytes)."""
    writer = _Writer()
    try:
        if type(doc) is not dict:
            raise _Fallback
        writer.object(doc, 0)
    except (_Fallback, TypeError, RecursionError):  # TypeError: keys that sorted() cannot compare
        return stdlib_text(doc)
    writer.out.append("\n")
    return "".join(writer.out)
