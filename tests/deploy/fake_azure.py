"""A small stand-in for the Azure Resource Manager endpoints of API Management, on 127.0.0.1.

Every PUT stores the resource body under its path and answers it back (200, so the SDK's long-running
operations complete at once); GET answers a stored resource or a collection, 404 in ARM's error shape
otherwise; DELETE removes a resource and its children; HEAD answers 200 or 404. Every request is recorded.
"""

from __future__ import annotations

import json

from tests.deploy.local_http import JsonServer


class FakeArm(JsonServer):
    """Context manager; `.url` is the base_url for ApiManagementClient."""

    def __init__(self) -> None:
        super().__init__()
        self.resources: dict[str, dict] = {}
        self.authorizations: set[str] = set()

    def writes(self) -> list[tuple[str, str]]:
        """Recorded requests that change state (listValue is a POST that only reads)."""
        return [r for r in self.requests if r[0] in ("PUT", "PATCH", "DELETE", "POST")
                and not r[1].lower().endswith("/listvalue")]

    def get(self, suffix: str) -> dict | None:
        """The stored resource whose path ends with suffix (e.g. '/apis/shop/policies/policy')."""
        matches = [v for k, v in self.resources.items() if k.lower().endswith(suffix.lower())]
        return matches[0] if len(matches) == 1 else None

    def route(self, method: str, path: str, query: dict, raw: bytes, headers) -> tuple[int, dict | None]:
        self.authorizations.add(headers.get("Authorization", ""))
        path = path.rstrip("/")
        key = path.lower()
        if method == "PUT":
            body = json.loads(raw or b"{}")
            name = path.rsplit("/", 1)[1]
            self.resources[key] = {"id": path, "name": name, "type": _type(path),
                                   "properties": body.get("properties", {})}
            return 200, self.resources[key]
        if method == "DELETE":
            gone = [k for k in self.resources if k == key or k.startswith(key + "/")]
            for k in gone:
                del self.resources[k]
            return (200 if gone else 204), None
        if method in ("GET", "HEAD"):
            if key in self.resources:
                return 200, self.resources[key] if method == "GET" else None
            children = [v for k, v in sorted(self.resources.items()) if k.rsplit("/", 1)[0] == key]
            if children or key.endswith(("/apis", "/backends", "/products", "/namedvalues", "/operations",
                                         "/policies")):
                return 200, {"value": children}
            return 404, {"error": {"code": "ResourceNotFound", "message": f"{path} was not found"}}
        if method == "POST" and key.endswith("/listvalue"):
            stored = self.resources.get(key.rsplit("/", 1)[0])
            if stored is None:
                return 404, {"error": {"code": "ResourceNotFound", "message": f"{path} was not found"}}
            return 200, {"value": stored["properties"].get("value")}
        return 405, {"error": {"code": "MethodNotAllowed", "message": method}}



def _type(path: str) -> str:
    parts = path.split("/providers/", 1)[1].split("/") if "/providers/" in path else []
    return "/".join([parts[0]] + parts[1::2]) if parts else ""
