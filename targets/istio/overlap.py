"""Which earlier groups' request sets can meet each group's (`plan.could_overlap` for every pair), found through
indexes instead of trying every pair: a trie of path segments for {param} paths, and sorted strings for prefixes.
Each index yields a superset of the overlapping groups (candidates), which `could_overlap` then confirms, so the
answer is the same as the all-pairs one, in time proportional to the routes plus the overlaps found."""

from __future__ import annotations

from bisect import bisect_left

from gwc.paths import PARAM

from .plan import Group, could_overlap

_WILD = None  # the trie keys of a {param} segment and of a path's end (never a segment's text)
_END = 0


class _SegmentTrie:
    """Group indexes by their path segments; a {param} segment is one wildcard key."""

    def __init__(self) -> None:
        self.root: dict = {}

    def add(self, segments: tuple[str, ...], index: int) -> None:
        """Index a group by its path's segments."""
        node = self.root
        for s in segments:
            node = node.setdefault(_WILD if PARAM.match(s) else s, {})
        node.setdefault(_END, []).append(index)

    def matching(self, segments: tuple[str, ...]) -> list[int]:
        """Indexes of the paths with as many segments, each equal, or a {param} on either side."""
        nodes = [self.root]
        for s in segments:
            wild = PARAM.match(s)
            nxt = []
            for node in nodes:
                if wild:
                    nxt += [child for key, child in node.items() if key is not _END]
                else:
                    if s in node:
                        nxt.append(node[s])
                    if _WILD in node:
                        nxt.append(node[_WILD])
            nodes = nxt
            if not nodes:
                return []
        return [i for node in nodes for i in node.get(_END, ())]


class _Strings:
    """Group indexes by a string key: the keys that start with a text, and the keys that a text starts with."""

    def __init__(self, items: list[tuple[str, int]]) -> None:
        self.sorted = sorted(items)
        self.keys = [k for k, _ in self.sorted]
        self.exact: dict[str, list[int]] = {}
        for key, index in items:
            self.exact.setdefault(key, []).append(index)

    def starting_with(self, text: str) -> list[int]:
        """Indexes whose key starts with text (a range of the sorted keys)."""
        out = []
        for n in range(bisect_left(self.keys, text), len(self.keys)):
            if not self.keys[n].startswith(text):
                break
            out.append(self.sorted[n][1])
        return out

    def prefixes_of(self, text: str) -> list[int]:
        """Indexes whose key is a prefix of text (including text itself)."""
        return [i for n in range(len(text) + 1) for i in self.exact.get(text[:n], ())]


def _start(g: Group) -> str:
    """What could_overlap compares with a later prefix: the prefix, or a {param} path's leading literal part."""
    if g.kind != "params":
        return g.literal
    lead = []
    for s in g.segments:
        if PARAM.match(s):
            break
        lead.append(s)
    return "/" + "/".join(lead)


class Overlaps:
    """Per group, the earlier groups whose request sets could overlap its own. Only protected routes need this,
    so the indexes are built on the first question."""

    def __init__(self, groups: list[Group]) -> None:
        self.groups = groups
        self._built = False

    def _build(self) -> None:
        groups = self.groups
        self._paths = _SegmentTrie()   # exact and {param} paths
        for i, g in enumerate(groups):
            if g.kind == "exact":
                self._paths.add(g.routes[0].match.segments, i)
            elif g.kind == "params":
                self._paths.add(g.segments, i)
        self._exact = _Strings([(g.literal, i) for i, g in enumerate(groups) if g.kind == "exact"])
        self._wider = _Strings([(_start(g), i) for i, g in enumerate(groups) if g.kind != "exact"])
        self._prefixes = [i for i, g in enumerate(groups) if g.kind == "prefix"]
        self._built = True

    def earlier(self, i: int) -> list[int]:
        """The indexes (ascending) of the groups before group i whose request sets could overlap its own."""
        g = self.groups[i]
        if g.kind == "exact":
            return []
        if not self._built:
            self._build()
        if g.kind == "params":
            candidates = self._paths.matching(g.segments)
            candidates += self._prefixes[:bisect_left(self._prefixes, i)]   # none: prefixes come last
        elif g.kind == "prefix":
            candidates = (self._exact.starting_with(g.literal) + self._wider.starting_with(g.literal)
                          + self._wider.prefixes_of(g.literal))
        else:
            candidates = list(range(i))
        return [n for n in sorted({n for n in candidates if n < i}) if could_overlap(self.groups[n], g)]


def earlier_overlaps(groups: list[Group]) -> list[list[int]]:
    """Overlaps.earlier of every group."""
    overlaps = Overlaps(groups)
    return [overlaps.earlier(i) for i in range(len(groups))]
