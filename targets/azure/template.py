"""template.json: an ARM template (Microsoft.ApiManagement, API version 2024-05-01) for an existing APIM
instance named by the `serviceName` parameter: named values, the logger, backends (pools after their
members), the API imported from the OpenAPI document, its policy and operation policies (format xml),
the product and its API link, and the API's diagnostics.

Resources use the flat naming convention (`[concat(parameters('serviceName'), '/', 'api', '/policy')]`)
and `dependsOn` every resource they need in the template: a child its parent, a policy its API and the
named values and backends it names (APIM checks both when a policy is saved). Operations are created by
the OpenAPI import, so an operation policy depends on the API. Strings from the spec are ARM literals
(see values.arm_literal); template expressions are `Expr` values.
"""

from __future__ import annotations

import re
from collections import Counter

from gwc.target import Streamed

from .jsontext import Later, Write, pad, quote, write_json
from .values import arm_literal, arm_quote

API_VERSION = "2024-05-01"
NS = "Microsoft.ApiManagement/service"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
NAMED_VALUE_REF = re.compile(r"\{\{([A-Za-z0-9._-]+)\}\}")
BACKEND_REF = re.compile(r'backend-id="([^"]+)"')
OPERATION_POLICY = "/apis/operations/policies"


class Expr(str):
    """An ARM template expression, written as it is."""


def name_of(*parts: str) -> Expr:
    """The flat resource name: service name, then each part."""
    return Expr("[concat(parameters('serviceName'), " + ", ".join(f"'/', {arm_quote(p)}" for p in parts) + ")]")


def resource_id(kind: str, *parts: str) -> Expr:
    """resourceId() of a resource under the service."""
    return Expr(f"[resourceId('{NS}{kind}', parameters('serviceName'), " + ", ".join(arm_quote(p) for p in parts)
                + ")]")


def resource(kind: str, parts: tuple[str, ...], properties: dict | None, depends: list[Expr] = ()) -> dict:
    """One resource of the template (a link resource has no properties)."""
    out = {"type": f"{NS}{kind}", "apiVersion": API_VERSION, "name": name_of(*parts)}
    if properties is not None:
        out["properties"] = properties
    if depends:
        out["dependsOn"] = list(dict.fromkeys(depends))
    return out


def policy_depends(xml: str, api_id: str) -> list[Expr]:
    """The API, and the named values and backends a policy names."""
    deps = [resource_id("/apis", api_id)]
    deps += [resource_id("/namedValues", v) for v in sorted(set(NAMED_VALUE_REF.findall(xml)))]
    deps += [resource_id("/backends", b) for b in sorted(set(BACKEND_REF.findall(xml)))]
    return deps


def literal(value):
    """Every plain string of a JSON value made an ARM literal; Expr values kept as they are."""
    if isinstance(value, Expr):
        return str(value)
    if isinstance(value, str):
        return arm_literal(value)
    if isinstance(value, list):
        return [literal(v) for v in value]
    if isinstance(value, dict):
        return {k: literal(v) for k, v in value.items()}
    return value


class PolicyResources:
    """The policy resources' text (nesting level 2, in the `resources` list), written through `write`.
    Each resource has the keys, in the sorted order, of `resource(kind, parts, {"format": "xml", "value":
    xml}, policy_depends(xml, api_id))`: apiVersion and dependsOn, then the name, then properties and type.
    The pieces before and after the name are written once per distinct policy text and kind (operations
    that share a policy share them). JSON escapes each character on its own, so a string's quoted text is
    the quoted texts of its parts joined."""

    LEVEL = 2

    def __init__(self, api_id: str, write: Write) -> None:
        self.api_id, self.write = api_id, write
        self.texts: dict[str, dict[str, tuple[str, str]]] = {}   # kind -> XML -> the pieces around the name
        self.inner = pad(self.LEVEL + 1)
        self.operation_texts = self.texts.setdefault(OPERATION_POLICY, {})
        head, tail = name_of(api_id, "", "policy").rsplit("''", 1)   # name_of(api_id, op_id, "policy")
        self.op_name = (f',{self.inner}"name": {quote(head)[:-1]}', quote(tail)[1:])

    def _around(self, kind: str, xml: str, keep: bool = True) -> tuple[str, str]:
        texts = self.texts.setdefault(kind, {})
        got = texts.get(xml)
        if got is None:
            inner, deeper = self.inner, pad(self.LEVEL + 2)
            depends = "".join(f"{deeper}{quote(d)}," for d in policy_depends(xml, self.api_id))[:-1]
            got = (
                f'{{{inner}"apiVersion": {quote(API_VERSION)},{inner}"dependsOn": [{depends}{inner}]',
                f',{inner}"properties": {{{deeper}"format": "xml",{deeper}"value": {quote(arm_literal(xml))}'
                f'{inner}}},{inner}"type": {quote(NS + kind)}{pad(self.LEVEL)}}}')
            if keep:
                texts[xml] = got
        return got

    def api(self, xml: str) -> None:
        """The API's policy resource."""
        before, after = self._around("/apis/policies", xml)
        self.write(f'{before},{self.inner}"name": {quote(name_of(self.api_id, "policy"))}{after}')

    def operations(self, operations, sep: str) -> None:
        """Each operation's policy resource, each after `sep`. Only the pieces of a text several operations
        share are kept for reuse (most of a large API's texts are one route's GET alone: keeping them all
        would hold a second, escaped copy of every policy)."""
        head, tail = self.op_name
        write, known = self.write, self.operation_texts
        shared = {xml for xml, n in Counter(op.policy for op in operations).items() if n > 1}
        for op in operations:
            xml = op.policy
            if xml is None:   # a 405 operation: the API-scope policy answers it
                continue
            before, after = known.get(xml) or self._around(OPERATION_POLICY, xml, xml in shared)
            write(sep)
            write(before)
            write(f"{head}{quote(arm_quote(op.id))[1:-1]}{tail}")
            write(after)


def build_template(api: dict, openapi: Later, api_xml: str, plan, named, products: list[dict],
                   insights, service: str | None) -> Streamed:
    """The whole template's text, written when the file is (gwc.target.Streamed). `api` holds id, path,
    display name, description, subscription settings; `openapi` writes the compact OpenAPI document as a JSON
    string (it starts with `{`: an ARM literal as it is)."""
    api_id = api["id"]
    parameters: dict = {"serviceName": {"type": "string", "metadata": {
        "description": "The name of the existing API Management instance"}}}
    if service:
        parameters["serviceName"]["defaultValue"] = service
    before: list[dict] = []
    for nv in named.sorted():
        props: dict = {"displayName": nv.id, "secret": True}
        if nv.key_vault:
            props["keyVault"] = {"secretIdentifier": nv.key_vault}
        else:
            parameters[nv.parameter] = {"type": "securestring", "metadata": {
                "description": f"The value of the secret named value {nv.id} ({nv.purpose}; "
                               f"the spec's {nv.ref.kind} reference {nv.ref.ref})"}}
            props["value"] = Expr(f"[parameters('{nv.parameter}')]")
        before.append(resource("/namedValues", (nv.id,), props))
    if insights and insights.create:
        props = {"loggerType": "applicationInsights", "description": f"{api['display_name']} (gwc)",
                 "credentials": {"instrumentationKey": "{{" + insights.key_named_value + "}}"}, "isBuffered": True}
        if insights.resource_id:
            props["resourceId"] = insights.resource_id
        before.append(resource("/loggers", (insights.logger_id,), props,
                               [resource_id("/namedValues", insights.key_named_value)]))
    singles = [b for b in plan.backends.values() if not b.pool]
    pools = [b for b in plan.backends.values() if b.pool]
    for b in sorted(singles, key=lambda b: b.id) + sorted(pools, key=lambda b: b.id):
        deps = [resource_id("/backends", m) for m, _, _ in b.pool]
        before.append(resource("/backends", (b.id,), b.properties(lambda m: resource_id("/backends", m)), deps))
    api_props = {"displayName": api["display_name"], "description": api["description"], "path": api["path"],
                 "protocols": ["https"], "format": "openapi+json", "value": openapi,
                 "subscriptionRequired": api["subscription_required"],
                 "subscriptionKeyParameterNames": api["subscription_key_parameter_names"]}
    if plan.service_url:
        api_props["serviceUrl"] = plan.service_url
    before.append(resource("/apis", (api_id,), api_props))
    after: list[dict] = []
    for p in products:
        after.append(resource("/products", (p["id"],), {
            "displayName": p["display_name"], "description": p["description"],
            "subscriptionRequired": p["subscription_required"], "approvalRequired": p["approval_required"],
            "state": p["state"]}))
        after.append(resource("/products/apis", (p["id"], api_id), None,
                              [resource_id("/products", p["id"]), resource_id("/apis", api_id)]))
    if insights:
        deps = [resource_id("/apis", api_id)]
        if insights.create:
            deps.append(resource_id("/loggers", insights.logger_id))
        after.append(resource("/apis/diagnostics", (api_id, "applicationinsights"), {
            "loggerId": resource_id("/loggers", insights.logger_id), "alwaysLog": "allErrors",
            "httpCorrelationProtocol": insights.correlation, "logClientIp": True, "verbosity": "information",
            "sampling": {"samplingType": "fixed", "percentage": 100}}, deps))
    level = PolicyResources.LEVEL

    def write_resources(write: Write) -> None:
        sep = "[" + pad(level)
        for r in before:
            write(sep)
            write_json(literal(r), write, level)
            sep = "," + pad(level)
        policies = PolicyResources(api_id, write)
        write(sep)
        policies.api(api_xml)
        policies.operations(plan.operations, sep)
        for r in after:
            write(sep)
            write_json(literal(r), write, level)
        write(pad(level - 1) + "]")

    template = {**literal({"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters,
                           "outputs": {"apiId": {"type": "string", "value": resource_id("/apis", api_id)}}}),
                "resources": Later(write_resources)}
    return Streamed(lambda write: write_json(template, write, 0) or write("\n"))
