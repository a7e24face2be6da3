"""Deterministic Google names: path templates, operation ids, metric and backend names.

Google's path templates give meaning to more characters than gwc paths do: `*` and `**` are wildcards,
`=` binds a variable to a pattern, `:` starts a custom verb. A literal segment is therefore limited to
RFC 3986's unreserved characters; a route using another character the spec allows is refused (GWC301).
"""

from __future__ import annotations

import re

from gwc.model import Match, Route
from gwc.paths import PARAM

LITERAL = re.compile(r"^[A-Za-z0-9._~-]+$")
_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]")
PREFIX_VARIABLE = "path"  # the {path=**} variable of a prefix route (a prefix has no params of its own)


def bad_segments(match: Match) -> list[str]:
    """Literal segments Google's path templates would read as something else."""
    return [s for s in match.segments if not PARAM.match(s) and not LITERAL.match(s)]


def template(match: Match, version: int) -> tuple[str, tuple[str, ...], str | None]:
    """(path key, path parameters, the greedy parameter or None).

    OpenAPI 2.0: a prefix `/orders/` becomes `/orders/{path=**}`; OpenAPI 3.x: `/orders/{path}` with
    `x-google-parameter: {pattern: "**"}` on the parameter (Google refuses `{x=**}` there)."""
    if match.kind != "prefix":
        return match.path, match.params, None
    base = match.path  # ends with '/'
    key = f"{base}{{{PREFIX_VARIABLE}=**}}" if version == 2 else f"{base}{{{PREFIX_VARIABLE}}}"
    return key, (PREFIX_VARIABLE,), PREFIX_VARIABLE


def shape_key(match: Match) -> tuple:
    """Routes with one shape share one path key (parameter names at a position come from the first route)."""
    return match.kind, tuple("{}" if PARAM.match(s) else s for s in match.segments)


def identifier(text: str) -> str:
    """Letters, digits and '_' only (operation ids become method names in Google's service config)."""
    return _NOT_IDENTIFIER.sub("_", text)


def operation_id(route: Route, method: str) -> str:
    """`<route id>_<method>`: unique, because route ids are unique with '-' and '_' counted the same."""
    return identifier(f"{route.id}_{method.lower()}")


def metric_name(route: Route) -> str:
    """The request counter of one route's quota."""
    return f"requests-{route.id.replace('_', '-')}"


def limit_name(route: Route) -> str:
    """The per-minute limit on that counter."""
    return f"{metric_name(route)}-per-minute"
