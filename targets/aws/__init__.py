"""The AWS target: Amazon API Gateway, a REST API (default) or an HTTP API (targets.aws.api_type: http).

Output: openapi.json (the API as OpenAPI 3.0.1 with API Gateway's extensions), template.yaml (a
CloudFormation stack with the same body, the stage, usage plans and API keys) and deploy.json (the
structured description the deployer reads). Key values are never written: API Gateway generates them.
"""

from __future__ import annotations

from gwc.diagnostics import has_errors
from gwc.emitting import to_json, to_yaml
from gwc.model import Gateway
from gwc.target import EmitOptions, EmitResult

from .context import Context
from .dynamic_refs import refuse_dynamic_references
from .fidelity import FIDELITY
from .openapi import Builder
from .settings import check_settings
from .template import http_template, rest_template


class AwsTarget:
    """Compiles the model to Amazon API Gateway (REST or HTTP API)."""

    name = "aws"
    title = "Amazon API Gateway (REST API, or HTTP API with targets.aws.api_type: http)"
    fidelity = FIDELITY

    def emit(self, gateway: Gateway, options: EmitOptions) -> EmitResult:
        """openapi.json, template.yaml and deploy.json; nothing is written to disk here."""
        result = EmitResult()
        ctx = Context(gateway, options, result)
        check_settings(ctx)
        builder = Builder(ctx)
        body = builder.build()
        if has_errors(result.diagnostics):
            return result
        plan = builder.stage
        openapi = result.files["openapi.json"] = to_json(body)
        template = rest_template(body, openapi, plan) if ctx.rest else http_template(body, plan)
        text = to_yaml(template)
        if refuse_dynamic_references(ctx, text):
            result.files.clear()
            return result
        result.files["template.yaml"] = text
        result.files["deploy.json"] = to_json(plan.deploy_json())
        return result


TARGET = AwsTarget()
