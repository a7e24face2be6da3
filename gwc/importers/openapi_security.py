"""The importer's security part: OpenAPI security schemes and requirements as gwc auth methods."""

from __future__ import annotations

import re

from .openapi_common import (
    _HEADER,
    _HTTPS_URL,
    _OIDC_SUFFIX,
    _QUERY,
    _esc,
)


class SecurityMixin:
    """Maps schemes and requirements; mixed into the importer (uses its doc, spec and note())."""

    def schemes(self) -> dict:
        found = (self.doc.get("securityDefinitions") if self.v2 else
                 (self.doc.get("components") or {}).get("securitySchemes")
                 if isinstance(self.doc.get("components"), dict) else None)
        return found if isinstance(found, dict) else {}

    def method_name(self, scheme: str) -> str:
        base = re.sub(r"[^a-z0-9_-]+", "-", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", scheme).lower()).strip("-_")
        base = base if base and base[0].isalpha() else f"auth-{base}".rstrip("-")
        base = base[:60]
        name, n = base, 2
        while name in self.auth or name == "none":
            name, n = f"{base}-{n}", n + 1
        return name

    def map_scheme(self, scheme: str) -> str | None:
        """The gwc auth method for a security scheme (created on first use), or None with a note."""
        if scheme in self.scheme_method:
            return self.scheme_method[scheme]
        base = "/securityDefinitions" if self.v2 else "/components/securitySchemes"
        pointer = f"{base}/{_esc(scheme)}"
        raw = self.schemes().get(scheme)
        spec, pointer = self.deref(raw, pointer)
        method: dict | None = None
        name = self.method_name(scheme)
        env = re.sub(r"[^A-Z0-9_]", "_", name.upper())
        if not isinstance(spec, dict):
            self.note(pointer, f"security scheme {scheme!r} is not defined")
        else:
            kind = spec.get("type")
            if kind == "apiKey":
                where, key = spec.get("in"), spec.get("name")
                if where == "header" and isinstance(key, str) and _HEADER.match(key):
                    method = {"api_key": {"header": key, "keys": {"env": f"{env}_KEYS"}}}
                elif where == "query" and isinstance(key, str) and _QUERY.match(key):
                    method = {"api_key": {"query": key, "keys": {"env": f"{env}_KEYS"}}}
                else:
                    self.note(pointer, f"apiKey scheme {scheme!r} in {where!r} named {key!r} is not supported "
                                       "(gwc reads API keys from a header [A-Za-z0-9-] or a query parameter)")
                if method:
                    self.note(pointer, f"API key scheme {scheme!r} → auth.{name}: keys: {{env: {env}_KEYS}} is a "
                                       "placeholder reference; point it at where the valid keys are")
            elif kind == "http" and str(spec.get("scheme", "")).lower() == "bearer" or kind == "oauth2" \
                    or kind == "openIdConnect":
                method = {"jwt": self.jwt(scheme, name, env, spec, pointer)}
            elif kind in ("http", "basic"):
                self.note(pointer, f"security scheme {scheme!r} (HTTP {spec.get('scheme', 'basic')}) is not "
                                   "supported by gwc")
            else:
                self.note(pointer, f"security scheme {scheme!r} of type {kind!r} is not supported by gwc")
        if method is not None:
            self.auth[name] = method
        self.scheme_method[scheme] = name if method is not None else None
        return self.scheme_method[scheme]

    def jwt(self, scheme: str, name: str, env: str, spec: dict, pointer: str) -> dict:
        jwt: dict = {}
        kind = spec.get("type")
        url = spec.get("openIdConnectUrl")
        if kind == "openIdConnect" and isinstance(url, str) and url.endswith(_OIDC_SUFFIX) \
                and _HTTPS_URL.match(url[: -len(_OIDC_SUFFIX)] or "x"):
            jwt["issuer"] = url[: -len(_OIDC_SUFFIX)]
            self.note(pointer, f"{scheme!r}: issuer {jwt['issuer']} derived from the discovery URL; the key set "
                               "(jwks_uri) is only in the discovery document, which gwc does not fetch")
        elif kind == "openIdConnect":
            self.note(pointer, f"{scheme!r}: the issuer cannot be derived from openIdConnectUrl {url!r}")
        else:
            what = "OAuth 2.0" if kind == "oauth2" else "HTTP bearer"
            self.note(pointer, f"{what} scheme {scheme!r} → JWT method auth.{name}: the issuer and audiences "
                               "are not in the document (set issuer/audiences)")
            if kind == "oauth2":
                self.note(pointer, f"{scheme!r}: OAuth 2.0 flows and scopes are not mapped (gwc checks the "
                                   "token, not scopes); this assumes the access tokens are JWTs")
        jwt["secret"] = {"env": f"{env}_JWT_SECRET"}
        self.note(pointer, f"{scheme!r}: the token signing keys are not in the document; secret: {{env: "
                           f"{env}_JWT_SECRET}} is a placeholder (HS256) so the method validates; replace it "
                           "with jwks: {url: ...} or {file: ...} of the issuer (tokens fail with 401 until set)")
        self.hints.append(f"x-gwc-todo: auth.{name}: set issuer, audiences and jwks (from scheme {scheme!r})")
        return jwt

    def security(self, requirements: object, pointer: str) -> tuple[bool, list[str]]:
        """(importable, methods): methods [] means open. Not importable when auth is required but unmappable."""
        if not isinstance(requirements, list) or not requirements:
            return True, []
        chosen: list[str] = []
        for i, req in enumerate(requirements):
            if not isinstance(req, dict) or not req:
                self.note(f"{pointer}/{i}", "an empty security requirement makes authentication optional: "
                                           "imported as open (no auth)")
                return True, []
            mapped = [(s, self.map_scheme(s)) for s in req]
            usable = [m for _, m in mapped if m]
            if len(req) > 1 and usable:
                best = min(usable, key=lambda m: 0 if "jwt" in self.auth[m] else 1)
                self.note(f"{pointer}/{i}", f"schemes {sorted(req)} are all required together (AND), which "
                                           f"gwc cannot express: only {best!r} is kept")
                usable = [best]
            if len(usable) == 1:
                if usable[0] not in chosen:
                    chosen.append(usable[0])
            else:
                self.note(f"{pointer}/{i}", f"security requirement {sorted(req)} cannot be mapped: that "
                                           "alternative is dropped")
        return bool(chosen), chosen

    # -- paths --------------------------------------------------------------------------------------
