"""One route's policy for one of its operations: the order APIM evaluates them in.

inbound: <base/>, cors (first, so APIM answers preflights with it alone), ip-filter, authentication, the
body limit, rate-limit-by-key / quota-by-key, cache-lookup (GET), request headers, then the mock answer
or set-backend-service and rewrite-uri. backend: <base/> or the service's own forward-request (timeout,
retry). outbound: <base/>, response headers, cache-store (GET). on-error: <base/>.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from gwc.model import Route

from . import policies as p
from .backends import ServicePlan
from .context import Context
from .xmldoc import Renderer


@dataclass
class RoutePlan:
    """What one route asks of APIM, after the per-use decisions."""

    route: Route
    methods: list[str]
    auth: list[Element]
    limits: list[Element]
    service: ServicePlan
    backend_id: str | None
    cache: tuple[list[Element], list[Element]] = ([], [])
    cors: bool = False
    ip: bool = False
    body_limit: bool = False
    request_headers: bool = False
    response_headers: bool = False
    rewrite: str | None = None        # the rewrite-uri template
    names: dict[str, str] = field(default_factory=dict)


@dataclass
class Fragments:
    """A route's policy elements, built once and shared by the documents of its operations."""

    inbound: list[Element]           # cors, ip-filter, authentication, body limit, rate limits
    headers: list[Element]           # request header changes
    answer: list[Element]            # the mock answer, or set-backend-service and rewrite-uri
    response_headers: list[Element]


def fragments(ctx: Context, plan: RoutePlan) -> Fragments:
    """The route's policy elements (every method's document is assembled from these)."""
    r, inbound = plan.route, []
    if plan.cors:
        inbound.append(p.cors(r.cors))
    if plan.ip:
        inbound.extend(p.ip_filters(r.ip))
    inbound.extend(plan.auth)
    if plan.body_limit:
        inbound.append(p.body_limit(r.body_limit))
    inbound.extend(plan.limits)
    headers = p.header_changes(r.request_headers) if plan.request_headers else []
    if plan.service.mock:
        answer = [p.mock_response(plan.service.mock, r.response_headers if plan.response_headers
                                  else type(r.response_headers)())]
        return Fragments(inbound, headers, answer, [])
    answer = [ctx.share(("backend", plan.backend_id), lambda: p.backend(plan.backend_id))]
    if plan.rewrite:
        answer.append(p.rewrite(plan.rewrite))
    return Fragments(inbound, headers, answer,
                     p.header_changes(r.response_headers) if plan.response_headers else [])


def operation_policies(plan: RoutePlan, parts: Fragments, xml: Renderer) -> dict[bool, str]:
    """The policy texts of the route's operations: {True: GET's (it caches), False: every other method's},
    for the methods the route has."""
    methods = plan.methods
    before, after = xml.lines(parts.inbound), xml.lines(parts.headers) + xml.lines(parts.answer)
    forward, outbound = None, ""
    if not plan.service.mock:
        forward = None if plan.service.forward is None else xml.lines(plan.service.forward)
        outbound = xml.lines(parts.response_headers)
    texts = {}
    if "GET" in methods:
        store = "" if plan.service.mock else xml.lines(plan.cache[1])
        texts[True] = xml.document(before + xml.lines(plan.cache[0]) + after, forward, outbound + store)
    if len(methods) > ("GET" in methods):
        texts[False] = xml.document(before + after, forward, outbound)
    return texts

