"""The bytes `gwc.emitting.to_yaml` writes (sorted keys, block style, ASCII, no aliases), written directly.

PyYAML's C emitter still builds a node per value in Python and resolves every scalar's tag, which costs seconds
on the thousands of routes of one VirtualService or HTTPRoute set. The block layout of plain data is simple, so
this writes it line by line; only the scalars need YAML's judgement. A scalar that is certainly plain (a letter,
'/' or '^' first, then printable ASCII without ':' or '#', no edge spaces, not a YAML 1.1 bool or null) is
written as is; any other scalar is written by `to_yaml` itself once per emit (cached), and used when that gives
one short line. Anything else (a multi-line or very long scalar, a long key, a type other than dict, list, str,
int, bool, None, float) makes the whole document fall back to `to_yaml`, so the bytes are always the same.

targets/gateway_api/block_yaml.py is the same file (a target imports no other target); both belong in gwc.emitting."""

from __future__ import annotations

import re

from gwc.emitting import to_yaml

_PLAIN = re.compile(r"[A-Za-z/^](?:[ -9;-~]*[!-9;-~])?")   # [ -9;-~]: printable ASCII minus ':' (and '#' below)
_WORDS = frozenset("yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF null Null NULL"
                   .split())
_MAX_SCALAR = 2000   # so that no line nears the writer's 4096-column width, where the emitter folds
_MAX_KEY = 100       # the emitter writes keys above 128 characters (or with a line break) as '? key'


class _Fallback(Exception):
    """The document has something this writer does not reproduce: use to_yaml."""


class BlockYaml:
    """Writes documents as to_yaml would; remembers the scalars it had to ask PyYAML about."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}   # a string value -> its text
        self._keys: dict[str, str] = {}      # a mapping key -> its text
        self._others: dict[tuple[type, object], str] = {}   # floats, by (type, value)

    def dump(self, doc: dict) -> str:
        """One document, byte for byte what to_yaml(doc) gives."""
        if not isinstance(doc, dict) or not doc:
            return to_yaml(doc)
        out: list[str] = []
        try:
            self._map(doc, 0, out, "")
        except (_Fallback, TypeError):   # TypeError: keys sorted() cannot compare
            return to_yaml(doc)
        out.append("")
        return "\n".join(out)

    def dump_all(self, docs: list[dict]) -> str:
        """Documents joined by '---' lines, as the targets write them."""
        return "---\n".join(self.dump(d) for d in docs)

    def _scalar(self, value: object) -> str:
        kind = type(value)
        if kind is str:
            text = self._strings.get(value)
            if text is None:
                text = self._strings[value] = self._string(value)
            return text
        if kind is bool:
            return "true" if value else "false"
        if kind is int:
            return str(value)
        if value is None:
            return "null"
        if kind is not float:
            raise _Fallback
        text = self._others.get((kind, value))
        if text is None:
            text = self._others[(kind, value)] = self._ask_pyyaml(value)
        return text

    def _string(self, value: str) -> str:
        if len(value) <= _MAX_SCALAR and _PLAIN.fullmatch(value) and "#" not in value and value not in _WORDS:
            return value
        return self._ask_pyyaml(value)

    @staticmethod
    def _ask_pyyaml(value: object) -> str:
        text = to_yaml(value)
        if text.endswith("\n...\n"):
            text = text[:-4]
        if text.count("\n") != 1 or len(text) > _MAX_SCALAR:
            raise _Fallback
        return text[:-1]

    def _key(self, key: object) -> str:
        if type(key) is not str:
            raise _Fallback
        text = self._keys.get(key)
        if text is not None:
            return text
        if not key.isascii() or not key.isprintable():   # a line break: '? key'
            raise _Fallback
        text = self._scalar(key)
        if len(text) > _MAX_KEY:
            raise _Fallback
        self._keys[key] = text
        return text

    def _map(self, d: dict, indent: int, out: list[str], lead: str) -> None:
        """A block mapping whose keys are at column `indent`; the first line starts with `lead`."""
        pad = " " * indent
        head = lead
        keys, strings = self._keys, self._strings
        for k, v in sorted(d.items()):
            line = f"{head}{keys.get(k) or self._key(k)}:"
            head = pad
            kind = type(v)
            if kind is str:
                out.append(f"{line} {strings.get(v) or self._scalar(v)}")
            elif kind is dict:
                if v:
                    out.append(line)
                    self._map(v, indent + 2, out, pad + "  ")
                else:
                    out.append(line + " {}")
            elif kind is list:
                if v:
                    out.append(line)
                    self._seq(v, indent, out, pad)   # a sequence in a mapping is not indented
                else:
                    out.append(line + " []")
            else:
                out.append(f"{line} {self._scalar(v)}")

    def _seq(self, items: list, indent: int, out: list[str], lead: str) -> None:
        """A block sequence whose dashes are at column `indent`; the first line starts with `lead`."""
        pad = " " * indent
        head = lead
        strings = self._strings
        for v in items:
            dash = head + "- "
            head = pad
            kind = type(v)
            if kind is str:
                out.append(dash + (strings.get(v) or self._scalar(v)))
            elif kind is dict:
                if v:
                    self._map(v, indent + 2, out, dash)
                else:
                    out.append(dash + "{}")
            elif kind is list:
                if v:
                    self._seq(v, indent + 2, out, dash)
                else:
                    out.append(dash + "[]")
            else:
                out.append(dash + self._scalar(v))
