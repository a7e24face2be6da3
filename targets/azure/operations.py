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
from .xmldoc import PolicyDoc


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


def operation_policy(plan: RoutePlan, method: str) -> PolicyDoc:
    """The policy document of the route's operation for `method`."""
    r, doc = plan.route, PolicyDoc()
    if plan.cors:
        doc.add("inbound", p.cors(r.cors))
    if plan.ip:
        doc.add("inbound", *p.ip_filters(r.ip))
    doc.add("inbound", *plan.auth)
    if plan.body_limit:
        doc.add("inbound", p.body_limit(r.body_limit))
    doc.add("inbound", *plan.limits)
    cached = method == "GET"
    if cached:
        doc.add("inbound", *plan.cache[0])
    if plan.request_headers:
        doc.add("inbound", *p.header_changes(r.request_headers))
    if plan.service.mock:
        doc.add("inbound", p.mock_response(plan.service.mock, r.response_headers if plan.response_headers
                                           else type(r.response_headers)()))
        return doc
    doc.add("inbound", p.backend(plan.backend_id))
    if plan.rewrite:
        doc.add("inbound", p.rewrite(plan.rewrite))
    doc.forward = plan.service.forward
    if plan.response_headers:
        doc.add("outbound", *p.header_changes(r.response_headers))
    if cached:
        doc.add("outbound", *plan.cache[1])
    return doc


def not_allowed_policy(allow: list[str]) -> PolicyDoc:
    """The policy of an operation answering 405."""
    doc = PolicyDoc()
    doc.add("inbound", p.not_allowed(allow))
    return doc
