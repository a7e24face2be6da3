"""Operations and their x-amazon-apigateway-integration: http_proxy to the upstream, or a mock answer."""

from __future__ import annotations

import re

from gwc.model import Cors

from .context import Context
from .cors import origin_vtl, static_headers
from .policies import RoutePlan
from .upstream import ServicePlan
from .values import quote_static, vtl_literal

MOCK_URI = "http://mock.gwc.invalid/"  # mocks call nothing; importers still want a uri
PASSED_THROUGH = {"200": {"description": "The upstream's response, passed through"}}
_UPSTREAM_PARAM = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def parameters(path_params: tuple[str, ...], extra: list[tuple[str, str]] = ()) -> list[dict]:
    """OpenAPI parameters: the resource's path parameters, then query/header parameters (cache keys).
    The greedy parameter (last, written `{proxy+}` in the path) is declared as `proxy+`, as OpenAPI
    requires; API Gateway calls it method.request.path.proxy."""
    out = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in path_params]
    seen = set()
    for where, name in extra:
        if (where, name.lower()) not in seen:
            seen.add((where, name.lower()))
            out.append({"name": name, "in": where, "required": False, "schema": {"type": "string"}})
    return out


def _key_source(where: str, name: str) -> str:
    return f"method.request.{'querystring' if where == 'query' else 'header'}.{name}"


def proxy_operation(ctx: Context, sp: ServicePlan, plan: RoutePlan, method: str, upstream: str,
                    path_params: tuple[str, ...], cached: bool) -> dict:
    """An operation that passes the request to the upstream (http_proxy)."""
    integ: dict = {"type": "http_proxy", "httpMethod": method, "uri": sp.base + upstream,
                   "timeoutInMillis": sp.timeout_ms}
    request: dict[str, str] = {}
    if ctx.rest:
        integ["passthroughBehavior"] = "when_no_match"
        vpc = ctx.settings.get("vpc_link_id")
        integ.update({"connectionType": "VPC_LINK", "connectionId": vpc} if vpc else {"connectionType": "INTERNET"})
        for name in _UPSTREAM_PARAM.findall(upstream):
            request[f"integration.request.path.{name}"] = f"method.request.path.{name}"
        if ctx.gw.observability.request_id:
            request["integration.request.header.X-Request-Id"] = "context.requestId"
        if sp.insecure_tls:
            integ["tlsConfig"] = {"insecureSkipVerification": True}
    else:
        integ["payloadFormatVersion"] = "1.0"
        integ["connectionType"] = "INTERNET"
        if ctx.gw.observability.request_id:
            request["overwrite:header.X-Request-Id"] = "$context.requestId"
    request.update(plan.request_parameters)
    if request:
        integ["requestParameters"] = request
    extra = plan.cache_keys if cached else []
    if cached:
        integ["cacheKeyParameters"] = ([f"method.request.path.{p.rstrip('+')}" for p in path_params]
                                       + [_key_source(w, n) for w, n in extra])
    return _with_parameters({"responses": PASSED_THROUGH, "x-amazon-apigateway-integration": integ},
                             parameters(path_params, extra))


def _with_parameters(op: dict, params: list[dict]) -> dict:
    if params:
        op["parameters"] = params
    return op


def mock_operation(status: int, content_type: str, body: str, headers: list[tuple[str, str]],
                   path_params: tuple[str, ...], cors: Cors | None = None, template_prefix: str = "") -> dict:
    """An operation API Gateway answers itself (REST mock integration): status, headers and body."""
    all_headers = dict(headers)
    all_headers["Content-Type"] = content_type
    if cors:
        all_headers.update(static_headers(cors, preflight=False))
        template_prefix = origin_vtl(cors) + template_prefix
    declared = dict(all_headers)
    if cors and "*" not in cors.origins:
        declared["Access-Control-Allow-Origin"] = ""
    media = content_type.split(";", 1)[0].strip()
    response: dict = {"statusCode": str(status),
                      "responseParameters": {f"method.response.header.{k}": quote_static(v)
                                             for k, v in sorted(all_headers.items())},
                      "responseTemplates": {media: template_prefix + vtl_literal(body)}}
    return _with_parameters({
            "responses": {str(status): {"description": "Answered by API Gateway",
                                        "headers": {k: {"schema": {"type": "string"}} for k in sorted(declared)}}},
            "x-amazon-apigateway-integration": {
                "type": "mock", "httpMethod": "ANY", "uri": MOCK_URI, "passthroughBehavior": "never",
                "requestTemplates": {"application/json": '{"statusCode": 200}'},
                "responses": {"default": response}}}, parameters(path_params))


def method_not_allowed(allow: list[str], path_params: tuple[str, ...]) -> dict:
    """ANY (other methods) answered with 405 and an Allow header, as nginx does."""
    return mock_operation(405, "application/json", '{"message":"method not allowed"}',
                          [("Allow", ", ".join(allow))], path_params)


def preflight(cors: Cors, path_params: tuple[str, ...]) -> dict:
    """OPTIONS answered by API Gateway with the CORS headers (204, no authentication)."""
    op = mock_operation(204, "application/json", "", list(static_headers(cors, preflight=True).items()),
                        path_params, template_prefix=origin_vtl(cors))
    responses = op["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
    responses.pop("method.response.header.Content-Type", None)
    op["responses"]["204"]["headers"].pop("Content-Type", None)
    if "*" not in cors.origins:
        op["responses"]["204"]["headers"]["Access-Control-Allow-Origin"] = {"schema": {"type": "string"}}
    return op
