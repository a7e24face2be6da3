"""A small stand-in for the Azure Resource Manager endpoints of API Management, on 127.0.0.1.

Every PUT stores the resource body under its path and answers it back (200, so the SDK's long-running
operations complete at once); GET answers a stored resource or a collection, 404 in ARM's error shape
otherwise; DELETE removes a resource and its children; HEAD answers 200 or 404. Every request is recorded.

API revisions are modelled as APIM has them: `apis/ID` is the current revision, `apis/ID;rev=N` any
revision (the current one included); a PUT of a new `apis/ID;rev=N` with a sourceApiId copies that API's
operations and policies; a release (`apis/ID/releases/R` naming `apis/ID;rev=N`) makes N current. An
import (a PUT with format and value) defines the revision's operations: policies of operations it no
longer has go, and a policy for an operation the revision does not have is refused (404), as APIM does.
`resources` holds the current revision under the plain `apis/ID` paths and other revisions under
`apis/ID;rev=N`, so what a test reads there is what APIM serves.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from tests.deploy.local_http import JsonServer

_API = re.compile(r"^(?P<base>(?:.*/service/[^/]+)?/apis/[^/;]+)(?:;rev=(?P<rev>[^/]+))?(?P<rest>/.*)?$")


class FakeArm(JsonServer):
    """Context manager; `.url` is the base_url for ApiManagementClient."""

    def __init__(self) -> None:
        super().__init__()
        self.resources: dict[str, dict] = {}
        self.operations: dict[str, set[str]] = {}  # API revision key -> its operation ids
        self.current: dict[str, str] = {}  # API key (no revision) -> the current revision
        self.authorizations: set[str] = set()

    def writes(self) -> list[tuple[str, str]]:
        """Recorded requests that change state (listValue is a POST that only reads)."""
        return [r for r in self.requests if r[0] in ("PUT", "PATCH", "DELETE", "POST")
                and not r[1].lower().endswith("/listvalue")]

    def get(self, suffix: str) -> dict | None:
        """The stored resource whose path ends with suffix (e.g. '/apis/shop/policies/policy')."""
        matches = [v for k, v in self.resources.items() if k.endswith(suffix.lower())]
        return matches[0] if len(matches) == 1 else None

    def _key(self, path: str) -> tuple[str, str | None, str | None, str]:
        """(storage key, API base key, revision, rest) for a request path; the current revision's
        resources are stored under the plain API path."""
        key = path.rstrip("/").lower()
        m = _API.match(key)
        if not m:
            return key, None, None, ""
        base, rev, rest = m.group("base"), m.group("rev"), m.group("rest") or ""
        if rev is not None and self.current.get(base) == rev:
            return base + rest, base, rev, rest
        return key, base, rev if rev is not None else self.current.get(base), rest

    def route(self, method: str, path: str, query: dict, raw: bytes, headers) -> tuple[int, dict | None]:
        self.authorizations.add(headers.get("Authorization", ""))
        path = unquote(path).rstrip("/")  # the SDK sends apis/ID;rev=N as apis/ID%3Brev%3DN
        key, base, rev, rest = self._key(path)
        if method == "PUT":
            body = json.loads(raw or b"{}")
            props = body.get("properties", {})
            if base is not None and rest.startswith("/releases/"):
                return self._release(path, key, base, props)
            if base is not None and rest == "":
                return self._put_api(path, key, base, rev, props)
            if base is not None and rest.startswith("/operations/"):
                operation = rest.split("/")[2]
                if operation not in self.operations.get(key[:len(key) - len(rest)], set()):
                    return 404, _error(f"operation {operation} is not in {path.rsplit('/operations/', 1)[0]}")
            name = path.rsplit("/", 1)[1]
            self.resources[key] = {"id": path, "name": name, "type": _type(path), "properties": props}
            return 200, self.resources[key]
        if method == "DELETE":
            gone = [k for k in self.resources if k == key or k.startswith(key + "/")]
            for k in gone:
                del self.resources[k]
            return (200 if gone else 204), None
        if method in ("GET", "HEAD"):
            if key in self.resources:
                if method == "HEAD":  # APIM answers an existing product-API link 204, other entities 200
                    return (204 if re.search(r"/products/[^/]+/apis/[^/]+$", key) else 200), None
                return 200, self.resources[key]
            children = [v for k, v in sorted(self.resources.items()) if k.rsplit("/", 1)[0] == key]
            if children or key.endswith(("/apis", "/backends", "/products", "/namedvalues", "/operations",
                                         "/policies")):
                return 200, {"value": children}
            return 404, _error(f"{path} was not found")
        if method == "POST" and key.endswith("/listvalue"):
            stored = self.resources.get(key.rsplit("/", 1)[0])
            if stored is None:
                return 404, _error(f"{path} was not found")
            return 200, {"value": stored["properties"].get("value")}
        return 405, {"error": {"code": "MethodNotAllowed", "message": method}}

    def _put_api(self, path: str, key: str, base: str, rev: str | None, props: dict) -> tuple[int, dict]:
        if key not in self.resources:
            if base not in self.current:  # a new API: its first revision is current
                rev = rev or "1"
                self.current[base] = rev
                key = base
                self.operations[key] = set()
            else:  # a new revision of an existing API
                source = (props.get("sourceApiId") or "").lower()
                source_key = self._key(source)[0] if source else None
                if source_key not in self.resources:
                    return 400, _error(f"a new revision of {base} needs the sourceApiId of an existing revision")
                for k, v in list(self.resources.items()):
                    if k.startswith(source_key + "/") and "/releases/" not in k:
                        self.resources[key + k[len(source_key):]] = json.loads(json.dumps(v))
                self.operations[key] = set(self.operations.get(source_key, set()))
        stored = {k: v for k, v in props.items() if k not in ("sourceApiId",)}
        stored.update(apiRevision=rev, isCurrent=(key == base))
        if "value" in props:  # an import: the document's operations replace the revision's
            wanted = _operation_ids(props["value"])
            for k in [k for k in self.resources if k.startswith(key + "/operations/")]:
                if k[len(key) + len("/operations/"):].split("/")[0] not in wanted:
                    del self.resources[k]
            self.operations[key] = wanted
        name = path.rsplit("/", 1)[1]
        self.resources[key] = {"id": path, "name": name, "type": _type(path), "properties": stored}
        return 200, self.resources[key]

    def _release(self, path: str, key: str, base: str, props: dict) -> tuple[int, dict]:
        m = _API.match((props.get("apiId") or "").lower())  # a full resource id, or /apis/ID;rev=N
        same_api = m is not None and m.group("base").rsplit("/apis/", 1)[1] == base.rsplit("/apis/", 1)[1]
        target = m.group("rev") if same_api else None
        if target is None or ((base + ";rev=" + target) not in self.resources and self.current.get(base) != target):
            return 400, _error(f"release: {props.get('apiId')!r} is not a revision of {base}")
        old = self.current[base]
        if old != target:  # swap: the current revision moves under ;rev=old, the target under the plain path
            new_key = base + ";rev=" + target
            moved_out = {k: v for k, v in self.resources.items()
                         if (k == base or k.startswith(base + "/")) and "/releases/" not in k[len(base):]}
            moved_in = {k: v for k, v in self.resources.items() if k == new_key or k.startswith(new_key + "/")}
            for k in list(moved_out) + list(moved_in):
                del self.resources[k]
            for k, v in moved_out.items():
                self.resources[base + ";rev=" + old + k[len(base):]] = v
            for k, v in moved_in.items():
                self.resources[base + k[len(new_key):]] = v
            self.operations[base + ";rev=" + old], self.operations[base] = (self.operations.get(base, set()),
                                                                            self.operations.get(new_key, set()))
            self.operations.pop(new_key, None)
            self.resources[base + ";rev=" + old]["properties"]["isCurrent"] = False
            self.resources[base]["properties"]["isCurrent"] = True
            self.current[base] = target
        name = path.rsplit("/", 1)[1]
        self.resources[key] = {"id": path, "name": name, "type": _type(path), "properties": props}
        return 200, self.resources[key]


def _operation_ids(document: str) -> set[str]:
    try:
        paths = json.loads(document).get("paths", {})
    except ValueError:
        return set()
    return {op["operationId"].lower() for item in paths.values() for op in item.values()
            if isinstance(op, dict) and "operationId" in op}


def _error(message: str) -> dict:
    return {"error": {"code": "ResourceNotFound" if "not found" in message or "is not in" in message
                      else "ValidationError", "message": message}}


def _type(path: str) -> str:
    parts = path.split("/providers/", 1)[1].split("/") if "/providers/" in path else []
    return "/".join([parts[0]] + parts[1::2]) if parts else ""
