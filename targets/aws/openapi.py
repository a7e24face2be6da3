"""openapi.json: the routes as API Gateway resources and methods, plus the stage plan beside it."""

from __future__ import annotations

from collections.abc import Callable

from gwc.emitting import effective_service
from gwc.model import Route
from gwc.paths import PARAM

from .accesslog import access_log
from .auth import Auth
from .context import Context
from .cors import gateway_response_headers, http_cors, policy
from .integration import method_not_allowed, mock_operation, preflight, proxy_operation
from .names import PATH_PART, logical_id, method_key, route_key
from .policies import RoutePlan, cache, other_policies, rate_limit, request_headers
from .policy import execute_api_resource, resource_policy
from .resources import Binding, Tree
from .responses import gateway_responses
from .stage import StagePlan, UsagePlan
from .upstream import ServicePlan, service_plan

METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_COMPRESSION = 10485760


class Builder:
    """Builds the OpenAPI body and the StagePlan from the model, reporting what AWS cannot express."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.auth = Auth(ctx)
        s = ctx.settings
        self.stage = StagePlan(ctx.api_type, ctx.gw.name, ctx.gw.title, ctx.stage, s.get("region"),
                               s.get("endpoint_type", "REGIONAL"))
        self.services: dict[str, ServicePlan] = {}
        self.plans: dict[str, RoutePlan] = {}
        self.key_throttles: dict[str, dict] = {}
        self.ip_resources: dict[str, list[str]] = {}
        self.fragments: dict[tuple, dict] = {}

    def shared(self, key: tuple, make: Callable[[], dict]) -> dict:
        """An operation that is the same wherever it appears (a 405 or preflight answer, a mock), built once
        and used by every resource that has it; nothing changes an operation once it is in the body."""
        op = self.fragments.get(key)
        if op is None:
            op = self.fragments[key] = make()
        return op

    def service(self, name: str) -> ServicePlan:
        """The plan of a service, decided (and reported) once."""
        if name not in self.services:
            self.services[name] = service_plan(self.ctx, self.ctx.gw.service(name))
        return self.services[name]

    def plan_route(self, r: Route) -> RoutePlan | None:
        """The route's policies, or None when it is left out."""
        ctx = self.ctx
        bad = [s for s in r.match.segments if not PARAM.match(s) and not PATH_PART.match(s)]
        if bad:
            ctx.cannot(f"route.{r.match.kind}", r.id, f"{r.pointer}/{'prefix' if r.match.kind == 'prefix' else 'path'}",
                       f"API Gateway path segments allow letters, digits and . _ - : , only ({', '.join(bad)})")
            ctx.omit_route(r, "its path cannot be expressed")
            return None
        name = effective_service(r)
        if not self.service(name).usable:
            ctx.omit_route(r, f"its service {name!r} cannot be expressed")
            return None
        security = self.auth.security(r)
        if security is None:
            return None
        plan = RoutePlan(r, name, security)
        for step in (rate_limit, cache, request_headers, other_policies):
            step(ctx, plan)
        ctx.mark(f"route.{r.match.kind}", r.id)
        for feature, used in (("route.rewrite", r.rewrite), ("route.methods", r.methods and not ctx.rest)):
            if used:
                ctx.mark(feature, r.id)
        return plan

    def paths(self, bindings: list[Binding]) -> dict:
        """OpenAPI paths: every route bound at each resource, plus 405 and preflight answers (REST)."""
        by_path: dict[str, list[Binding]] = {}
        for b in bindings:
            by_path.setdefault(b.path, []).append(b)
        out = {}
        for path, group in by_path.items():
            ops: dict[str, dict] = {}
            for b in group:
                self.operations(b, ops)
            params = group[0].params
            if self.ctx.rest:
                if all(b.route.methods for b in group) and "ANY" not in ops:
                    allow = sorted({m for b in group for m in b.route.methods}, key=METHOD_ORDER.index)
                    ops["ANY"] = self.shared(("405", tuple(allow), params), lambda: method_not_allowed(allow, params))
                    for b in group:
                        self.ctx.mark("route.methods", b.route.id)
                cors = next((self.plans[b.route.id].cors for b in group if self.plans[b.route.id].cors), None)
                if cors:
                    ops["OPTIONS"] = self.shared(("preflight", policy(cors), params), lambda: preflight(cors, params))
            out[path] = {("x-amazon-apigateway-any-method" if m == "ANY" else m.lower()): op
                         for m, op in ops.items()}
        return out

    def operations(self, b: Binding, ops: dict[str, dict]) -> None:
        """The operations of one route at one resource."""
        ctx, plan = self.ctx, self.plans[b.route.id]
        sp = self.services[plan.service]
        ctx.services_emitted.add(plan.service)
        methods = list(b.route.methods) if b.route.methods else ["ANY"]
        if ctx.rest and plan.cors:
            methods = [m for m in methods if m != "OPTIONS"]
        if not ctx.rest and plan.cors and plan.security and methods == ["ANY"]:
            ctx.warn("GWC303", f"route {b.route.id!r}: an HTTP API sends the CORS preflight (OPTIONS) of a route "
                     "without methods to the route itself, whose authorizer refuses it (401)", b.route.pointer,
                     "list the route's methods (API Gateway then answers the preflight itself)")
        if ctx.rest and plan.cache_ttl and methods == ["ANY"] and not sp.mock:
            methods = ["GET", "HEAD", "ANY"]  # cache GET and HEAD only, never the other methods
        for m in methods:
            cached = bool(plan.cache_ttl) and m in ("GET", "HEAD") and not sp.mock
            if sp.mock:
                mk = sp.mock
                op = dict(self.shared(("mock", sp.name, b.params, policy(plan.cors)), lambda: mock_operation(
                    mk.status, mk.content_type, mk.body, list(mk.headers), b.params, plan.cors)))
            else:
                op = proxy_operation(ctx, sp, plan, m, b.upstream, b.params, cached)
            op["summary"] = f"route {b.route.id}"
            if plan.security:
                op["security"] = plan.security
            ops[m] = op
            self.record(b, plan, m, cached)

    def record(self, b: Binding, plan: RoutePlan, method: str, cached: bool) -> None:
        """Stage settings, usage-plan throttles and policy resources of one operation."""
        key = method_key(b.path, method) if self.ctx.rest else route_key(method, b.path)
        if plan.throttle:
            rate, burst = plan.throttle
            if plan.throttle_per == "api_key":
                self.key_throttles[key] = {"rate_limit": rate, "burst_limit": burst}
            else:
                s = self.stage.setting(key)
                s.throttling_rate_limit, s.throttling_burst_limit = rate, burst
        if cached:
            s = self.stage.setting(key)
            s.caching_enabled, s.caching_ttl_seconds = True, plan.cache_ttl
        if plan.ip:
            self.ip_resources.setdefault(b.route.id, []).append(execute_api_resource(b.path, method))

    def usage_plan(self) -> None:
        """One usage plan (and one generated API key) for the REST API's API-key method."""
        method = self.auth.key_method
        if not method:
            return
        quotas = [(p.route, p.quota) for p in self.plans.values() if p.quota]
        quota = quotas[0][1] if quotas else None
        for route, q in quotas:
            if q != quota:
                self.ctx.cannot("rate_limit.quota", route.id, f"{route.rate_limit.pointer}/quota",
                                f"a usage plan has one quota per API key; route {quotas[0][0].id!r} already sets "
                                f"{quota[0]} per {quota[1].lower()}")
            else:
                self.ctx.mark("rate_limit.quota", route.id)
        taken: set[str] = set()
        gw = self.ctx.gw
        self.stage.usage_plans.append(UsagePlan(
            logical_id=logical_id("UsagePlan", method, taken), key_logical_id=logical_id("ApiKey", method, taken),
            name=f"{gw.name}-{method}", description=f"API keys of auth method {method!r} for {gw.title}",
            api_key=f"{gw.name}-{method}",
            quota={"limit": quota[0], "period": quota[1]} if quota else None, method_throttle=self.key_throttles))

    def compression(self) -> int | None:
        """x-amazon-apigateway-minimum-compression-size: one value for the whole REST API."""
        mins = {p.route.id: p.gzip_min for p in self.plans.values() if p.gzip_min is not None}
        if not mins:
            return None
        size = min(mins.values())
        pointer = next(p.route.compression.pointer for p in self.plans.values() if p.gzip_min is not None)
        if len(set(mins.values())) > 1:
            self.ctx.warn("GWC303", f"compression min_size differs between routes ({min(mins.values())}-"
                          f"{max(mins.values())} bytes); API Gateway has one minimum for the whole API: {size} bytes",
                          pointer, "give every route the same compression.min_size")
        without = [i for i in self.plans if i not in mins]
        if without:
            self.ctx.warn("GWC303", f"API Gateway compresses every route of the API: {len(without)} route(s) "
                          f"without compression in the spec ({', '.join(without[:5])}) are compressed too",
                          pointer, "set compression on every route (or none) for this target")
        if size > MAX_COMPRESSION:
            self.ctx.warn("GWC303", f"compression min_size {size} bytes becomes {MAX_COMPRESSION} (the largest API "
                          "Gateway accepts)", pointer, f"use a min_size of at most {MAX_COMPRESSION} bytes")
            size = MAX_COMPRESSION
        return size

    def observability(self) -> None:
        """Tracing, metrics, request ids, TLS and the access log: stage settings and notes."""
        ctx, obs, st = self.ctx, self.ctx.gw.observability, self.stage
        st.access_log = access_log(ctx)
        if obs.request_id:
            ctx.mark("observability.request_id", "gateway")
        if obs.tracing != "none" and "tracing" in obs.explicit:  # X-Ray costs money: only when asked for
            st.tracing_enabled = ctx.rest
            ctx.mark("observability.tracing", "gateway")
        if obs.metrics_path:
            st.metrics_enabled = True
            ctx.mark("observability.metrics", "gateway")
        if ctx.gw.tls:
            ctx.mark("tls", "gateway")
        if ctx.rest:
            st.setting("*/*").metrics_enabled = st.metrics_enabled
            if any(s.caching_enabled for s in st.method_settings.values()):
                st.cache_cluster_enabled = True
                st.cache_cluster_size = ctx.settings.get("cache_cluster_size", "0.5")
                st.setting("*/*").caching_enabled = False

    def build(self) -> dict:
        """The OpenAPI document; self.stage is filled on the way."""
        ctx, gw = self.ctx, self.ctx.gw
        for r in gw.routes:
            plan = self.plan_route(r)
            if plan:
                self.plans[r.id] = plan
        tree = Tree([p.route for p in self.plans.values()])
        body: dict = {"openapi": "3.0.1",
                      "info": {"title": gw.title, "version": gw.version,
                               "description": gw.description or f"{gw.title} (generated by gwc)"},
                      "paths": self.paths(tree.bindings())}
        if self.auth.schemes:
            body["components"] = {"securitySchemes": self.auth.schemes}
        cors = [(p.route.id, p.cors) for p in self.plans.values() if p.cors]
        if ctx.rest:
            self.usage_plan()
            body["x-amazon-apigateway-api-key-source"] = "HEADER"
            body["x-amazon-apigateway-gateway-responses"] = gateway_responses(gateway_response_headers(ctx, cors))
            size = self.compression()
            if size is not None:
                body["x-amazon-apigateway-minimum-compression-size"] = size
            if ctx.settings.get("binary_media_types"):
                body["x-amazon-apigateway-binary-media-types"] = list(ctx.settings["binary_media_types"])
            policy = resource_policy([(self.plans[i].ip, res) for i, res in self.ip_resources.items()])
            if policy:
                body["x-amazon-apigateway-policy"] = policy
            self.stage.lambda_arns = sorted(self.auth.lambda_arns)
        else:
            config = http_cors(ctx, cors, list(self.plans))
            if config:
                body["x-amazon-apigateway-cors"] = config
        self.observability()
        ctx.mark_left_out()
        return body
