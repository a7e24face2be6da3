"""The injection corpus for every target: hostile values, a base spec that uses every feature, and the table of
every string field of the spec (derived from schemas/gateway.schema.json: each string-typed property, each
map key, each enum/const string) with where that field sits in the base spec.

A case is (field, value): the value is placed in the field (`Field.place`), the spec is written beside its
side files (the included file and the JWKS file) and compiled in-process."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from gwc.diagnostics import Diagnostic, Level
from gwc.load import Document
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from gwc.schema_fast import compile_schema
from tests.conftest import ROOT

TARGETS = ("aws", "azure", "gateway-api", "gcp", "istio", "nginx")
SCHEMA = json.loads((ROOT / "schemas" / "gateway.schema.json").read_text(encoding="utf-8"))

# --- hostile values ---------------------------------------------------------------------------------------

HOSTILE: list[str] = [
    # nginx and other brace/semicolon configuration syntax
    ";", "{", "}", "a;b", "x}\nserver{", "a; return 200 x; #", "}\nserver {", "\" always; add_header X y",
    # line structure and control characters
    "\n", "\r", "\r\n", "\x00", "\t", "\x7f", "\x1b[31m", "\u2028", "\\n",
    # comments, variables, templates
    "#", "$var", "${x}", "$$", "${AWS::AccountId}", "$input.params()", "#set($x = 1)", "]]#", "#[[", "%DOWNSTREAM_REMOTE_ADDRESS%",
    # quotes and escapes
    '"', "'", '"\'', "\\", "\\\\", "\\\"", "`id`",
    # XML, APIM policy expressions and named values, ARM expressions, CloudFormation dynamic references
    "<", "&", "]]>", "</value><evil/>", "&amp;", "@(x)", "@{x}", " @(x)", "{{x}}", "}}{{", "[concat('x')]",
    "{{resolve:ssm:/prod/db-password}}", "{{resolve:secretsmanager:prod/db:SecretString:password}}", "!Ref x",
    # YAML syntax and YAML 1.1 types (a value must stay a string)
    "a: b", "- x", "? x", "*alias", "&anchor", "!!python/object", "---", "| x", "> x", "x #y", "<<", "%TAG",
    "true", "null", "~", "0x1F", "1e3", "  lead", "trail  ", "\x85", "\u2029",
    # paths and encodings
    "%2F", "..", "%2F..", "/../", "*", "@", " ",
    # size, non-ASCII and bidirectional text
    "x" * 4096, "\u00e9", "\u202eevil", "\u200f", "\ufeff", "\ufffe", "\U0001F600",
]
HARMLESS = "harmless"


# --- the base spec ----------------------------------------------------------------------------------------

LB = "http://127.0.0.1"
BASE: dict = {
    "$schema": "https://gwc.dev/schemas/gateway.schema.json",
    "gwc": 1, "name": "inj", "title": "Injection API", "description": "Every string field.", "version": "1.0.0",
    "include": ["inc.yaml"],
    "hosts": ["a.example"],
    "trusted_proxies": ["10.0.0.0/8"],
    "services": {
        "app": {"url": f"{LB}:9001", "timeouts": {"connect": "2s", "read": "15s", "send": "10s"},
                "retries": {"attempts": 1, "on": ["connect_error", 502]},
                "health": {"max_fails": 3, "fail_timeout": "10s"}},
        "pool": {"targets": [{"url": f"{LB}:9002", "weight": 3}, {"url": f"{LB}:9003"}], "balance": "least_conn"},
        "next": {"url": f"{LB}:9004"},
        "canned": {"mock": {"status": 200, "body": "ok", "content_type": "text/plain",
                            "headers": {"X-Mock": "ok"}}},
        "jsonmock": {"mock": {"status": 200, "json": {"msg": "ok"}}},
    },
    "auth": {
        "jwt": {"jwt": {"issuer": "https://issuer.example/", "audiences": ["aud"], "algorithms": ["RS256"],
                        "jwks": {"file": "jwks.json", "url": "https://issuer.example/jwks.json"},
                        "header": "X-Token", "scheme": "Bearer", "query": "token", "leeway": "10s"}},
        "hmac": {"jwt": {"issuer": "https://hmac.example/", "audiences": ["haud"], "secret": {"env": "GWC_SECRET"}}},
        "key": {"api_key": {"header": "X-Key", "query": "key", "keys": {"file": "/etc/gwc/keys"},
                            "format": "plain"}},
    },
    "defaults": {
        "auth": "jwt",
        "rate_limit": {"rate": "100/s", "burst": 5, "per": "client_ip"},
        "cache": {"ttl": "1m", "key": ["header:X-Lang"], "authenticated": "bypass"},
        "compression": {"gzip": True, "min_size": "1KiB", "types": ["application/json"]},
        "cors": {"origins": ["https://ok.example"], "methods": ["GET"], "headers": ["X-Req-H"],
                 "expose_headers": ["X-Exp"], "max_age": "10m"},
        "headers": {"response": {"set": {"X-Dresp": "ok"}, "remove": ["X-Drgone"]}},
        "body_limit": "1MiB",
        "ip": {"allow": ["10.0.0.0/8"], "deny": ["10.9.0.0/16"]},
    },
    "routes": [
        {"name": "p", "path": "/p/{id}/x", "methods": ["GET", "POST"], "service": "app", "rewrite": "/q/{id}/y",
         "auth": "none", "ip": "none",
         "rate_limit": {"rate": "10/s", "burst": 2, "per": "route"},
         "cache": {"ttl": "5m", "key": ["query:page"], "authenticated": "shared"},
         "compression": {"gzip": True, "brotli": True, "min_size": "2KiB", "level": 5, "types": ["text/plain"]},
         "cors": {"origins": ["https://ok2.example"], "methods": ["GET", "POST"], "headers": ["X-Hdr"],
                  "expose_headers": ["X-Exp2"], "credentials": True, "max_age": "1h"},
         "headers": {"request": {"set": {"X-Req": "ok"}, "remove": ["X-Gone"]},
                     "response": {"set": {"X-Resp": "ok"}, "remove": ["X-Rgone"]}},
         "body_limit": "2MiB"},
        {"name": "m", "path": "/m", "methods": ["GET"], "service": "canned", "auth": "none", "cache": "none",
         "ip": "none"},
        {"prefix": "/s/", "split": [{"service": "app", "weight": 90}, {"service": "next", "weight": 10}],
         "auth": "none", "ip": "none"},
        {"prefix": "/pool/", "service": "pool", "auth": ["jwt", "key"], "cache": "none",
         "ip": {"allow": ["10.1.0.0/16"], "deny": ["10.1.2.0/24"]}},
        {"path": "/j", "methods": ["GET"], "service": "jsonmock", "auth": "none", "cache": "none", "ip": "none"},
        {"path": "/k", "methods": ["GET"], "service": "app", "auth": "key",
         "rate_limit": {"rate": "600/m", "burst": 1, "per": "api_key", "quota": {"requests": 1000, "period": "month"}}},
        {"path": "/hm", "methods": ["GET"], "service": "app", "auth": "hmac"},
    ],
    "observability": {"access_log": {"format": "json", "path": "logs/access.log", "fields": ["time", "status"]},
                      "request_id": True, "tracing": {"propagate": "w3c"},
                      "metrics": {"path": "/_gwc/status", "allow": ["127.0.0.1"]}},
    "tls": {"cert": {"file": "certs/server.crt"}, "key": {"file": "certs/server.key"}, "port": 8443,
            "redirect_http": True},
    "environments": {"staging": {"hosts": ["staging.example"]}},
    "targets": {
        "nginx": {"listen": 8080, "listen_address": "127.0.0.1", "worker_processes": "auto",
                  "worker_connections": 1024, "modules_dir": "/usr/lib/nginx/modules", "cache_size": "1GiB",
                  "zone_size": "10MiB", "user": "nobody", "auth_cache_key": "set_misc"},
        "aws": {"api_type": "rest", "region": "eu-west-1", "stage": "prod", "endpoint_type": "REGIONAL",
                "authorizers": {
                    "jwt": {"cognito_user_pool_arns": ["arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Abc"]},
                    "hmac": {"lambda_arn": "arn:aws:lambda:eu-west-1:123456789012:function:auth"}},
                "cache_cluster_size": "0.5",
                "access_log_destination_arn": "arn:aws:logs:eu-west-1:123456789012:log-group:inj",
                "binary_media_types": ["application/pdf"], "vpc_link_id": "abc123",
                "load_balancer_urls": {"pool": "https://pool-lb.example"}},
        "gcp": {"product": "endpoints", "project": "inj-project", "service": "inj.endpoints.inj-project.cloud.goog"},
        "azure": {"subscription_id": "00000000-1111-2222-3333-444444444444", "resource_group": "rg-inj",
                  "service": "inj-apim", "api_id": "inj-api", "api_path": "inj/v1", "product_id": "inj-product",
                  "app_insights": {
                      "instrumentation_key": {"azure_keyvault": "https://inj-kv.vault.azure.net/secrets/ai-key"},
                      "resource_id": "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-inj/"
                                     "providers/Microsoft.Insights/components/inj-ai"}},
        "gateway_api": {"namespace": "inj", "gateway_class": "eg", "tls_secret": "inj-tls"},
        "istio": {"mode": "ingress", "api_version": "v1", "namespace": "inj", "selector": {"app.kubernetes.io/name": "gw"},
                  "tls_credential_name": "inj-tls", "route_names": True},
    },
}
INCLUDED = {"services": {"inc": {"url": f"{LB}:9005"}},
            "routes": [{"path": "/inc", "methods": ["GET"], "service": "inc", "auth": "none", "ip": "none"}]}
JWKS = json.loads((ROOT / "examples" / "ecommerce" / "keys" / "jwks.json").read_text(encoding="utf-8"))
SIDE = {"inc.yaml": INCLUDED, "jwks.json": JWKS}

SECRETS = {"env": "GWC_SECRET", "file": "/etc/gwc/secret",
           "aws_secret": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:inj",
           "gcp_secret": "projects/inj-project/secrets/inj",
           "azure_keyvault": "https://inj-kv.vault.azure.net/secrets/inj"}


def _at(doc, pointer: str):
    """(parent, last token) of a JSON pointer in plain data."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/")]
    node = doc
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node[p]
    last = parts[-1]
    return node, (int(last) if isinstance(node, list) else last)


def get(doc, pointer: str):
    parent, last = _at(doc, pointer)
    return parent[last]


def put(doc, pointer: str, value) -> None:
    parent, last = _at(doc, pointer)
    parent[last] = value


def rename(doc, pointer: str, new: str) -> None:
    """Rename the map key at pointer in place, keeping the key order."""
    parent, last = _at(doc, pointer)
    items = [(new if k == last else k, v) for k, v in parent.items()]
    parent.clear()
    parent.update(items)


# --- variants: base specs for fields that exclude each other ----------------------------------------------

def _v_request_headers(s: dict) -> None:
    """Default request headers (a variant: every route inherits them, which changes much of every output)."""
    s["defaults"]["headers"]["request"] = {"set": {"X-Dreq": "ok"}, "remove": ["X-Dgone"]}


def _v_secret(owner: str, kind: str) -> Callable[[dict], None]:
    def apply(s: dict) -> None:
        if owner == "app_insights":
            s["targets"]["azure"]["app_insights"] = {"instrumentation_key": {kind: SECRETS[kind]}}
        elif owner == "key":
            s["auth"]["key"]["api_key"]["keys"] = {kind: SECRETS[kind]}
        else:
            s["auth"]["hmac"]["jwt"]["secret"] = {kind: SECRETS[kind]}
    return apply


def _v_none(where: str, policy: str) -> Callable[[dict], None]:
    def apply(s: dict) -> None:
        if where == "defaults":
            s["defaults"][policy] = "none"
        else:
            s["routes"][0][policy] = "none"
    return apply


def _v(path: str, value) -> Callable[[dict], None]:
    def apply(s: dict) -> None:
        put(s, path, value)
    return apply


def _v_gcp_gateway(s: dict) -> None:
    s["targets"]["gcp"] = {"product": "api-gateway", "project": "inj-project", "api_id": "inj-api",
                           "gateway_id": "inj-gw", "location": "europe-west1",
                           "gateway_service_account": "gw@inj-project.iam.gserviceaccount.com"}


VARIANTS: dict[str, Callable[[dict], None]] = {
    "request-headers": _v_request_headers,
    **{f"key-{k}": _v_secret("key", k) for k in SECRETS},
    **{f"hmac-{k}": _v_secret("hmac", k) for k in SECRETS},
    **{f"insights-{k}": _v_secret("app_insights", k) for k in SECRETS},
    "insights-logger": _v("/targets/azure/app_insights", {"logger_id": "inj-logger"}),
    "defaults-auth-list": _v("/defaults/auth", ["jwt"]),
    "defaults-quota": _v("/defaults/rate_limit/quota", {"requests": 10, "period": "day"}),
    **{f"{w}-{p}-none": _v_none(w, p) for w in ("defaults", "route") for p in
       ("cache", "compression", "cors", "ip", "rate_limit", "body_limit")},
    "gcp-api-gateway": _v_gcp_gateway,
    "gcp-openapi3": _v("/targets/gcp/openapi", 3),
    "aws-http": _v("/targets/aws/api_type", "http"),
    "gateway-api-existing": _v("/targets/gateway_api/gateway", {"name": "shared", "namespace": "infra"}),
    "istio-existing": _v("/targets/istio/gateway", "infra/shared"),
}


# --- fields -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """One string field: `loc` is its schema location (`*` a map value, `<key>` a map key, `[]` an item);
    `pointer` where it is in the (variant of the) base spec; `mode` how a value goes in: 'whole' (the value
    alone: free text), 'append' (the base value + the value), 'key' (the map key + the value, references
    renamed with it), or a format string with {} for the value."""

    loc: str
    pointer: str
    mode: str = "append"
    variant: str = ""
    refs: tuple[str, ...] = ()  # pointers that name a renamed key (updated with it)
    side: str = ""  # the side file the pointer is in ('' = the spec)
    optional_xml: frozenset[tuple[str, str]] = frozenset()  # see output_structure.problems

    @property
    def id(self) -> str:
        return f"{self.loc}@{self.pointer}" + (f"[{self.variant}]" if self.variant else "")

    def base(self) -> tuple[dict, dict]:
        spec, side = copy.deepcopy(BASE), copy.deepcopy(SIDE)
        if self.variant:
            VARIANTS[self.variant](spec)
        return spec, side

    def place(self, value: str) -> tuple[dict, dict]:
        """The spec and side files with `value` in this field."""
        spec, side = self.base()
        doc = side[self.side] if self.side else spec
        if self.mode == "key":
            new = self.key + value
            rename(doc, self.pointer, new)
            for ref in self.refs:
                if ref.endswith("/<key>"):
                    rename(spec, ref[:-6], new)
                else:
                    put(spec, ref, new)
            return spec, side
        current = get(doc, self.pointer)
        if self.mode == "whole":
            put(doc, self.pointer, value)
        elif self.mode == "append":
            put(doc, self.pointer, current + value)
        else:
            put(doc, self.pointer, self.mode.format(value))
        return spec, side

    @property
    def key(self) -> str:
        """The map key at the pointer (unescaped)."""
        return self.pointer.rsplit("/", 1)[1].replace("~1", "/").replace("~0", "~")

    def value_pointer(self, value: str) -> str:
        """The pointer of the placed value (a renamed key's new pointer)."""
        if self.mode == "key":
            head = self.pointer.rsplit("/", 1)[0]
            return f"{head}/{(self.key + value).replace('~', '~0').replace('/', '~1')}"
        return self.pointer


def _policy_fields(where: str, p: str) -> list[Field]:
    """The policy fields under defaults or a route (p: the pointer of the policies object)."""
    w = "defaults" if where == "defaults" else "route"
    loc = "/defaults" if where == "defaults" else "/routes/[]"
    out = [
        Field(f"{loc}/rate_limit/rate", f"{p}/rate_limit/rate"),
        Field(f"{loc}/rate_limit/per", f"{p}/rate_limit/per"),
        Field(f"{loc}/cache/ttl", f"{p}/cache/ttl"),
        Field(f"{loc}/cache/key/[]", f"{p}/cache/key/0"),
        Field(f"{loc}/cache/authenticated", f"{p}/cache/authenticated"),
        Field(f"{loc}/compression/min_size", f"{p}/compression/min_size"),
        Field(f"{loc}/compression/types/[]", f"{p}/compression/types/0"),
        Field(f"{loc}/cors/origins/[]", f"{p}/cors/origins/0"),
        Field(f"{loc}/cors/methods/[]", f"{p}/cors/methods/0"),
        Field(f"{loc}/cors/headers/[]", f"{p}/cors/headers/0"),
        Field(f"{loc}/cors/expose_headers/[]", f"{p}/cors/expose_headers/0"),
        Field(f"{loc}/cors/max_age", f"{p}/cors/max_age"),
        Field(f"{loc}/body_limit", f"{p}/body_limit"),
        Field(f"{loc}/headers/response/set/*", f"{p}/headers/response/set/X-{'Dresp' if w == 'defaults' else 'Resp'}", "whole"),
        Field(f"{loc}/headers/response/set/<key>", f"{p}/headers/response/set/X-{'Dresp' if w == 'defaults' else 'Resp'}", "key"),
        Field(f"{loc}/headers/response/remove/[]", f"{p}/headers/response/remove/0"),
    ]
    for policy in ("cache", "compression", "cors", "ip", "rate_limit", "body_limit"):
        out.append(Field(f"{loc}/{policy}", f"{p}/{policy}", variant=f"{w}-{policy}-none"))
    if where == "defaults":
        out += [
            Field("/defaults/rate_limit/quota/period", "/defaults/rate_limit/quota/period", variant="defaults-quota"),
            Field("/defaults/auth", "/defaults/auth"),
            Field("/defaults/auth/[]", "/defaults/auth/0", variant="defaults-auth-list"),
            Field("/defaults/ip/allow/[]", "/defaults/ip/allow/0"),
            Field("/defaults/ip/deny/[]", "/defaults/ip/deny/0"),
            Field("/defaults/headers/request/set/*", "/defaults/headers/request/set/X-Dreq", "whole", "request-headers"),
            Field("/defaults/headers/request/set/<key>", "/defaults/headers/request/set/X-Dreq", "key", "request-headers"),
            Field("/defaults/headers/request/remove/[]", "/defaults/headers/request/remove/0", variant="request-headers"),
        ]
    else:
        out += [
            Field("/routes/[]/rate_limit/quota/period", "/routes/5/rate_limit/quota/period"),
            Field("/routes/[]/auth", "/routes/5/auth"),
            Field("/routes/[]/auth", "/routes/1/auth"),  # the const 'none'
            Field("/routes/[]/auth/[]", "/routes/3/auth/1"),
            Field("/routes/[]/ip/allow/[]", "/routes/3/ip/allow/0"),
            Field("/routes/[]/ip/deny/[]", "/routes/3/ip/deny/0"),
            Field("/routes/[]/headers/request/set/*", f"{p}/headers/request/set/X-Req", "whole"),
            Field("/routes/[]/headers/request/set/<key>", f"{p}/headers/request/set/X-Req", "key"),
            Field("/routes/[]/headers/request/remove/[]", f"{p}/headers/request/remove/0"),
        ]
    return out


FIELDS: list[Field] = [
    Field("/$schema", "/$schema"),
    Field("/name", "/name"),
    Field("/title", "/title", "whole"),
    Field("/description", "/description", "whole"),
    Field("/version", "/version"),
    Field("/include/[]", "/include/0", "inc{}.yaml"),
    Field("/hosts/[]", "/hosts/0"),
    Field("/trusted_proxies/[]", "/trusted_proxies/0"),
    Field("/services/<key>", "/services/pool", "key", refs=("/routes/3/service", "/targets/aws/load_balancer_urls/pool/<key>")),
    Field("/services/*/url", "/services/app/url"),
    Field("/services/*/targets/[]/url", "/services/pool/targets/0/url"),
    Field("/services/*/balance", "/services/pool/balance"),
    Field("/services/*/timeouts/connect", "/services/app/timeouts/connect"),
    Field("/services/*/timeouts/read", "/services/app/timeouts/read"),
    Field("/services/*/timeouts/send", "/services/app/timeouts/send"),
    Field("/services/*/retries/on/[]", "/services/app/retries/on/0"),
    Field("/services/*/health/fail_timeout", "/services/app/health/fail_timeout"),
    Field("/services/*/mock/body", "/services/canned/mock/body", "whole"),
    Field("/services/*/mock/content_type", "/services/canned/mock/content_type"),
    Field("/services/*/mock/headers/*", "/services/canned/mock/headers/X-Mock", "whole"),
    Field("/services/*/mock/headers/<key>", "/services/canned/mock/headers/X-Mock", "key"),
    Field("/services/*/mock/json", "/services/jsonmock/mock/json/msg", "whole"),
    Field("/services/*/mock/json/<key>", "/services/jsonmock/mock/json/msg", "key"),
    Field("/auth/<key>", "/auth/hmac", "key", refs=("/routes/6/auth", "/targets/aws/authorizers/hmac/<key>")),
    Field("/auth/*/jwt/issuer", "/auth/jwt/jwt/issuer"),
    Field("/auth/*/jwt/audiences/[]", "/auth/jwt/jwt/audiences/0", "whole"),
    Field("/auth/*/jwt/algorithms/[]", "/auth/jwt/jwt/algorithms/0"),
    Field("/auth/*/jwt/jwks/file", "/auth/jwt/jwt/jwks/file"),
    Field("/auth/*/jwt/jwks/url", "/auth/jwt/jwt/jwks/url"),
    Field("/auth/*/jwt/header", "/auth/jwt/jwt/header"),
    Field("/auth/*/jwt/scheme", "/auth/jwt/jwt/scheme"),
    Field("/auth/*/jwt/query", "/auth/jwt/jwt/query"),
    Field("/auth/*/jwt/leeway", "/auth/jwt/jwt/leeway"),
    *[Field(f"/auth/*/jwt/secret/{k}", f"/auth/hmac/jwt/secret/{k}", variant=f"hmac-{k}") for k in SECRETS],
    Field("/auth/*/api_key/header", "/auth/key/api_key/header"),
    Field("/auth/*/api_key/query", "/auth/key/api_key/query"),
    Field("/auth/*/api_key/format", "/auth/key/api_key/format"),
    *[Field(f"/auth/*/api_key/keys/{k}", f"/auth/key/api_key/keys/{k}", variant=f"key-{k}") for k in SECRETS],
    *_policy_fields("defaults", "/defaults"),
    Field("/routes/[]/name", "/routes/0/name"),
    Field("/routes/[]/path", "/routes/0/path"),
    Field("/routes/[]/prefix", "/routes/2/prefix", "/s{}/"),
    Field("/routes/[]/methods/[]", "/routes/0/methods/0"),
    Field("/routes/[]/service", "/routes/3/service"),
    Field("/routes/[]/split/[]/service", "/routes/2/split/1/service"),
    Field("/routes/[]/rewrite", "/routes/0/rewrite"),
    *_policy_fields("route", "/routes/0"),
    Field("/observability/access_log/format", "/observability/access_log/format"),
    Field("/observability/access_log/path", "/observability/access_log/path"),
    Field("/observability/access_log/fields/[]", "/observability/access_log/fields/0"),
    Field("/observability/tracing/propagate", "/observability/tracing/propagate"),
    Field("/observability/metrics/path", "/observability/metrics/path"),
    Field("/observability/metrics/allow/[]", "/observability/metrics/allow/0"),
    Field("/tls/cert/file", "/tls/cert/file"),
    Field("/tls/key/file", "/tls/key/file"),
    Field("/environments/<key>", "/environments/staging", "key"),
    Field("/targets/nginx/listen_address", "/targets/nginx/listen_address"),
    Field("/targets/nginx/worker_processes", "/targets/nginx/worker_processes"),
    Field("/targets/nginx/modules_dir", "/targets/nginx/modules_dir"),
    Field("/targets/nginx/cache_size", "/targets/nginx/cache_size"),
    Field("/targets/nginx/zone_size", "/targets/nginx/zone_size"),
    Field("/targets/nginx/user", "/targets/nginx/user"),
    Field("/targets/nginx/auth_cache_key", "/targets/nginx/auth_cache_key"),
    Field("/targets/aws/api_type", "/targets/aws/api_type"),
    Field("/targets/aws/region", "/targets/aws/region"),
    Field("/targets/aws/stage", "/targets/aws/stage"),
    Field("/targets/aws/endpoint_type", "/targets/aws/endpoint_type"),
    Field("/targets/aws/authorizers/<key>", "/targets/aws/authorizers/jwt", "key"),
    Field("/targets/aws/authorizers/*/cognito_user_pool_arns/[]", "/targets/aws/authorizers/jwt/cognito_user_pool_arns/0"),
    Field("/targets/aws/authorizers/*/lambda_arn", "/targets/aws/authorizers/hmac/lambda_arn"),
    Field("/targets/aws/cache_cluster_size", "/targets/aws/cache_cluster_size"),
    Field("/targets/aws/access_log_destination_arn", "/targets/aws/access_log_destination_arn"),
    Field("/targets/aws/binary_media_types/[]", "/targets/aws/binary_media_types/0"),
    Field("/targets/aws/vpc_link_id", "/targets/aws/vpc_link_id"),
    Field("/targets/aws/load_balancer_urls/<key>", "/targets/aws/load_balancer_urls/pool", "key"),
    Field("/targets/aws/load_balancer_urls/*", "/targets/aws/load_balancer_urls/pool"),
    Field("/targets/gcp/product", "/targets/gcp/product"),
    Field("/targets/gcp/project", "/targets/gcp/project"),
    Field("/targets/gcp/service", "/targets/gcp/service"),
    *[Field(f"/targets/gcp/{k}", f"/targets/gcp/{k}", variant="gcp-api-gateway")
      for k in ("location", "api_id", "gateway_id", "gateway_service_account")],
    *[Field(f"/targets/azure/{k}", f"/targets/azure/{k}")
      for k in ("subscription_id", "resource_group", "service", "api_id", "api_path", "product_id")],
    Field("/targets/azure/app_insights/resource_id", "/targets/azure/app_insights/resource_id"),
    Field("/targets/azure/app_insights/logger_id", "/targets/azure/app_insights/logger_id", variant="insights-logger"),
    *[Field(f"/targets/azure/app_insights/instrumentation_key/{k}", f"/targets/azure/app_insights/instrumentation_key/{k}",
            variant=f"insights-{k}") for k in SECRETS],
    Field("/targets/gateway_api/namespace", "/targets/gateway_api/namespace"),
    Field("/targets/gateway_api/gateway_class", "/targets/gateway_api/gateway_class"),
    Field("/targets/gateway_api/tls_secret", "/targets/gateway_api/tls_secret"),
    Field("/targets/gateway_api/gateway/name", "/targets/gateway_api/gateway/name", variant="gateway-api-existing"),
    Field("/targets/gateway_api/gateway/namespace", "/targets/gateway_api/gateway/namespace", variant="gateway-api-existing"),
    Field("/targets/istio/mode", "/targets/istio/mode"),
    Field("/targets/istio/api_version", "/targets/istio/api_version"),
    Field("/targets/istio/namespace", "/targets/istio/namespace"),
    Field("/targets/istio/gateway", "/targets/istio/gateway", variant="istio-existing"),
    Field("/targets/istio/selector/<key>", "/targets/istio/selector/app.kubernetes.io~1name", "key"),
    Field("/targets/istio/selector/*", "/targets/istio/selector/app.kubernetes.io~1name"),
    Field("/targets/istio/tls_credential_name", "/targets/istio/tls_credential_name"),
    # the free-text fields again where a target writes them differently: AWS HTTP APIs, Google's OpenAPI 3
    *[Field(loc, pointer, mode, variant) for variant in ("aws-http", "gcp-openapi3") for loc, pointer, mode in (
        ("/title", "/title", "whole"), ("/description", "/description", "whole"),
        ("/auth/*/jwt/issuer", "/auth/jwt/jwt/issuer", "append"),
        ("/auth/*/jwt/audiences/[]", "/auth/jwt/jwt/audiences/0", "whole"),
        ("/routes/[]/headers/request/set/*", "/routes/0/headers/request/set/X-Req", "whole"),
        ("/routes/[]/headers/response/set/*", "/routes/0/headers/response/set/X-Resp", "whole"))],
    # not in the spec's schema, but read at compile time from a file the spec names: a JWKS key id
    Field("<jwks file>/keys/[]/kid", "/keys/0/kid", side="jwks.json", optional_xml=frozenset({("key", "id")})),
]


# --- the schema's string fields ---------------------------------------------------------------------------

_STRING_KEYWORDS = {"pattern", "maxLength", "minLength", "format"}
_STRUCTURE = {"properties", "items", "additionalProperties", "oneOf", "anyOf", "allOf", "enum", "const",
              "propertyNames", "type", "required", "not", "minimum", "maximum", "minProperties"}


def schema_string_fields() -> set[str]:
    """Every location in the schema that holds a string: string-typed properties and items, map keys
    (propertyNames), string enums and consts, and untyped values (a mock's json)."""
    out: set[str] = set()

    def resolve(s: dict) -> dict:
        while "$ref" in s:
            target = dict(SCHEMA["$defs"][s["$ref"].rsplit("/", 1)[1]])
            target.update({k: v for k, v in s.items() if k != "$ref"})
            s = target
        return s

    def walk(s: dict, loc: str, key: bool = False) -> None:
        s = resolve(s)
        if (s.get("type") == "string" or key or _STRING_KEYWORDS & s.keys()
                or any(isinstance(e, str) for e in s.get("enum", [])) or isinstance(s.get("const"), str)
                or not (_STRUCTURE | {"$ref"}) & s.keys() and loc.endswith("/json")):
            out.add(loc)
        for k, sub in s.get("properties", {}).items():
            walk(sub, f"{loc}/{k}")
        if isinstance(s.get("additionalProperties"), dict) and s["additionalProperties"] != {"type": "object"}:
            walk(s["additionalProperties"], f"{loc}/*")
        if "propertyNames" in s:
            walk(s["propertyNames"], f"{loc}/<key>", key=True)
        if isinstance(s.get("items"), dict):
            walk(s["items"], f"{loc}/[]")
        for c in ("oneOf", "anyOf", "allOf"):
            for sub in s.get(c, []):
                walk(sub, loc)

    walk(SCHEMA, "")
    return out


SCHEMA_ACCEPTS = compile_schema(SCHEMA)  # gwc's own yes/no schema check (the pipeline's fast path)


# --- compiling --------------------------------------------------------------------------------------------

@dataclass
class Compiled:
    """One compile of a case: the files of each target (None for a target that refused it; no targets at all
    when loading refused it) and the diagnostics (loading's, then each target's)."""

    loaded: bool
    outputs: dict[str, dict[str, str] | None]
    diagnostics: list[Diagnostic]
    by_target: dict[str, list[Diagnostic]]
    doc: Document | None
    text: str

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level is Level.ERROR]

    def target_errors(self, name: str) -> list[Diagnostic]:
        return [d for d in self.by_target.get(name, []) if d.level is Level.ERROR]


_TARGETS: dict = {}


def target(name: str):
    if name not in _TARGETS:
        _TARGETS[name] = load_target(name)[0]
    return _TARGETS[name]


def write_case(folder: Path, spec: dict, side: dict) -> Path:
    """Write the spec and its side files; the spec's path."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in side.items():
        text = json.dumps(data) if name.endswith(".json") else dump_yaml(data)
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    path = folder / "spec.yaml"
    path.write_text(dump_yaml(spec), encoding="utf-8")
    return path


def dump_yaml(data) -> str:
    """YAML the way a person would write it (PyYAML quotes and escapes what needs it), with the C emitter."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=10_000)


def compile_case(folder: Path, spec: dict, side: dict, targets=TARGETS) -> Compiled:
    """Load, then compile (with --allow-lossy) to each target."""
    path = write_case(folder, spec, side)
    text = path.read_text(encoding="utf-8")
    loaded = load_gateway(str(path))
    if loaded.gateway is None:
        return Compiled(False, {}, loaded.diagnostics, {}, loaded.doc, text)
    outputs, diags, by_target = {}, list(loaded.diagnostics), {}
    for name in targets:
        files, more = compile_gateway(loaded.gateway, loaded.doc, target(name), allow_lossy=True)
        diags += more
        by_target[name] = more
        outputs[name] = files or None
    return Compiled(True, outputs, diags, by_target, loaded.doc, text)
