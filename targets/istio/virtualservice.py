"""The VirtualService: hosts, gateways, and the http routes in precedence order with their matches,
destinations (or direct responses), timeouts, retries, rewrites, header changes and CORS."""

from __future__ import annotations

from fractions import Fraction

from gwc.emitting import effective_service
from gwc.model import Route, Service
from gwc.paths import PARAM, rewrite_params

from .context import Context
from .names import Namer
from .plan import Group, params_regex
from .upstream import Upstreams, duration

NON_IDEMPOTENT = ("POST", "PATCH")
ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# What triggers a retry: nginx's proxy_next_upstream conditions in Envoy's retryOn words (Istio turns numbers into
# retriable status codes). Envoy's reset also covers a per-try timeout, which is how `timeout` is expressed.
RETRY_ON = {"connect_error": ("connect-failure", "refused-stream", "reset"), "timeout": ("reset",),
            "500": ("500",), "502": ("502",), "503": ("503",), "504": ("504",), "429": ("429",)}
_RETRY_ORDER = ("connect-failure", "refused-stream", "reset")


def retry_on(on: tuple[str, ...]) -> str:
    """Our `on` list as Istio's retryOn string, in a fixed order: words first, then status codes."""
    words = {w for c in on for w in RETRY_ON[str(c)]}
    return ",".join([w for w in _RETRY_ORDER if w in words] + sorted(w for w in words if w.isdigit()))


def scale_weights(weights: list[int]) -> list[int]:
    """Whole percentages summing to 100, by largest remainder (ties to the earlier entry)."""
    total = sum(weights)
    exact = [Fraction(w * 100, total) for w in weights]
    out = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - out[i]), i))
    for i in order[:100 - sum(out)]:
        out[i] += 1
    return out


def header_value(value: str) -> str:
    """Envoy reads %NAME% in header values as a command operator (the client's address, another header...):
    a literal '%' is written '%%', so a spec value is sent as written."""
    return value.replace("%", "%%")


def method_match(methods: list[str] | tuple[str, ...]) -> dict:
    return {"exact": methods[0]} if len(methods) == 1 else {"regex": "^(" + "|".join(methods) + ")$"}


class VirtualServiceBuilder:
    def __init__(self, ctx: Context, ups: Upstreams) -> None:
        self.ctx = ctx
        self.ups = ups
        self.namer = Namer()
        self.split_noted: set[str] = set()
        self.named = ctx.route_names
        # Parts many routes have in common are one object each: fewer objects to build and for the garbage
        # collector to walk (the writer writes each occurrence in full):
        self.policies: dict[str, tuple[dict, dict | None]] = {}   # service -> (timeout part, retries)
        self.routes: dict[str, list[dict]] = {}                   # service -> its destination as `route`
        self.methods: dict[tuple[str, ...], dict] = {}            # methods -> `method` match
        self.answers_405: dict[str, dict] = {}                    # Allow -> directResponse and headers

    # -- one route -------------------------------------------------------------------------------------------
    def _matches(self, group: Group, methods) -> list[dict]:
        if not methods:
            return [{"uri": group.uri}]
        key = tuple(methods)
        if key not in self.methods:
            self.methods[key] = method_match(key)
        return [{"uri": group.uri, "method": self.methods[key]}]

    def _rewrite(self, r: Route, group: Group) -> dict:
        if not r.rewrite:
            return {}
        self.ctx.mark("route.rewrite", r.id)
        if r.match.kind == "params" and rewrite_params(r.rewrite):
            index = {PARAM.match(s).group(1): n for n, s in enumerate((s for s in r.match.segments
                                                                       if PARAM.match(s)), start=1)}
            target = "/".join(f"\\{index[PARAM.match(s).group(1)]}" if PARAM.match(s) else s
                              for s in r.rewrite.split("/"))
            return {"rewrite": {"uriRegexRewrite": {"match": params_regex(r, capture=True), "rewrite": target}}}
        uri = r.rewrite
        if group.merged_base:
            uri = r.rewrite.rstrip("/") or "/"   # '/users' + rewrite '/v1/' : Istio swaps the matched '/users'
        return {"rewrite": {"uri": uri}}

    def _headers(self, r: Route, mock_headers: dict[str, str]) -> dict:
        out: dict = {}
        if r.request_headers:
            self.ctx.mark("headers.request", r.id)
            out["request"] = {k: v for k, v in (("set", {n: header_value(x) for n, x in r.request_headers.set}),
                                                ("remove", list(r.request_headers.remove))) if v}
        response_set = {n: header_value(x) for n, x in (*mock_headers.items(), *r.response_headers.set)}
        if r.response_headers:
            self.ctx.mark("headers.response", r.id)
        if response_set or r.response_headers.remove:
            out["response"] = {k: v for k, v in (("set", response_set),
                                                 ("remove", list(r.response_headers.remove))) if v}
        return {"headers": out} if out else {}

    def _cors(self, r: Route) -> dict:
        c = r.cors
        if not c:
            return {}
        self.ctx.mark("cors", r.id)
        policy: dict = {"allowOrigins": [{"regex": ".*"} if o == "*" else {"exact": o} for o in c.origins]}
        for key, values in (("allowMethods", c.methods), ("allowHeaders", c.headers),
                            ("exposeHeaders", c.expose_headers)):
            if values:
                policy[key] = list(values)
        if c.max_age_s:
            policy["maxAge"] = duration(c.max_age_s * 1000)
        if c.credentials:
            policy["allowCredentials"] = True
        return {"corsPolicy": policy}

    def _split(self, r: Route) -> list[dict]:
        gw = self.ctx.gw
        percents = scale_weights([s.weight for s in r.split])
        total = sum(s.weight for s in r.split)
        exact = [Fraction(s.weight * 100, total) for s in r.split]
        if any(p != e for p, e in zip(percents, exact)):
            shares = ", ".join(f"{s.service} {float(e):.2f}% -> {p}%" for s, e, p in zip(r.split, exact, percents))
            self.ctx.warn("GWC303", f"Istio weights are whole percentages summing to 100: {shares}",
                          f"{r.pointer}/split", "use weights that are whole percentages of their sum to keep them")
        self.ctx.mark("route.split", r.id)
        return [{"destination": self.ups.destination(gw.services[s.service]), "weight": p}
                for s, p in zip(r.split, percents)]

    def _check_split_policies(self, r: Route, main: Service) -> None:
        others = [self.ctx.gw.services[s.service] for s in r.split if s.service != main.name]
        differ = [o.name for o in others if (o.read_timeout_ms, o.retries, o.timeouts_set) !=
                  (main.read_timeout_ms, main.retries, main.timeouts_set)]
        if differ and r.id not in self.split_noted:
            self.split_noted.add(r.id)
            self.ctx.warn("GWC303", f"an Istio route has one timeout and one retry policy: the split uses those of "
                          f"{main.name!r} (the heaviest), not those of {', '.join(map(repr, differ))}",
                          f"{r.pointer}/split", "give the split's services the same timeouts and retries")
        for o in others:   # expressed through the heaviest's policy, or reported just above
            if o.retries:
                self.ctx.mark("service.retries", o.name)
            if o.timeouts_set:
                self.ctx.mark("service.timeouts", o.name)

    def _policy(self, svc: Service) -> tuple[dict, dict | None]:
        """(timeout part, retries) of a service's routes (the objects are shared by its routes)."""
        if svc.name not in self.policies:
            self.policies[svc.name] = self._new_policy(svc)
        return self.policies[svc.name]

    def _new_policy(self, svc: Service) -> tuple[dict, dict | None]:
        part: dict = {}
        retries = None
        if svc.retries and svc.retries.attempts > 0:
            self.ctx.mark("service.retries", svc.name)
            retries = {"attempts": svc.retries.attempts, "retryOn": retry_on(svc.retries.on)}
            if "timeout" in [str(c) for c in svc.retries.on] or svc.timeouts_set:
                retries["perTryTimeout"] = duration(svc.read_timeout_ms)
            if svc.timeouts_set:
                part["timeout"] = duration(svc.read_timeout_ms * (svc.retries.attempts + 1))
        elif svc.retries:
            self.ctx.mark("service.retries", svc.name)
            retries = {"attempts": 0}
        if svc.timeouts_set:
            self.ctx.mark("service.timeouts", svc.name)
            part.setdefault("timeout", duration(svc.read_timeout_ms))
        return part, retries

    def _name(self, text: str) -> dict:
        return {"name": self.namer.take(text)} if self.named else {}

    def route_entries(self, r: Route, group: Group) -> list[dict]:
        ctx, gw = self.ctx, self.ctx.gw
        ctx.mark(f"route.{r.match.kind}", r.id)
        if r.methods:
            ctx.mark("route.methods", r.id)
        common = {**self._rewrite(r, group), **self._cors(r)}
        name = effective_service(r)
        svc = gw.services[name]
        if svc.mock:
            ctx.services_emitted.add(svc.name)
            ctx.mark("service.mock", svc.name)
            m = svc.mock
            body = {"body": {"string": m.body}} if m.body else {}
            entry = {"match": self._matches(group, r.methods), "directResponse": {"status": m.status, **body},
                     **self._headers(r, {"Content-Type": m.content_type, **dict(m.headers)}), **common}
            return [{**self._name(r.id), **entry}]
        if r.split and not ctx.dropped("route.split", r.id):
            route = self._split(r)
            self._check_split_policies(r, svc)
        else:
            if svc.name not in self.routes:
                self.routes[svc.name] = [{"destination": self.ups.destination(svc)}]
            route = self.routes[svc.name]
        timing, retries = self._policy(svc)
        base = {"route": route, **timing, **self._headers(r, {}), **common}
        if retries and retries.get("attempts") and not svc.retries.non_idempotent:
            methods = list(r.methods) if r.methods else None
            unsafe = [m for m in (methods or NON_IDEMPOTENT) if m in NON_IDEMPOTENT]
            safe = [m for m in methods if m not in NON_IDEMPOTENT] if methods else None
            out = []
            if unsafe:   # nginx retries only idempotent methods unless told otherwise
                out.append({**self._name(f"{r.id}-no-retry"), "match": self._matches(group, unsafe), **base,
                            "retries": {"attempts": 0}})
            if safe is None or safe:
                out.append({**self._name(r.id), "match": self._matches(group, safe), **base, "retries": retries})
            return out
        return [{**self._name(r.id), "match": self._matches(group, r.methods), **base,
                 **({"retries": retries} if retries else {})}]

    # -- the whole table -------------------------------------------------------------------------------------
    def http(self, groups: list[Group]) -> list[dict]:
        out = []
        for g in groups:
            for r in g.routes:
                out += self.route_entries(r, g)
            if g.methods_only:
                cors = next((self._cors(r) for r in g.routes if r.cors), {})
                out.append({**self._name(f"{g.routes[0].id}-405"), "match": [{"uri": g.uri}],
                            **self._answer_405(", ".join(g.allow)), **cors})
        return out

    def _answer_405(self, allow: str) -> dict:
        """directResponse 405 and the Allow header, one object per Allow value."""
        if allow not in self.answers_405:
            self.answers_405[allow] = {"directResponse": {"status": 405},
                                       "headers": {"response": {"set": {"Allow": allow}}}}
        return self.answers_405[allow]
