"""The nginx target's fidelity table: one row per feature, in one place (`gwc targets` prints it)."""

from gwc.target import Fidelity, Support

E, A, U = Support.EXACT, Support.APPROXIMATE, Support.UNSUPPORTED

FIDELITY: dict[str, Fidelity] = {
    "route.exact": Fidelity(E, "location = PATH"),
    "route.params": Fidelity(E, "a regex location nested under the static prefix; {param} = [^/]+"),
    "route.prefix": Fidelity(E, "prefix location"),
    "route.methods": Fidelity(E, "405 with an Allow header for other methods"),
    "route.rewrite": Fidelity(E, "rewrite ... break; the URI is re-escaped"),
    "route.split": Fidelity(A, "split_clients per request: weights become percentages with two decimals "
                               "(1:1:1 is 33.33% / 33.33% / 33.34%)"),
    "hosts": Fidelity(E, "server_name"),
    "service.instances": Fidelity(E, "upstream servers with weight="),
    "service.balance": Fidelity(E, "least_conn / ip_hash"),
    "service.timeouts": Fidelity(E, "proxy_connect/read/send_timeout (per read/write, not total)"),
    "service.retries": Fidelity(A, "proxy_next_upstream: a retry goes to the next instance, never the same one, "
                                   "so attempts are capped at the number of instances"),
    "service.health": Fidelity(A, "max_fails / fail_timeout; fail_timeout is whole seconds, so a sub-second "
                                  "value is rounded up (at most 999 ms longer)"),
    "service.mock": Fidelity(E, "return STATUS BODY, after auth and rate limits; a mock route's cache and "
                                "request headers have nothing to act on and are left out"),
    "service.https": Fidelity(E, "proxy_ssl_verify on with the system CA bundle"),
    "auth.jwt": Fidelity(E, "njs WebCrypto behind auth_request; keys embedded at compile time from jwks.file; "
                            "a verified token is reused for up to 60 s, never past its exp"),
    "auth.api_key": Fidelity(E, "njs compares SHA-256 digests; keys read at run time from the reference (a verified "
                                "key is reused for up to 60 s, so a key removed from its file stops within 60 s)"),
    "auth.any_of": Fidelity(E, "methods tried in order; the first success wins"),
    "rate_limit.client_ip": Fidelity(A, "limit_req with nodelay: burst+1 requests pass at once, then one request "
                                        "every 1/rate s; rates below 1/m round to whole requests per minute"),
    "rate_limit.api_key": Fidelity(A, "as client_ip, keyed on the presented key"),
    "rate_limit.route": Fidelity(A, "as client_ip, one bucket per route"),
    "rate_limit.quota": Fidelity(U, "nginx keeps no counters beyond its leaky buckets (no daily/monthly quota)"),
    "cache": Fidelity(A, "proxy_cache: ttl is a maximum; upstream Cache-Control no-store/private/max-age wins; "
                         "ttl is whole seconds, so a sub-second value is rounded up (at most 999 ms longer)"),
    "cache.per_subject": Fidelity(E, "the authenticated subject is part of the cache key"),
    "compression.gzip": Fidelity(A, "min_size is checked against Content-Length; chunked responses are "
                                    "compressed whatever their size"),
    "compression.brotli": Fidelity(A, "as gzip (Debian's ngx_brotli filter module)"),
    "cors": Fidelity(E, "preflight answered with 204; allowed origins matched exactly"),
    "headers.request": Fidelity(E, "proxy_set_header"),
    "headers.response": Fidelity(E, "add_header always / proxy_hide_header"),
    "body_limit": Fidelity(E, "client_max_body_size (413)"),
    "ip_rules": Fidelity(E, "allow/deny (403)"),
    "trusted_proxies": Fidelity(E, "realip: set_real_ip_from + X-Forwarded-For, recursive"),
    "observability.access_log": Fidelity(E, "log_format escape=json"),
    "observability.request_id": Fidelity(E, "X-Request-Id kept when well-formed, else $request_id"),
    "observability.tracing": Fidelity(E, "traceparent kept when valid, else a new one from $request_id"),
    "observability.metrics": Fidelity(A, "stub_status (connections and request counts, not per route)"),
    "tls": Fidelity(E, "listen ssl with TLSv1.2/1.3"),
}
