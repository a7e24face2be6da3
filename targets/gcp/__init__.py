"""The Google target: Cloud Endpoints (ESPv2, default) or API Gateway (targets.gcp.product: api-gateway).

Output: openapi.yaml (OpenAPI 2.0 with Google's x-google-* extensions, or OpenAPI 3.0 with
x-google-api-management when targets.gcp.openapi is 3) and deploy.json (the structured description the
deployer reads; no secrets). Google issues the API keys and fetches the JWT keys itself, so no key or
secret is ever written.
"""

from __future__ import annotations

from gwc.diagnostics import has_errors
from gwc.emitting import to_json, to_yaml
from gwc.model import Gateway
from gwc.target import EmitOptions, EmitResult

from .context import Context
from .fidelity import FIDELITY
from .openapi import Builder
from .settings import check_settings, deploy_json


class GcpTarget:
    """Compiles the model to Google Cloud Endpoints or API Gateway."""

    name = "gcp"
    title = "Google Cloud Endpoints (ESPv2) or API Gateway (targets.gcp.product: api-gateway)"
    fidelity = FIDELITY

    def emit(self, gateway: Gateway, options: EmitOptions) -> EmitResult:
        """openapi.yaml and deploy.json; nothing is written to disk here."""
        result = EmitResult()
        ctx = Context(gateway, options, result)
        check_settings(ctx)
        if has_errors(result.diagnostics):
            return result
        doc = Builder(ctx).build()
        if has_errors(result.diagnostics):
            return result
        result.files["openapi.yaml"] = to_yaml(doc)
        result.files["deploy.json"] = to_json(deploy_json(ctx))
        return result


TARGET = GcpTarget()
