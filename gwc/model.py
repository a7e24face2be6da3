"""The intermediate representation: small frozen dataclasses with defaults resolved and references linked.

Targets read only this. Every object carries the JSON pointer of the spec value it came from, so a
target can locate what it reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from gwc.values import Rate

Json = object


@dataclass(frozen=True)
class SecretRef:
    """A secret by reference: the kind of store and the id in it, never the value."""

    kind: Literal["env", "file", "aws_secret", "gcp_secret", "azure_keyvault"]
    ref: str


@dataclass(frozen=True)
class Instance:
    """One upstream instance (scheme, host, port) with its load-distribution weight."""

    scheme: str
    host: str
    port: int
    weight: int = 1
    backup: bool = False


@dataclass(frozen=True)
class Retries:
    """Retry policy: attempts after the first try and the conditions that trigger one."""

    attempts: int
    on: tuple[str, ...]
    non_idempotent: bool = False


@dataclass(frozen=True)
class Mock:
    """A response the gateway answers itself."""

    status: int
    body: str
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Service:
    """An upstream service: instances (or a mock), balancing, timeouts, retries and passive health."""

    name: str
    pointer: str
    instances: tuple[Instance, ...] = ()
    balance: str = "round_robin"
    connect_timeout_ms: int = 5000
    read_timeout_ms: int = 60000
    send_timeout_ms: int = 60000
    retries: Retries | None = None
    max_fails: int = 1
    fail_timeout_ms: int = 10000
    keepalive: int = 16
    tls_verify: bool = True
    mock: Mock | None = None
    timeouts_set: bool = False
    health_set: bool = False

    @property
    def scheme(self) -> str:
        """http or https (all instances share one scheme; the checks make sure of it)."""
        return self.instances[0].scheme if self.instances else "http"


@dataclass(frozen=True)
class JwtKey:
    """A public key for JWT signatures, as base64 DER SubjectPublicKeyInfo."""

    kid: str
    alg: str
    spki: str


@dataclass(frozen=True)
class JwtAuth:
    """JWT bearer-token authentication."""

    name: str
    pointer: str
    issuer: str | None
    audiences: tuple[str, ...]
    algorithms: tuple[str, ...]
    keys: tuple[JwtKey, ...] = ()
    jwks_url: str | None = None
    jwks_file: str | None = None
    secret: SecretRef | None = None
    leeway_s: int = 30
    header: str = "Authorization"
    scheme: str = "Bearer"
    query: str | None = None
    kind: Literal["jwt"] = "jwt"


@dataclass(frozen=True)
class ApiKeyAuth:
    """API-key authentication; the valid keys stay behind a reference."""

    name: str
    pointer: str
    keys: SecretRef
    header: str | None = "X-API-Key"
    query: str | None = None
    format: str = "plain"
    kind: Literal["api_key"] = "api_key"


Auth = JwtAuth | ApiKeyAuth


@dataclass(frozen=True)
class Quota:
    """A long-term allowance: `requests` per day, week or month."""

    requests: int
    period: str


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: `rate` refill, `burst` extra requests at once, one bucket per `per` key."""

    rate: Rate
    burst: int
    per: str
    pointer: str
    quota: Quota | None = None


@dataclass(frozen=True)
class Cache:
    """Response caching for GET/HEAD."""

    ttl_ms: int
    key: tuple[str, ...]
    authenticated: str
    pointer: str


@dataclass(frozen=True)
class Compression:
    """Response compression."""

    gzip: bool
    brotli: bool
    min_size: int
    level: int
    types: tuple[str, ...]
    pointer: str


@dataclass(frozen=True)
class Cors:
    """Cross-origin resource sharing."""

    origins: tuple[str, ...]
    methods: tuple[str, ...]
    headers: tuple[str, ...]
    expose_headers: tuple[str, ...]
    credentials: bool
    max_age_s: int
    pointer: str


@dataclass(frozen=True)
class HeaderOps:
    """Headers set (name, value) and removed, on the request or the response."""

    set: tuple[tuple[str, str], ...] = ()
    remove: tuple[str, ...] = ()
    pointer: str = ""

    def __bool__(self) -> bool:
        return bool(self.set or self.remove)


@dataclass(frozen=True)
class IpRules:
    """Client address rules: deny listed ranges, and when `allow` is given, deny everything else."""

    allow: tuple[str, ...]
    deny: tuple[str, ...]
    pointer: str


@dataclass(frozen=True)
class Match:
    """What a route matches: an exact path, a path with {params}, or a prefix ending in '/'."""

    kind: Literal["exact", "params", "prefix"]
    path: str
    segments: tuple[str, ...]
    params: tuple[str, ...]

    @property
    def static_prefix(self) -> str:
        """The literal text before the first parameter."""
        return self.path.split("{", 1)[0]


@dataclass(frozen=True)
class Split:
    """A weighted share of a route's traffic."""

    service: str
    weight: int


@dataclass(frozen=True)
class Route:
    """One route with its effective policies (defaults applied)."""

    id: str
    index: int
    pointer: str
    match: Match
    methods: tuple[str, ...] | None
    service: str | None
    split: tuple[Split, ...] = ()
    rewrite: str | None = None
    auth: tuple[str, ...] = ()
    rate_limit: RateLimit | None = None
    cache: Cache | None = None
    compression: Compression | None = None
    cors: Cors | None = None
    request_headers: HeaderOps = field(default_factory=HeaderOps)
    response_headers: HeaderOps = field(default_factory=HeaderOps)
    body_limit: int | None = None
    body_limit_pointer: str = ""
    ip: IpRules | None = None
    covers_base: bool = False     # a prefix written without its '/': it also answers the bare path ...
    base_of: str | None = None    # ... through this companion exact route (the prefix route's id)


@dataclass(frozen=True)
class Observability:
    """Access log, request ids, trace-context propagation and the metrics endpoint."""

    log_format: str = "json"
    log_path: str = "logs/access.log"
    log_fields: tuple[str, ...] = ()
    request_id: bool = True
    tracing: str = "w3c"
    metrics_path: str | None = None
    metrics_allow: tuple[str, ...] = ()
    pointer: str = "/observability"
    explicit: tuple[str, ...] = ()  # the keys the spec sets; only those are feature uses a target must honour


@dataclass(frozen=True)
class Tls:
    """Serving TLS: certificate and key files (paths on the gateway host)."""

    cert_file: str
    key_file: str
    port: int
    redirect_http: bool
    pointer: str = "/tls"


@dataclass(frozen=True)
class Gateway:
    """The whole gateway: the model every target reads."""

    name: str
    title: str
    description: str
    version: str
    source: str
    hosts: tuple[str, ...]
    trusted_proxies: tuple[str, ...]
    services: dict[str, Service]
    auth: dict[str, Auth]
    routes: tuple[Route, ...]
    observability: Observability
    tls: Tls | None
    settings: dict[str, dict]

    def service(self, name: str) -> Service:
        """The service with this name."""
        return self.services[name]

    def target_settings(self, target: str) -> dict:
        """The per-target settings block (`targets.<name>`), or an empty dict."""
        return self.settings.get(target, {})
