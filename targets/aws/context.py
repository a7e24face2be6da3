"""Shared state of one AWS emit: the model, the options, the result, and how per-use limits are reported."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from gwc.emitting import EmitContext

TARGET = "aws"
REST, HTTP = "rest", "http"


@dataclass
class Context(EmitContext):
    """The gateway, the options and the result, plus the AWS settings with their defaults (read once: they
    are asked for on every operation)."""

    TARGET = TARGET
    OMIT_CODE = "GWC322"

    @cached_property
    def settings(self) -> dict:
        """`targets.aws` from the spec."""
        return self.gw.target_settings(self.TARGET)

    @cached_property
    def api_type(self) -> str:
        """rest (default) or http."""
        return self.settings.get("api_type", REST)

    @cached_property
    def rest(self) -> bool:
        """True for a REST API (the default)."""
        return self.api_type == REST

    @property
    def stage(self) -> str:
        """The stage name."""
        return self.settings.get("stage", "prod")
