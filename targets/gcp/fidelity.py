"""The Google target's fidelity table: one row per feature, in one place (`gwc targets` prints it).

Rows describe Cloud Endpoints (ESPv2) and API Gateway, which read the same OpenAPI extensions; where the
two products differ the note says so. docs/targets/gcp.md gives the sources for each claim.
"""

from gwc.target import Fidelity, Support

E, A, U = Support.EXACT, Support.APPROXIMATE, Support.UNSUPPORTED

_METHODS = ("a route without methods gets GET, POST, PUT, PATCH and DELETE operations (HEAD and OPTIONS cannot "
            "be declared: Google's OpenAPI importer reads only those five)")

FIDELITY: dict[str, Fidelity] = {
    "route.exact": Fidelity(A, "an OpenAPI path; " + _METHODS + "; literal segments may use only letters, digits "
                               "and . _ ~ - (Google reads * = : as template syntax; else GWC301)"),
    "route.params": Fidelity(A, "an OpenAPI path with {params} (one segment each); Google also accepts one trailing "
                                "slash (/users/42/); routes of one shape share the first route's parameter names; "
                                + _METHODS),
    "route.prefix": Fidelity(A, "a double-wildcard path template: OpenAPI 2.0 /orders/{path=**}, OpenAPI 3 "
                                "/orders/{path} with x-google-parameter pattern '**'; matches /orders/ and everything "
                                "below it, not /orders, as in the spec; Google orders routes segment by segment "
                                "(literal, then {param}, then **), which gives the spec's precedence except between "
                                "two {param} routes of equal rank (GWC204); " + _METHODS),
    "route.methods": Fidelity(A, "one operation per listed method; Google matches path and method together, so "
                                 "another method goes to a wider route that covers the path (a prefix) when there is "
                                 "one, and is otherwise refused as an undefined request, never 405 with an Allow "
                                 "header; HEAD and OPTIONS cannot be listed (GWC301)"),
    "route.rewrite": Fidelity(A, "x-google-backend path_translation: an exact path becomes CONSTANT_ADDRESS with the "
                                 "rewritten path in the address; a {param} or prefix route only when the rewrite is a "
                                 "base followed by the route's own path (APPEND_PATH_TO_ADDRESS to service URL + "
                                 "base), else GWC301 (Google would send the parameters as query parameters)"),
    "route.split": Fidelity(U, "x-google-backend has one address per operation; with --allow-lossy the heaviest "
                               "service gets all the traffic"),
    "hosts": Fidelity(U, "the API answers on its service name (Endpoints) or gateway host (API Gateway); Google does "
                         "not match on the Host header"),
    "service.instances": Fidelity(U, "x-google-backend sends to one address (put a load balancer in front); with "
                                     "--allow-lossy the heaviest non-backup instance gets all the traffic"),
    "service.balance": Fidelity(U, "one address per backend: nothing to balance over"),
    "service.timeouts": Fidelity(A, "x-google-backend deadline = the read timeout in seconds, for the whole response "
                                    "(not between reads); connect and send are not separate; without timeouts the "
                                    "spec's 60 s is written (Google's own default is 15 s)"),
    "service.retries": Fidelity(U, "Google's gateways do not retry a backend call"),
    "service.health": Fidelity(U, "no passive health checks: one address per backend"),
    "service.mock": Fidelity(U, "Google's gateways always call a backend; routes to a mock service are left out "
                                "with --allow-lossy (GWC341)"),
    "service.https": Fidelity(A, "https backends are verified against public CAs; tls_verify: false has no effect "
                                 "(GWC342); *.run.app and *.cloudfunctions.net backends get a Google ID token "
                                 "(jwt_audience: the Cloud Run service URL, or the function's address; the client's "
                                 "Authorization header moves to X-Forwarded-Authorization), other backends get the "
                                 "request's own headers (disable_auth)"),
    "auth.jwt": Fidelity(A, "securityDefinitions oauth2 with x-google-issuer, x-google-jwks_uri (jwks.url; Google "
                            "fetches and caches the keys, so a jwks file or an HMAC secret alone is GWC343), "
                            "x-google-audiences (without audiences Google accepts only tokens for the service name, "
                            "not any audience), x-google-jwt-locations (the header with 'Bearer '/'bearer '/'BEARER ' "
                            "prefixes, and the query parameter); the accepted algorithms are those of the published "
                            "keys, the leeway is Google's; one issuer per method"),
    "auth.api_key": Fidelity(A, "Google API keys, from the x-api-key header or the key query parameter: keys created "
                                "in Google Cloud projects that enabled the API (the spec's key list is not used; who "
                                "may enable it is IAM's), one API-key method per API (else GWC301)"),
    "auth.any_of": Fidelity(A, "a list of security requirements, which Google accepts between JWT methods only; an OR "
                               "with an API key is GWC301, and with --allow-lossy only the first method is checked"),
    "rate_limit.client_ip": Fidelity(U, "Google counts quotas per calling project (from the API key), never per "
                                        "client address"),
    "rate_limit.api_key": Fidelity(A, "a quota per minute per calling project (the API key's project): the rate "
                                      "per minute rounded up (100/s becomes 6000/min), no burst (all of it may come "
                                      "at once), keys of one project share it (GWC303 gives the numbers)"),
    "rate_limit.route": Fidelity(U, "Google quotas count per calling project, not one bucket for all callers"),
    "rate_limit.quota": Fidelity(U, "Google supports only per-minute limits (unit 1/min/{project}); no day, week or "
                                    "month quotas"),
    "cache": Fidelity(U, "Google's gateways do not cache responses"),
    "cache.per_subject": Fidelity(U, "no response cache"),
    "compression.gzip": Fidelity(U, "no compression settings (responses pass as the upstream sends them)"),
    "compression.brotli": Fidelity(U, "no compression settings"),
    "cors": Fidelity(U, "Google answers no CORS itself (managed API Gateway has no CORS policy); with --allow-lossy "
                        "allowCors passes preflight OPTIONS requests to the upstream unauthenticated, and the upstream "
                        "must answer them and add the CORS headers (the spec's origins are not enforced by Google)"),
    "headers.request": Fidelity(U, "no request transformation"),
    "headers.response": Fidelity(U, "no response transformation"),
    "body_limit": Fidelity(U, "Google sets the request size limit itself; it is not configurable"),
    "ip_rules": Fidelity(U, "no client-address rules (Cloud Armor needs a load balancer, which gwc does not create)"),
    "trusted_proxies": Fidelity(U, "Google takes the client address from its own front end"),
    "observability.access_log": Fidelity(A, "Google writes a request log to Cloud Logging by itself (Endpoints: the "
                                            "service's logs; API Gateway: the gateway's); its format, path and fields "
                                            "are Google's"),
    "observability.request_id": Fidelity(U, "gwc cannot make Google send an X-Request-Id; Google's trace header "
                                            "(X-Cloud-Trace-Context) identifies requests in its logs"),
    "observability.tracing": Fidelity(A, "ESPv2 (also behind API Gateway) reads and sends traceparent and "
                                         "X-Cloud-Trace-Context by default, with a new span id, and samples traces to "
                                         "Cloud Trace"),
    "observability.metrics": Fidelity(A, "Cloud Monitoring metrics per API method, not an HTTP endpoint: metrics.path "
                                         "and metrics.allow are not used"),
    "tls": Fidelity(A, "Google serves HTTPS with its own certificate (API Gateway: *.gateway.dev; Endpoints: where "
                       "ESPv2 runs); the spec's certificate files, port and redirect are not used"),
}
