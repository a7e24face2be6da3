"""Authentication on Google: JWT methods as oauth2 security definitions with x-google-issuer/jwks_uri/
audiences/jwt-locations, API keys as Google API keys (x-api-key header or key query parameter).

Google fetches the signing keys itself from the method's jwks.url; a method with only a jwks file or an
HMAC secret cannot be checked (GWC343). Google checks API keys issued by Google Cloud projects that
enabled the API, never the spec's key list. "Any one of" works between JWT methods only: Google refuses
an OR that includes an API key, so such a route keeps its first method (stricter, never weaker). A route
whose authentication cannot be expressed at all is left out, never published open.
"""

from __future__ import annotations

from dataclasses import dataclass

from gwc.model import ApiKeyAuth, JwtAuth, Route

from .context import Context

KEY_HEADER, KEY_QUERY = "x-api-key", "key"


@dataclass(frozen=True)
class Scheme:
    """A security scheme as Google reads it."""

    kind: str                                   # "jwt" or "api_key"
    issuer: str = ""
    jwks_uri: str = ""
    audiences: tuple[str, ...] = ()
    locations: tuple[tuple[str, str, str], ...] = ()   # ("header", name, prefix) / ("query", name, "")
    key_in: str = ""                            # "header" / "query"
    key_name: str = ""

    def as_v2(self) -> dict:
        """OpenAPI 2.0 securityDefinitions entry."""
        if self.kind == "api_key":
            return {"type": "apiKey", "name": self.key_name, "in": self.key_in}
        out = {"type": "oauth2", "flow": "implicit", "authorizationUrl": "", "x-google-issuer": self.issuer,
               "x-google-jwks_uri": self.jwks_uri,
               "x-google-jwt-locations": [{"header": n, "value_prefix": p} if w == "header" else {"query": n}
                                          for w, n, p in self.locations]}
        if self.audiences:
            out["x-google-audiences"] = ",".join(self.audiences)
        return out

    def as_v3(self) -> dict:
        """OpenAPI 3.x components.securitySchemes entry."""
        if self.kind == "api_key":
            return {"type": "apiKey", "name": self.key_name, "in": self.key_in}
        auth = {"issuer": self.issuer, "jwksUri": self.jwks_uri,
                "jwtLocations": [{"header": n, "valuePrefix": p} if w == "header" else {"query": n}
                                 for w, n, p in self.locations]}
        if self.audiences:
            auth["audiences"] = list(self.audiences)
        return {"type": "oauth2", "flows": {"implicit": {"authorizationUrl": "", "scopes": {}}},
                "x-google-auth": auth}


def prefixes(scheme: str) -> list[str]:
    """Google compares the value prefix case-sensitively; the spec's scheme word is case-insensitive, so
    the usual spellings are all listed ('Bearer ', 'bearer ', 'BEARER ')."""
    return list(dict.fromkeys(f"{s} " for s in (scheme, scheme.capitalize(), scheme.lower(), scheme.upper())))


class Auth:
    """Security schemes the routes use, and each route's security requirement."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.schemes: dict[str, Scheme] = {}
        self.verdicts: dict[str, tuple[str, str, str] | None] = {}  # method -> (code, reason, fix) when refused
        self.key_method: str | None = None
        self.issuers: dict[str, str] = {}   # issuer -> method

    def security(self, route: Route) -> list[dict] | None:
        """The route's OpenAPI security requirement ([] = public); None when the route must be left out."""
        if not route.auth:
            return []
        ctx, gw = self.ctx, self.ctx.gw
        names = list(route.auth)
        kinds = {gw.auth[n].kind for n in names}
        if len(names) > 1 and "api_key" in kinds:
            ctx.cannot("auth.any_of", route.id, f"{route.pointer}/auth", "Google does not accept 'any one of' "
                       "(a logical OR of security requirements) when one of them is an API key; with "
                       f"--allow-lossy only the first method ({names[0]!r}) is checked",
                       fix="use one method on this route, or only JWT methods (an OR of JWT methods works)")
            if ctx.options.allow_lossy:
                for other in names[1:]:  # reported just above, with the method that is kept
                    ctx.mark(f"auth.{gw.auth[other].kind}", route.id)
            names = names[:1]
        kept = []
        for name in names:
            method = gw.auth[name]
            refusal = self._verdict(method)
            if refusal:
                code, reason, fix = refusal
                ctx.cannot(f"auth.{method.kind}", route.id, method.pointer, reason, code=code, fix=fix)
                continue
            ctx.mark(f"auth.{method.kind}", route.id)
            kept.append(name)
        if not kept:
            ctx.omit_route(route, "its authentication (" + ", ".join(route.auth) + ") cannot be expressed")
            return None
        if len(route.auth) > 1:
            ctx.mark("auth.any_of", route.id)
        return [{name: []} for name in kept]

    def _verdict(self, method: JwtAuth | ApiKeyAuth) -> tuple[str, str, str] | None:
        """Decide once per method whether Google can check it (the first API-key method, issuers in order)."""
        if method.name not in self.verdicts:
            self.verdicts[method.name] = (self._api_key(method) if isinstance(method, ApiKeyAuth)
                                          else self._jwt(method))
        return self.verdicts[method.name]

    def _api_key(self, m: ApiKeyAuth) -> tuple[str, str, str] | None:
        header = (m.header or "").lower()
        if header == KEY_HEADER and not m.query:
            where = ("header", KEY_HEADER)
        elif m.query == KEY_QUERY and not m.header:
            where = ("query", KEY_QUERY)
        else:
            places = [f"the header {m.header!r}"] if m.header else []
            places += [f"the query parameter {m.query!r}"] if m.query else []
            return ("GWC301", f"Google reads an API key from one place, the x-api-key header or the key query "
                    f"parameter; method {m.name!r} reads {' and '.join(places)}",
                    "use header: X-API-Key (without query), or query: key (without header) for this target")
        if self.key_method not in (None, m.name):
            return ("GWC301", f"Google accepts every API key of the projects that enabled the API on every "
                    f"key-protected operation, so a second API-key method ({m.name!r}, after {self.key_method!r}) "
                    "would accept the other's keys",
                    "use one API-key method per Google API (one spec per key population)")
        self.key_method = m.name
        self.schemes[m.name] = Scheme("api_key", key_in=where[0], key_name=where[1])
        return None

    def _jwt(self, m: JwtAuth) -> tuple[str, str, str] | None:
        fix = ("add jwks.url (where the issuer publishes the same public keys) and issuer to the method, or use "
               "another target for this method")
        if not m.jwks_url:
            what = "an HMAC secret" if m.secret and not m.jwks_file else (
                "a jwks file and an HMAC secret" if m.secret else "a jwks file")
            return ("GWC343", f"Google fetches the signing keys from x-google-jwks_uri, and method {m.name!r} has "
                    f"only {what} (Google cannot be given a key file or a shared secret)", fix)
        if not m.issuer:
            return ("GWC343", f"Google needs the token issuer (x-google-issuer) and method {m.name!r} has none", fix)
        if m.issuer in self.issuers:
            return ("GWC343", f"Google needs a different issuer for each JWT method, and {m.name!r} has the "
                    f"issuer of {self.issuers[m.issuer]!r} ({m.issuer})", "merge the two methods into one")
        self.issuers[m.issuer] = m.name
        if m.secret:
            self.ctx.warn("GWC303", f"auth {m.name!r}: tokens signed with the HMAC secret are refused on gcp; Google "
                          "checks signatures only with the public keys from jwks.url", f"{m.pointer}/secret",
                          "sign the tokens for this gateway with a key published at jwks.url")
        locations = [("header", m.header, p) for p in prefixes(m.scheme)]
        if m.query:
            locations.append(("query", m.query, ""))
        self.schemes[m.name] = Scheme("jwt", issuer=m.issuer, jwks_uri=m.jwks_url, audiences=tuple(m.audiences),
                                      locations=tuple(locations))
        return None
