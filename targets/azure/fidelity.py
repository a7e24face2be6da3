"""The Azure target's fidelity table: one row per feature, in one place (`gwc targets` prints it).

Rows describe Azure API Management's classic and v2 tiers; several policies (rate-limit-by-key,
quota-by-key, backend pools and circuit breakers) do not exist in the Consumption tier, as the notes say.
docs/targets/azure.md gives the sources for each claim.
"""

from gwc.target import Fidelity, Support

E, A, U = Support.EXACT, Support.APPROXIMATE, Support.UNSUPPORTED

_MATCH = ("APIM picks among overlapping URL templates by its own rule, which Microsoft does not document, so "
          "the spec's precedence between a {param} route, a prefix route and an exact route that can match one "
          "path is not guaranteed")

FIDELITY: dict[str, Fidelity] = {
    "route.exact": Fidelity(A, "an operation per method on the path's URL template; a literal '*' in a segment "
                               "is APIM's wildcard (GWC301); " + _MATCH),
    "route.params": Fidelity(A, "a URL template with {params} (one segment each); routes of one shape share the "
                                "first route's parameter names; " + _MATCH),
    "route.prefix": Fidelity(A, "a wildcard URL template /orders/* (APIM's wildcard operation; whether it also "
                                "matches /orders/ itself, with nothing after the slash, is not documented); "
                                + _MATCH),
    "route.methods": Fidelity(E, "one operation per listed method, and for the other methods operations that "
                                 "answer 405 with an Allow header (a route without methods gets all seven; OPTIONS "
                                 "is left to the cors policy on routes with CORS)"),
    "route.rewrite": Fidelity(A, "rewrite-uri keeping the query string: the rewritten path for exact and {param} "
                                 "routes; a prefix route's rest of the path is cut from the original URL path by "
                                 "an expression (APIM's wildcard is not a named parameter), which sees the path "
                                 "as APIM decoded it"),
    "route.split": Fidelity(A, "a load-balanced Pool backend over every instance of the split's services, "
                               "weights 1-100 (GWC303 when scaling changes the shares); APIM balances per gateway "
                               "instance, approximately; the route uses the first service's timeouts and retries "
                               "(GWC303 when they differ); not in the Consumption tier"),
    "hosts": Fidelity(A, "an API-scope check of the request's host name (404 for others, '*.' as a suffix); "
                         "the names must also be custom domains of the APIM instance, which gwc does not "
                         "configure"),
    "service.instances": Fidelity(A, "a Pool backend over one backend per instance, weighted round robin with "
                                     "weights 1-100; backups get priority 2, which APIM uses only while the "
                                     "circuit breakers of all priority-1 members are open; not in the "
                                     "Consumption tier"),
    "service.balance": Fidelity(U, "APIM pools balance by weighted round robin and priority only (no fewest "
                                   "connections, no client-address affinity)"),
    "service.timeouts": Fidelity(A, "forward-request timeout = the read timeout in whole seconds (at most 240), "
                                    "for the whole response; connect and send are not separate; without timeouts "
                                    "APIM's default applies, not the spec's 60 s"),
    "service.retries": Fidelity(A, "retry around forward-request on the listed status codes (count = attempts, "
                                   "the first retry at once, then 1 s apart, idempotent methods only unless "
                                   "non_idempotent); connect errors and timeouts end in on-error and are not "
                                   "retried (GWC303); retries go through the pool, which may pick the same "
                                   "instance"),
    "service.health": Fidelity(A, "a circuit breaker on each pool member: open after max_fails 5xx answers within "
                                  "fail_timeout, for fail_timeout (APIM counts answers, not connection errors; "
                                  "per gateway instance); a single instance has none (nginx ignores it too); not "
                                  "in the Consumption tier"),
    "service.mock": Fidelity(A, "return-response with the status, headers and body (no upstream call); the route's "
                                "response headers are added to it; outbound policies (request ids, CORS headers "
                                "on simple requests) do not run on it"),
    "service.https": Fidelity(A, "https backends with certificate chain and name validation against APIM's "
                                 "trusted CAs; tls_verify: false turns both off"),
    "auth.jwt": Fidelity(A, "validate-jwt (401; exp required, clock-skew = leeway, issuer and audiences) with RSA "
                            "keys from jwks.file inline (n, e; EC keys cannot be given: GWC303), an HMAC secret as "
                            "a Key Vault named value holding the key Base64-encoded, or for jwks.url the issuer's "
                            "OpenID discovery document (APIM cannot read a JWKS URL: GWC303, and GWC362 without "
                            "an issuer); the token is read from the header after the scheme, else the query "
                            "parameter; APIM does not limit the algorithms to the spec's list"),
    "auth.api_key": Fidelity(A, "APIM subscription keys (generated by APIM for subscriptions to the product gwc "
                                "creates; the spec's key list is not used), read from the method's header, or "
                                "APIM's Ocp-Apim-Subscription-Key, and also from a query parameter (the method's, "
                                "or subscription-key: APIM always reads one); one API-key method per API (GWC301); "
                                "a wrong key gets 401 on every operation of the API"),
    "auth.any_of": Fidelity(A, "a <choose>: each method but the last is recognised before it is checked (a valid "
                               "subscription key; a token whose unvalidated iss is the method's issuer; a token "
                               "in the method's own header or query parameter), so a token is checked by one "
                               "method only; methods that cannot be told apart are GWC301"),
    "rate_limit.client_ip": Fidelity(A, "rate-limit-by-key per route and client address (the connection's): "
                                        "calls = rate x window + burst per sliding window of 1 s (N/s), 60 s (N/m) "
                                        "or 300 s (N/h, APIM's longest): rate 100/s burst 50 is 150 calls per 1 s, "
                                        "so up to 150 at once and 150/s sustained (GWC303 gives the numbers per "
                                        "route); counters are approximate across gateway instances; not in the "
                                        "Consumption tier"),
    "rate_limit.api_key": Fidelity(A, "rate-limit-by-key per route and subscription (one per key pair), with the "
                                      "same numbers as per client address"),
    "rate_limit.route": Fidelity(A, "rate-limit-by-key with one key per route, with the same numbers as per client "
                                    "address"),
    "rate_limit.quota": Fidelity(A, "quota-by-key per route and key (client address, subscription or route) in fixed "
                                    "periods of 86400 s (day), 604800 s (week) or 2592000 s (month = 30 days), not "
                                    "calendar periods; over quota APIM answers 403, not 429; not in the Consumption "
                                    "tier"),
    "cache": Fidelity(A, "cache-lookup / cache-store in APIM's internal cache: GET only (not HEAD), 200 answers, "
                         "TTL in whole seconds; the key is the URL path and the listed key parts: other query "
                         "parameters are not part of it (GWC303); bypass: requests with an Authorization header or "
                         "the route's credentials are neither served from nor stored in it"),
    "cache.per_subject": Fidelity(A, "varied by the token header and query parameter, or the subscription key's "
                                     "header and query parameter: per token or key, not per subject"),
    "compression.gzip": Fidelity(U, "APIM has no compression policy (responses pass as the upstream sends them)"),
    "compression.brotli": Fidelity(U, "APIM has no compression policy"),
    "cors": Fidelity(E, "the cors policy at operation scope, first in inbound (APIM answers the preflight with it "
                        "alone, before authentication): origins, methods, headers, exposed headers, credentials, "
                        "preflight-result-max-age"),
    "headers.request": Fidelity(E, "set-header override / delete in inbound; values APIM would read as an "
                                   "expression or named value are written as expressions that build the literal"),
    "headers.response": Fidelity(E, "set-header override / delete in outbound (and in a mock's answer)"),
    "body_limit": Fidelity(A, "413 when the Content-Length header is above the limit (a <choose> in inbound); a "
                              "chunked body without Content-Length is not counted"),
    "ip_rules": Fidelity(E, "ip-filter forbid (deny) then allow, 403; CIDR ranges as address ranges (IPv6 "
                            "written the same way; Microsoft documents IPv4 examples only)"),
    "trusted_proxies": Fidelity(U, "APIM takes the client address from the connection (context.Request.IpAddress) "
                                   "for ip-filter and rate limits; it does not read X-Forwarded-For"),
    "observability.access_log": Fidelity(A, "API diagnostics to the Application Insights logger of "
                                            "targets.azure.app_insights (else GWC365): APIM's request telemetry, "
                                            "all errors and 100% sampling; format, path and fields are APIM's"),
    "observability.request_id": Fidelity(A, "APIM's request id (a GUID) sent upstream and returned as X-Request-Id "
                                            "(a client's X-Request-Id is replaced; not on mock answers)"),
    "observability.tracing": Fidelity(A, "with Application Insights, W3C correlation (APIM reads and forwards "
                                         "traceparent, with its own span); without it traceparent passes through "
                                         "unchanged and none is generated"),
    "observability.metrics": Fidelity(A, "Azure Monitor metrics of the APIM instance, not an HTTP endpoint: "
                                         "metrics.path and metrics.allow are not used"),
    "tls": Fidelity(A, "APIM serves the API over HTTPS only (protocols: https) with the instance's certificate; the "
                       "spec's certificate files, port and redirect are not used (custom domains and certificates "
                       "belong to the instance)"),
}
