"""The AWS target's fidelity table: one row per feature, in one place (`gwc targets` prints it).

Rows describe the REST API (the default); where an HTTP API (api_type: http) differs, the note says so
and the emitter reports the use (GWC301) when the spec needs it.
"""

from gwc.target import Fidelity, Support

E, A, U = Support.EXACT, Support.APPROXIMATE, Support.UNSUPPORTED

FIDELITY: dict[str, Fidelity] = {
    "route.exact": Fidelity(A, "a resource; REST APIs ignore a trailing slash (/users/ is answered like /users); "
                               "path segments may use only letters, digits and . _ - : , (else GWC301)"),
    "route.params": Fidelity(A, "a {param} resource (one segment); parameters at one position share the first "
                                "name used there; a trailing slash is ignored as for exact paths"),
    "route.prefix": Fidelity(A, "greedy {proxy+} resources (plus every resource a longer route claims below the "
                                "prefix); {proxy+} needs at least one segment, so /orders/ itself (and /orders) "
                                "get 404, except the catch-all prefix /"),
    "route.methods": Fidelity(E, "one method per listed method; the other methods get a 405 mock with an Allow "
                                 "header (HTTP APIs: 404, they have no mock)"),
    "route.rewrite": Fidelity(E, "the integration uri, path parameters mapped by requestParameters"),
    "route.split": Fidelity(U, "API Gateway canaries are per stage, not per route; with --allow-lossy the "
                               "heaviest service gets all the traffic"),
    "hosts": Fidelity(U, "the API answers on its execute-api host; other names need custom domain names with "
                         "ACM certificates, which gwc does not create"),
    "service.instances": Fidelity(A, "only through targets.aws.load_balancer_urls.<service> (API Gateway sends "
                                     "to one address; weights and backups then belong to that load balancer); "
                                     "without it GWC301, and with --allow-lossy the heaviest instance gets all"),
    "service.balance": Fidelity(A, "belongs to the load balancer named in targets.aws.load_balancer_urls "
                                   "(else GWC301)"),
    "service.timeouts": Fidelity(A, "one total integration timeout = the read timeout, 50-29000 ms (HTTP API "
                                    "30000 ms; GWC303 when clamped); connect and send are not separate; "
                                    "without timeouts the maximum applies, not 60 s"),
    "service.retries": Fidelity(U, "API Gateway never retries an integration"),
    "service.health": Fidelity(A, "belongs to the load balancer named in targets.aws.load_balancer_urls "
                                  "(else GWC301: API Gateway has no passive health checks)"),
    "service.mock": Fidelity(A, "a mock integration (REST only; HTTP APIs have none: GWC301); requests with a "
                                "body that is not JSON get 415; header values cannot hold a single quote"),
    "service.https": Fidelity(A, "certificates are checked against API Gateway's list of public CAs; "
                                 "tls_verify: false becomes tlsConfig.insecureSkipVerification (REST only)"),
    "auth.jwt": Fidelity(A, "REST: the Cognito user pool or Lambda token authorizer named in "
                            "targets.aws.authorizers checks the token (Cognito checks its own issuer and client "
                            "ids, not the spec's; a Lambda's results are cached for leeway seconds), else GWC320; "
                            "HTTP API: native JWT authorizer with issuer and audiences (RS256/384/512, no leeway "
                            "setting); tokens from the query parameter are refused"),
    "auth.api_key": Fidelity(A, "REST API keys in the X-API-Key header only, one API-key method per API; "
                                "API Gateway generates one key per method (the spec's key list is not imported); "
                                "a missing or wrong key gets 401; HTTP APIs have none (GWC301)"),
    "auth.any_of": Fidelity(U, "a method has one authorizer (plus an API key, both required); with "
                               "--allow-lossy only the first method listed is checked"),
    "rate_limit.client_ip": Fidelity(U, "API Gateway throttles per method or per API key, never per client "
                                        "address"),
    "rate_limit.api_key": Fidelity(A, "usage-plan method throttle per key: rate per second and burst + 1 "
                                      "(API Gateway's burst is the bucket size); best-effort token bucket; "
                                      "REST only (HTTP: GWC301)"),
    "rate_limit.route": Fidelity(A, "stage method throttling: rate per second, burst + 1; one bucket per "
                                    "resource and method (a route with 3 methods has 3 buckets); capped by the "
                                    "account limit (10000/s, burst 5000 by default)"),
    "rate_limit.quota": Fidelity(A, "usage-plan quota (DAY/WEEK/MONTH) per API key; it counts every request of "
                                    "the key to the stage, not only this route's; one quota per API; per: api_key "
                                    "on REST APIs only (else GWC301)"),
    "cache": Fidelity(A, "REST stage cache (cluster 0.5 GB unless set): GET and HEAD, TTL in whole seconds "
                         "1-3600 (GWC303 when clamped); the key is the path parameters and the listed key parts "
                         "only (other query parameters are ignored); upstream Cache-Control is ignored; "
                         "responses up to 1 MB; authenticated routes need per_subject or shared (GWC301); HTTP "
                         "APIs have no cache"),
    "cache.per_subject": Fidelity(A, "the X-API-Key header or the token header is part of the cache key: per "
                                     "key or per token, not per subject"),
    "compression.gzip": Fidelity(A, "API-wide minimum compression size (the smallest route min_size, 0-10485760 "
                                    "bytes): every route and content type is compressed (gzip or deflate), "
                                    "level is not settable; HTTP APIs do not compress (GWC301)"),
    "compression.brotli": Fidelity(U, "API Gateway compresses with gzip and deflate only"),
    "cors": Fidelity(A, "REST: OPTIONS preflight mocks (allowed origins echoed) and the headers on mock and "
                        "gateway-error answers; proxied upstream answers carry only what the upstream sends "
                        "(API Gateway adds no headers to http_proxy responses); HTTP API: one API-wide policy "
                        "(x-amazon-apigateway-cors)"),
    "headers.request": Fidelity(A, "set: static integration request parameters (values cannot hold a single "
                                   "quote); remove: HTTP APIs only (REST http_proxy passes every header: "
                                   "GWC301); HTTP APIs cannot touch reserved headers"),
    "headers.response": Fidelity(U, "http_proxy responses are passed through as they are (HTTP APIs would need "
                                    "one mapping per status code)"),
    "body_limit": Fidelity(U, "API Gateway's payload limit is fixed at 10 MB"),
    "ip_rules": Fidelity(A, "a resource policy with aws:SourceIp deny statements (403), REST only; a {param} "
                            "or prefix becomes '*', which also covers longer paths below it"),
    "trusted_proxies": Fidelity(U, "API Gateway takes the client address from the connection (aws:SourceIp); "
                                   "it does not read X-Forwarded-For"),
    "observability.access_log": Fidelity(A, "stage access log in JSON (or common log format) to "
                                            "targets.aws.access_log_destination_arn (else GWC321); fields "
                                            "without an API Gateway variable are left out; the path is not used"),
    "observability.request_id": Fidelity(A, "API Gateway's request id, sent upstream as X-Request-Id (a client's "
                                            "X-Request-Id is replaced); the client gets it as x-amzn-RequestId "
                                            "(HTTP API: apigw-requestid)"),
    "observability.tracing": Fidelity(A, "traceparent passes through unchanged but none is generated; REST "
                                         "stages also trace with X-Ray (X-Amzn-Trace-Id)"),
    "observability.metrics": Fidelity(A, "CloudWatch metrics per method (REST) or route (HTTP), not an HTTP "
                                         "endpoint: metrics.path and metrics.allow are not used"),
    "tls": Fidelity(A, "API Gateway serves HTTPS only (TLS 1.2+) with its own *.execute-api certificate; the "
                       "spec's certificate files and port are not used (a custom domain with an ACM certificate "
                       "replaces them) and there is no plain-HTTP listener to redirect"),
}
