"""Deterministic nginx identifiers derived from spec names (which the schema limits to [a-z0-9_-])."""

# The statuses nginx itself answers with a JSON body, from the named location error_named(code).
ERRORS = {401: "unauthorized", 403: "forbidden", 413: "request body too large", 429: "too many requests",
          500: "internal error", 502: "bad gateway", 503: "service unavailable", 504: "gateway timeout"}


def ident(name: str) -> str:
    """A variable-safe identifier: '-' becomes '_'."""
    return name.replace("-", "_")


def upstream(service: str) -> str:
    """The upstream block name of a service."""
    return f"gwc_svc_{ident(service)}"


def route_named(route_id: str) -> str:
    """The named location of a route."""
    return f"@gwc_r_{ident(route_id)}"


def dispatch_named(route_id: str) -> str:
    """The named location that dispatches a path's routes by method."""
    return f"@gwc_d_{ident(route_id)}"


def mock_named(route_id: str) -> str:
    """The named location that answers a mock route."""
    return f"@gwc_mock_{ident(route_id)}"


def auth_location(methods: tuple[str, ...]) -> str:
    """The internal location that checks one combination of auth methods."""
    return "/_gwc/auth/" + "+".join(methods)


def error_named(code: int) -> str:
    """The named location answering an error status with JSON."""
    return f"@gwc_error_{code}"
