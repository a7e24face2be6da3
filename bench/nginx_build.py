"""The configurations the nginx throughput benchmark runs: gwc-compiled specs (from bench.specgen), a
hand-written one-location proxy to compare them with, the upstream, and an RS256 key with its token.

Specs are compiled with placeholder ports that are swapped for the real ephemeral ones afterwards, so a
compiled folder can be cached across runs in CACHE (keyed by the spec, its JWKS and the sources the nginx
output depends on: any change to them compiles again)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from . import specgen

REPO = Path(__file__).resolve().parents[1]
LISTEN_PH, UPSTREAM_PH = 65001, 65002  # outside Linux's ephemeral range, so never a real port here
BODY = '{"ok":true,"service":"bench-upstream","items":[1,2,3,4,5],"note":"small JSON answer"}'
ISSUER, AUDIENCE, KID = "https://login.bench.example/", "bench", "bench-live"
CACHE = Path(tempfile.gettempdir()) / "gwc-bench-nginx-cache"


def plain_spec(routes: int, **overrides) -> dict:
    """specgen's routes-and-services spec, one worker on 127.0.0.1 (placeholder ports), plus overrides."""
    data = specgen.spec(routes, upstream=f"http://127.0.0.1:{UPSTREAM_PH}", features=False)
    data["targets"] = {"nginx": {"listen": LISTEN_PH, "listen_address": "127.0.0.1", "worker_processes": 1}}
    data.update(overrides)
    return data


def featured_spec(routes: int, jwt: bool = True, gzip: bool = True, limit: bool = True, **overrides) -> dict:
    """(b): every route behind RS256 JWT (JWKS from keys/jwks.json), a per-client_ip limit that never
    triggers, and gzip with a minimum size below the upstream's body."""
    defaults: dict = {}
    if jwt:
        defaults["auth"] = "customers"
    if limit:
        defaults["rate_limit"] = {"rate": "1000000/s", "burst": 100000, "per": "client_ip"}
    if gzip:
        defaults["compression"] = {"gzip": True, "brotli": False, "min_size": "16B"}
    extra: dict = {"defaults": defaults}
    if jwt:
        extra["auth"] = {"customers": {"jwt": {"issuer": ISSUER, "audiences": [AUDIENCE], "algorithms": ["RS256"],
                                               "jwks": {"file": "keys/jwks.json"}}}}
    return plain_spec(routes, **extra, **overrides)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Signer:
    """The benchmark's RSA-2048 key (generated once, then kept in the cache folder so that the (b) specs and
    their compiled output can be cached too): its JWKS (text) and RS256 tokens for the spec's issuer."""

    def __init__(self) -> None:
        pem = CACHE / "bench-signing-key.pem"
        try:
            key = serialization.load_pem_private_key(pem.read_bytes(), None)
        except (OSError, ValueError):
            key = None
        if not isinstance(key, rsa.RSAPrivateKey):
            key = rsa.generate_private_key(65537, 2048)
            CACHE.mkdir(parents=True, exist_ok=True)
            fd = os.open(pem, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
        self.key = key
        numbers = self.key.public_key().public_numbers()
        jwk = {"kty": "RSA", "kid": KID, "alg": "RS256", "use": "sig", "e": _b64url(numbers.e.to_bytes(3, "big")),
               "n": _b64url(numbers.n.to_bytes(256, "big"))}
        self.jwks = json.dumps({"keys": [jwk]})

    def token(self, ttl: int = 3600) -> str:
        now = int(time.time())
        head = _b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": KID}).encode())
        body = _b64url(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": "bench-user", "iat": now,
                                   "exp": now + ttl}).encode())
        signature = self.key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{head}.{body}.{_b64url(signature)}"


def _sources_digest() -> str:
    """What the nginx output depends on: gwc itself, the nginx target, the shared target modules, the schema
    (other targets change often and never reach the nginx output)."""
    digest = hashlib.sha256()
    paths = [*(REPO / "gwc").rglob("*"), *(REPO / "targets" / "nginx").rglob("*"), *(REPO / "targets").glob("*"),
             *(REPO / "schemas").rglob("*")]
    for path in sorted(set(paths)):
        if path.is_file() and path.suffix in (".py", ".js", ".json"):
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def compile_spec(label: str, spec: dict, jwks: str | None = None) -> Path:
    """The compiled nginx/ folder for spec (with keys/jwks.json = jwks when given), from the cache when the
    spec, the JWKS and the sources are unchanged."""
    text = yaml.safe_dump(spec, sort_keys=False)
    key = hashlib.sha256(text.encode() + b"\0" + (jwks or "").encode() + b"\0" + _sources_digest().encode())
    key = key.hexdigest()
    slot = CACHE / label
    if (slot / "key").exists() and (slot / "key").read_text() == key and (slot / "out" / "nginx").is_dir():
        return slot / "out" / "nginx"
    shutil.rmtree(slot, ignore_errors=True)
    slot.mkdir(parents=True)
    (slot / "spec.yaml").write_text(text, encoding="utf-8")
    if jwks is not None:
        (slot / "keys").mkdir()
        (slot / "keys" / "jwks.json").write_text(jwks)
    done = subprocess.run([sys.executable, "-m", "gwc", "compile", str(slot / "spec.yaml"), "--target", "nginx",
                           "-o", str(slot / "out")], check=False, capture_output=True, text=True, timeout=600,
                          cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"gwc compile {label} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    (slot / "key").write_text(key)
    return slot / "out" / "nginx"


def bind(conf: str, listen: int, upstream: int) -> str:
    """A compiled nginx.conf with the placeholder ports replaced by the real ones."""
    if f"listen 127.0.0.1:{LISTEN_PH};" not in conf:
        raise RuntimeError("compiled nginx.conf has no `listen 127.0.0.1:<placeholder>;`")
    for host in ("127.0.0.1", "127.0.0.2"):  # the gateway, and the njs check behind the auth cache
        conf = conf.replace(f"{host}:{LISTEN_PH}", f"{host}:{listen}")
    return conf.replace(f"127.0.0.1:{UPSTREAM_PH}", f"127.0.0.1:{upstream}")


def upstream_conf(port: int, workers: int = 2) -> str:
    """The upstream: `return 200` with a small JSON body, no access log, long keep-alives."""
    return f"""worker_processes {workers};
pid nginx.pid;
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  default_type application/json;
  keepalive_requests 1000000;
  keepalive_timeout 65s;
  {' '.join(f'{d}_temp_path tmp/{d};' for d in ('client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'))}
  server {{
    listen 127.0.0.1:{port};
    location / {{ return 200 '{BODY}'; }}
  }}
}}
"""


def proxy_conf(port: int, upstream: int, access_log: bool) -> str:
    """A typical hand-written reverse proxy: one worker, one `location /`, keep-alive to the upstream
    (HTTP/1.1, 16 idle connections, like gwc's default), the usual forwarding headers, and the stock
    `combined` access log to a file (unbuffered, like gwc's) or none."""
    log = "access_log logs/access.log combined;" if access_log else "access_log off;"
    return f"""worker_processes 1;
pid nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
  default_type application/octet-stream;
  sendfile on;
  keepalive_timeout 65s;
  {log}
  {' '.join(f'{d}_temp_path tmp/{d};' for d in ('client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'))}
  upstream backend {{
    server 127.0.0.1:{upstream};
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}
}}
"""


def last_route_path(spec: dict, params: bool = False) -> str:
    """A request path for the last-declared route (params: the last one with {params}), its parameters and
    a prefix's remainder filled in."""
    route = [r for r in spec["routes"] if not params or "{" in r.get("path", "")][-1]
    if "prefix" in route:
        return route["prefix"] + "item/42"
    return "/".join("42" if part.startswith("{") else part for part in route["path"].split("/"))
