"""The per-route policies other than authentication, limits and caching: CORS, client-address rules,
the body limit, header changes, mocks, and where the request goes (backend and path)."""

from __future__ import annotations

import ipaddress
from http import HTTPStatus
from xml.etree.ElementTree import Element

from gwc.model import Cors, HeaderOps, IpRules, Mock

from .values import cs_string, policy_value, static_value
from .xmldoc import choose, el, status_response


def cors(c: Cors) -> Element:
    """The cors policy (APIM answers the preflight itself, evaluating only this policy)."""
    children = [el("allowed-origins", {}, [el("origin", text=static_value(o)) for o in c.origins]),
                el("allowed-methods", {"preflight-result-max-age": str(c.max_age_s)},
                   [el("method", text=m) for m in c.methods])]
    if c.headers:
        children.append(el("allowed-headers", {}, [el("header", text=static_value(h)) for h in c.headers]))
    if c.expose_headers:
        children.append(el("expose-headers", {}, [el("header", text=static_value(h)) for h in c.expose_headers]))
    return el("cors", {"allow-credentials": "true" if c.credentials else "false",
                       "terminate-unmatched-request": "false"}, children)


def address_entries(cidrs: tuple[str, ...]) -> list[Element]:
    """<address> for a single address, <address-range from= to=> for a CIDR range."""
    out = []
    for text in cidrs:
        net = ipaddress.ip_network(text, strict=True)
        if net.num_addresses == 1:
            out.append(el("address", text=str(net.network_address)))
        else:
            out.append(el("address-range", {"from": str(net.network_address), "to": str(net.broadcast_address)}))
    return out


def ip_filters(rules: IpRules) -> list[Element]:
    """ip-filter forbid (deny) first, then allow: deny wins, as in the spec; both answer 403."""
    out = []
    if rules.deny:
        out.append(el("ip-filter", {"action": "forbid"}, address_entries(rules.deny)))
    if rules.allow:
        out.append(el("ip-filter", {"action": "allow"}, address_entries(rules.allow)))
    return out


def body_limit(limit: int) -> Element:
    """413 when the request's Content-Length is above the limit."""
    condition = ("@{ long n; return long.TryParse(context.Request.Headers.GetValueOrDefault("
                 f"{cs_string('Content-Length')}, \"0\"), out n) && n > {limit}; }}")
    return choose(condition, [status_response(413, "Payload Too Large")])


def header_changes(ops: HeaderOps) -> list[Element]:
    """set-header: removals (exists-action delete), then the values set (override)."""
    out = [el("set-header", {"name": static_value(n), "exists-action": "delete"}) for n in ops.remove]
    for name, value in ops.set:
        out.append(el("set-header", {"name": static_value(name), "exists-action": "override"},
                      [el("value", text=policy_value(value))]))
    return out


def reason(code: int) -> str:
    """The HTTP reason phrase."""
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Status"


def mock_response(mock: Mock, response: HeaderOps) -> Element:
    """return-response with the mock's status, headers (and the route's response headers) and body."""
    headers = {"Content-Type": mock.content_type}
    headers.update(dict(mock.headers))
    headers.update(dict(response.set))
    removed = {n.lower() for n in response.remove}
    pairs = [(static_value(n), policy_value(v)) for n, v in headers.items() if n.lower() not in removed]
    return status_response(mock.status, reason(mock.status), pairs, policy_value(mock.body) if mock.body else None)


def not_allowed(allow: list[str]) -> Element:
    """405 with the Allow header, for a method the path does not serve."""
    return status_response(405, "Method Not Allowed", [("Allow", ", ".join(allow))])


def backend(backend_id: str) -> Element:
    """set-backend-service to a backend entity."""
    return el("set-backend-service", {"backend-id": static_value(backend_id)})


def rewrite_template(kind: str, rewrite: str, names: dict[str, str], api_path: str, prefix: str) -> str:
    """The rewrite-uri template. A {param} route's parameters take the names of its URL template; a
    prefix route keeps the rest of the path after its prefix (APIM's wildcard is not a named parameter):
    the template is an expression cutting the API path and the prefix off the original path."""
    if kind == "prefix":
        cut = len("/" + api_path + prefix)
        return f"@({cs_string(rewrite)} + context.Request.OriginalUrl.Path.Substring({cut}))"
    for spec, name in names.items():
        rewrite = rewrite.replace("{" + spec + "}", "{" + name + "}")
    return static_value(rewrite)


def rewrite(template: str) -> Element:
    """rewrite-uri, keeping the query string."""
    return el("rewrite-uri", {"template": template, "copy-unmatched-params": "true"})
