"""The Gateway API target's fidelity table: one row per feature, in one place (`gwc targets` prints it).

gwc writes standard-channel resources (gateway.networking.k8s.io/v1 Gateway and HTTPRoute, v1beta1
ReferenceGrant). Fields that exist only in the experimental channel (HTTPRoute `retry`, the `CORS` and
`ExternalAuth` filters, `sessionPersistence`) are not used, so what needs them is unsupported here.
docs/targets/gateway-api.md gives the reasoning for each row.
"""

from gwc.target import Fidelity, Support

E, A, U = Support.EXACT, Support.APPROXIMATE, Support.UNSUPPORTED

_IMPL = "implementation-specific configuration (a policy resource of the controller), which gwc does not write"

FIDELITY: dict[str, Fidelity] = {
    "route.exact": Fidelity(E, "an Exact path match; Gateway API ranks Exact above every other match, as the spec "
                               "does"),
    "route.params": Fidelity(A, "a RegularExpression path match (^/users/[^/]+$): RegularExpression matching and "
                                "its precedence against other matches are implementation-specific in the Gateway API "
                                "(Envoy-based controllers rank it between Exact and PathPrefix), so the spec's order "
                                "between two {param} routes is not guaranteed"),
    "route.prefix": Fidelity(A, "a PathPrefix match, longest first as in the spec; PathPrefix matches whole segments "
                                "and ignores a trailing '/': a spec prefix /users (no '/') is exactly PathPrefix "
                                "/users, but prefix /users/ also answers /users itself (GWC393 when no route has that "
                                "path)"),
    "route.methods": Fidelity(A, "one match per method; a request with another method matches no rule and falls to a "
                                 "wider rule or gets 404, never 405 with an Allow header"),
    "route.rewrite": Fidelity(A, "a URLRewrite filter: ReplaceFullPath for a path route, ReplacePrefixMatch for a "
                                 "prefix route (one rule per method, as a prefix rewrite needs exactly one PathPrefix "
                                 "match); a rewrite that uses {params} cannot be expressed (GWC301)"),
    "route.split": Fidelity(E, "weighted backendRefs in one rule (weights reduced by their common divisor)"),
    "hosts": Fidelity(E, "HTTPRoute hostnames and one listener per host (at most 16 hosts)"),
    "service.instances": Fidelity(A, "a backendRef points at a Kubernetes Service, which balances its own pods: "
                                     "instances on one host are one backendRef (their weights are not kept); instances "
                                     "on several hosts are weighted backendRefs, one per host; backup instances "
                                     "cannot be expressed (GWC301)"),
    "service.balance": Fidelity(U, "least_conn and ip_hash are " + _IMPL + " (sessionPersistence is experimental)"),
    "service.timeouts": Fidelity(A, "HTTPRoute rule timeouts: request and backendRequest = the read timeout, for the "
                                    "whole response (not between reads); connect and send timeouts are " + _IMPL),
    "service.retries": Fidelity(U, "HTTPRoute retry exists only in the experimental channel (GEP-1731); gwc writes "
                                   "standard-channel resources"),
    "service.health": Fidelity(U, "passive health checks are " + _IMPL),
    "service.mock": Fidelity(U, "HTTPRoute has no direct response in the standard API; routes to a mock service are "
                                "left out with --allow-lossy (GWC391: their paths answer 500)"),
    "service.https": Fidelity(U, "TLS to a backend needs a BackendTLSPolicy with the CA to verify against, which gwc "
                                 "does not write (it is not among the standard v1 resources gwc validates); with "
                                 "--allow-lossy the backendRef is plain HTTP to the same port"),
    "auth.jwt": Fidelity(U, "no authentication in the standard Gateway API (external auth, GEP-1494, is "
                            "experimental); routes that need it are left out with --allow-lossy (GWC391: their paths "
                            "answer 500), never served open"),
    "auth.api_key": Fidelity(U, "no authentication in the standard Gateway API; routes that need it are left out with "
                                "--allow-lossy (GWC391: their paths answer 500), never served open"),
    "auth.any_of": Fidelity(U, "no authentication in the standard Gateway API"),
    "rate_limit.client_ip": Fidelity(U, "no rate limiting in the Gateway API (" + _IMPL + ")"),
    "rate_limit.api_key": Fidelity(U, "no rate limiting in the Gateway API"),
    "rate_limit.route": Fidelity(U, "no rate limiting in the Gateway API"),
    "rate_limit.quota": Fidelity(U, "no quotas in the Gateway API"),
    "cache": Fidelity(U, "no response caching in the Gateway API"),
    "cache.per_subject": Fidelity(U, "no response caching in the Gateway API"),
    "compression.gzip": Fidelity(U, "no compression settings in the Gateway API"),
    "compression.brotli": Fidelity(U, "no compression settings in the Gateway API"),
    "cors": Fidelity(U, "the HTTPRoute CORS filter exists only in the experimental channel (GEP-1767)"),
    "headers.request": Fidelity(E, "a RequestHeaderModifier filter (set, remove); values must be printable ASCII "
                                   "without leading, trailing or double spaces, at most 16 of each (else GWC394)"),
    "headers.response": Fidelity(E, "a ResponseHeaderModifier filter (set, remove), with the same limits"),
    "body_limit": Fidelity(U, "no request body limit in the Gateway API"),
    "ip_rules": Fidelity(U, "no client-address rules in the Gateway API; routes that need them are left out with "
                            "--allow-lossy (GWC391: their paths answer 500), never served unrestricted"),
    "trusted_proxies": Fidelity(U, "where the client address comes from is " + _IMPL),
    "observability.access_log": Fidelity(U, "access logs are " + _IMPL),
    "observability.request_id": Fidelity(U, "request ids are " + _IMPL),
    "observability.tracing": Fidelity(U, "tracing is " + _IMPL),
    "observability.metrics": Fidelity(U, "metrics are the controller's own"),
    "tls": Fidelity(A, "an HTTPS listener on tls.port terminating with the Kubernetes Secret named by "
                       "targets.gateway_api.tls_secret (default <name>-tls); the spec's certificate files are not "
                       "read (GWC392); redirect_http becomes a RequestRedirect route (301) on the HTTP listeners; "
                       "with an existing Gateway its listeners decide (GWC392)"),
}
