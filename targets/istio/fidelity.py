"""The Istio target's fidelity table: one row per feature, in one place (`gwc targets` prints it).

Rows describe Istio's own resources (VirtualService, DestinationRule, Gateway, RequestAuthentication,
AuthorizationPolicy) as Envoy applies them; nothing needs an EnvoyFilter. docs/targets/istio.md explains each row.
"""

from gwc.target import Fidelity, Support

E, A, U = Support.EXACT, Support.APPROXIMATE, Support.UNSUPPORTED

FIDELITY: dict[str, Fidelity] = {
    "route.exact": Fidelity(E, "a VirtualService http match on uri.exact"),
    "route.params": Fidelity(E, "a uri.regex match (RE2), one [^/]+ per {param}; routes ordered as the spec's "
                                "precedence (exact, more literal segments, longest prefix); authorization policies "
                                "name them with Istio path templates ({*}, Istio 1.22 and later)"),
    "route.prefix": Fidelity(A, "a uri.prefix match; a prefix written without its '/' (prefix: /users) is one "
                                "prefix match '/users', which also matches /usersX (the spec's form matches /users "
                                "and /users/... only); /users/ keeps its '/' and is exact"),
    "route.methods": Fidelity(E, "a method match (exact, or the regex ^(GET|POST)$); after the routes of one path a "
                                 "directResponse 405 with an Allow header answers the other methods"),
    "route.rewrite": Fidelity(E, "rewrite.uri for exact paths and prefixes (Istio replaces the matched prefix); a "
                                 "rewrite that uses {params} is rewrite.uriRegexRewrite with \\1, \\2 ..."),
    "route.split": Fidelity(A, "weighted destinations; Istio weights are whole percentages summing to 100, so "
                               "other weights are scaled and rounded (GWC303 gives the numbers)"),
    "hosts": Fidelity(E, "the VirtualService hosts (and, in ingress mode, the Gateway's server hosts)"),
    "service.instances": Fidelity(A, "the mesh balances the pods behind one host: instances that share one host "
                                     "and port are one destination (exact); instances on different hosts or ports "
                                     "are GWC301, and with --allow-lossy the heaviest non-backup one gets all the "
                                     "traffic"),
    "service.balance": Fidelity(A, "DestinationRule loadBalancer: least_conn is LEAST_REQUEST (Envoy picks the "
                                   "less busy of two random endpoints), ip_hash is consistentHash.useSourceIp (a "
                                   "hash ring over the whole client address, not nginx's first three octets)"),
    "service.timeouts": Fidelity(A, "connect is the DestinationRule tcp.connectTimeout; read is the route timeout, "
                                    "for the whole response rather than between two reads (with retries: "
                                    "perTryTimeout, and the route timeout covers all tries); send has no Istio "
                                    "setting"),
    "service.retries": Fidelity(A, "VirtualService retries: connect_error is connect-failure,refused-stream,reset, "
                                   "timeout is reset with perTryTimeout = the read timeout, status codes are "
                                   "retriable status codes; without non_idempotent, POST and PATCH get a route of "
                                   "their own with attempts: 0. A service without retries gets Istio's default "
                                   "(2 retries on connect-failure, refused-stream, unavailable, cancelled)"),
    "service.health": Fidelity(A, "DestinationRule outlierDetection: max_fails consecutive gateway errors (502, 503, "
                                  "504, connect failures) eject an endpoint for fail_timeout, checked every "
                                  "fail_timeout (consecutive, not counted in a window), maxEjectionPercent 100"),
    "service.mock": Fidelity(A, "directResponse with the body as a string; Content-Type and the mock's headers are "
                                "response headers of the route; Envoy limits direct-response bodies (4 KiB unless "
                                "the mesh raises it)"),
    "service.https": Fidelity(A, "DestinationRule tls mode SIMPLE with sni; the certificate is verified against the "
                                 "proxy's system CAs only when the mesh verifies at the client "
                                 "(VERIFY_CERTIFICATE_AT_CLIENT, the default since Istio 1.20); tls_verify: false is "
                                 "insecureSkipVerify"),
    "auth.jwt": Fidelity(A, "RequestAuthentication (issuer, audiences, jwksUri from jwks.url or the inline JWKS "
                            "from jwks.file, the header and query parameter) plus a DENY AuthorizationPolicy for "
                            "requests without a principal of the route's issuers: a missing token gets 403, not 401; "
                            "Envoy's clock skew is 60 s, not the spec's leeway; the accepted algorithms are those of "
                            "the keys; a request with an invalid token is refused (401) on every path of the policy's workloads, "
                            "open routes too; an HMAC secret or a method without issuer is GWC380"),
    "auth.api_key": Fidelity(U, "Istio checks no API keys without an external authorizer (CUSTOM action); routes "
                                "that cannot keep an auth method are left out with --allow-lossy"),
    "auth.any_of": Fidelity(E, "the DENY policy lists the principals of every JWT method of the route (issuer/*)"),
    "rate_limit.client_ip": Fidelity(U, "Istio has no rate-limit resource (Envoy's rate limit needs an EnvoyFilter "
                                        "or a rate-limit service)"),
    "rate_limit.api_key": Fidelity(U, "no rate-limit resource and no API keys"),
    "rate_limit.route": Fidelity(U, "no rate-limit resource (an EnvoyFilter local rate limit is not generated)"),
    "rate_limit.quota": Fidelity(U, "no quotas"),
    "cache": Fidelity(U, "Istio does not cache responses"),
    "cache.per_subject": Fidelity(U, "no response cache"),
    "compression.gzip": Fidelity(U, "compression needs an EnvoyFilter, which gwc does not generate"),
    "compression.brotli": Fidelity(U, "compression needs an EnvoyFilter, which gwc does not generate"),
    "cors": Fidelity(A, "corsPolicy (exact origins, '*' as the regex .*); Envoy forwards a preflight from an origin "
                        "it does not allow to the upstream instead of answering it"),
    "headers.request": Fidelity(E, "headers.request.set / remove"),
    "headers.response": Fidelity(E, "headers.response.set / remove"),
    "body_limit": Fidelity(U, "no request size limit in Istio's resources (an EnvoyFilter buffer filter)"),
    "ip_rules": Fidelity(E, "a DENY AuthorizationPolicy on the route's paths: ipBlocks for denied ranges, notIpBlocks "
                            "for the allowed ones (the address of the connection)"),
    "trusted_proxies": Fidelity(U, "the number of trusted proxies is mesh or gateway-pod configuration "
                                   "(numTrustedProxies), not a resource gwc writes"),
    "observability.access_log": Fidelity(U, "access logs are mesh configuration (meshConfig.accessLogFile or a "
                                            "Telemetry resource), not set per route"),
    "observability.request_id": Fidelity(A, "Envoy creates x-request-id and passes it upstream; returning it in the "
                                            "response is mesh configuration"),
    "observability.tracing": Fidelity(A, "Envoy propagates trace context with the mesh's tracing provider "
                                         "(W3C traceparent or B3, as the mesh is configured)"),
    "observability.metrics": Fidelity(A, "Istio's standard metrics, scraped from the proxies; metrics.path and "
                                         "metrics.allow are not used"),
    "tls": Fidelity(A, "ingress mode: an HTTPS server on the Gateway with the Kubernetes Secret named by "
                       "targets.istio.tls_credential_name (the spec's certificate files are not read; without the "
                       "setting GWC383); redirect_http is httpsRedirect; mesh mode has no server of its own (GWC383)"),
}
