"""Fast self-tests of the e2e harness: echo upstream, HTTP client, nginx runner, nginx -t."""

from __future__ import annotations

import json
import os
import socket
import time
from http.client import HTTPConnection, HTTPException
from pathlib import Path

import pytest

from tests.e2e.harness import (
    Nginx,
    Upstream,
    free_port,
    http,
    nginx_config_test,
    refused_url,
    require_nginx,
    require_tool,
)


def proxy_conf(conf_dir: Path, port: int, upstream: Upstream, extra: str = "") -> Path:
    """A minimal gateway-shaped nginx.conf: relative temp paths, keepalive upstream."""
    (conf_dir / "tmp").mkdir(parents=True, exist_ok=True)
    temp = " ".join(f"{kind}_temp_path tmp/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (conf_dir / "nginx.conf").write_text(f"""error_log error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    {temp}
    client_body_buffer_size 1k;
    upstream backend {{ server 127.0.0.1:{upstream.port}; keepalive 4; }}
    server {{
        listen 127.0.0.1:{port};
        {extra}
        location / {{
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
""")
    return conf_dir


@pytest.fixture
def upstream():
    with Upstream("alpha") as server:
        yield server


# ------------------------------------------------------------------ upstream


def test_upstream_echoes_request(upstream):
    response = http("PATCH", f"{upstream.url}/a/b?x=1&y=2", {"X-Thing": "yes"}, body=b"12345")
    echo = response.json()
    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["X-Upstream"] == "alpha"
    assert int(response.headers["Content-Length"]) == len(response.body)
    assert (echo["instance"], echo["method"], echo["path"], echo["body_len"]) == ("alpha", "PATCH", "/a/b?x=1&y=2", 5)
    assert echo["headers"]["x-thing"] == "yes"
    assert upstream.hits == 1 and upstream.last_headers["x-thing"] == "yes"


def test_upstream_any_method_and_head(upstream):
    assert http("PROPFIND", f"{upstream.url}/dav").json()["method"] == "PROPFIND"
    head = http("HEAD", f"{upstream.url}/x")
    assert head.status == 200 and head.body == b"" and int(head.headers["Content-Length"]) > 0


def test_upstream_special_paths(upstream):
    assert http("GET", f"{upstream.url}/_status/503").status == 503
    assert http("GET", f"{upstream.url}/deep/path/_status/404?q=1").status == 404
    assert http("GET", f"{upstream.url}/_status/204").body == b""
    assert len(http("GET", f"{upstream.url}/any/_big").body) == 4096
    assert http("GET", f"{upstream.url}/_big").json()["pad"].startswith("aaaa")
    assert len(http("GET", f"{upstream.url}/_small").body) == 20
    assert http("GET", f"{upstream.url}/x/_cacheable").headers["Cache-Control"] == "max-age=3600"
    assert "Cache-Control" not in http("GET", f"{upstream.url}/x").headers
    started = time.monotonic()
    assert http("GET", f"{upstream.url}/x/_slow?s=0.3").status == 200
    assert time.monotonic() - started >= 0.3
    assert upstream.hits == 9


def test_upstream_keep_alive_and_chunked_body(upstream):
    conn = HTTPConnection("127.0.0.1", upstream.port, timeout=5)
    try:
        for _ in range(3):
            conn.request("POST", "/ka", body=b"x" * 3000)
            assert conn.getresponse().read()
        conn.request("POST", "/chunked", body=iter([b"abc", b"defgh"]), encode_chunked=True,
                     headers={"Transfer-Encoding": "chunked"})
        assert conn.getresponse().read()
        conn.request("GET", "/after")
        assert http_json(conn)["path"] == "/after"
    finally:
        conn.close()
    assert [r["body_len"] for r in upstream.requests] == [3000, 3000, 3000, 8, 0]
    assert len({r["headers"].get("connection", "keep-alive") for r in upstream.requests}) == 1


def http_json(conn: HTTPConnection) -> dict:
    """Read the pending response of conn as JSON."""
    return json.loads(conn.getresponse().read())


def test_upstream_close_ends_keepalive_connections():
    upstream = Upstream("gone")
    conn = HTTPConnection("127.0.0.1", upstream.port, timeout=5)
    conn.request("GET", "/first")
    conn.getresponse().read()
    upstream.close()
    with pytest.raises((HTTPException, OSError)):
        conn.request("GET", "/second")
        conn.getresponse().read()
    conn.close()


def test_refused_url_refuses():
    with pytest.raises(ConnectionRefusedError):
        http("GET", refused_url() + "/x", timeout=2)


def test_require_tool_skips_or_fails_under_ci(monkeypatch):
    assert require_tool("sh").startswith("/")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_tool("gwc-no-such-tool")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        require_tool("gwc-no-such-tool")


# --------------------------------------------------------------------- nginx


@pytest.mark.parametrize("master_process", [True, False], ids=["master", "single"])
def test_nginx_proxies_to_upstream_and_stops(tmp_path, upstream, master_process):
    require_nginx()
    port = free_port()
    conf_dir = proxy_conf(tmp_path, port, upstream)
    with Nginx(conf_dir, master_process=master_process) as nginx:
        assert nginx.port == port
        response = http("GET", f"{nginx.url}/hello?a=1", {"X-Client": "c1"})
        assert response.status == 200 and response.headers["X-Upstream"] == "alpha"
        assert response.json()["path"] == "/hello?a=1"
        assert upstream.last_headers["x-client"] == "c1"
        # a body above client_body_buffer_size goes through tmp/client_body as the worker user
        posted = http("POST", f"{nginx.url}/upload", body=b"z" * 100_000)
        assert (posted.status, posted.json()["body_len"]) == (200, 100_000)
        assert http("GET", f"{nginx.url}/_status/502").status == 502
    assert nginx.proc.returncode == 0
    assert (tmp_path / "tmp" / "client_body").is_dir()
    assert "[crit]" not in (tmp_path / "error.log").read_text()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_nginx_reports_dead_upstream(tmp_path):
    require_nginx()
    upstream = Upstream("short-lived")
    with Nginx(proxy_conf(tmp_path, free_port(), upstream)) as nginx:
        assert http("GET", f"{nginx.url}/").status == 200
        upstream.close()  # also drops nginx's idle keep-alive connection
        assert http("GET", f"{nginx.url}/").status == 502


def test_nginx_early_exit_raises_with_stderr(tmp_path, upstream):
    require_nginx()
    proxy_conf(tmp_path, free_port(), upstream, extra="no_such_directive on;")
    with pytest.raises(AssertionError, match=r"(?s)exited 1.*\[emerg\].*no_such_directive"):
        Nginx(tmp_path).start()


def test_nginx_config_test_good_and_bad(tmp_path, upstream):
    require_nginx()
    good = proxy_conf(tmp_path / "good", free_port(), upstream)
    result = nginx_config_test(good)
    assert (result.returncode, result.stderr) == (0, "")
    assert sorted(p.name for p in good.iterdir()) == ["nginx.conf", "tmp"]  # -t wrote into the copy only

    bad = proxy_conf(tmp_path / "bad", free_port(), upstream, extra="no_such_directive on;")
    result = nginx_config_test(bad)
    assert result.returncode == 1
    assert "[emerg]" in result.stderr and "no_such_directive" in result.stderr
    assert str(bad / "nginx.conf") in result.stderr  # copy path mapped back to the original


def test_nginx_config_test_runs_as_nobody(tmp_path, upstream):
    """Privileged ports fail for the unprivileged user, proving -t really ran as nobody."""
    require_nginx()
    if os.geteuid() != 0:
        pytest.skip("only meaningful when the tests run as root")
    conf = proxy_conf(tmp_path, 80, upstream)
    assert nginx_config_test(conf, as_user=None).returncode == 0
    result = nginx_config_test(conf)
    assert result.returncode == 1 and "Permission denied" in result.stderr
