"""API Gateway's own answers (REST gateway responses) as `{"message": "..."}` bodies, like nginx's."""

from __future__ import annotations

from .values import quote_static

# type -> (status to answer with, or None to keep API Gateway's, message)
GATEWAY_RESPONSES: dict[str, tuple[str | None, str | None]] = {
    "UNAUTHORIZED": ("401", "unauthorized"),
    "INVALID_API_KEY": ("401", "unauthorized"),        # API Gateway says 403; the spec answers failed auth with 401
    "ACCESS_DENIED": ("403", "forbidden"),
    "AUTHORIZER_FAILURE": ("401", "unauthorized"),     # an authorizer that cannot decide fails closed
    "AUTHORIZER_CONFIGURATION_ERROR": ("401", "unauthorized"),
    "MISSING_AUTHENTICATION_TOKEN": ("404", "no route"),  # what API Gateway answers for a path it does not know
    "RESOURCE_NOT_FOUND": ("404", "no route"),
    "REQUEST_TOO_LARGE": ("413", "request body too large"),
    "THROTTLED": ("429", "too many requests"),
    "QUOTA_EXCEEDED": ("429", "too many requests"),
    "INTEGRATION_FAILURE": ("502", "bad gateway"),
    "INTEGRATION_TIMEOUT": ("504", "gateway timeout"),
    "DEFAULT_4XX": (None, None),
    "DEFAULT_5XX": (None, None),
}


def gateway_responses(cors_headers: dict[str, str]) -> dict:
    """x-amazon-apigateway-gateway-responses; the templates are plain text with $context substitution."""
    out = {}
    for kind, (status, message) in GATEWAY_RESPONSES.items():
        body = '{"message":$context.error.messageString}' if message is None else f'{{"message":"{message}"}}'
        params = {f"gatewayresponse.header.{k}": quote_static(v) for k, v in sorted(cors_headers.items())}
        if status == "401":
            params["gatewayresponse.header.WWW-Authenticate"] = "'Bearer'"
        entry: dict = {"responseTemplates": {"application/json": body}}
        if status:
            entry["statusCode"] = status
        if params:
            entry["responseParameters"] = params
        out[kind] = entry
    return out
