"""Shared state of one Azure emit: the model, the options, the result, `targets.azure` with its defaults,
and how per-use limits are reported (the rules every cloud target shares: an error, or under --allow-lossy
a warning and the use left out; a route that cannot keep its protection is left out whole)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gwc.emitting import EmitContext

TARGET = "azure"
BASE = "/targets/azure"


@dataclass
class Context(EmitContext):
    """The gateway, the options and the result, plus `targets.azure` with its defaults."""

    TARGET = TARGET
    OMIT_CODE = "GWC361"
    OMIT_HINT = "the route is absent (APIM answers 404), never served without its authentication or upstream"

    # Policy elements many routes share (a backend's set-backend-service, a caching setup), by what they
    # are built from: one element per emit, so its text is serialised once.
    shared: dict = field(default_factory=dict)

    def share(self, key: tuple, build):
        """The element(s) `build()` makes for `key`, built once per emit."""
        got = self.shared.get(key)
        if got is None:
            got = self.shared[key] = build()
        return got

    @property
    def api_id(self) -> str:
        """The APIM API id: targets.azure.api_id, else the gateway name."""
        return self.settings.get("api_id", self.gw.name)

    @property
    def api_path(self) -> str:
        """The API URL suffix on the APIM host: targets.azure.api_path, else the gateway name."""
        return self.settings.get("api_path", self.gw.name)

    @property
    def prefix(self) -> str:
        """The prefix of every APIM entity id gwc creates besides the API (backends, named values...)."""
        return self.api_id
