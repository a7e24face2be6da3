"""Where the route table's prefix and regex locations go, so nginx picks routes in gwc's precedence order
with a configuration that grows linearly with the routes.

nginx picks the longest matching prefix location, descending through nested prefix locations, then tries
the regex locations of the deepest one it reached, then those of each enclosing location outwards. So each
parameter route's regex sits in the location of its carrier (its literal head), prefix locations nest in
the nearest enclosing location that holds regexes, and a request reaching a deeper location still tries
the regexes of the shallower carriers it lies under, without a copy of them. The one case that needs a
copy: a route that must win over a lower-precedence route whose regex sits deeper (`/{tenant}/status`
declared before `/shop/{id}` wins `/shop/status`); it is also placed in that deeper location, ahead of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ANY = "{}"  # a parameter segment in a shape


@dataclass(frozen=True)
class Regex:
    """A parameter route's regex as the layout sees it: its segments with parameters as ANY, whether the
    path ends with '/', and its carrier (the literal text before the first parameter, cut back to '/')."""

    segments: tuple[str, ...]
    trailing_slash: bool
    carrier: str


def enclosing(paths: Iterable[str]) -> dict[str, str | None]:
    """For each path, the longest other path that is a prefix of it (None for none). In sorted order every
    prefix of a path comes before it and the paths between share that prefix, so one stack is enough."""
    out: dict[str, str | None] = {}
    stack: list[str] = []
    for path in sorted(set(paths)):
        while stack and not path.startswith(stack[-1]):
            stack.pop()
        out[path] = stack[-1] if stack else None
        stack.append(path)
    return out


def _overlapping(trie: dict, segments: tuple[str, ...]) -> list[int]:
    """Indexes stored in the trie whose segments can match one path with these (equal literals, or a
    parameter on either side)."""
    frontier = [trie]
    for seg in segments:
        if seg == ANY:
            frontier = [child for node in frontier for key, child in node.items() if key is not None]
        else:
            frontier = [child for node in frontier for child in (node.get(seg), node.get(ANY)) if child]
        if not frontier:
            return []
    return [i for node in frontier for i in node.get(None, ())]


def placements(regexes: Sequence[Regex]) -> list[set[str]]:
    """The locations (by path) each regex goes in; `regexes` are in precedence order, best first.

    Taken worst first: a regex goes in its carrier, and in every location deeper than its carrier that
    holds a lower-precedence regex able to match one of the same paths, because nginx tries the deeper
    location's regexes first. Regexes can only share a path when they have as many segments, so only
    those are compared, through a trie."""
    tries: dict[tuple[int, bool], dict] = {}
    out: list[set[str]] = [set() for _ in regexes]
    for i in range(len(regexes) - 1, -1, -1):
        rx = regexes[i]
        trie = tries.setdefault((len(rx.segments), rx.trailing_slash), {})
        where = {rx.carrier}
        for worse in _overlapping(trie, rx.segments):
            where.update(p for p in out[worse] if p != rx.carrier and p.startswith(rx.carrier))
        out[i] = where
        node = trie
        for seg in rx.segments:
            node = node.setdefault(seg, {})
        node.setdefault(None, []).append(i)
    return out


def hosts(parents: dict[str, str | None], holds_regex: set[str]) -> dict[str, str | None]:
    """For each location, the location to nest it in: the nearest enclosing one holding regexes (None: the
    server). Locations without regexes between them and that one stay siblings, which nginx's longest
    prefix search tells apart the same way."""
    out: dict[str, str | None] = {}
    for path in sorted(parents):  # an enclosing path sorts first
        parent = parents[path]
        out[path] = None if parent is None else parent if parent in holds_regex else out[parent]
    return out


def first_matches(regexes: Sequence[Regex], paths: Iterable[str]) -> dict[str, int | None]:
    """For each literal path (no parameters, no trailing '/'), the index of the first regex in `regexes`
    (precedence order) that matches it, or None; through the same tries as placements()."""
    tries: dict[int, dict] = {}
    for i, rx in enumerate(regexes):
        if not rx.trailing_slash:
            node = tries.setdefault(len(rx.segments), {})
            for seg in rx.segments:
                node = node.setdefault(seg, {})
            node.setdefault(None, []).append(i)
    out: dict[str, int | None] = {}
    for path in paths:
        segments = tuple(path.strip("/").split("/")) if path.strip("/") else ()
        out[path] = min(_overlapping(tries.get(len(segments), {}), segments), default=None)
    return out
