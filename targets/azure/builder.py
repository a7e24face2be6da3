"""From the model to the plan of one APIM API: route plans, operations (URL template, method, id,
policy), backends, named values, and what the API as a whole needs. template.py, openapi.py and
settings.py write the plan out; nothing here is text."""

from __future__ import annotations

from dataclasses import dataclass, field

from gwc.emitting import effective_service
from gwc.model import Route

from .auth import Auth
from .backends import Backend, ServicePlan, service_plan, split_backend
from .cache import cache_policies
from .context import Context
from .limits import rate_policies
from .namedvalues import NamedValues
from .names import (
    METHODS,
    allow_code,
    bad_segments,
    not_allowed_suffix,
    operation_suffix,
    rename,
    shape_key,
    url_template,
)
from .operations import RoutePlan, fragments, operation_policies
from .policies import rewrite_template
from .xmldoc import PolicyDoc, Renderer

NOT_ALLOWED = {"405": {"description": "Method not allowed (answered by the gateway, with an Allow header)"}}
ANSWERED = "Answered by the gateway"
ID_SUFFIX = {m: operation_suffix(m) for m in METHODS}                      # operation id = route id + suffix


@dataclass(slots=True)
class Operation:
    """One APIM operation: OpenAPI path and method, id, and its policy text (operations with the same
    policy share one text; None for a 405 operation, which the API-scope policy answers)."""

    id: str
    method: str
    path: str
    params: tuple[str, ...]
    summary: str
    policy: str | None
    responses: dict | None = None   # None: the upstream's answer


@dataclass
class Plan:
    """Everything the output files are written from."""

    operations: list[Operation] = field(default_factory=list)
    backends: dict[str, Backend] = field(default_factory=dict)
    service_url: str | None = None
    api_policy: PolicyDoc = field(default_factory=PolicyDoc)
    not_allowed: dict[str, tuple[str, ...]] = field(default_factory=dict)   # allow code -> the allowed methods


class Builder:
    """Plans the API from the model, reporting what APIM cannot express."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.named = NamedValues(ctx)
        self.auth = Auth(ctx, self.named)
        self.services: dict[str, ServicePlan] = {}
        self.routes: list[RoutePlan] = []
        self.plan = Plan()
        self.xml = Renderer()
        self.answers: dict[int, dict] = {}                      # a mock's status -> its OpenAPI responses

    def service(self, name: str) -> ServicePlan:
        """The plan of a service, decided (and reported) once."""
        if name not in self.services:
            self.services[name] = service_plan(self.ctx, self.ctx.gw.service(name))
        return self.services[name]

    def methods(self, r: Route) -> list[str]:
        """The route's operations: its methods, or all seven (OPTIONS left to the cors policy)."""
        methods = list(r.methods) if r.methods else list(METHODS)
        if r.cors and not self.ctx.dropped("cors", r.id):
            methods = [m for m in methods if m != "OPTIONS"]  # an OPTIONS operation would skip the preflight
        if r.methods:
            self.ctx.mark("route.methods", r.id)
        return [m for m in METHODS if m in methods]

    def backend_of(self, r: Route, sp: ServicePlan) -> str | None:
        """The backend id the route's operations name (a split gets its own pool)."""
        if sp.mock:
            return None
        if not r.split:
            return sp.backend_id
        if self.ctx.dropped("route.split", r.id):
            return sp.backend_id
        pool = split_backend(self.ctx, r, {s.service: self.service(s.service) for s in r.split if s.weight})
        self.plan.backends[pool.id] = pool
        forwards = {repr(self.service(s.service).forward) for s in r.split if s.weight}
        if len(forwards) > 1:
            self.ctx.warn("GWC303", f"route {r.id!r}: the split's services have different timeouts or retries; the "
                          f"route uses those of {sp.service.name!r} (APIM forwards from the operation, before "
                          "the pool picks a member)", f"{r.pointer}/split",
                          "give the services of a split the same timeouts and retries")
        self.ctx.mark("route.split", r.id)
        return pool.id

    def plan_route(self, r: Route) -> RoutePlan | None:
        """The route's plan, or None when it is left out."""
        ctx = self.ctx
        bad = bad_segments(r.match)
        if bad:
            where = "prefix" if r.match.kind == "prefix" else "path"
            ctx.cannot(f"route.{r.match.kind}", r.id, f"{r.pointer}/{where}", "APIM URL templates read '*' as a "
                       f"wildcard, so the segments {', '.join(bad)} cannot be matched literally")
            ctx.omit_route(r, "its path cannot be expressed")
            return None
        sp = self.service(effective_service(r))
        auth = self.auth.policies(r)
        if auth is None:
            return None
        split = bool(r.split) and not ctx.dropped("route.split", r.id)
        for s in ([s.service for s in r.split if s.weight] if split else [sp.service.name]):
            ctx.services_emitted.add(s)
            for b in self.service(s).backends:
                if not (split and b.pool):  # a split has its own pool over the services' instances
                    self.plan.backends[b.id] = b
        plan = RoutePlan(r, self.methods(r), auth, rate_policies(ctx, r), sp, self.backend_of(r, sp))
        plan.cache = cache_policies(ctx, r, self.auth.key_names())
        for feature, used, attr in (("cors", r.cors, "cors"), ("ip_rules", r.ip, "ip"),
                                    ("body_limit", r.body_limit is not None, "body_limit"),
                                    ("headers.request", r.request_headers, "request_headers"),
                                    ("headers.response", r.response_headers, "response_headers")):
            if used and not ctx.dropped(feature, r.id):
                setattr(plan, attr, True)
                ctx.mark(feature, r.id)
        ctx.mark(f"route.{r.match.kind}", r.id)
        return plan

    def operations(self) -> None:
        """Operations per URL template (routes of one shape share it), and 405 for unserved methods."""
        groups: dict[tuple, list[RoutePlan]] = {}
        for rp in self.routes:
            groups.setdefault(shape_key(rp.route.match), []).append(rp)
        for group in groups.values():
            first = group[0].route
            path, params = url_template(first.match), first.match.params
            served: set[str] = set()
            for rp in group:
                self.route_operations(rp, first, path, params)
                served.update(rp.methods)
            if all(rp.route.methods for rp in group):
                self.not_allowed_operations(first, path, params, served, any(rp.cors for rp in group))

    def route_operations(self, rp: RoutePlan, first: Route, path: str, params: tuple[str, ...]) -> None:
        """The route's operations, one per method; all but GET (which caches) share one policy text."""
        r, ctx = rp.route, self.ctx
        if r.rewrite and not rp.service.mock:
            rp.rewrite = rewrite_template(r.match.kind, r.rewrite, rename(r, first), ctx.api_path, r.match.path)
        if r.rewrite:
            ctx.mark("route.rewrite", r.id)  # a mock answers itself: no upstream path
        mock = rp.service.mock
        answers = None
        if mock:
            answers = self.answers.setdefault(mock.status, {str(mock.status): {"description": ANSWERED}})
        texts = operation_policies(rp, fragments(ctx, rp), self.xml)
        summary, operations = f"route {r.id}", self.plan.operations
        for m in rp.methods:
            operations.append(Operation(r.id + ID_SUFFIX[m], m, path, params, summary, texts[m == "GET"], answers))

    def not_allowed_operations(self, first: Route, path: str, params: tuple[str, ...], served: set[str],
                               cors: bool) -> None:
        """405 with an Allow header for each method no route of the URL template serves (OPTIONS is left to
        the cors policy when a route has CORS). The operations have no policy: their ids end in the code of
        the allowed methods, and the API-scope policy answers each code (gateway.not_allowed_answers)."""
        allow = tuple(m for m in METHODS if m in served)
        rid, operations = first.id, self.plan.operations
        for m in METHODS:
            if m not in served and not (m == "OPTIONS" and cors):
                self.plan.not_allowed.setdefault(allow_code(allow), allow)
                operations.append(Operation(rid + not_allowed_suffix(m, allow), m, path, params,
                                            f"route {rid}: {m} not allowed", None, NOT_ALLOWED))

    def build(self) -> Plan:
        """The plan (backends, operations, named values are filled on the way)."""
        for r in self.ctx.gw.routes:
            rp = self.plan_route(r)
            if rp:
                self.routes.append(rp)
        self.operations()
        urls = {rp.service.url for rp in self.routes if not rp.service.mock}
        if len(urls) == 1 and None not in urls and not any(rp.route.split for rp in self.routes):
            self.plan.service_url = urls.pop()
        ctx = self.ctx
        if ctx.omitted or not ctx.services_emitted.issuperset(ctx.gw.services):
            ctx.mark_left_out()  # (otherwise nothing is left out)
        return self.plan

    def release(self) -> None:
        """Let go of the route plans and policy elements once every policy is written."""
        self.routes, self.xml = [], Renderer()
        self.ctx.shared.clear()
