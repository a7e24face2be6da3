"""Authentication on API Gateway.

REST APIs: API keys (X-API-Key header, checked against the usage plans of the stage), and JWT methods
through the authorizer named in targets.aws.authorizers (a Cognito user pool or a Lambda token
authorizer): REST APIs have no native JWT authorizer. HTTP APIs: native JWT authorizers; no API keys.
A route whose authentication cannot be expressed is left out (under --allow-lossy), never made public.
"""

from __future__ import annotations

from gwc.model import ApiKeyAuth, JwtAuth, Route

from .context import Context

API_KEY_SCHEME = "api_key"
HTTP_JWT_ALGS = ("RS256", "RS384", "RS512")


def lambda_invocation_uri(arn: str) -> str:
    """The authorizerUri that invokes a Lambda function: arn:PARTITION:apigateway:REGION:lambda:path/..."""
    parts = arn.split(":")
    return f"arn:{parts[1]}:apigateway:{parts[3]}:lambda:path/2015-03-31/functions/{arn}/invocations"


class Auth:
    """Security schemes the routes use, and each route's security requirement."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.schemes: dict[str, dict] = {}
        self.lambda_arns: set[str] = set()
        self.key_method: str | None = None  # the one API-key method a REST API can express

    def security(self, route: Route) -> list[dict] | None:
        """The route's OpenAPI security requirement ([] = public); None when the route must be left out."""
        if not route.auth:
            return []
        first = self.ctx.gw.auth[route.auth[0]]
        for name in route.auth[1:]:  # auth.any_of is unsupported: only the first method is checked
            other = self.ctx.gw.auth[name]
            if other.kind != first.kind:
                self.ctx.mark(f"auth.{other.kind}", route.id)
        if isinstance(first, ApiKeyAuth):
            scheme = self._api_key(route, first)
        else:
            scheme = self._jwt_rest(route, first) if self.ctx.rest else self._jwt_http(route, first)
        if scheme is None:
            self.ctx.omit_route(route, f"its authentication ({first.name}) cannot be expressed")
            return None
        self.ctx.mark(f"auth.{first.kind}", route.id)
        return [{scheme: []}]

    def _api_key(self, route: Route, auth: ApiKeyAuth) -> str | None:
        ctx = self.ctx
        if not ctx.rest:
            ctx.cannot("auth.api_key", route.id, auth.pointer,
                       "HTTP APIs have no API keys (targets.aws.api_type: rest has them)")
            return None
        if auth.query or (auth.header or "").lower() != "x-api-key":
            where = f"the query parameter {auth.query!r}" if auth.query else f"the header {auth.header!r}"
            ctx.cannot("auth.api_key", route.id, auth.pointer, f"API Gateway reads API keys only from the "
                       f"X-API-Key header; method {auth.name!r} also reads {where}",
                       fix="use header: X-API-Key without query for this target")
            return None
        if self.key_method not in (None, auth.name):
            ctx.cannot("auth.api_key", route.id, auth.pointer, f"API Gateway accepts every API key of the "
                       f"stage on every key-protected method, so a second API-key method ({auth.name!r}, after "
                       f"{self.key_method!r}) would accept the other's keys",
                       fix="use one API-key method per AWS API (one gateway spec per key population)")
            return None
        self.key_method = auth.name
        self.schemes[API_KEY_SCHEME] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
        return API_KEY_SCHEME

    def _jwt_rest(self, route: Route, auth: JwtAuth) -> str | None:
        ctx = self.ctx
        conf = ctx.settings.get("authorizers", {}).get(auth.name)
        if not conf:
            example = ("targets:\n  aws:\n    authorizers:\n      " + auth.name + ": {cognito_user_pool_arns: "
                       "[\"arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID\"]}\n"
                       "      # or: " + auth.name + ": {lambda_arn: \"arn:aws:lambda:REGION:ACCOUNT:function:NAME\"}")
            ctx.cannot("auth.jwt", route.id, auth.pointer, f"REST APIs have no native JWT authorizer and "
                       f"targets.aws.authorizers names none for {auth.name!r}", code="GWC320",
                       fix=f"add an authorizer (or use targets.aws.api_type: http for native JWT checks):\n{example}")
            return None
        header = auth.header
        if "lambda_arn" in conf:
            self.lambda_arns.add(conf["lambda_arn"])
            authorizer = {"type": "token", "authorizerUri": lambda_invocation_uri(conf["lambda_arn"]),
                          "identitySource": f"method.request.header.{header}",
                          "authorizerResultTtlInSeconds": min(auth.leeway_s, 3600)}
            authtype = "custom"
        else:
            authorizer = {"type": "cognito_user_pools", "providerARNs": list(conf["cognito_user_pool_arns"]),
                          "identitySource": f"method.request.header.{header}"}
            authtype = "cognito_user_pools"
        self._query_note(auth)
        self.schemes[auth.name] = {"type": "apiKey", "name": header, "in": "header",
                                   "x-amazon-apigateway-authtype": authtype,
                                   "x-amazon-apigateway-authorizer": authorizer}
        return auth.name

    def _jwt_http(self, route: Route, auth: JwtAuth) -> str | None:
        ctx = self.ctx
        missing = [what for what, ok in (("issuer", auth.issuer), ("audiences", auth.audiences)) if not ok]
        if missing:
            ctx.cannot("auth.jwt", route.id, auth.pointer, f"an HTTP API JWT authorizer needs the issuer and "
                       f"audiences, and method {auth.name!r} has no {' or '.join(missing)}",
                       fix="set jwt.issuer (API Gateway reads its .well-known/openid-configuration) and "
                           "jwt.audiences")
            return None
        if not any(a in HTTP_JWT_ALGS for a in auth.algorithms):
            ctx.cannot("auth.jwt", route.id, auth.pointer, f"HTTP API JWT authorizers check RS256/RS384/RS512 "
                       f"signatures only; method {auth.name!r} accepts {', '.join(auth.algorithms)}")
            return None
        self._query_note(auth)
        self.schemes[auth.name] = {
            "type": "oauth2", "flows": {},
            "x-amazon-apigateway-authorizer": {
                "type": "jwt", "identitySource": f"$request.header.{auth.header}",
                "jwtConfiguration": {"issuer": auth.issuer, "audience": list(auth.audiences)}}}
        return auth.name

    def _query_note(self, auth: JwtAuth) -> None:
        if auth.query:
            self.ctx.warn("GWC303", f"auth {auth.name!r}: tokens are read from the {auth.header} header only; a "
                          f"token in the query parameter {auth.query!r} is refused (401)",
                          f"{auth.pointer}/query", "send the token in the header")
