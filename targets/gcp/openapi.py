"""openapi.yaml: the routes as OpenAPI operations with Google's extensions, in the 2.0 (Swagger) form that
Cloud Endpoints and API Gateway accept everywhere, or the 3.0 form (targets.gcp.openapi: 3)."""

from __future__ import annotations

from dataclasses import dataclass

from gwc.emitting import effective_service
from gwc.model import Route

from .auth import Auth
from .backend import Backend, backend
from .context import ENDPOINTS, Context
from .names import bad_segments, identifier, operation_id, shape_key, template
from .quota import Quota, quota
from .upstream import ServicePlan, service_plan

# The operations Google's OpenAPI importer maps (google/api-compiler HttpRuleGenerator: get, put, delete,
# patch, post; any other operation "Default to 'post'"). HEAD and OPTIONS cannot be declared.
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PASSED_THROUGH = {"default": {"description": "The upstream's response, passed through"}}
OPENAPI_3 = "3.0.4"


@dataclass
class RoutePlan:
    """What one route asks of Google, after the per-use decisions."""

    route: Route
    service: str
    backend: Backend
    security: list[dict]
    methods: list[str]
    quota: Quota | None
    cors: bool


class Builder:
    """Builds the OpenAPI document from the model, reporting what Google cannot express."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.auth = Auth(ctx)
        self.services: dict[str, ServicePlan] = {}
        self.plans: list[RoutePlan] = []

    def service(self, name: str) -> ServicePlan:
        """The plan of a service, decided (and reported) once."""
        if name not in self.services:
            self.services[name] = service_plan(self.ctx, self.ctx.gw.service(name))
        return self.services[name]

    def methods(self, r: Route) -> list[str] | None:
        """The operations of a route; None when none of its methods can be declared."""
        if not r.methods:
            return list(METHODS)
        bad = [m for m in r.methods if m not in METHODS]
        if bad:
            self.ctx.cannot("route.methods", r.id, f"{r.pointer}/methods", f"Google's OpenAPI import maps only GET, "
                            f"POST, PUT, PATCH and DELETE operations, so {' and '.join(bad)} cannot be declared",
                            fix="leave HEAD/OPTIONS out of methods for this target")
        else:
            self.ctx.mark("route.methods", r.id)
        kept = [m for m in METHODS if m in r.methods]
        if not kept:
            self.ctx.omit_route(r, f"none of its methods ({', '.join(r.methods)}) can be declared")
            return None
        return kept

    def plan_route(self, r: Route) -> RoutePlan | None:
        """The route's plan, or None when it is left out."""
        ctx = self.ctx
        bad = bad_segments(r.match)
        if bad:
            field = "prefix" if r.match.kind == "prefix" else "path"
            ctx.cannot(f"route.{r.match.kind}", r.id, f"{r.pointer}/{field}", "Google's path templates read * = : "
                       "and other characters as syntax; literal segments may use letters, digits and . _ ~ - only "
                       f"({', '.join(bad)})")
            ctx.omit_route(r, "its path cannot be expressed")
            return None
        methods = self.methods(r)
        if methods is None:
            return None
        name = effective_service(r)
        sp = self.service(name)
        if not sp.usable:
            ctx.omit_route(r, f"its service {name!r} is answered by the gateway itself (a mock), which Google "
                              "cannot do")
            return None
        security = self.auth.security(r)
        if security is None:
            return None
        plan = RoutePlan(r, name, backend(ctx, r, sp), security, methods, quota(ctx, r), bool(r.cors))
        ctx.services_emitted.add(name)
        ctx.mark(f"route.{r.match.kind}", r.id)
        return plan

    # -- the two document forms ------------------------------------------------------------------------

    def _grouped(self) -> dict[tuple, list[RoutePlan]]:
        groups: dict[tuple, list[RoutePlan]] = {}
        for p in self.plans:
            groups.setdefault(shape_key(p.route.match), []).append(p)
        return groups

    def _operation(self, p: RoutePlan, method: str) -> dict:
        op = {"operationId": operation_id(p.route, method), "summary": f"route {p.route.id}",
              "responses": PASSED_THROUGH}
        if p.security:
            op["security"] = p.security
        if p.quota:
            op["x-google-quota"] = {"metricCosts": {p.quota.metric: 1}}
        return op

    def paths_v2(self) -> dict:
        """paths of the 2.0 document: x-google-backend objects on each operation."""
        out = {}
        backends: dict[Backend, dict] = {}  # one extension object per backend, shared by its operations
        for group in self._grouped().values():
            key, params, _ = template(group[0].route.match, 2)
            declared = [{"name": n, "in": "path", "required": True, "type": "string"} for n in params]
            item = {}
            for p in group:
                ext = backends.get(p.backend)
                if ext is None:
                    ext = backends[p.backend] = p.backend.as_v2()
                for m in p.methods:
                    op = self._operation(p, m)
                    op["x-google-backend"] = ext
                    if declared:
                        op["parameters"] = declared
                    item[m.lower()] = op
            out[key] = item
        return out

    def paths_v3(self, names: dict[Backend, str]) -> dict:
        """paths of the 3.0 document: x-google-backend names a backend of x-google-api-management."""
        out = {}
        for group in self._grouped().values():
            key, params, greedy = template(group[0].route.match, 3)
            declared = [dict({"name": n, "in": "path", "required": True, "schema": {"type": "string"}},
                             **({"x-google-parameter": {"pattern": "**"}} if n == greedy else {}))
                        for n in params]
            item = {}
            for p in group:
                for m in p.methods:
                    op = self._operation(p, m)
                    op["x-google-backend"] = names[p.backend]
                    if declared:
                        op["parameters"] = declared
                    item[m.lower()] = op
            out[key] = item
        return out

    def backend_names(self) -> dict[Backend, str]:
        """One named backend per distinct x-google-backend: the service's name, or service--route when a
        route of the service needs another address (a rewrite)."""
        names: dict[Backend, str] = {}
        taken: set[str] = set()
        for p in self.plans:
            if p.backend in names:
                continue
            name = identifier(p.service) if identifier(p.service) not in taken else identifier(
                f"{p.service}__{p.route.id}")
            names[p.backend] = name
            taken.add(name)
        return names

    def quotas(self) -> list[Quota]:
        """Each route's quota, in route order."""
        return [p.quota for p in self.plans if p.quota]

    def cors_allowed(self) -> bool:
        """Whether any emitted route asked for CORS (dropped as unsupported; allowCors passes preflights on)."""
        return any(p.cors for p in self.plans)

    def _cors_note(self) -> None:
        self.ctx.warn("GWC342", "CORS preflights cannot even be passed to the upstream here: allowCors needs the "
                      "service name in the document (targets.gcp.service with openapi: 2), which this API Gateway "
                      "document does not have", "/targets/gcp",
                      "set targets.gcp.service to the API's managed service name (gcloud api-gateway apis describe) "
                      "and use openapi: 2")

    def info(self) -> dict:
        gw = self.ctx.gw
        return {"title": gw.title, "version": gw.version,
                "description": gw.description or f"{gw.title} (generated by gwc)"}

    def document_v2(self) -> dict:
        """The OpenAPI 2.0 (Swagger) document."""
        ctx = self.ctx
        doc: dict = {"swagger": "2.0", "info": self.info(), "schemes": ["https"], "produces": ["application/json"],
                     "paths": self.paths_v2()}
        host = ctx.service_name
        if host:
            doc["host"] = host
        if self.auth.schemes:
            doc["securityDefinitions"] = {n: s.as_v2() for n, s in self.auth.schemes.items()}
        quotas = self.quotas()
        if quotas:
            doc["x-google-management"] = {
                "metrics": [{"name": q.metric, "displayName": q.display, "valueType": "INT64", "metricKind": "DELTA"}
                            for q in quotas],
                "quota": {"limits": [{"name": q.limit, "metric": q.metric, "unit": "1/min/{project}",
                                      "values": {"STANDARD": q.per_minute}} for q in quotas]}}
        if self.cors_allowed():
            if host:
                doc["x-google-endpoints"] = [{"name": host, "allowCors": True}]
            else:
                self._cors_note()
        return doc

    def document_v3(self) -> dict:
        """The OpenAPI 3.0 document (x-google-api-management with named backends)."""
        ctx = self.ctx
        names = self.backend_names()
        management: dict = {"backends": {name: b.as_v3() for b, name in names.items()}}
        quotas = self.quotas()
        if quotas:
            management["metrics"] = {q.metric: {"displayName": q.display} for q in quotas}
            management["quota"] = {"limits": {q.limit: {"metric": q.metric, "values": q.per_minute}
                                              for q in quotas}}
        doc: dict = {"openapi": OPENAPI_3, "info": self.info(), "paths": self.paths_v3(names),
                     "x-google-api-management": management}
        if ctx.product == ENDPOINTS and ctx.service_name:
            doc["servers"] = [{"url": f"https://{ctx.service_name}", "x-google-endpoint": {}}]
        if self.auth.schemes:
            doc["components"] = {"securitySchemes": {n: s.as_v3() for n, s in self.auth.schemes.items()}}
        if self.cors_allowed():
            if ctx.product == ENDPOINTS:
                management["allowCors"] = True
            else:
                self._cors_note()
        return doc

    def observability(self) -> None:
        """What Google does by itself for the access log, tracing, metrics and TLS (approximate rows)."""
        ctx, obs = self.ctx, self.ctx.gw.observability
        if obs.log_format != "none" and "access_log" in obs.explicit:
            ctx.mark("observability.access_log", "gateway")
        if obs.tracing != "none" and "tracing" in obs.explicit:
            ctx.mark("observability.tracing", "gateway")
        if obs.metrics_path:
            ctx.mark("observability.metrics", "gateway")
        if ctx.gw.tls:
            ctx.mark("tls", "gateway")

    def build(self) -> dict:
        """The OpenAPI document in the version targets.gcp.openapi asks for."""
        for r in self.ctx.gw.routes:
            plan = self.plan_route(r)
            if plan:
                self.plans.append(plan)
        doc = self.document_v3() if self.ctx.openapi == 3 else self.document_v2()
        self.observability()
        self.ctx.mark_left_out()
        return doc

