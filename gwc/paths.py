"""Route path grammar: split a path into segments and find its {params}."""

from __future__ import annotations

import re

from gwc.model import Match

PARAM = re.compile(r"^\{([a-z_][a-z0-9_]*)\}$")


def path_problems(path: str, kind: str) -> list[str]:
    """What is wrong with a (schema-valid) path: empty or dot segments, params that are not whole segments."""
    problems = []
    body = path[1:-1] if path.endswith("/") else path[1:]
    if path == "/":
        return problems
    seen: set[str] = set()
    for seg in body.split("/") if body else []:
        if seg == "":
            problems.append("the path has an empty segment ('//')")
        elif seg in (".", ".."):
            problems.append(f"the path has a '{seg}' segment; gateways normalise these away")
        elif "{" in seg or "}" in seg:
            m = PARAM.match(seg)
            if not m:
                problems.append(f"{seg!r}: a parameter must be a whole segment, like /{{id}}/")
            elif m.group(1) in seen:
                problems.append(f"the parameter {{{m.group(1)}}} appears twice")
            else:
                seen.add(m.group(1))
    if kind == "prefix" and seen:
        problems.append("a prefix cannot have parameters; use path: with {params} instead")
    return problems


def make_match(path: str, kind: str) -> Match:
    """The Match for a path (kind is 'path' or 'prefix' as written in the spec)."""
    segments = tuple(path.strip("/").split("/")) if path.strip("/") else ()
    params = tuple(m.group(1) for s in segments if (m := PARAM.match(s)))
    if kind == "prefix":
        return Match("prefix", path, segments, ())
    return Match("params" if params else "exact", path, segments, params)


def shape(match: Match) -> tuple:
    """The path with parameter names erased: two routes with one shape match the same requests."""
    return (match.kind, tuple("{}" if PARAM.match(s) else s for s in match.segments),
            match.path.endswith("/"))


def rewrite_params(rewrite: str) -> list[str]:
    """The {params} a rewrite target uses."""
    return re.findall(r"\{([a-z_][a-z0-9_]*)\}", rewrite)


def route_id_base(match: Match) -> str:
    """A readable identifier derived from the path: '/users/{id}' -> 'users_id', '/orders/' -> 'orders_all'."""
    text = re.sub(r"[^a-z0-9]+", "_", match.path.lower()).strip("_") or "root"
    if match.kind == "prefix":
        text += "_all"
    if text[0].isdigit():
        text = "r_" + text
    return text[:48]
