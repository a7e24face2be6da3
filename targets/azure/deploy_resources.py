"""The APIM resources of the compiled ARM template, each read, compared and written only when it differs.

The template is the single description of what to deploy (the same bodies `az deployment group create`
would send); this module maps each resource type to its azure-mgmt-apimanagement operations.
"""

from __future__ import annotations

import hashlib
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from gwc.deploy import Change, DeployError, Plan, Step

from .deploy_arm import Scope, evaluate, name_segments, ordered

MARK = " [gwc sha256:{}]"
P = "Microsoft.ApiManagement/service/"
# type -> (SDK operation group, kind shown in plans, long-running create)
OPS = {
    P + "namedValues": ("named_value", "named_value", True),
    P + "loggers": ("logger", "logger", False),
    P + "backends": ("backend", "backend", False),
    P + "apis": ("api", "api", True),
    P + "apis/policies": ("api_policy", "api_policy", False),
    P + "apis/operations/policies": ("api_operation_policy", "operation_policy", False),
    P + "apis/diagnostics": ("api_diagnostic", "api_diagnostic", False),
    P + "products": ("product", "product", False),
    P + "products/policies": ("product_policy", "product_policy", False),
    P + "products/apis": ("product_api", "product_api", False),
}


def canonical_xml(text: str | None) -> str | None:
    """A policy document in a form that ignores formatting APIM may change (whitespace, attribute order)."""
    if not text:
        return None
    try:
        return ET.canonicalize(text, strip_text=True)
    except ET.ParseError:
        return text


def _contains(have, want) -> bool:
    """True when `have` holds every value `want` sets (APIM adds defaults and read-only fields of its own)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(_contains(have.get(k), v) for k, v in want.items())
    return have == want


def _secret(nv: dict) -> str:
    """A secret named value's value, read now from the deploying environment (never written, never printed)."""
    import os
    source = nv.get("source") or {}
    if "env" in source:
        value = os.environ.get(source["env"])
    elif "file" in source:
        try:
            value = Path(source["file"]).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError:
            value = None
    else:
        value = None
    if not value:
        where = f"{next(iter(source))} {next(iter(source.values()))}" if source else "no source"
        raise DeployError("plan", f"named value {nv['id']} needs its secret ({where}), which cannot be read", [],
                          "set it in the deploying environment, or reference a Key Vault secret instead")
    return value


class _Planner:
    def __init__(self, arm, spec: dict, files: dict[str, str], scope: Scope) -> None:
        self.arm, self.spec, self.scope = arm, spec, scope
        self.rg, self.svc = scope.resource_group, scope.service
        self.plan = Plan("azure", f"API Management {self.svc} (resource group {self.rg}), API {spec['api_id']}")
        self.digest = hashlib.sha256(files[spec["openapi_file"]].encode()).hexdigest()

    def resource(self, r: dict) -> None:
        group, kind, lro = OPS[r["type"]]
        names = name_segments(r, self.scope)
        props = evaluate(r.get("properties", {}), self.scope)
        ops = getattr(self.arm.client, group)
        args = (self.rg, self.svc, *names)
        label = "/".join(names)
        if group == "product_api":
            linked = self.arm.call("read product APIs", lambda c: ops.check_entity_exists(*args), True)
            return self.add("unchanged" if linked else "create", kind, label,
                            lambda c: ops.create_or_update(*args))
        if group == "api":
            props = {**props, "description": (props.get("description") or "") + MARK.format(self.digest)}
        read = {"format": props["format"]} if "policies" in r["type"] else {}
        have = self.arm.call(f"read {kind}", lambda c: ops.get(*args, **read), True)
        have_props = (have.serialize() or {}).get("properties", {}) if have is not None else None
        self.add(self.compare(group, names, props, have_props), kind, label,
                 lambda c: self.write(ops, args, props, lro))

    def compare(self, group: str, names: list[str], props: dict, have: dict | None) -> str:
        if have is None:
            return "create"
        if "value" in props and "format" in props and group.endswith("policy"):
            same = canonical_xml(have.get("value")) == canonical_xml(props["value"])
        elif group == "api":  # APIM does not hand the imported document back: the hash mark stands for it
            rest = {k: v for k, v in props.items() if k not in ("value", "format")}
            same = _contains(have, rest)
        elif group == "named_value" and "value" in props:
            current = self.arm.call("read named values", lambda c: c.named_value.list_value(
                self.rg, self.svc, names[0]), True)
            rest = {k: v for k, v in props.items() if k != "value"}
            same = current is not None and current.value == props["value"] and _contains(have, rest)
        else:
            same = _contains(have, props)
        return "unchanged" if same else "update"

    def write(self, ops, args: tuple, props: dict, lro: bool) -> str:
        body = io.BytesIO(json.dumps({"properties": props}).encode())
        if lro:
            ops.begin_create_or_update(*args, body).result()
        else:
            ops.create_or_update(*args, body)
        return "written"

    def add(self, action: str, kind: str, name: str, run) -> None:
        self.plan.changes.append(Change(action, kind, name))
        if action != "unchanged":
            title = f"{'create' if action == 'create' else 'update'} {kind.replace('_', ' ')} {name}"
            self.plan.steps.append(Step(title, lambda: self.arm.call(title, run)))


def plan_resources(arm, spec: dict, files: dict[str, str]) -> Plan:
    """Every resource of template.json, dependencies first: read, compare, plan the writes."""
    template = json.loads(files[spec.get("template_file", "template.json")])
    secrets = {nv["parameter"]: _secret(nv) for nv in spec.get("named_values", []) if nv.get("parameter")}
    scope = Scope(spec["subscription_id"], spec["resource_group"], spec["service"], secrets)
    planner = _Planner(arm, spec, files, scope)
    for resource in ordered(template["resources"], scope):
        if resource["type"] not in OPS:
            raise DeployError("plan", f"gwc cannot deploy a {resource['type']} resource", [],
                              "deploy template.json with `az deployment group create` instead")
        planner.resource(resource)
    return planner.plan
