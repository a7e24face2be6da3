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


@dataclass(frozen=True, slots=True)
class Lit:
    """Literal text from the spec: always quoted, never interpreted."""

    text: str


@dataclass(frozen=True, slots=True)
class Raw:
    """Text written by gwc itself (may hold our own $variables). Must never contain spec values."""

    text: str


@dataclass(frozen=True, slots=True)
class Template:
    """A single-quoted string written by gwc with our own $variables (log formats). Never spec text."""

    text: str


Arg = Lit | Raw | Template | str | int


@dataclass(slots=True)
class Directive:
    """`name arg arg;`"""

    name: str
    args: tuple[Arg, ...] = ()


@dataclass(slots=True)
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


@dataclass(slots=True)
class Entry:
    """A table row inside map/split_clients/types blocks: `arg arg;` with no directive name."""

    args: tuple[Arg, ...]


@dataclass(slots=True)
class Comment:
    """A comment written by gwc (never with spec text)."""

    text: str


@dataclass(eq=False, slots=True)
class Shared:
    """Nodes that many locations hold the same (one object placed at each): written once per depth."""

    nodes: list["Node"]


Node = Directive | Block | Entry | Comment | Shared


def quote_literal(text: str) -> tuple[str, bool]:
    """Quote literal text for nginx; returns the token and whether the dollar variable was needed."""
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    body = body.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")  # nginx decodes these
    used = "$" in body
    body = body.replace("$", "${" + DOLLAR_VAR + "}")
    return f'"{body}"', used


class Renderer:
    """Turns a tree into text, two spaces per level, remembering whether `$gwc_dollar` was used.

    Route tables repeat the same arguments and fragments thousands of times, so each argument's token
    and each Shared fragment's text (per depth) are worked out once."""

    def __init__(self) -> None:
        self.used_dollar = False
        self._tokens: dict[Arg, str] = {}
        self._shared: dict[tuple[int, int], str] = {}  # (id, depth): the tree holds every Shared alive

    def arg(self, a: Arg) -> str:
        """The token for one argument."""
        token = self._tokens.get(a)
        if token is None:
            token = self._tokens[a] = self._token(a)
        return token

    def _token(self, a: Arg) -> str:
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
        """The lines (a Shared fragment's lines as one string) of the nodes at this depth."""
        out: list[str] = []
        pad = "  " * depth
        arg = self.arg
        for node in nodes:
            kind = type(node)
            if kind is Directive:
                out.append(pad + node.name + "".join([" " + arg(a) for a in node.args]) + ";")
            elif kind is Block:
                out.append(pad + node.name + "".join([" " + arg(a) for a in node.args]) + " {")
                out += self.render(node.children, depth + 1)
                out.append(pad + "}")
            elif kind is Shared:
                key = (id(node), depth)
                text = self._shared.get(key)
                if text is None:
                    text = self._shared[key] = "\n".join(self.render(node.nodes, depth))
                if text:
                    out.append(text)
            elif kind is Entry:
                out.append(pad + " ".join([arg(a) for a in node.args]) + ";")
            elif kind is Comment:
                if "\n" in node.text:
                    raise ValueError("internal: multi-line comment")
                out.append(f"{pad}# {node.text}")
            else:
                raise TypeError(f"internal: not an nginx node {node!r}")
        return out


def render(nodes: list[Node]) -> tuple[str, bool]:
    """The configuration text for the nodes, and whether `$gwc_dollar` must be defined."""
    r = Renderer()
    lines = r.render(nodes)
    return "\n".join(lines) + "\n", r.used_dollar


def render_config(main: list[Node], http: list[Node]) -> str:
    """nginx.conf: the main context, then the http block, which starts by defining `$gwc_dollar` (a geo
    block that expands to a dollar sign) when a spec value in it holds a literal '$'."""
    r = Renderer()
    body = r.render(http, 1)
    if r.used_dollar:
        body[:0] = r.render([Block("geo", (Raw("$" + DOLLAR_VAR),), [Entry(("default", Template("$")))])], 1)
    return "\n".join(Renderer().render(main) + ["http {"] + body + ["}"]) + "\n"
