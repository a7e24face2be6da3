"""Shared state of one nginx emit: the http-level objects that routes register (zones, maps, auth)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gwc.model import Cors, Gateway, RateLimit, Route
from gwc.target import EmitOptions, EmitResult

from .names import ident


@dataclass
class Context:
    """What routes need defined once at http or server level, collected while routes are emitted."""

    gw: Gateway
    options: EmitOptions
    result: EmitResult
    rate_zones: dict[tuple, str] = field(default_factory=dict)
    cors_maps: dict[tuple, str] = field(default_factory=dict)
    auth_combos: set[tuple[str, ...]] = field(default_factory=set)
    mock_routes: dict[str, Route] = field(default_factory=dict)
    needs_cache: bool = False
    needs_brotli: bool = False

    def dropped(self, feature: str, owner: str) -> bool:
        """True when --allow-lossy asked to leave this use out."""
        return (feature, owner) in self.options.drop

    def rate_zone(self, rl: RateLimit, key_method: str = "") -> str:
        """The limit_req zone for a rate (one zone per distinct rate, key kind and API-key method)."""
        key = (rl.rate.per_second, rl.per, key_method)
        if key not in self.rate_zones:
            self.rate_zones[key] = f"gwc_rl_{len(self.rate_zones) + 1}"
        return self.rate_zones[key]

    def cors_var(self, cors: Cors) -> str:
        """The variable holding the allowed Origin for a CORS policy (one map per distinct origin list)."""
        key = (cors.origins, cors.credentials)
        if key not in self.cors_maps:
            self.cors_maps[key] = f"$gwc_cors_origin_{len(self.cors_maps) + 1}"
        return self.cors_maps[key]

    def api_key_vars(self, methods: tuple[str, ...]) -> list[str]:
        """nginx variables carrying the credentials of the API-key methods among `methods`."""
        out = []
        for name in methods:
            auth = self.gw.auth[name]
            if auth.kind != "api_key":
                continue
            if auth.header:
                out.append("$http_" + ident(auth.header.lower()))
            if auth.query:
                out.append("$arg_" + ident(auth.query))
        return out
