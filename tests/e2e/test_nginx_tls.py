"""TLS serving: the compiled gateway answers HTTPS on its TLS port with the configured certificate, and the
upstream learns the original scheme."""

from __future__ import annotations

import http.client
import json
import ssl
from pathlib import Path

from tests.e2e.compiled import compile_spec
from tests.e2e.harness import Nginx, Upstream, free_port, require_nginx
from tests.e2e.tls import write_throwaway_certificates


def test_https_listener_serves_routes(tmp_path: Path) -> None:
    require_nginx()
    port, tls_port = free_port(), free_port()
    with Upstream("secure-app") as upstream:
        spec = {"gwc": 1, "name": "tls", "services": {"app": {"url": upstream.url}},
                "routes": [{"prefix": "/", "service": "app"}],
                "tls": {"cert": {"file": "certs/server.crt"}, "key": {"file": "certs/server.key"}, "port": tls_port},
                "targets": {"nginx": {"listen": port, "listen_address": "127.0.0.1", "worker_processes": 1}}}
        out = compile_spec(tmp_path, spec)
        write_throwaway_certificates(out)
        with Nginx(out, port=port):
            context = ssl.create_default_context(cafile=str(out / "certs" / "server.crt"))
            context.check_hostname = False  # the certificate names localhost; we connect to 127.0.0.1
            conn = http.client.HTTPSConnection("127.0.0.1", tls_port, context=context, timeout=5)
            conn.request("GET", "/hello?x=1")
            response = conn.getresponse()
            echo = json.loads(response.read())
            conn.close()
            assert response.status == 200
            assert echo["instance"] == "secure-app" and echo["path"] == "/hello?x=1"
            assert echo["headers"]["x-forwarded-proto"] == "https"
            peer = ssl.get_server_certificate(("127.0.0.1", tls_port))
            assert peer.strip() == (out / "certs" / "server.crt").read_text().strip()
