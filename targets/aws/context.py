"""Shared state of one AWS emit: the model, the options, the result, and how per-use limits are reported."""

from __future__ import annotations

from dataclasses import dataclass, field

from gwc.diagnostics import Level
from gwc.features import FEATURES, used_features
from gwc.model import Gateway, Route
from gwc.target import EmitOptions, EmitResult, finding

TARGET = "aws"
REST, HTTP = "rest", "http"


@dataclass
class Context:
    """The gateway, the options and the result, plus the AWS settings with their defaults."""

    gw: Gateway
    options: EmitOptions
    result: EmitResult
    omitted: dict[str, str] = field(default_factory=dict)  # route id -> why it was left out
    services_emitted: set[str] = field(default_factory=set)  # services some emitted operation reaches

    @property
    def settings(self) -> dict:
        """`targets.aws` from the spec."""
        return self.gw.target_settings(TARGET)

    @property
    def api_type(self) -> str:
        """rest (default) or http."""
        return self.settings.get("api_type", REST)

    @property
    def rest(self) -> bool:
        """True for a REST API (the default)."""
        return self.api_type == REST

    @property
    def stage(self) -> str:
        """The stage name."""
        return self.settings.get("stage", "prod")

    def dropped(self, feature: str, owner: str) -> bool:
        """True when --allow-lossy asked (from the fidelity table) to leave this use out."""
        return (feature, owner) in self.options.drop

    def mark(self, feature: str, owner: str) -> None:
        """Record that this use is expressed in the output."""
        self.result.mark(feature, owner)

    def warn(self, code: str, message: str, pointer: str, hint: str) -> None:
        """A located warning (numbers that differ, settings that do not apply...)."""
        self.result.diagnostics.append(finding(TARGET, code, message, pointer, hint))

    def error(self, code: str, message: str, pointer: str, hint: str) -> None:
        """A located error: nothing is written."""
        self.result.diagnostics.append(finding(TARGET, code, message, pointer, hint, Level.ERROR))

    def cannot(self, feature: str, owner: str, pointer: str, reason: str, code: str = "GWC301",
               fix: str = "") -> None:
        """A use this spec asks for that AWS cannot express: an error, or under --allow-lossy a warning
        (the caller leaves the use out, and the use counts as reported)."""
        what = FEATURES.get(feature, feature)
        message = f"{what} is not supported by aws here: {reason}"
        if self.options.allow_lossy:
            self.warn(code, message, pointer, "left out of the output because of --allow-lossy")
            self.mark(feature, owner)
        else:
            hint = fix or "remove it for this target, pick another target, or pass --allow-lossy to leave it out"
            self.error(code, message, pointer, hint)

    def omit_route(self, route: Route, why: str) -> None:
        """Leave a whole route out (never served with less protection than the spec asks for)."""
        if route.id in self.omitted:
            return
        self.omitted[route.id] = why
        if not self.options.allow_lossy:
            return  # the error that made it so already stops the output
        self.warn("GWC322", f"route {route.id!r} is left out of the aws output: {why}", route.pointer,
                  "the route is absent (404), never served without its authentication or upstream")

    def mark_left_out(self) -> None:
        """Every use owned by an omitted route, or by a service no emitted route reaches, was reported
        with the route: count it as handled so the pipeline does not report it again as GWC300."""
        for use in used_features(self.gw):
            if use.owner in self.omitted or (use.owner in self.gw.services
                                             and use.owner not in self.services_emitted):
                self.mark(use.feature, use.owner)
