"""A small nginx.conf tokenizer for tests: turns text into a tree of (directive, args, children) so two
configurations can be compared by structure, whatever their quoted values say."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Node:
    """One directive or block."""

    name: str
    args: list[str]
    children: list["Node"] | None = None
    line: int = 0


def tokens(text: str):
    """Yield (token, quoted, line) the way nginx's own parser splits text: quotes, backslashes, comments."""
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in ";{}":
            yield c, False, line
            i += 1
        elif c in "\"'":
            quote, i, buf = c, i + 1, []
            while i < n and text[i] != quote:
                if text[i] == "\\" and i + 1 < n:
                    buf.append(text[i:i + 2])
                    i += 2
                    continue
                line += text[i] == "\n"
                buf.append(text[i])
                i += 1
            yield "".join(buf), True, line
            i += 1
        else:
            start = i
            while i < n and text[i] not in " \t\r\n;{}\"'":
                if text[i] == "\\":
                    i += 1
                i += 1
            yield text[start:i], False, line


def parse(text: str) -> list[Node]:
    """The directive tree of a configuration; raises ValueError on unbalanced braces."""
    root: list[Node] = []
    stack = [root]
    words: list[tuple[str, bool, int]] = []
    for tok, quoted, line in tokens(text):
        if not quoted and tok == ";":
            if not words:
                raise ValueError(f"empty directive at line {line}")
            stack[-1].append(Node(words[0][0], [w for w, _, _ in words[1:]], None, words[0][2]))
            words = []
        elif not quoted and tok == "{":
            node = Node(words[0][0] if words else "", [w for w, _, _ in words[1:]], [], line)
            stack[-1].append(node)
            stack.append(node.children)
            words = []
        elif not quoted and tok == "}":
            if words or len(stack) == 1:
                raise ValueError(f"unbalanced '}}' at line {line}")
            stack.pop()
        else:
            words.append((tok, quoted, line))
    if len(stack) != 1 or words:
        raise ValueError("unterminated block or directive")
    return root


def shape(nodes: list[Node]) -> list:
    """The structure only: directive names, argument counts and nesting (no argument values)."""
    return [(n.name, len(n.args), shape(n.children) if n.children is not None else None) for n in nodes]


def directives(nodes: list[Node]) -> list[str]:
    """Every directive name in the tree, depth first."""
    out = []
    for n in nodes:
        out.append(n.name)
        if n.children:
            out += directives(n.children)
    return out
