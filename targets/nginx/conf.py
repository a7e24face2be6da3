"""A tiny nginx configuration tree with safe quoting: the only way text reaches nginx.conf.

Spec values enter as `Lit` (literal text: quoted, backslashes and quotes escaped, and `$` replaced by a
variable that expands to a dollar sign, so no spec value can add a directive, a block, a comment or a
variable expansion). Our own variable-bearing strings enter as `Raw`, built only from names we control.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DOLLAR_VAR = "gwc_dollar"
_RAW_BARE = re.compile(r"^[A-Za-z0-9_./:=@*+,%$()!~|^\[\]-]+$")
# Raw text may hold regexes: a backslash only ever escapes punctuation, never a letter or a backslash.
_RAW_UNSAFE = re.compile(r'[\s";#\'\x00]|\\(?![!-/:-@\[\]-`{-~])')


@dataclass(frozen=True)
class Lit:
    """Literal text from the spec: always quoted, never interpreted."""

    text: str


@dataclass(frozen=True)
class Raw:
    """Text written by gwc itself (may hold our own $variables). Must never contain spec values."""

    text: str


@dataclass(frozen=True)
class Template:
    """A single-quoted string written by gwc with our own $variables (log formats). Never spec text."""

    text: str


Arg = Lit | Raw | Template | str | int


@dataclass
class Directive:
    """`name arg arg;`"""

    name: str
    args: tuple[Arg, ...] = ()


@dataclass
class Block:
    """`name args { children }`"""

    name: str
    args: tuple[Arg, ...] = ()
    children: list["Node"] = field(default_factory=list)

    def add(self, name: str, *args: Arg) -> "Block":
        """Append a directive and return self."""
        self.children.append(Directive(name, args))
        return self

    def block(self, name: str, *args: Arg) -> "Block":
        """Append a child block and return it."""
        child = Block(name, args)
        self.children.append(child)
        return child


@dataclass
class Entry:
    """A table row inside map/split_clients/types blocks: `arg arg;` with no directive name."""

    args: tuple[Arg, ...]


@dataclass
class Comment:
    """A comment written by gwc (never with spec text)."""

    text: str


Node = Directive | Block | Entry | Comment


def quote_literal(text: str) -> tuple[str, bool]:
    """Quote literal text for nginx; returns the token and whether the dollar variable was needed."""
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    body = body.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")  # nginx decodes these
    used = "$" in body
    body = body.replace("$", "${" + DOLLAR_VAR + "}")
    return f'"{body}"', used


class Renderer:
    """Turns a tree into text, two spaces per level, remembering whether `$gwc_dollar` was used."""

    def __init__(self) -> None:
        self.used_dollar = False

    def arg(self, a: Arg) -> str:
        if isinstance(a, Lit):
            token, used = quote_literal(a.text)
            self.used_dollar |= used
            return token
        if isinstance(a, Raw):
            if not a.text or _RAW_UNSAFE.search(a.text) or "\\\\" in a.text:
                raise ValueError(f"internal: unsafe raw nginx text {a.text!r}")
            return a.text if _RAW_BARE.match(a.text) else f'"{a.text}"'
        if isinstance(a, Template):
            if any(c in a.text for c in "'\\\n\r\x00"):
                raise ValueError(f"internal: unsafe template {a.text!r}")
            return f"'{a.text}'"
        if isinstance(a, int):
            return str(a)
        if not _RAW_BARE.match(a):
            raise ValueError(f"internal: unsafe bare nginx token {a!r}")
        return a

    def render(self, nodes: list[Node], depth: int = 0) -> list[str]:
        out: list[str] = []
        pad = "  " * depth
        for node in nodes:
            if isinstance(node, Comment):
                if "\n" in node.text:
                    raise ValueError("internal: multi-line comment")
                out.append(f"{pad}# {node.text}")
            elif isinstance(node, Entry):
                out.append(pad + " ".join(self.arg(a) for a in node.args) + ";")
            elif isinstance(node, Directive):
                args = "".join(" " + self.arg(a) for a in node.args)
                out.append(f"{pad}{node.name}{args};")
            else:
                args = "".join(" " + self.arg(a) for a in node.args)
                out.append(f"{pad}{node.name}{args} {{")
                out.extend(self.render(node.children, depth + 1))
                out.append(f"{pad}}}")
        return out


def render(nodes: list[Node]) -> tuple[str, bool]:
    """The configuration text for the nodes, and whether `$gwc_dollar` must be defined."""
    r = Renderer()
    lines = r.render(nodes)
    return "\n".join(lines) + "\n", r.used_dollar
