"""Load a YAML spec into plain data, keeping the line and column of every node.

Loading is safe and bounded: only the standard YAML tags, no duplicate keys, a size cap, a depth cap
and a cap on the nodes that aliases may expand to (so a "billion laughs" file fails fast).
"""

from __future__ import annotations

import gc
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gwc.diagnostics import Diagnostic, Level

try:  # the C composer is several times faster; the pure one is the fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null")}
_STRING_LIKE = {_STD + "timestamp"}  # kept as the text the user wrote, not a datetime
_MAP, _SEQ = _STD + "map", _STD + "seq"
_INT, _BOOL, _NULL = _STD + "int", _STD + "bool", _STD + "null"
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)\Z")  # the plain forms; the rest (0x.., 1_000, ...) go to PyYAML
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


class Mark(NamedTuple):
    """A 1-based line and column in a source file (a tuple: millions are made for large specs)."""

    line: int
    column: int


@dataclass
class Document:
    """A loaded spec: its data plus the mark of every value (and key) by JSON pointer."""

    path: str
    data: object
    marks: dict[str, Mark] = field(default_factory=dict)
    key_marks: dict[str, Mark] = field(default_factory=dict)
    # The file of a pointer whose value came from another file (an include); absent means `path`.
    files: dict[str, str] = field(default_factory=dict)

    def locate(self, pointer: str, key: bool = False) -> tuple[str, Mark]:
        """The file and mark of the value at pointer (or its key), falling back to the nearest parent."""
        table = self.key_marks if key else self.marks
        probe = pointer
        while True:
            if probe in table:
                return self.files.get(probe, self.path), table[probe]
            if probe in self.marks:
                return self.files.get(probe, self.path), self.marks[probe]
            if not probe:
                return self.path, Mark(1, 1)
            probe = probe.rsplit("/", 1)[0]

    def mark(self, pointer: str, key: bool = False) -> Mark:
        """The mark of the value at pointer (or its key), falling back to the nearest parent."""
        return self.locate(pointer, key)[1]

    def source(self, pointer: str) -> str:
        """The file the value at pointer was written in."""
        return self.locate(pointer)[0]

    def where(self, pointer: str) -> str:
        """'line:column' of pointer, or 'file:line:column' when it is in another file than `path`."""
        path, m = self.locate(pointer)
        return f"{m.line}:{m.column}" if path == self.path else f"{path}:{m.line}:{m.column}"

    def diag(self, code: str, message: str, pointer: str = "", hint: str = "",
             level: Level = Level.ERROR, key: bool = False) -> Diagnostic:
        """A diagnostic located at a JSON pointer of this document (in the file that pointer came from)."""
        path, m = self.locate(pointer, key=key)
        return Diagnostic(path, m.line, m.column, level, code, message, pointer, hint)


def escape_pointer_token(token: object) -> str:
    """Escape one JSON-pointer token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


class _Builder:
    """Turns a composed node graph into plain data, recording marks and enforcing the limits."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.nodes = 0
        self.scalars = SafeConstructor()
        self.errors: list[Diagnostic] = []

    def fail(self, node: Node, code: str, message: str, hint: str) -> None:
        m = node.start_mark
        self.errors.append(Diagnostic(self.doc.path, m.line + 1, m.column + 1, Level.ERROR,
                                      code, message, "", hint))

    def build(self, node: Node, pointer: str, depth: int) -> object:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Abort(node, "GWC005", f"the document expands to more than {MAX_NODES} nodes "
                         "(aliases that multiply, a 'billion laughs' file?)",
                         "write the values out, or reuse fewer aliases")
        if depth > MAX_DEPTH:
            raise _Abort(node, "GWC005", f"the document nests deeper than {MAX_DEPTH} levels",
                         "flatten the structure; no gwc field nests this deep")
        self.doc.marks[pointer] = Mark(node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, MappingNode):
            return self._mapping(node, pointer, depth)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                self.fail(node, "GWC007", f"unsupported YAML tag {node.tag!r}", "remove the tag")
            return [self.build(child, f"{pointer}/{i}", depth + 1) for i, child in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: MappingNode, pointer: str, depth: int) -> dict:
        if node.tag != _MAP:
            self.fail(node, "GWC007", f"unsupported YAML tag {node.tag!r}", "remove the tag")
        out: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == _STD + "merge":
                self.fail(key_node, "GWC007", "YAML merge keys ('<<') are not supported",
                          "write the keys out, or use defaults: / include: for shared values")
                continue
            if not isinstance(key_node, ScalarNode):
                self.fail(key_node, "GWC006", "a mapping key must be a plain scalar", "use a string key")
                continue
            key = str(key_node.value)
            child = f"{pointer}/{escape_pointer_token(key)}"
            if key in out:
                first = self.doc.key_marks[child]
                self.fail(key_node, "GWC006", f"duplicate key {key!r} (first defined at line {first.line})",
                          "remove one of the two; gwc never silently keeps the last one")
                continue
            self.doc.key_marks[child] = Mark(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self.build(value_node, child, depth + 1)
        return out

    def _scalar(self, node: ScalarNode) -> object:
        if node.tag in _STRING_LIKE:
            return node.value
        if node.tag not in _SCALAR_TAGS:
            self.fail(node, "GWC007", f"unsupported YAML tag {node.tag!r}",
                      "remove the tag; gwc reads only plain strings, numbers, booleans and null")
            return None
        if node.tag == _INT and _DECIMAL.match(node.value):
            return int(node.value)
        if node.tag == _BOOL and node.value in _BOOLS:
            return _BOOLS[node.value]
        if node.tag == _NULL and node.value in ("", "~", "null", "Null", "NULL"):
            return None
        value = self.scalars.construct_object(node)
        if isinstance(value, float) and not math.isfinite(value):
            self.fail(node, "GWC007", f"{node.value!r} is not a finite number", "write a plain number")
            return None
        return value


class _Abort(Exception):
    def __init__(self, node: Node, code: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.node, self.code, self.message, self.hint = node, code, message, hint


def load_text(text: str | bytes, path: str) -> tuple[Document | None, list[Diagnostic]]:
    """Parse YAML text into a Document. Never raises for bad input: problems come back as diagnostics."""
    doc = Document(path=path, data=None)

    def at(line: int, column: int, code: str, message: str, hint: str) -> list[Diagnostic]:
        return [Diagnostic(path, line, column, Level.ERROR, code, message, "", hint)]

    if len(text) > MAX_BYTES:
        return None, at(1, 1, "GWC004", f"the file is {len(text)} bytes; the limit is {MAX_BYTES}",
                        "split the spec into smaller files")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = text[: exc.start].count(b"\n") + 1
            return None, at(line, 1, "GWC002", f"the file is not valid UTF-8 (byte {exc.start})",
                            "save the file as UTF-8 text")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, at(line, 1, "GWC002", "the file contains a NUL byte; it is not a text file",
                        "check that you passed the right file")
    collecting = gc.isenabled()
    gc.disable()  # loading only allocates (no cycles to find): collections here cost a third of the time
    try:
        return _parse(doc, text, at)
    finally:
        if collecting:
            gc.enable()


def _parse(doc: Document, text: str, at) -> tuple[Document | None, list[Diagnostic]]:
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        return None, at(line, col, "GWC002", f"not valid YAML: {problem}",
                        "fix the YAML syntax at this position (indentation, quotes, colons)")
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        return None, at(1, 1, "GWC002", f"not valid YAML: {exc.__class__.__name__}",
                        "fix the YAML syntax (is the nesting very deep?)")
    if not nodes or nodes[0] is None:
        return None, at(1, 1, "GWC003", "the spec is empty", "start with 'gwc: 1' and a name; see docs/spec.md")
    if len(nodes) > 1:
        m = nodes[1].start_mark
        return None, at(m.line + 1, m.column + 1, "GWC008", "the file holds more than one YAML document",
                        "keep one gateway per file; remove the '---' separator")
    builder = _Builder(doc)
    try:
        doc.data = builder.build(nodes[0], "", 0)
    except _Abort as abort:
        builder.fail(abort.node, abort.code, abort.message, abort.hint)
    except (ConstructorError, ValueError, OverflowError) as exc:
        return None, at(1, 1, "GWC002", f"a value could not be read: {exc}", "quote the value")
    return doc, builder.errors


def load_file(path: str | Path) -> tuple[Document | None, list[Diagnostic]]:
    """Read and parse a spec file, with a located diagnostic for anything that goes wrong."""
    name = str(path)
    try:
        p = Path(path)
        size = p.stat().st_size
        if size > MAX_BYTES:
            return None, [Diagnostic(name, 1, 1, Level.ERROR, "GWC004",
                                     f"the file is {size} bytes; the limit is {MAX_BYTES}",
                                     "", "split the spec into smaller files")]
        raw = p.read_bytes()
    except OSError as exc:
        return None, [Diagnostic(name, 0, 0, Level.ERROR, "GWC001",
                                 f"cannot read the file: {exc.strerror or exc}", "",
                                 "check the path and its permissions")]
    return load_text(raw, name)
