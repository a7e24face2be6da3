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

import json
import re

from .values import arm_literal, arm_quote

API_VERSION = "2024-05-01"
NS = "Microsoft.ApiManagement/service"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
NAMED_VALUE_REF = re.compile(r"\{\{([A-Za-z0-9._-]+)\}\}")
BACKEND_REF = re.compile(r'backend-id="([^"]+)"')


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


def build_template(api: dict, openapi: str, files: dict[str, str], plan, named, products: list[dict],
                   insights, service: str | None) -> dict:
    """The whole template. `api` holds id, path, display name, description, subscription settings."""
    api_id = api["id"]
    parameters: dict = {"serviceName": {"type": "string", "metadata": {
        "description": "The name of the existing API Management instance"}}}
    if service:
        parameters["serviceName"]["defaultValue"] = service
    resources: list[dict] = []
    for nv in named.sorted():
        props: dict = {"displayName": nv.id, "secret": True}
        if nv.key_vault:
            props["keyVault"] = {"secretIdentifier": nv.key_vault}
        else:
            parameters[nv.parameter] = {"type": "securestring", "metadata": {
                "description": f"The value of the secret named value {nv.id} ({nv.purpose}; "
                               f"the spec's {nv.ref.kind} reference {nv.ref.ref})"}}
            props["value"] = Expr(f"[parameters('{nv.parameter}')]")
        resources.append(resource("/namedValues", (nv.id,), props))
    if insights and insights.create:
        props = {"loggerType": "applicationInsights", "description": f"{api['display_name']} (gwc)",
                 "credentials": {"instrumentationKey": "{{" + insights.key_named_value + "}}"}, "isBuffered": True}
        if insights.resource_id:
            props["resourceId"] = insights.resource_id
        resources.append(resource("/loggers", (insights.logger_id,), props,
                                  [resource_id("/namedValues", insights.key_named_value)]))
    singles = [b for b in plan.backends.values() if not b.pool]
    pools = [b for b in plan.backends.values() if b.pool]
    for b in sorted(singles, key=lambda b: b.id) + sorted(pools, key=lambda b: b.id):
        deps = [resource_id("/backends", m) for m, _, _ in b.pool]
        resources.append(resource("/backends", (b.id,), b.properties(lambda m: resource_id("/backends", m)), deps))
    api_props = {"displayName": api["display_name"], "description": api["description"], "path": api["path"],
                 "protocols": ["https"], "format": "openapi+json", "value": openapi,
                 "subscriptionRequired": api["subscription_required"],
                 "subscriptionKeyParameterNames": api["subscription_key_parameter_names"]}
    if plan.service_url:
        api_props["serviceUrl"] = plan.service_url
    resources.append(resource("/apis", (api_id,), api_props))
    policies = [("policies/api.xml", ("/apis/policies", (api_id, "policy")))]
    for op in plan.operations:
        policies.append((f"policies/operations/{op.id}.xml", ("/apis/operations/policies", (api_id, op.id, "policy"))))
    for path, (kind, parts) in policies:
        xml = files[path]
        resources.append(resource(kind, parts, {"format": "xml", "value": xml}, policy_depends(xml, api_id)))
    for p in products:
        resources.append(resource("/products", (p["id"],), {
            "displayName": p["display_name"], "description": p["description"],
            "subscriptionRequired": p["subscription_required"], "approvalRequired": p["approval_required"],
            "state": p["state"]}))
        resources.append(resource("/products/apis", (p["id"], api_id), None,
                                  [resource_id("/products", p["id"]), resource_id("/apis", api_id)]))
    if insights:
        deps = [resource_id("/apis", api_id)]
        if insights.create:
            deps.append(resource_id("/loggers", insights.logger_id))
        resources.append(resource("/apis/diagnostics", (api_id, "applicationinsights"), {
            "loggerId": resource_id("/loggers", insights.logger_id), "alwaysLog": "allErrors",
            "httpCorrelationProtocol": insights.correlation, "logClientIp": True, "verbosity": "information",
            "sampling": {"samplingType": "fixed", "percentage": 100}}, deps))
    return literal({"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters,
                    "resources": resources,
                    "outputs": {"apiId": {"type": "string", "value": resource_id("/apis", api_id)}}})


def openapi_text(doc: dict) -> str:
    """The OpenAPI document as the API's `value`: compact, sorted JSON."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
