"""A small stand-in for the Azure Resource Manager endpoints of API Management, on 127.0.0.1.

Every PUT stores the resource body under its path and answers it back (200, so the SDK's long-running
operations complete at once); GET answers a stored resource or a collection, 404 in ARM's error shape
otherwise; DELETE removes a resource and its children; HEAD answers 200 or 404. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeArm:
    """Context manager; `.url` is the base_url for ApiManagementClient."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.resources: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self.authorizations: set[str] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                with fake.lock:
                    fake.requests.append((self.command, parts.path))
                    fake.authorizations.add(self.headers.get("Authorization", ""))
                    status, body = fake.route(self.command, parts.path.rstrip("/"), parse_qs(parts.query), raw)
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """base_url for the SDK."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def writes(self) -> list[tuple[str, str]]:
        """Recorded requests that change state (listValue is a POST that only reads)."""
        return [r for r in self.requests if r[0] in ("PUT", "PATCH", "DELETE", "POST")
                and not r[1].lower().endswith("/listvalue")]

    def get(self, suffix: str) -> dict | None:
        """The stored resource whose path ends with suffix (e.g. '/apis/shop/policies/policy')."""
        matches = [v for k, v in self.resources.items() if k.lower().endswith(suffix.lower())]
        return matches[0] if len(matches) == 1 else None

    def route(self, method: str, path: str, query: dict, raw: bytes) -> tuple[int, dict | None]:
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

    def __enter__(self) -> "FakeArm":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def _type(path: str) -> str:
    parts = path.split("/providers/", 1)[1].split("/") if "/providers/" in path else []
    return "/".join([parts[0]] + parts[1::2]) if parts else ""
