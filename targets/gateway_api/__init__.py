"""The Kubernetes Gateway API target (standard channel): gateway-api.yaml, a multi-document YAML file with a
Gateway (unless targets.gateway_api.gateway names an existing one), the HTTPRoutes and the ReferenceGrants that
cross-namespace backends need. Authentication, rate limits, caching and the other gateway policies have no
standard Gateway API form: the fidelity table reports them, and a route that needs authentication or address
rules is left out whole: its paths answer 500, never served open."""

from __future__ import annotations

from gwc.diagnostics import has_errors
from gwc.emitting import to_yaml
from gwc.model import Gateway
from gwc.target import EmitOptions, EmitResult

from .context import Context
from .fidelity import FIDELITY
from .resources import Resources
from .routes import RuleBuilder

OUTPUT = "gateway-api.yaml"


def render(docs: list[dict]) -> str:
    """Deterministic multi-document YAML (sorted keys, documents joined with '---')."""
    return "---\n".join(to_yaml(d) for d in docs)


class GatewayApiTarget:
    """Compiles the model to Kubernetes Gateway API resources."""

    name = "gateway-api"
    title = "Kubernetes Gateway API (gateway.networking.k8s.io/v1 Gateway and HTTPRoute, standard channel)"
    fidelity = FIDELITY

    def emit(self, gateway: Gateway, options: EmitOptions) -> EmitResult:
        """gateway-api.yaml; nothing is written to disk here."""
        result = EmitResult()
        ctx = Context(gateway, options, result)
        res = Resources(ctx)
        docs = res.gateway()
        rules = RuleBuilder(ctx).rules()
        routes = res.routes(rules)
        docs += routes + res.grants(routes)
        ctx.mark_left_out()
        if has_errors(result.diagnostics):
            return result
        result.files[OUTPUT] = render(docs)
        return result


TARGET = GatewayApiTarget()
