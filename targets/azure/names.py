"""Deterministic APIM names: OpenAPI paths (URL templates), operation ids, and the ids of the entities
gwc creates (backends, named values, products, loggers), plus ARM parameter names.

APIM URL templates read `{name}` as a template parameter and a trailing `/*` as a wildcard (the portal's
"wildcard operation"): a prefix route `/orders/` becomes `/orders/*`. A literal `*` anywhere else in a
path would be read as a wildcard too, so such a route cannot be expressed.

Operation ids are `<route id>-<method>` (`users_id-get`): letters, digits, `_` and `-`, at most 80
characters (route ids are at most 63), stable while the route's id and methods stay the same. The
operation that answers 405 for a method a path does not serve is `<route id>-<method>-405-<allow>`, where
`<allow>` is two hex digits naming the methods the path does serve (bit i = the i-th of GET, HEAD, POST, PUT,
PATCH, DELETE, OPTIONS): the API-scope policy answers every such operation from that code alone, so these
operations need no policy of their own.
"""

from __future__ import annotations

import re

from gwc.model import Match, Route
from gwc.paths import PARAM

WILDCARD = "*"
ENTITY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


def bad_segments(match: Match) -> list[str]:
    """Literal segments APIM would read as template syntax (a `*` is its wildcard)."""
    return [s for s in match.segments if not PARAM.match(s) and WILDCARD in s]


def shape_key(match: Match) -> tuple:
    """Routes of one shape share one URL template (OpenAPI forbids two paths that differ only in
    parameter names); the first route's parameter names are used."""
    return match.kind, tuple("{}" if PARAM.match(s) else s for s in match.segments)


def url_template(match: Match) -> str:
    """The OpenAPI path: the route's path, or for a prefix the prefix followed by the wildcard."""
    return match.path + WILDCARD if match.kind == "prefix" else match.path


def rename(route: Route, first: Route) -> dict[str, str]:
    """The route's parameter names mapped to the names of the first route of its shape."""
    return dict(zip(route.match.params, first.match.params))


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def operation_suffix(method: str) -> str:
    """What follows the route id in the id of the operation serving `method`."""
    return f"-{method.lower()}"


def allow_code(allow: tuple[str, ...]) -> str:
    """The end of the ids of a path's 405 operations: `-405-` and the served methods as a two-digit bit mask."""
    return f"-405-{sum(1 << METHODS.index(m) for m in allow):02x}"


def not_allowed_suffix(method: str, allow: tuple[str, ...]) -> str:
    """What follows the route id in the id of the operation answering 405 for `method`."""
    return f"-{method.lower()}{allow_code(allow)}"


def entity(prefix: str, *parts: str) -> str:
    """An APIM entity id: `<prefix>-<part>-...`, '_' kept, at most 80 characters."""
    return "-".join((prefix, *parts))[:80]


def arm_parameter(*parts: str) -> str:
    """An ARM template parameter name in camelCase (letters and digits)."""
    words = [w for p in parts for w in re.split(r"[^A-Za-z0-9]+", p) if w]
    return words[0].lower() + "".join(w[:1].upper() + w[1:] for w in words[1:]) if words else "value"
