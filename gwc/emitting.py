"""Helpers every cloud target's emitter shares: how it reports what it cannot express (an error, or under
--allow-lossy a warning and the use left out; a route that cannot keep its protection left out whole),
how it picks one upstream, and deterministic serialisers. No I/O here."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import ClassVar

from gwc.diagnostics import Level
from gwc.features import FEATURES, used_features
from gwc.json_text import to_json  # noqa: F401 (re-exported: the targets' JSON writer)
from gwc.model import Gateway, Instance, Route, Service
from gwc.target import EmitOptions, EmitResult, finding
from gwc.yaml_text import to_yaml  # noqa: F401 (re-exported: the targets' YAML writer)


@dataclass
class EmitContext:
    """The gateway, the options and the result of one emit, and the reporting rules. Subclasses set
    TARGET, OMIT_CODE (the warning for a left-out route) and OMIT_HINT."""

    TARGET: ClassVar[str] = ""
    OMIT_CODE: ClassVar[str] = ""
    OMIT_HINT: ClassVar[str] = "the route is absent (404), never served without its authentication or upstream"

    gw: Gateway
    options: EmitOptions
    result: EmitResult
    omitted: dict[str, str] = field(default_factory=dict)  # route id -> why it was left out
    services_emitted: set[str] = field(default_factory=set)  # services some emitted operation reaches

    @property
    def settings(self) -> dict:
        """`targets.<TARGET>` from the spec."""
        return self.gw.target_settings(self.TARGET)

    def dropped(self, feature: str, owner: str) -> bool:
        """True when --allow-lossy asked (from the fidelity table) to leave this use out."""
        return (feature, owner) in self.options.drop

    def mark(self, feature: str, owner: str) -> None:
        """Record that this use is expressed in the output."""
        self.result.mark(feature, owner)

    def warn(self, code: str, message: str, pointer: str, hint: str) -> None:
        """A located warning (numbers that differ, settings that do not apply...)."""
        self.result.diagnostics.append(finding(self.TARGET, code, message, pointer, hint))

    def error(self, code: str, message: str, pointer: str, hint: str) -> None:
        """A located error: nothing is written."""
        self.result.diagnostics.append(finding(self.TARGET, code, message, pointer, hint, Level.ERROR))

    def cannot(self, feature: str, owner: str, pointer: str, reason: str, code: str = "GWC301",
               fix: str = "") -> None:
        """A use this spec asks for that the target cannot express: an error, or under --allow-lossy a
        warning (the caller leaves the use out, and the use counts as reported)."""
        message = f"{FEATURES.get(feature, feature)} is not supported by {self.TARGET} here: {reason}"
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
        self.warn(self.OMIT_CODE, f"route {route.id!r} is left out of the {self.TARGET} output: {why}",
                  route.pointer, self.OMIT_HINT)

    def mark_left_out(self) -> None:
        """Every use owned by an omitted route, or by a service no emitted route reaches, was reported
        with the route: count it as handled so the pipeline does not report it again as GWC300."""
        for use in used_features(self.gw):
            if use.owner in self.omitted or (use.owner in self.gw.services
                                             and use.owner not in self.services_emitted):
                self.mark(use.feature, use.owner)


def effective_service(route: Route) -> str | None:
    """The route's service; for a split (left out under --allow-lossy) the heaviest one, first on a tie."""
    if route.service or not route.split:
        return route.service
    return max(route.split, key=lambda s: s.weight).service


def heaviest_instance(svc: Service) -> Instance:
    """The instance a one-address gateway sends to: the heaviest non-backup one, first on a tie."""
    live = [i for i in svc.instances if not i.backup] or list(svc.instances)
    return max(live, key=lambda i: i.weight)


def instance_url(inst: Instance) -> str:
    """scheme://host[:port], the port left out when it is the scheme's default."""
    port = "" if (inst.scheme, inst.port) in (("http", 80), ("https", 443)) else f":{inst.port}"
    return f"{inst.scheme}://{inst.host}{port}"


def is_private_host(host: str) -> bool:
    """True for addresses a cloud gateway cannot reach over the internet (private, loopback, internal)."""
    name = host.strip("[]")
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return name == "localhost" or "." not in name or name.endswith((".internal", ".local", ".localhost"))
    return ip.is_private or ip.is_loopback or ip.is_link_local
