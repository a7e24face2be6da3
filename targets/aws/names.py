"""Deterministic AWS names: CloudFormation logical ids, method-settings keys and resource paths."""

from __future__ import annotations

import re

# API Gateway accepts these characters in a literal resource path part (REST and HTTP APIs).
PATH_PART = re.compile(r"^[A-Za-z0-9._:,-]+$")


def logical_id(prefix: str, name: str, taken: set[str]) -> str:
    """`prefix` + the name in CamelCase (CloudFormation ids are alphanumeric), unique within `taken`."""
    base = prefix + "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)
    out, n = base, 2
    while out in taken:
        out, n = f"{base}{n}", n + 1
    taken.add(out)
    return out


def method_key(resource_path: str, method: str) -> str:
    """The key of a method in stage method settings and usage-plan throttles: '/users/GET', '*/*'."""
    return f"{resource_path}/{method}"


def cfn_resource_path(resource_path: str) -> str:
    """A resource path as CloudFormation MethodSettings want it: '/' in the path becomes '~1'."""
    if resource_path == "*":
        return "/*"
    if resource_path == "/":
        return "/"
    return "/" + resource_path.replace("~", "~0").replace("/", "~1")


def route_key(method: str, path: str) -> str:
    """An HTTP API route key: 'GET /users', 'ANY /orders/{proxy+}'."""
    return f"{method} {path}"
