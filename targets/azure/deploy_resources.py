"""The APIM resources of the compiled ARM template, each read, compared and written only when it differs.

The template is the single description of what to deploy (the same bodies `az deployment group create`
would send); this module maps each resource type to its azure-mgmt-apimanagement operations.

The API, its policy and its operation policies go live together, through an API revision: when any of
them differs from what the current revision serves, the document is imported into a new revision
(`ID;rev=N`, made from the current one), every policy is written there, and a release makes it current
last. APIM serves the old revision, whole, until that release, so a failure part-way never leaves
operations serving without their policies (an operation without its policy has no validate-jwt and goes
straight to the API's service URL), and a new operation is never live before its policy. A new API is
first created empty (no operations: it serves nothing) and its first real revision released the same
way. Named values, loggers and backends are shared by every revision and are written first, in place;
products and diagnostics after the release.
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


# written into a new API revision and released together
API_GROUP = {P + "apis", P + "apis/policies", P + "apis/operations/policies"}


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
        self.api: dict = {}  # the API group: id, wanted properties, current properties, members, position

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
        action = self.compare(group, names, props, have_props)
        if r["type"] in API_GROUP:
            self.plan.changes.append(Change(action, kind, label))
            self.api.setdefault("at", len(self.plan.steps))
            if group == "api":
                self.api.update(id=names[0], props=props, have=have_props)
            self.api.setdefault("members", []).append((action, kind, names, ops, props, lro))
            return
        self.add(action, kind, label, lambda c: self.write(ops, args, props, lro))

    def api_revision(self) -> None:
        """The API group's steps: nothing when all is as wanted; else a new revision, released last."""
        members = self.api.get("members", [])
        if all(m[0] == "unchanged" for m in members):
            return
        api_id, props, have = self.api["id"], self.api["props"], self.api["have"]
        apis = self.arm.client.api
        steps: list[Step] = []
        shell = {k: v for k, v in props.items() if k not in ("format", "value")}
        shell["description"] = shell.get("description", "").replace(MARK.format(self.digest), "")
        if have is None:  # a new API, created without operations: it serves nothing until the release
            current = "1"
            steps.append(self.step(f"create api {api_id} (empty until its first revision is released)",
                                   lambda c: self.write(apis, (self.rg, self.svc, api_id), shell, True)))
        else:
            current = str(have.get("apiRevision") or "1")
            if not current.isdigit():
                raise DeployError("plan", f"API {api_id}'s current revision is {current!r}, not a number", [],
                                  "release a numbered revision of it, or delete the API")
        number = int(current) + 1
        revision = f"{api_id};rev={number}"
        exists = have is not None and self.leftover(revision)
        full_id = (f"/subscriptions/{self.scope.subscription}/resourceGroups/{self.rg}/providers/"
                   f"Microsoft.ApiManagement/service/{self.svc}/apis/{api_id}")
        note = f"gwc sha256:{self.digest}"
        self.plan.changes.append(Change("create", "api_revision", revision,
                                        "the API and its policies, released together last"))
        if not exists:
            clone = {**shell, "sourceApiId": full_id, "apiRevisionDescription": note, "isCurrent": False}
            steps.append(self.step(f"create api revision {revision}",
                                   lambda c: self.write(apis, (self.rg, self.svc, revision), clone, True)))
        for action, kind, names, ops, body, lro in members:
            args = (self.rg, self.svc, revision, *names[1:])
            if kind == "api":
                body = {**body, "apiRevisionDescription": note}
                title = f"import api {revision}"
            else:
                title = f"write {kind.replace('_', ' ')} {'/'.join([revision, *names[1:]])}"
            steps.append(self.step(title, lambda c, ops=ops, args=args, body=body, lro=lro:
                                   self.write(ops, args, body, lro)))
        release = {"apiId": f"{full_id};rev={number}", "notes": note}
        steps.append(self.step(f"release api revision {revision}", lambda c: self.write(
            self.arm.client.api_release, (self.rg, self.svc, api_id, f"gwc-{api_id}-rev{number}"), release, False)))
        self.plan.steps[self.api["at"]:self.api["at"]] = steps

    def leftover(self, revision: str) -> bool:
        """Whether the revision exists: one a failed deploy left is used again (written over whole); one
        gwc did not make is not gwc's to write over."""
        found = self.arm.call("read api revision", lambda c: c.api.get(self.rg, self.svc, revision), True)
        if found is None:
            return False
        made_by = str((found.serialize() or {}).get("properties", {}).get("apiRevisionDescription") or "")
        if not made_by.startswith("gwc sha256:"):
            raise DeployError("plan", f"API revision {revision} exists and was not made by gwc", [],
                              "release or delete that revision (az apim api revision), then deploy again")
        return True

    def step(self, title: str, run) -> Step:
        return Step(title, lambda: self.arm.call(title, run))

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
            self.plan.steps.append(self.step(title, run))


def plan_resources(arm, spec: dict, files: dict[str, str]) -> Plan:
    """Every resource of template.json, dependencies first: read, compare, plan the writes."""
    template = json.loads(files[spec.get("template_file", "template.json")])
    secrets = {nv["parameter"]: _secret(nv) for nv in spec.get("named_values", []) if nv.get("parameter")}
    arm.hide(secrets.values())  # APIM's error for a refused named value may quote the request
    scope = Scope(spec["subscription_id"], spec["resource_group"], spec["service"], secrets)
    planner = _Planner(arm, spec, files, scope)
    for resource in ordered(template["resources"], scope):
        if resource["type"] not in OPS:
            raise DeployError("plan", f"gwc cannot deploy a {resource['type']} resource", [],
                              "deploy template.json with `az deployment group create` instead")
        planner.resource(resource)
    planner.api_revision()
    return planner.plan
