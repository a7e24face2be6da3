"""Request body limits. nginx checks Content-Length against client_max_body_size only in the location it
picks by matching the URI, not after a jump to a named location, so the picked location carries the
limit, and a named location with a lower limit than its picked location adds its own Content-Length check."""

from __future__ import annotations

from gwc.model import Route

from .conf import Block, Directive, Node, Raw

NGINX_DEFAULT = 1024 * 1024  # client_max_body_size when nothing is set


def effective(route: Route) -> int:
    """The limit in bytes for a route; 0 means no limit."""
    return NGINX_DEFAULT if route.body_limit is None else route.body_limit


def largest(routes: list[Route]) -> int:
    """The limit a location shared by several routes needs (0 = no limit beats every number)."""
    limits = [effective(r) for r in routes]
    return 0 if 0 in limits else max(limits)


def greater_than(n: int) -> str:
    """An anchored regex matching decimal numbers (leading zeros allowed) greater than n."""
    digits = str(n)
    options = [f"[1-9][0-9]{{{len(digits)},}}"]
    for i, d in enumerate(digits):
        if d != "9":
            rest = len(digits) - i - 1
            options.append(digits[:i] + f"[{int(d) + 1}-9]" + (f"[0-9]{{{rest}}}" if rest else ""))
    return "^0*(" + "|".join(options) + ")$"


def limit_directive(limit: int) -> Directive:
    """client_max_body_size for a limit in bytes."""
    return Directive("client_max_body_size", (limit,))


def guard(limit: int, picked_limit: int) -> list[Node]:
    """The directives a route's named location with this limit needs when its picked location allows more."""
    out: list[Node] = [limit_directive(limit)]
    if limit and (picked_limit == 0 or limit < picked_limit):
        check = Block("if", (Raw("($content_length"), "~", Raw(greater_than(limit)), Raw(")")))
        out.append(check.add("return", 413))
    return out
