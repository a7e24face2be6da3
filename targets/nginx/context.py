"""Shared state of one nginx emit: the http-level objects that routes register (zones, maps, auth)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from gwc.model import Cors, Gateway, RateLimit, Route
from gwc.target import EmitOptions, EmitResult
from gwc.values import Rate

from .conf import Node, Shared
from .names import ident
from .rates import nginx_rate


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
    shared_parts: dict[tuple, Shared] = field(default_factory=dict)
    _zone_by_text: dict[tuple[str, str, str], str] = field(default_factory=dict)
    _rates: dict[str, tuple[str, Fraction | None]] = field(default_factory=dict)

    def shared(self, key: tuple, make: Callable[[], list[Node]]) -> Shared:
        """The one Shared fragment for key (made on first use): routes configured alike hold the same nodes,
        which are then written once. The key must name everything that make() reads."""
        part = self.shared_parts.get(key)
        if part is None:
            part = self.shared_parts[key] = Shared(make())
        return part

    def dropped(self, feature: str, owner: str) -> bool:
        """True when --allow-lossy asked to leave this use out."""
        return bool(self.options.drop) and (feature, owner) in self.options.drop

    def nginx_rate(self, rate: Rate) -> tuple[str, Fraction | None]:
        """How nginx writes a rate, and the rate that means per second when it differs from the spec's
        (None: exact). Worked out once per rate as written: Fraction arithmetic is slow per route."""
        found = self._rates.get(rate.text)
        if found is None:
            text, meant = nginx_rate(rate.per_second)
            found = self._rates[rate.text] = (text, None if meant == rate.per_second else meant)
        return found

    def rate_zone(self, rl: RateLimit, key_method: str = "") -> str:
        """The limit_req zone for a rate (one zone per distinct rate, key kind and API-key method)."""
        seen = (rl.rate.text, rl.per, key_method)  # a str key: hashing the Fraction costs more per route
        name = self._zone_by_text.get(seen)
        if name is None:
            key = (rl.rate.per_second, rl.per, key_method)
            if key not in self.rate_zones:
                self.rate_zones[key] = f"gwc_rl_{len(self.rate_zones) + 1}"
            name = self._zone_by_text[seen] = self.rate_zones[key]
        return name

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
