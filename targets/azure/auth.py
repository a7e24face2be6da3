"""Authentication on APIM.

- API keys are APIM subscription keys: one API-key method per API, whose header and query parameter
  become the API's subscription-key parameter names. APIM generates the keys (subscriptions to the
  product gwc creates); the spec's key list is never read or written. When every route needs the key
  the API requires a subscription; otherwise it does not, and each key-protected operation refuses a
  request without a valid subscription (`context.Subscription == null` -> 401). APIM itself refuses a
  wrong key (401) on every operation.
- JWT methods are validate-jwt policies (see jwt.py).
- "Any one of" several methods is a <choose>: each method but the last is recognised before it is
  checked (a valid subscription key; a token whose unvalidated `iss` is the method's issuer; a token
  in a place no other method reads), then checked; the last method checks whatever is left. Methods
  that cannot be told apart (two JWT methods without an issuer reading one place) cannot be combined.
A route whose authentication cannot be expressed is left out, never published open.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from gwc.model import ApiKeyAuth, JwtAuth, Route

from .context import Context
from .jwt import JwtPlan, discovery_url, inline_keys, recognizer
from .namedvalues import NamedValues
from .xmldoc import choose, el, status_response

DEFAULT_HEADER, DEFAULT_QUERY = "Ocp-Apim-Subscription-Key", "subscription-key"
HAS_SUBSCRIPTION, NO_SUBSCRIPTION = "@(context.Subscription != null)", "@(context.Subscription == null)"
Refusal = tuple[str, str, str]  # (code, reason, fix)


def key_missing() -> Element:
    """401 for a key-protected operation called without a subscription key."""
    return choose(NO_SUBSCRIPTION, [status_response(401, "Unauthorized", [
        ("WWW-Authenticate", "ApiKey")])])


class Auth:
    """Per-method decisions (made once) and each route's authentication policies."""

    def __init__(self, ctx: Context, named: NamedValues) -> None:
        self.ctx = ctx
        self.named = named
        self.key_method: ApiKeyAuth | None = None
        self.plans: dict[str, JwtPlan | Refusal | None] = {}
        self.key_routes: list[str] = []   # routes that require the key (alone)
        self.public_or_other: bool = False  # some emitted route does not require the key alone
        self.checks: dict[tuple[str, ...], list[Element]] = {}  # methods -> their policies, shared by routes

    # -- per method ------------------------------------------------------------------------------------

    def verdict(self, name: str) -> Refusal | None:
        """None when the method can be checked; else (code, reason, fix)."""
        if name not in self.plans:
            m = self.ctx.gw.auth[name]
            self.plans[name] = self._api_key(m) if isinstance(m, ApiKeyAuth) else self._jwt(m)
        got = self.plans[name]
        return got if isinstance(got, tuple) else None

    def _api_key(self, m: ApiKeyAuth) -> Refusal | None:
        if self.key_method is not None and self.key_method.name != m.name:
            return ("GWC301", (f"APIM accepts every subscription key of the API on every key-protected operation, "
                               f"so a second API-key method ({m.name!r}, after {self.key_method.name!r}) would "
                               "accept the other's keys"),
                    "use one API-key method per Azure API (one gateway spec per key population)")
        self.key_method = m
        return None

    def _jwt(self, m: JwtAuth) -> Refusal | JwtPlan:
        ctx = self.ctx
        plan = JwtPlan(m)
        keys, skipped = inline_keys(m)
        plan.keys = keys
        if skipped and keys:
            ctx.warn("GWC303", f"auth {m.name!r}: the keys {', '.join(skipped)} of the jwks file are not given to "
                     "APIM (validate-jwt takes RSA keys inline by modulus and exponent, no EC keys); tokens "
                     "signed with them are refused", f"{m.pointer}/jwks/file",
                     "publish the issuer's keys in an OpenID discovery document, or sign with RSA keys")
        if m.secret:
            vid = self.named.secret(m.secret, f"{m.name}-hmac", f"auth {m.name!r} (HMAC key)",
                                    f"{m.pointer}/secret")
            if vid is None:
                return ("GWC363", (f"APIM reads secrets from Azure Key Vault (or a value given at deploy time); the "
                                   f"{m.secret.kind} reference of method {m.name!r} cannot be used"),
                        "use {azure_keyvault: https://VAULT.vault.azure.net/secrets/NAME} for this target")
            plan.secret_named_value = vid
        if not keys and not m.secret:
            url = discovery_url(m)
            if url is None or not m.jwks_url:
                has = ("EC keys only" if m.keys else "no key") if not m.jwks_url else (
                    "only jwks.url and no issuer" if not m.issuer else
                    "only jwks.url, and an issuer that cannot be written as a plain discovery URL")
                return ("GWC362", (f"APIM's validate-jwt takes RSA keys inline or an OpenID discovery document "
                                   f"(never a JWKS URL or EC keys), and method {m.name!r} has {has}"),
                        ("add the issuer (APIM then reads <issuer>/.well-known/openid-configuration) or RSA keys "
                         "in a jwks file"))
            plan.discovery = url
            ctx.warn("GWC303", f"auth {m.name!r}: APIM cannot fetch a JWKS URL; it reads the signing keys from the "
                     f"issuer's discovery document {url} (its jwks_uri), not from {m.jwks_url}; if the issuer "
                     "publishes none, every token is refused (401)", f"{m.pointer}/jwks/url",
                     "check that the discovery document exists and names the same key set")
        return plan

    def jwt_plan(self, name: str) -> JwtPlan:
        """The validate-jwt plan of a method whose verdict was None."""
        plan = self.plans[name]
        assert isinstance(plan, JwtPlan)
        return plan

    # -- per route -------------------------------------------------------------------------------------

    def policies(self, route: Route) -> list[Element] | None:
        """The route's authentication policies ([] = public); None when the route must be left out."""
        ctx, gw = self.ctx, self.ctx.gw
        if not route.auth:
            self.public_or_other = True
            return []
        kept = []
        for name in route.auth:
            refusal = self.verdict(name)
            method = gw.auth[name]
            if refusal:
                code, reason, fix = refusal
                ctx.cannot(f"auth.{method.kind}", route.id, method.pointer, reason, code=code, fix=fix)
            else:
                kept.append(name)
        if len(kept) > 1:
            kept = self._order(route, kept)
        if not kept:  # never published open
            ctx.omit_route(route, "its authentication (" + ", ".join(route.auth) + ") cannot be expressed")
            return None
        # Under --allow-lossy a method that cannot be expressed is left out of "any one of": fewer callers
        # are accepted, never more.
        reported = route.auth if len(kept) < len(route.auth) else kept  # the others were reported above
        for name in reported:
            ctx.mark(f"auth.{gw.auth[name].kind}", route.id)
        if len(route.auth) > 1:
            ctx.mark("auth.any_of", route.id)
        if len(kept) == 1 and gw.auth[kept[0]].kind == "api_key":
            self.key_routes.append(route.id)
        else:
            self.public_or_other = True
        key = tuple(kept)
        if key not in self.checks:
            self.checks[key] = self._checks(kept)
        return self.checks[key]

    def _order(self, route: Route, names: list[str]) -> list[str]:
        """Methods in the order they can be recognised: the API key, JWTs with an issuer, then JWTs without
        one (each reading its own header and query parameter; the last needs no recognising). Methods that
        cannot be told apart are GWC301; under --allow-lossy the first method alone is kept (stricter,
        never weaker), and without it nothing ([])."""
        gw = self.ctx.gw
        keys = [n for n in names if gw.auth[n].kind == "api_key"]
        issued = [n for n in names if gw.auth[n].kind == "jwt" and gw.auth[n].issuer]
        bare = [n for n in names if gw.auth[n].kind == "jwt" and not gw.auth[n].issuer]
        clash = _same_issuer(gw, issued) or _same_place(gw, bare)
        if not clash:
            return keys + issued + bare
        self.ctx.cannot("auth.any_of", route.id, f"{route.pointer}/auth", "APIM stops at the first failed "
                        "validate-jwt, so gwc must tell which method a token is meant for before checking it; "
                        f"{clash}", fix="give each JWT method its own issuer (or header), or use one method")
        return names[:1] if self.ctx.options.allow_lossy else []

    def _checks(self, names: list[str]) -> list[Element]:
        gw = self.ctx.gw

        def check(name: str) -> list[Element]:
            """The check of one method (a key needs none inside the <choose>: APIM validated it)."""
            m = gw.auth[name]
            if isinstance(m, ApiKeyAuth):
                return [] if len(names) > 1 else [key_missing()]
            plan = self.jwt_plan(name)
            if plan.secret_named_value and plan.secret_named_value not in self.named.values:
                self.named.use(plan.secret_named_value)
                self.ctx.warn("GWC303", f"auth {m.name!r}: APIM reads an HMAC key as Base64: the named value "
                              f"{plan.secret_named_value!r} must hold the key Base64-encoded (not the raw key the "
                              "other targets read)", f"{m.pointer}/secret",
                              "store base64(key) in the referenced secret for this target")
            return [plan.element()]

        if len(names) == 1:
            return check(names[0])
        branches = []
        for name in names[:-1]:
            m = gw.auth[name]
            condition = HAS_SUBSCRIPTION if isinstance(m, ApiKeyAuth) else recognizer(m)
            branches.append(el("when", {"condition": condition}, check(name)))
        branches.append(el("otherwise", {}, check(names[-1])))
        return [el("choose", {}, branches)]

    # -- API-wide --------------------------------------------------------------------------------------

    @property
    def subscription_required(self) -> bool:
        """True when every emitted route needs the API key alone (APIM then refuses keyless calls itself)."""
        return bool(self.key_routes) and not self.public_or_other

    def key_names(self) -> dict[str, str]:
        """subscriptionKeyParameterNames: the API-key method's header and query parameter (APIM's defaults
        for what it does not set)."""
        m = self.key_method
        return {"header": (m.header if m and m.header else DEFAULT_HEADER),
                "query": (m.query if m and m.query else DEFAULT_QUERY)}


def _same_issuer(gw, names: list[str]) -> str:
    seen: dict[str, str] = {}
    for n in names:
        if gw.auth[n].issuer in seen:
            return f"the JWT methods {seen[gw.auth[n].issuer]} and {n} have the same issuer"
        seen[gw.auth[n].issuer] = n
    return ""


def _same_place(gw, names: list[str]) -> str:
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ma, mb = gw.auth[a], gw.auth[b]
            if ma.header.lower() == mb.header.lower() or (ma.query and ma.query == mb.query):
                return f"the JWT methods {a} and {b} have no issuer and read the same header or query parameter"
    return ""
