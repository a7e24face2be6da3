"""Shared e2e test infrastructure: real nginx, JSON echo upstreams, a tiny HTTP client.
Only 127.0.0.1 and ephemeral ports, bounded waits; context managers stop what they start."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

NGINX_MODULES = Path("/usr/lib/nginx/modules")


def free_port() -> int:
    """An ephemeral port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refused_url() -> str:
    """An http://127.0.0.1:PORT URL where (a moment ago) nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


def missing(message: str) -> None:
    """Skip the test, or fail it when CI=true (CI must never silently skip)."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def require_tool(name: str) -> str:
    """Absolute path of executable `name` (PATH, then /usr/sbin:/sbin); skip/fail if absent."""
    path = shutil.which(name) or shutil.which(name, path="/usr/local/sbin:/usr/sbin:/sbin")
    if not path:
        missing(f"required tool {name!r} is not installed")
    return path


def require_nginx(*modules: str) -> str:
    """Path of nginx, also requiring dynamic modules such as "ngx_http_js_module"."""
    binary = require_tool("nginx")
    absent = [m for m in modules if not (NGINX_MODULES / f"{m}.so").exists()]
    if absent:
        missing(f"nginx module(s) not installed in {NGINX_MODULES}: {', '.join(absent)}")
    return binary


def wait_for_port(port: int, timeout: float = 10.0, proc: subprocess.Popen | None = None) -> bool:
    """Poll until 127.0.0.1:port accepts; False on timeout or when `proc` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


@dataclass
class Response:
    """An HTTP response; headers lookups are case-insensitive (http.client.HTTPMessage)."""
    status: int
    headers: HTTPMessage
    body: bytes

    def json(self):
        """The body parsed as JSON."""
        return json.loads(self.body)


def http(method: str, url: str, headers: dict | None = None, body: bytes | str | None = None,
         timeout: float = 5) -> Response:
    """One request on a fresh connection. Never raises for HTTP error statuses and never
    decompresses; http.client sends `Accept-Encoding: identity` unless headers override it."""
    parts = urlsplit(url)
    conn = HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        conn.request(method, url.split(parts.netloc, 1)[1] or "/", body=body, headers=headers or {})
        response = conn.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        conn.close()


class _EchoHandler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms delayed-ACK stalls
    """Answers every method with a JSON echo; see Upstream for the special paths."""
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection ends after this

    def __getattr__(self, name: str):
        if name.startswith("do_"):  # any method, including WebDAV-style ones
            return self._respond
        raise AttributeError(name)

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def handle(self) -> None:
        self.server.connections.add(self.connection)  # so Upstream.close() can end keep-alives
        try:
            super().handle()
        except ConnectionError:  # nginx or Upstream.close() reset the connection
            pass
        finally:
            self.server.connections.discard(self.connection)

    def _read_body(self) -> int:
        """Read and discard the request body (Content-Length or chunked); return its size."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            total = 0
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                total += len(self.rfile.read(size + 2)) - 2  # chunk + CRLF
            while self.rfile.readline().strip():  # trailers up to the empty line (or EOF)
                pass
            return total
        return len(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _respond(self) -> None:
        upstream: Upstream = self.server.upstream
        path, query = urlsplit(self.path).path, parse_qs(urlsplit(self.path).query)
        headers = {k.lower(): ", ".join(self.headers.get_all(k)) for k in self.headers.keys()}
        echo = {"instance": upstream.name, "method": self.command, "path": self.path,
                "headers": headers, "body_len": self._read_body()}
        upstream._record(echo)
        status, body = 200, json.dumps(echo).encode()
        extra = {"Content-Type": "application/json", "X-Upstream": upstream.name}
        if path.endswith("/_slow"):
            time.sleep(min(max(float((query.get("s") or ["1"])[0]), 0.0), 10.0))
        elif path.endswith("/_big"):
            body = json.dumps({"pad": "a" * 4085}).encode()  # 4096 bytes
        elif path.endswith("/_small"):
            body = json.dumps({"pad": "a" * 9}).encode()  # 20 bytes
        elif path.endswith("/_cacheable"):
            extra["Cache-Control"] = "max-age=3600"
        elif match := re.search(r"/_status/([2-5]\d\d)$", path):
            status = int(match.group(1))
        if bodied := status not in (204, 304):  # these must not carry a body
            extra["Content-Length"] = str(len(body))
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        if bodied and self.command != "HEAD":
            self.wfile.write(body)


class Upstream:
    """JSON echo server on 127.0.0.1:ephemeral (HTTP/1.1, keep-alive) in a daemon thread.

    Echo: {"instance", "method", "path" (raw, with query), "headers" (lower-cased), "body_len"}
    plus headers Content-Type: application/json and X-Upstream: <name>. Paths ending in
    /_slow?s=N sleep N (<= 10) s, /_big answer 4096 bytes, /_small 20 bytes, /_status/NNN
    answer NNN, /_cacheable add Cache-Control: max-age=3600. Tracks hits, last_headers, requests.
    """
    def __init__(self, name: str = "upstream"):
        self.name, self.hits, self._lock = name, 0, threading.Lock()
        self.last_headers, self.requests = {}, []  # dict[str, str], list[dict]
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
        self._server.daemon_threads, self._server.upstream, self._server.connections = True, self, set()
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"upstream-{name}", daemon=True)
        self._thread.start()

    def _record(self, echo: dict) -> None:
        with self._lock:
            self.hits += 1
            self.last_headers = echo["headers"]
            self.requests.append(echo)

    def close(self) -> None:
        """Stop serving, close the listening socket and all open (keep-alive) connections."""
        self._server.shutdown()
        self._server.server_close()
        for conn in list(self._server.connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    def __enter__(self) -> Upstream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _pid_default(conf_text: str) -> str:
    """`pid nginx.pid;` (for -g) unless the conf sets pid: keeps nginx off /run/nginx.pid."""
    return "" if re.search(r"^\s*pid\s", conf_text, re.M) else "pid nginx.pid;"


class Nginx:
    """Runs real nginx in the foreground with a compiled output directory as its prefix.

    `env` is the whole environment besides PATH (workers only see `env`-listed variables).
    `port` defaults to the first `listen 127.0.0.1:N` in nginx.conf. Without a `pid`
    directive, `pid nginx.pid;` is added (see _pid_default)."""
    def __init__(self, conf_dir: Path, env: dict | None = None, *, port: int | None = None,
                 master_process: bool = True, start_timeout: float = 10.0, stop_timeout: float = 10.0):
        self.conf_dir = Path(conf_dir).resolve()
        self.conf = self.conf_dir / "nginx.conf"
        text = self.conf.read_text()
        if port is None:
            match = re.search(r"^\s*listen\s+127\.0\.0\.1:(\d+)", text, re.M)
            assert match, f"no 'listen 127.0.0.1:PORT' in {self.conf}; pass port="
            port = int(match.group(1))
        self.port, self.url = port, f"http://127.0.0.1:{port}"
        self.env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/bin"), **(env or {})}
        self.globals = f"daemon off; master_process {'on' if master_process else 'off'}; {_pid_default(text)}"
        self.master_process, self.start_timeout, self.stop_timeout = master_process, start_timeout, stop_timeout
        self.stderr_path = self.conf_dir / "nginx-stderr.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Nginx:
        """Start nginx and wait until the port accepts; AssertionError with stderr otherwise."""
        binary = require_tool("nginx")
        if self.master_process and os.geteuid() == 0:  # workers run as another user (nobody):
            for path in (self.conf_dir, *self.conf_dir.parents):  # add o+x to 0700 pytest dirs
                if path.owner() == "root" and not path.stat().st_mode & stat.S_IXOTH:
                    path.chmod(stat.S_IMODE(path.stat().st_mode) | stat.S_IXOTH)
        with self.stderr_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [binary, "-p", f"{self.conf_dir}/", "-c", str(self.conf), "-g", self.globals],
                env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True)  # own process group: workers can be killed with it
        if not wait_for_port(self.port, self.start_timeout, self.proc):
            code, _ = self.proc.poll(), self.stop()
            reason = f"did not listen on {self.url} in {self.start_timeout}s" if code is None else f"exited {code}"
            raise AssertionError(f"nginx {reason}; stderr:\n{self.stderr_path.read_text()}")
        return self

    def stop(self) -> int | None:
        """SIGQUIT (graceful), then SIGKILL to the whole process group; returns the exit code."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        return self.proc and self.proc.returncode

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def nginx_config_test(conf_dir: Path, as_user: str | None = "nobody") -> subprocess.CompletedProcess:
    """`nginx -t -q -e stderr` on a world-writable copy of conf_dir, as `as_user` when root.

    The copy (dirs 0777, files a+rw) lets that user create what -t writes (an empty pid file,
    logs, temp dirs) without touching conf_dir. conf_dir paths in *.conf files are rewritten
    to the copy and mapped back in stdout/stderr. rc 0 means the config passed."""
    binary = require_tool("nginx")
    source = Path(conf_dir).resolve()
    scratch = Path(tempfile.mkdtemp(prefix="gwc-nginx-t-"))
    try:
        scratch.chmod(0o755)
        copy = scratch / "conf"
        shutil.copytree(source, copy)
        for path in (copy, *copy.rglob("*")):
            if path.suffix == ".conf" and path.is_file():
                path.write_text(path.read_text().replace(str(source), str(copy)))
            path.chmod(0o777 if path.is_dir() else stat.S_IMODE(path.stat().st_mode) | 0o666)
        command = [binary, "-t", "-q", "-c", f"{copy}/nginx.conf", "-p", f"{copy}/", "-e", "stderr"]
        if pid := _pid_default((copy / "nginx.conf").read_text()):  # -t opens the pid file too
            command += ["-g", pid]
        if as_user and os.geteuid() == 0:
            command = [require_tool("runuser"), "-u", as_user, "--", *command]
        # stdout goes to /dev/null so an access_log to /dev/stdout is openable by as_user.
        result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                timeout=60, stdin=subprocess.DEVNULL)
        result.stdout = ""
        result.stderr = result.stderr.replace(str(copy), str(source))
        return result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
