"""What the API as a whole does: the API-scope policy (host names, request ids) and observability
(an Application Insights logger and the API's diagnostics, Azure Monitor metrics, APIM's own TLS)."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from gwc.model import SecretRef

from . import policies as p
from .context import BASE, Context
from .namedvalues import NamedValues
from .names import entity
from .values import cs_string
from .xmldoc import PolicyDoc, choose, el, status_response

REQUEST_ID = "@(context.RequestId.ToString())"


def _host_condition(hosts: tuple[str, ...]) -> str:
    tests = []
    for h in hosts:
        if h.startswith("*."):
            tests.append(f"host.EndsWith({cs_string(h[1:])})")
        else:
            tests.append(f"host == {cs_string(h)}")
    return "@{ string host = context.Request.OriginalUrl.Host.ToLowerInvariant(); return !(" + " || ".join(tests) + "); }"


def not_allowed_answers(not_allowed: dict[str, tuple[str, ...]]) -> Element:
    """405 with the Allow header for the 405 operations, told apart by the end of their ids (names.allow_code):
    one branch per set of allowed methods the API has, instead of a policy on each of those operations."""
    return el("choose", {}, [
        el("when", {"condition": f"@(context.Operation.Id.EndsWith({cs_string(code)}))"},
           [p.not_allowed(list(allow))]) for code, allow in sorted(not_allowed.items())])


def api_policy(ctx: Context, not_allowed: dict[str, tuple[str, ...]]) -> PolicyDoc:
    """The API-scope policy: 404 for other host names, X-Request-Id up and down, 405 for the operations of
    methods a path does not serve."""
    gw, doc = ctx.gw, PolicyDoc()
    if gw.hosts:
        doc.add("inbound", choose(_host_condition(gw.hosts), [status_response(404, "Not Found")]))
        ctx.mark("hosts", "gateway")
    obs = gw.observability
    if obs.request_id and "request_id" in obs.explicit:
        header = el("set-header", {"name": "X-Request-Id", "exists-action": "override"},
                    [el("value", text=REQUEST_ID)])
        doc.add("inbound", header)
        doc.add("outbound", el("set-header", {"name": "X-Request-Id", "exists-action": "override"},
                               [el("value", text=REQUEST_ID)]))
        ctx.mark("observability.request_id", "gateway")
    if not_allowed:
        doc.add("inbound", not_allowed_answers(not_allowed))
    return doc


@dataclass(frozen=True)
class Insights:
    """The Application Insights logger the API's diagnostics write to."""

    logger_id: str
    create: bool                    # False: an existing logger named in targets.azure.app_insights.logger_id
    key_named_value: str | None
    resource_id: str | None
    correlation: str                # W3C or None

    def deploy_json(self) -> dict:
        """deploy.json's description."""
        return {"id": self.logger_id, "type": "applicationInsights", "create": self.create,
                "instrumentation_key_named_value": self.key_named_value, "resource_id": self.resource_id}


def observability(ctx: Context, named: NamedValues) -> Insights | None:
    """Mark what APIM does by itself; the logger and diagnostics when targets.azure.app_insights names one."""
    gw, obs = ctx.gw, ctx.gw.observability
    conf = ctx.settings.get("app_insights")
    pointer = "/observability/access_log"
    asked = obs.log_format != "none" and "access_log" in obs.explicit
    insights = None
    if conf and obs.log_format == "none":
        ctx.warn("GWC366", "targets.azure.app_insights has no effect: observability.access_log.format is none",
                 f"{BASE}/app_insights", "remove it, or set an access log format")
    elif conf:
        key_nv = None
        if "instrumentation_key" in conf:
            (kind, ref), = conf["instrumentation_key"].items()
            key_nv = named.secret(SecretRef(kind, ref), "appinsights-key",
                                  "Application Insights instrumentation key", f"{BASE}/app_insights/instrumentation_key")
        if "instrumentation_key" in conf and key_nv is None:
            ctx.cannot("observability.access_log", "gateway", f"{BASE}/app_insights/instrumentation_key",
                       "APIM reads the instrumentation key from Azure Key Vault (or a value given at deploy time), "
                       "not from another cloud's secret store", code="GWC363")
        else:
            if key_nv:
                named.use(key_nv)
            create = "logger_id" not in conf
            insights = Insights(conf.get("logger_id") or entity(ctx.prefix, "appinsights"), create, key_nv,
                                conf.get("resource_id"), "W3C" if obs.tracing == "w3c" else "None")
            if asked:
                ctx.mark("observability.access_log", "gateway")
    elif asked:
        ctx.cannot("observability.access_log", "gateway", pointer, "APIM writes request logs to Application "
                   "Insights (or Azure Monitor), and targets.azure.app_insights names no logger", code="GWC365",
                   fix="add targets:\n  azure:\n    app_insights: {instrumentation_key: {azure_keyvault: "
                       "https://VAULT.vault.azure.net/secrets/NAME}}\n(or logger_id: an existing APIM logger), or set "
                       "observability.access_log.format: none (or pass --allow-lossy to leave the log out)")
    if obs.tracing != "none" and "tracing" in obs.explicit:
        ctx.mark("observability.tracing", "gateway")
    if obs.metrics_path:
        ctx.mark("observability.metrics", "gateway")
    if gw.tls:
        ctx.mark("tls", "gateway")
    return insights
