"""Shared checks for Azure output: Microsoft's policy XSD (loaded once per session by the caller), nested
policy bodies the XSD skips, C# string expressions read back, and the ARM template's structure."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

from tests.conftest import SHARED

XSD = SHARED / "validators" / "azure-apim-policy" / "policies.xsd"
# Elements whose children the XSD does not check (processContents="skip" / untyped): validated again on
# their own inside a synthetic <policies><inbound>.
NESTED = ("when", "otherwise", "retry", "return-response")
NS = "Microsoft.ApiManagement/service"
TYPES = {f"{NS}/{t}" for t in ("namedValues", "loggers", "backends", "apis", "apis/policies",
                               "apis/operations/policies", "apis/diagnostics", "products", "products/apis")}
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def expand_policies(files: dict[str, str]) -> dict[str, str]:
    """The output with each operation's policy also as `policies/operations/<id>.xml`, split out of
    policies/operations.xml, so checks can take every policy document as a file of its own."""
    from gwc.targets.azure.bundle import PATH, split
    out = dict(files)
    if PATH in files:
        out.update((f"policies/operations/{op}.xml", text) for op, text in split(files[PATH]).items())
    return out


def load_xsd():
    """Microsoft's APIM policy schema (about a second to load)."""
    import xmlschema
    return xmlschema.XMLSchema11(str(XSD))


def policy_errors(xsd, text: str) -> list[str]:
    """XSD errors of a policy document and of every nested policy body."""
    errors = [str(e) for e in xsd.iter_errors(text)]
    root = ElementTree.fromstring(text)
    for parent in root.iter():
        if parent.tag in NESTED and len(parent):
            wrapper = ElementTree.Element("policies")
            inbound = ElementTree.SubElement(wrapper, "inbound")
            inbound.extend(list(parent))
            errors += [f"inside <{parent.tag}>: {e}" for e in xsd.iter_errors(ElementTree.tostring(wrapper,
                                                                                                  encoding="unicode"))]
    return errors


def shape(text: str, without_key_ids: bool = False) -> tuple:
    """The element tree without text or attribute values: what a hostile value must not change (a JWT key's
    optional id attribute aside, when asked: gwc leaves out a key id APIM would not take literally)."""
    def walk(e):
        attrs = [a for a in e.attrib if not (without_key_ids and e.tag == "key" and a == "id")]
        return (e.tag, tuple(sorted(attrs)), tuple(walk(c) for c in e))
    return walk(ElementTree.fromstring(text))


_ESC = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def cs_value(expression: str) -> str:
    """The text a gwc-built expression `@("..." + "...")` evaluates to (C# string literals and `+` only)."""
    assert expression.startswith("@(") and expression.endswith(")"), expression
    body, out, i = expression[2:-1], [], 0
    while i < len(body):
        c = body[i]
        if c in " +":
            i += 1
            continue
        assert c == '"', body[i:]
        i += 1
        while body[i] != '"':
            if body[i] == "\\":
                if body[i + 1] == "u":
                    out.append(chr(int(body[i + 2:i + 6], 16)))
                    i += 6
                else:
                    out.append(_ESC[body[i + 1]])
                    i += 2
            else:
                out.append(body[i])
                i += 1
        i += 1
    text = "".join(out)
    return text.encode("utf-16", "surrogatepass").decode("utf-16")


def policy_text(value: str) -> str:
    """What APIM takes a policy value for: the value, or what a gwc-built expression evaluates to."""
    return cs_value(value) if value.startswith("@(\"") else value


def resource_key(type_: str, expression: str) -> tuple[str, tuple[str, ...]]:
    """(type, name segments) from a flat name or a resourceId() expression."""
    inner = expression.split("parameters('serviceName')", 1)[1]
    parts = [p.replace("''", "'") for p in _LITERAL.findall(inner)]
    return type_, tuple(p for p in parts if p != "/")


def dependency_key(expression: str) -> tuple[str, tuple[str, ...]]:
    """(type, segments) of a dependsOn entry `[resourceId('TYPE', parameters('serviceName'), ...)]`."""
    m = re.match(r"^\[resourceId\('([^']+)', parameters\('serviceName'\), (.*)\)\]$", expression)
    assert m, expression
    return resource_key(m.group(1), "parameters('serviceName'), " + m.group(2))


def template_problems(template: dict, files: dict[str, str]) -> list[str]:
    """Structural problems of template.json: types, names, dependsOn, and the policies and OpenAPI document
    it carries compared with the files beside it."""
    problems, files = [], expand_policies(files)
    res = template["resources"]
    keys = {}
    for r in res:
        if r["type"] not in TYPES:
            problems.append(f"unexpected type {r['type']}")
        if r["apiVersion"] != "2024-05-01":
            problems.append(f"{r['name']}: apiVersion {r['apiVersion']}")
        if not r["name"].startswith("[concat(parameters('serviceName'), '/', "):
            problems.append(f"{r['name']}: not the flat naming convention")
        key = resource_key(r["type"], r["name"])
        depth = r["type"].count("/") - 1
        if len(key[1]) != depth:
            problems.append(f"{r['name']}: {len(key[1])} name segments for a {depth}-level type")
        if key in keys:
            problems.append(f"{r['name']}: defined twice")
        keys[key] = r
    for key, r in keys.items():
        deps = {dependency_key(d) for d in r.get("dependsOn", [])}
        for d in deps - set(keys):
            problems.append(f"{r['name']} depends on {d}, which is not in the template")
        type_, segs = key
        parent = (type_.rsplit("/", 1)[0], segs[:-1])
        if parent in keys and parent not in deps:
            problems.append(f"{r['name']} does not depend on its parent {parent}")
        if type_.endswith("/apis/operations/policies") and (f"{NS}/apis", segs[:1]) not in deps:
            problems.append(f"{r['name']} does not depend on its API")
        if type_.endswith("/products/apis") and (f"{NS}/apis", segs[1:]) not in deps:
            problems.append(f"{r['name']} does not depend on its API")
        if type_.endswith("/policies"):
            xml = r["properties"]["value"]
            rel = "policies/api.xml" if type_.endswith("/apis/policies") else f"policies/operations/{segs[1]}.xml"
            if files.get(rel) != xml or r["properties"]["format"] != "xml":
                problems.append(f"{r['name']}: value differs from {rel}")
            for nv in re.findall(r"\{\{([^}]+)\}\}", xml):
                if (f"{NS}/namedValues", (nv,)) not in deps:
                    problems.append(f"{r['name']}: names {{{{{nv}}}}} without depending on it")
            for b in re.findall(r'backend-id="([^"]+)"', xml):
                if (f"{NS}/backends", (b,)) not in deps:
                    problems.append(f"{r['name']}: names backend {b} without depending on it")
        if type_ == f"{NS}/backends" and r["properties"].get("type") == "Pool":
            for m in r["properties"]["pool"]["services"]:
                if dependency_key(m["id"]) not in deps:
                    problems.append(f"{r['name']}: pool member {m['id']} is not a dependency")
        if type_ == f"{NS}/apis" and json.loads(r["properties"]["value"]) != json.loads(files["api.openapi.json"]):
            problems.append("the API's OpenAPI value differs from api.openapi.json")
        if type_ == f"{NS}/namedValues":
            p = r["properties"]
            if not p.get("secret") or ("keyVault" in p) == ("value" in p):
                problems.append(f"{r['name']}: a named value must be secret, from Key Vault or a parameter")
            if "value" in p and not re.fullmatch(r"\[parameters\('[A-Za-z0-9]+'\)\]", p["value"]):
                problems.append(f"{r['name']}: a literal value")
    for name, p in template["parameters"].items():
        if p["type"] == "securestring" and "defaultValue" in p:
            problems.append(f"parameter {name} has a default value")
    ops = json.loads(files["api.openapi.json"])["paths"]
    # every operation has a policy resource but those answering 405 (the API's policy answers them by id)
    ids = {op["operationId"] for item in ops.values() for op in item.values()
           if not re.search(r"-405-[0-9a-f]{2}$", op["operationId"])}
    op_policies = {k[1][1] for k in keys if k[0] == f"{NS}/apis/operations/policies"}
    if ids != op_policies:
        problems.append(f"operation policies {sorted(op_policies ^ ids)} do not match the operations")
    return problems
