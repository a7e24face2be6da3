"""Shared state of one Google emit: the model, the options, the result, the settings with their defaults,
and how per-use limits are reported (the same rules as the AWS target: an error, or under --allow-lossy a
warning and the use left out; a route that cannot keep its authentication is left out whole)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from gwc.emitting import EmitContext

TARGET = "gcp"
ENDPOINTS, API_GATEWAY = "endpoints", "api-gateway"


@dataclass
class Context(EmitContext):
    """The gateway, the options and the result, plus `targets.gcp` with its defaults (read once)."""

    TARGET = TARGET
    OMIT_CODE = "GWC341"
    OMIT_HINT = "the route is absent (Google answers 404), never served without its authentication or upstream"

    @cached_property
    def settings(self) -> dict:
        """`targets.gcp` from the spec."""
        return self.gw.target_settings(self.TARGET)

    @cached_property
    def product(self) -> str:
        """endpoints (default) or api-gateway."""
        return self.settings.get("product", ENDPOINTS)

    @cached_property
    def openapi(self) -> int:
        """2 (default) or 3."""
        return int(self.settings.get("openapi", 2))

    @cached_property
    def service_name(self) -> str | None:
        """The Endpoints service name: targets.gcp.service, else <name>.endpoints.<project>.cloud.goog.
        For API Gateway only an explicit service (the API's managed service) counts."""
        s = self.settings
        if s.get("service"):
            return s["service"]
        if self.product == ENDPOINTS and s.get("project"):
            return f"{self.gw.name}.endpoints.{s['project']}.cloud.goog"
        return None
