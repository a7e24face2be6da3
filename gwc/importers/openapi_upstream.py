"""The importer's upstream part: servers, base paths and gateway integration URIs as gwc services."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .openapi_common import (
    _PATH,
    _URL,
    PLACEHOLDER_URL,
)


class UpstreamMixin:
    """Maps servers and integrations; mixed into the importer (uses its doc, spec and note())."""

    def service_for(self, origin: str) -> str:
        if origin not in self.service_of:
            base = "api" if not self.service_of else f"api-{len(self.service_of) + 1}"
            self.service_of[origin] = base
            self.services[base] = {"url": origin}
        return self.service_of[origin]

    def split_url(self, url: str, pointer: str) -> tuple[str, str] | None:
        """(origin, base path) of an absolute http(s) URL, or None with a note."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.note(pointer, f"server URL {url!r} is not an absolute http(s) URL")
            return None
        host = parts.hostname.lower()
        host = f"[{host}]" if ":" in host else host
        try:
            port = parts.port
        except ValueError:
            port = -1
        origin = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
        if port == -1 or not _URL.match(origin) or parts.query or parts.fragment or parts.username:
            self.note(pointer, f"server URL {url!r} cannot be a gwc service URL")
            return None
        base = parts.path.rstrip("/")
        if base and not _PATH.match(base):
            self.note(pointer, f"the path of server URL {url!r} is not a gwc path")
            return None
        return origin, base

    def servers(self, servers: object, pointer: str) -> tuple[str, str] | None:
        if not isinstance(servers, list) or not servers:
            return None
        if len(servers) > 1:
            self.note(pointer, f"{len(servers)} servers listed: only the first is used as the upstream")
        server = servers[0] if isinstance(servers[0], dict) else {}
        url = server.get("url")
        if not isinstance(url, str):
            return None
        variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}

        def value(m: re.Match) -> str:
            var = variables.get(m.group(1))
            default = var.get("default") if isinstance(var, dict) else None
            if default is None:
                self.note(f"{pointer}/0/url", f"server variable {{{m.group(1)}}} has no default")
                return m.group(0)
            return str(default)
        url = re.sub(r"\{([^{}]*)\}", value, url)
        if url.startswith("/"):
            self.note(f"{pointer}/0/url", f"relative server URL {url!r}: the upstream host is unknown, "
                                         f"{PLACEHOLDER_URL} is a placeholder to replace")
            return PLACEHOLDER_URL, url.rstrip("/") if _PATH.match(url.rstrip("/") or "/") else ""
        return self.split_url(url, f"{pointer}/0/url")

    def default_upstream(self) -> tuple[str, str]:
        found: tuple[str, str] | None = None
        if self.v2:
            host = self.doc.get("host")
            schemes = self.doc.get("schemes") if isinstance(self.doc.get("schemes"), list) else []
            scheme = "https" if "https" in schemes else (schemes[0] if schemes else "https")
            base = self.doc.get("basePath") if isinstance(self.doc.get("basePath"), str) else ""
            if isinstance(host, str) and host:
                found = self.split_url(f"{scheme}://{host}{base}", "/host")
            elif base:
                found = (PLACEHOLDER_URL, base.rstrip("/")) if _PATH.match(base) else None
        else:
            found = self.servers(self.doc.get("servers"), "/servers")
        google = self.doc.get("x-google-backend")
        if isinstance(google, dict) and isinstance(google.get("address"), str):
            got = self.split_url(google["address"], "/x-google-backend/address")
            if got:
                found = got
        if found is None:
            self.note("/servers" if not self.v2 else "/host", "no upstream server in the document: "
                      f"{PLACEHOLDER_URL} is a placeholder to replace")
            found = (PLACEHOLDER_URL, "")
        return found

    # -- security -----------------------------------------------------------------------------------

    def integration(self, op: dict, pointer: str, route_path: str, renames: dict[str, str]
                    ) -> tuple[str, str] | None:
        """(origin, upstream path) from x-amazon-apigateway-integration / x-google-backend on an operation."""
        aws = op.get("x-amazon-apigateway-integration")
        if isinstance(aws, dict) and isinstance(aws.get("uri"), str):
            uri = aws["uri"]
            if uri.startswith(("http://", "https://")):
                got = self._upstream_url(uri, f"{pointer}/x-amazon-apigateway-integration/uri", renames)
                if got:
                    return got
            else:
                self.note(f"{pointer}/x-amazon-apigateway-integration/uri", f"integration URI {uri[:80]!r} is "
                                                                            "not an HTTP URL (Lambda/AWS service); "
                                                                            "not mapped")
        google = op.get("x-google-backend")
        if isinstance(google, dict) and isinstance(google.get("address"), str):
            got = self._upstream_url(google["address"], f"{pointer}/x-google-backend/address", renames)
            if got:
                origin, base = got
                if google.get("path_translation", "CONSTANT_ADDRESS") == "APPEND_PATH_TO_ADDRESS":
                    return origin, (base.rstrip("/") + route_path) if base else route_path
                if "{" in route_path:
                    self.note(f"{pointer}/x-google-backend", "CONSTANT_ADDRESS passes path parameters as query "
                                                             "parameters, which gwc cannot do: they are dropped")
                return origin, base or "/"
        return None

    def _upstream_url(self, url: str, pointer: str, renames: dict[str, str]) -> tuple[str, str] | None:
        for old, new in renames.items():
            url = url.replace(f"{{{old}}}", f"{{{new}}}")
        parts = urlsplit(url)
        path = parts.path
        got = self.split_url(url.replace(path, "", 1) if path else url, pointer) if parts.netloc else None
        if got is None:
            return None
        if path and path != "/" and not _PATH.match(path):
            self.note(pointer, f"upstream path {path!r} is not a gwc path; not mapped")
            return None
        return got[0], path.rstrip("/") if path != "/" else "/"
