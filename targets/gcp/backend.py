"""x-google-backend of one route: the address and the path translation that give the upstream the path
the spec asks for.

Google has two ways to build the upstream URL (google.api.BackendRule.PathTranslation):
- APPEND_PATH_TO_ADDRESS: address + the whole request path (`/users/42` on `https://u/v2` -> `https://u/v2/users/42`);
- CONSTANT_ADDRESS: the address as it is, with path variables appended as query parameters
  (`/users/{id}` on `https://u/get` -> `https://u/get?id=42`).

So: no rewrite -> APPEND to the service URL. An exact path with a rewrite -> CONSTANT to service URL +
rewrite (an exact path has no variables, so nothing is appended). A {param} or prefix route can be
rewritten only when the rewrite is some base followed by the route's own path (`/users/{id}` ->
`/v2/users/{id}`, `prefix: /orders/` -> `/v1/orders/`): APPEND to service URL + base. Any other rewrite
(`/users/{id}` -> `/accounts/{id}/profile`, `/api/` -> `/`) would reach the upstream at another path, or
with the id as a query parameter: not expressible (GWC301), and with --allow-lossy the request path is
sent as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from gwc.model import Route

from .context import Context
from .upstream import ServicePlan

APPEND, CONSTANT = "APPEND_PATH_TO_ADDRESS", "CONSTANT_ADDRESS"


@dataclass(frozen=True)
class Backend:
    """One x-google-backend (OpenAPI 3: one named backend)."""

    address: str
    path_translation: str
    deadline: float
    jwt_audience: str | None

    def as_v2(self) -> dict:
        """The OpenAPI 2.0 extension object."""
        out = {"address": self.address, "path_translation": self.path_translation, "deadline": self.deadline,
               "protocol": "http/1.1"}
        out.update({"jwt_audience": self.jwt_audience} if self.jwt_audience else {"disable_auth": True})
        return out

    def as_v3(self) -> dict:
        """The OpenAPI 3.x x-google-api-management backend object."""
        out = {"address": self.address, "pathTranslation": self.path_translation, "deadline": self.deadline,
               "protocol": "http/1.1"}
        out.update({"jwtAudience": self.jwt_audience} if self.jwt_audience else {"disableAuth": True})
        return out


def rewrite_base(route: Route) -> str | None:
    """For a {param} or prefix route: the base that, followed by the route's path, gives the rewrite
    ('' for no rewrite); None when the rewrite has another form."""
    if not route.rewrite or route.rewrite == route.match.path:
        return ""
    if route.rewrite.endswith(route.match.path):
        return route.rewrite[: -len(route.match.path)]
    return None


def backend(ctx: Context, route: Route, sp: ServicePlan) -> Backend:
    """The route's backend; a rewrite Google cannot express is reported (and left out under --allow-lossy)."""
    def make(address: str, translation: str) -> Backend:
        audience = {"service": sp.base, "address": address}.get(sp.id_token or "")
        return Backend(address, translation, sp.deadline, audience)

    if not route.rewrite:
        return make(sp.base, APPEND)
    if route.match.kind == "exact":
        ctx.mark("route.rewrite", route.id)
        return make(sp.base + route.rewrite, CONSTANT)
    base = rewrite_base(route)
    if base is None:
        what = "the rest of the path" if route.match.kind == "prefix" else "the path parameters"
        ctx.cannot("route.rewrite", route.id, f"{route.pointer}/rewrite", f"Google either appends the whole request "
                   f"path to the backend address or sends {what} as query parameters, so {route.match.path} cannot "
                   f"become {route.rewrite}; only a rewrite that puts a base before the route's own path "
                   f"(e.g. /v2{route.match.path}) can be expressed",
                   fix="rewrite to <base> + the route's path, move the rewrite into the upstream, or pass "
                       "--allow-lossy to send the path unchanged")
        return make(sp.base, APPEND)
    ctx.mark("route.rewrite", route.id)
    return make(sp.base + base, APPEND)
