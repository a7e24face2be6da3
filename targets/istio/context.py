"""Shared state of one Istio emit: the model, the options, the result, `targets.istio` with its defaults, and
the reporting rules every cloud target shares (an error, or under --allow-lossy a warning and the use left out;
a route that cannot keep its protection is left out whole)."""

from __future__ import annotations

from dataclasses import dataclass

from gwc.emitting import EmitContext

TARGET = "istio"
MESH, INGRESS = "mesh", "ingress"
DEFAULT_SELECTOR = {"istio": "ingressgateway"}


@dataclass
class Context(EmitContext):
    """The gateway, the options and the result, plus `targets.istio` with its defaults."""

    TARGET = TARGET
    OMIT_CODE = "GWC381"
    OMIT_HINT = "the route is absent (Istio answers 404), never served without its authentication or upstream"

    @property
    def mode(self) -> str:
        """ingress when the spec lists hosts (or the setting says so), else mesh."""
        return self.settings.get("mode", INGRESS if self.gw.hosts else MESH)

    @property
    def ingress(self) -> bool:
        return self.mode == INGRESS

    @property
    def api_version(self) -> str:
        """v1beta1 (default: the form most Istio examples use) or v1."""
        return self.settings.get("api_version", "v1beta1")

    @property
    def namespace(self) -> str | None:
        return self.settings.get("namespace")

    @property
    def selector(self) -> dict | None:
        """The workload labels policies apply to: the setting, else the ingress gateway's in ingress mode, else
        none (the whole namespace)."""
        if "selector" in self.settings:
            return dict(self.settings["selector"])
        return dict(DEFAULT_SELECTOR) if self.ingress else None

    @property
    def route_names(self) -> bool:
        return bool(self.settings.get("route_names", False))

    def meta(self, name: str) -> dict:
        """metadata: the name, and the namespace when the setting gives one."""
        return {"name": name, **({"namespace": self.namespace} if self.namespace else {})}

    def resource(self, group: str, kind: str, name: str, spec: dict) -> dict:
        """A whole resource: apiVersion, kind, metadata, spec."""
        return {"apiVersion": f"{group}/{self.api_version}", "kind": kind, "metadata": self.meta(name), "spec": spec}
