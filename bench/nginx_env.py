"""Real nginx processes for the throughput benchmarks: prefix folders, start/stop, worker CPU time.

Everything binds to 127.0.0.1 on ephemeral ports; waits are bounded; `Server` is a context manager that
always stops what it started (SIGQUIT, then SIGKILL to its own process group)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from http.client import HTTPConnection
from pathlib import Path
from typing import Self

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tool(name: str) -> str:
    """Absolute path of an executable (PATH, then the sbin folders); RuntimeError if absent."""
    path = shutil.which(name) or shutil.which(name, path="/usr/local/sbin:/usr/sbin:/sbin")
    if not path:
        raise RuntimeError(f"the nginx benchmark needs {name!r}, which is not installed")
    return path


def free_port() -> int:
    """An ephemeral port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scratch_root() -> Path:
    """A fresh temporary folder that nginx workers (user nobody when started as root) can traverse."""
    root = Path(tempfile.mkdtemp(prefix="gwc-bench-nginx-"))
    if os.geteuid() == 0:
        for path in (root, *root.parents):
            if not stat.S_IMODE(path.stat().st_mode) & stat.S_IXOTH:
                path.chmod(stat.S_IMODE(path.stat().st_mode) | stat.S_IXOTH)
    return root


def prefix(folder: Path, conf: str, source: Path | None = None) -> Path:
    """A prefix folder holding nginx.conf (text), logs/ and tmp/; a copy of `source` (a compiled nginx
    folder: its js modules) when given."""
    if source is not None:
        shutil.copytree(source, folder)
    for sub in ("logs", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "nginx.conf").write_text(conf)
    for path in (folder, *folder.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def _children(pid: int) -> list[int]:
    """Child process ids (the nginx workers of a master)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:  # a kernel without CONFIG_PROC_CHILDREN: scan /proc for the parent id
        found = []
        for stat_file in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat_file.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(stat_file.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        return found


def cpu_seconds(pids: list[int]) -> float:
    """CPU time of the processes in seconds: /proc/PID/schedstat (nanoseconds) when the kernel has it, else
    user + system time from /proc/PID/stat (clock ticks); 0 for a process that is gone."""
    total = 0.0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
            continue
        except (OSError, IndexError, ValueError):
            pass
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime, stime (fields 14 and 15)
    return total


class Server:
    """nginx in the foreground (master + workers) with `folder` as its prefix, listening on `port`."""

    def __init__(self, folder: Path, port: int, name: str, start_timeout: float = 60.0):
        self.folder, self.port, self.name, self.start_timeout = folder, port, name, start_timeout
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        log = (self.folder / "nginx-stderr.log").open("wb")
        with log:
            self.proc = subprocess.Popen(
                [tool("nginx"), "-p", f"{self.folder}/", "-c", str(self.folder / "nginx.conf"),
                 "-g", "daemon off; master_process on;"],
                env={"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/bin")},
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx {self.name} did not start on {self.url}:\n{self.stderr()[-3000:]}")

    def stderr(self) -> str:
        path = self.folder / "nginx-stderr.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def workers(self) -> list[int]:
        return _children(self.proc.pid) if self.proc else []

    def truncate_logs(self) -> None:
        """Empty the access logs (nginx appends with O_APPEND, so truncating in place is safe)."""
        for path in (self.folder / "logs").glob("*.log"):
            os.truncate(path, 0)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """One GET on a fresh connection: status, lower-cased headers, raw (undecoded) body."""
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    conn = HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", "/" + url.split("//", 1)[1].split("/", 1)[1], headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()
