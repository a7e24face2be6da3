"""gwc's YAML output (`gwc.emitting.to_yaml`): sorted keys, block style, ASCII, no aliases, no folding.
`pyyaml_text` is the reference (PyYAML's C emitter); `to_yaml` writes the same bytes directly.

PyYAML builds a node per value in Python, resolves every scalar's tag twice and walks the nodes through
libyaml's event API: about 2 s for the 10,000-route OpenAPI body inside template.yaml. The block layout of
plain data is simple, so this writes it line by line; only the scalars need YAML's judgement, once per
distinct string. A string is written as it is when libyaml would write it plain in block context (printable
ASCII, no indicator first, no ': ' or ' #', no edge or double spaces, and not read back as another type by
the resolver); any other short string is written by PyYAML, once, and that one line is used
wherever the string goes. A string with line breaks, or long enough to be folded, is written by PyYAML at
the same indentation and column (in a skeleton of the document down to it). A mapping the document holds in
several places is written once per place kind. Anything else (a long key or one with a line break, a type
other than dict, list, str, int, bool, None, float) makes the whole document fall back to PyYAML, so the
bytes are always the same."""

from __future__ import annotations

import re

import yaml
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = Resolver()
_TYPED_FIRST = frozenset(Resolver.yaml_implicit_resolvers)  # first characters of ints, floats, bools, nulls...
_MIDDLE = r"(?:[A-Za-z0-9_/$()~^;=<>+\\.,\[\]{}*&!|%@`'\"?#-]|:(?=[^ ]))"
_AFTER_SPACE = r"(?:[A-Za-z0-9_/$()~^;=<>+\\.,\[\]{}*&!|%@`'\"?-]|:(?=[^ ]))"  # '#' after a space: a comment
_PLAIN = re.compile(rf"[A-Za-z0-9_/$(~^;=<+\\]{_MIDDLE}*(?: {_AFTER_SPACE}{_MIDDLE}*)*")
_MAX_SCALAR = 1000  # longer strings may reach the emitter's 4096-column width, where it folds: written in place
_MAX_KEY = 100      # the emitter writes keys above 128 characters (or with a line break) as '? key'
_PLACED = ""        # (in the cache of texts) a string whose text depends on its place


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # the C emitter
    """Safe YAML without anchors/aliases (shared objects are written out in full)."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def pyyaml_text(doc: object) -> str:
    """The reference bytes, from PyYAML: sorted keys, block style, ASCII, no line folding."""
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=True, default_flow_style=False, allow_unicode=False,
                     width=4096)


class _Fallback(Exception):
    """The document has something this writer does not reproduce: use PyYAML."""


def _plain(s: str) -> bool:
    return (_PLAIN.fullmatch(s) is not None
            and (s[0] not in _TYPED_FIRST or _RESOLVER.resolve(ScalarNode, s, (True, False)) == _STR_TAG))


def _float(x: float) -> str:
    """SafeRepresenter.represent_float."""
    if x != x:
        return ".nan"
    if x in (float("inf"), float("-inf")):
        return ".inf" if x > 0 else "-.inf"
    text = repr(x).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text


class _Writer:
    """One document's lines; the text of each distinct string and key, decided once."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.values: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        self.seen: set[int] = set()  # the mappings written so far (by id: the document is not changed meanwhile)
        self.texts: dict[tuple[int, str, str], str] = {}  # a mapping met again -> its text at that place
        self.placed_texts: dict[tuple[str, int, object], str] = {}

    def value(self, s: str) -> str | None:
        """The text of a string wherever it is; None when that depends on the place (see `placed`)."""
        text = self.values.get(s)
        if text is None:
            if len(s) > _MAX_SCALAR:
                text = _PLACED
            elif _plain(s):
                text = s
            else:  # quoted as the emitter quotes it, when that is one line (the string is short)
                text = pyyaml_text({"k": s})[3:-1]
                if "\n" in text:
                    text = _PLACED
            self.values[s] = text
        return text or None

    def placed(self, s: str, pad: str, key: object | None) -> str:
        """The text of a string whose lines depend on where it starts and on the indentation (line breaks in
        it, or long enough to be folded): PyYAML writes it in a skeleton that has the same indentation and
        the same key (`a:` lines down to `pad`, then `key: ` or `k:` and `- `), and that text is taken."""
        place = (s, len(pad), key)
        text = self.placed_texts.get(place)
        if text is None:
            doc: dict = {key: s} if key is not None else {"k": [s]}
            head = f"{pad}{self.key(key)}: " if key is not None else f"{pad}k:\n{pad}- "
            for depth in range(len(pad) // 2 - 1, -1, -1):
                doc = {"a": doc}
                head = f"{'  ' * depth}a:\n{head}"
            full = pyyaml_text(doc)
            if not full.startswith(head) or not full.endswith("\n"):
                raise _Fallback
            text = self.placed_texts[place] = full[len(head):-1]
        return text

    def key(self, k: object) -> str:
        text = self.keys.get(k)
        if text is None:
            if type(k) is not str or len(k) > _MAX_KEY:
                raise _Fallback
            if _plain(k):
                text = k
            else:
                line = pyyaml_text({k: None})
                if line.count("\n") != 1 or line.startswith("? ") or not line.endswith(": null\n"):
                    raise _Fallback
                text = line[:-len(": null\n")]
            self.keys[k] = text
        return text

    def scalar(self, v: object) -> str | None:
        """The text of a scalar; None for a string that `placed` writes."""
        kind = type(v)
        if kind is str:
            return self.value(v)
        if v is None:
            return "null"
        if kind is bool:
            return "true" if v else "false"
        if kind is int:
            return str(v)
        if kind is float:
            return _float(v)
        raise _Fallback

    def mapping(self, d: dict, pad: str, lead: str) -> None:
        """A block mapping whose keys are at `pad`; its first line starts with `lead` (`- ` in a sequence).
        A mapping that the document holds in several places (an answer shared by many operations) is
        written once per indentation and its text reused."""
        if id(d) not in self.seen:
            self.seen.add(id(d))
            self._mapping(d, pad, lead)
            return
        place = (id(d), pad, lead)
        text = self.texts.get(place)
        if text is None:
            start = len(self.out)
            self._mapping(d, pad, lead)
            text = self.texts[place] = "".join(self.out[start:])
            del self.out[start:]
        self.out.append(text)

    def _mapping(self, d: dict, pad: str, lead: str) -> None:
        out, head = self.out, lead
        for k in sorted(d):
            v = d[k]
            kind = type(v)
            if kind is dict:
                if v:
                    out.append(f"{head}{self.key(k)}:\n")
                    self.mapping(v, pad + "  ", pad + "  ")
                else:
                    out.append(f"{head}{self.key(k)}: {{}}\n")
            elif kind is list:
                if v:  # a sequence in a mapping is not indented
                    out.append(f"{head}{self.key(k)}:\n")
                    self.sequence(v, pad, pad)
                else:
                    out.append(f"{head}{self.key(k)}: []\n")
            else:
                out.append(f"{head}{self.key(k)}: {self.scalar(v) or self.placed(v, pad, k)}\n")
            head = pad

    def sequence(self, items: list, pad: str, lead: str) -> None:
        """A block sequence whose dashes are at `pad`; its first line starts with `lead`."""
        out, dash = self.out, lead + "- "
        for v in items:
            kind = type(v)
            if kind is dict:
                if v:
                    self.mapping(v, pad + "  ", dash)
                else:
                    out.append(dash + "{}\n")
            elif kind is list:
                if v:
                    self.sequence(v, pad + "  ", dash)
                else:
                    out.append(dash + "[]\n")
            else:
                out.append(f"{dash}{self.scalar(v) or self.placed(v, pad, None)}\n")
            dash = pad + "- "


def to_yaml(doc: dict) -> str:
    """Deterministic YAML: sorted keys, block style, ASCII, no line folding (pyyaml_text's bytes)."""
    writer = _Writer()
    try:
        if type(doc) is dict and doc:
            writer.mapping(doc, "", "")
        elif type(doc) is list and doc:
            writer.sequence(doc, "", "")
        else:
            raise _Fallback
    except (_Fallback, TypeError, RecursionError):  # TypeError: keys that sorted() cannot compare
        return pyyaml_text(doc)
    return "".join(writer.out)
