"""Shared state of one Gateway API emit: the model, the options, the result, `targets.gateway_api` with its
defaults, and the reporting rules (an error, or under --allow-lossy a warning and the use left out; a route
that cannot keep its authentication or address rules is left out whole)."""

from __future__ import annotations

from dataclasses import dataclass

from gwc.emitting import EmitContext

from .names import label

TARGET = "gateway-api"
SETTINGS = "gateway_api"  # the spec key: targets.gateway_api
DEFAULT_CLASS = "gwc"


@dataclass
class Context(EmitContext):
    """The gateway, the options and the result, plus `targets.gateway_api` with its defaults."""

    TARGET = TARGET
    OMIT_CODE = "GWC391"
    OMIT_HINT = ("its matches stay in a rule without backends, which the Gateway answers with 500: a wider rule never "
                 "serves it without its authentication, address rules or upstream")

    @property
    def settings(self) -> dict:
        """`targets.gateway_api` (the spec key has an underscore; the target's name a '-')."""
        return self.gw.target_settings(SETTINGS)

    @property
    def namespace(self) -> str | None:
        """The namespace of every generated resource; None leaves it to `kubectl apply -n`."""
        return self.settings.get("namespace")

    @property
    def gateway_class(self) -> str:
        """The GatewayClass of the generated Gateway."""
        return self.settings.get("gateway_class", DEFAULT_CLASS)

    @property
    def existing_gateway(self) -> dict | None:
        """`{name, namespace?}` of an existing Gateway the routes attach to (no Gateway is generated)."""
        return self.settings.get("gateway")

    @property
    def tls_secret(self) -> str:
        """The Secret (kubernetes.io/tls) the HTTPS listeners terminate with."""
        return self.settings.get("tls_secret") or label(f"{self.gw.name}-tls")

    @property
    def base_name(self) -> str:
        """The stem of every generated resource name: the gateway name (a slug, so already a DNS-1123 label)."""
        return label(self.gw.name)
