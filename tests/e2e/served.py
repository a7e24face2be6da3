"""Glue shared by the nginx e2e tests: compile a spec with gwc and serve it with the real nginx.

    with Gateway(tmp_path, spec("demo", services, routes)) as gw:
        echo = gw.echo("/users/1")          # the Upstream's JSON echo (asserts 200)
        gw.request("POST", "/x", body=b"")  # any Response
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.e2e.compiled import compile_spec
from tests.e2e.harness import Nginx, Response, free_port, http, require_nginx

HEX32 = r"^[0-9a-f]{32}$"
TRACEPARENT = r"^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$"


def spec(name: str, services: dict, routes: list, port: int | None = None, **extra) -> dict:
    """A complete spec listening on 127.0.0.1:port (a free port by default), two worker processes."""
    nginx = {"listen": port or free_port(), "listen_address": "127.0.0.1", "worker_processes": 2}
    return {"gwc": 1, "name": name, "services": services, "routes": routes, **extra, "targets": {"nginx": nginx}}


def assert_json_error(response: Response, status: int, message: str) -> None:
    """The gateway's own error answer: `status` with a JSON body {"message": message}."""
    assert response.status == status, (response.status, response.body)
    assert response.headers["Content-Type"].startswith("application/json"), response.headers["Content-Type"]
    assert response.json() == {"message": message}


class Gateway:
    """A spec compiled into folder/out by the real gwc pipeline and run by nginx until closed."""

    def __init__(self, folder: Path, gateway_spec: dict, env: dict | None = None):
        require_nginx("ngx_http_js_module")
        self.out = compile_spec(Path(folder), gateway_spec)
        self.conf = (self.out / "nginx.conf").read_text()
        self.nginx = Nginx(self.out, env)
        self.url = self.nginx.url

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | str | None = None,
                timeout: float = 5) -> Response:
        """One request to the gateway on a fresh connection."""
        return http(method, self.url + path, headers, body, timeout=timeout)

    def get(self, path: str, headers: dict | None = None) -> Response:
        """GET path."""
        return self.request("GET", path, headers)

    def echo(self, path: str, headers: dict | None = None, method: str = "GET") -> dict:
        """The upstream's echo for a request that must succeed with 200."""
        response = self.request(method, path, headers)
        assert response.status == 200, (path, response.status, response.body)
        return response.json()

    def access_log(self, until=None) -> list[dict]:
        """Every line of logs/access.log, parsed as JSON (fails on a line that is not JSON). nginx writes a
        line after the response is sent, so with `until(lines)` it waits (at most 5 s) for that to hold."""
        for _ in range(50):
            text = (self.out / "logs" / "access.log").read_text()
            lines = [json.loads(line) for line in text.splitlines() if line.strip()]
            if until is None or until(lines):
                break
            time.sleep(0.1)
        return lines

    def __enter__(self) -> Gateway:
        self.nginx.start()
        return self

    def __exit__(self, *exc) -> None:
        self.nginx.stop()
