"""Random single changes to a spec's data, shared by the mutation tests and the schema-check comparison."""

from __future__ import annotations

import copy
import random

POOL = [None, True, False, 0, -1, 1, 10**30, -(10**30), 1e308, 1.5, "", "x", "é漢字", "\u202eevil", "a" * 70_000,
        "/", "/{x}", "10s", "http://127.0.0.1:1", "${x}", "a;b", "ok\n", "GET", [], [None], ["GET"],
        [[[[[[[[[[[]]]]]]]]]]], {}, {"env": "X"}, {"a": {"b": {"c": {"d": {"e": {}}}}}}, "\t\r\n", "1/s", "none"]


def paths(node, path=()):
    """Every path (a tuple of keys and indexes) below the root."""
    if path:
        yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, (*path, i))


def mutate(data: dict, rng: random.Random) -> dict:
    """A copy of data with one change: a value swapped for one of POOL, a key dropped, an unknown key added, or a
    list item duplicated."""
    out = copy.deepcopy(data)
    path = rng.choice(list(paths(out)))
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    roll = rng.random()
    if roll < 0.65:
        parent[path[-1]] = copy.deepcopy(rng.choice(POOL))
    elif roll < 0.8 and isinstance(parent, dict):
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[rng.choice(["unknown", "Name", "routes ", "gwc"])] = rng.choice(POOL)
    else:
        parent.insert(path[-1], copy.deepcopy(parent[path[-1]]))
    return out
