"""The nginx processes of a deploy: `nginx -t`, finding the running master, starting it, and a verified reload.

A reload is SIGHUP to the master. nginx then reads DIR/current/nginx.conf again; if the new configuration
works it starts new workers and stops the old ones gracefully, else it logs why ([emerg]) and keeps the old
workers. So a reload succeeded when the master has new children; it failed when it logged an error and no
new child came, or when none came within RELOAD_TIMEOUT seconds. The log is the master's stderr (the
compiled `error_log stderr`), found through /proc/PID/fd/2 when it is a file (Linux).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from gwc.deploy import DeployError

from .deploy_releases import Layout

RELOAD_TIMEOUT = 10.0  # seconds for new workers to appear after SIGHUP
START_TIMEOUT = 10.0
QUIET = 1.0  # seconds without new log lines after an [emerg] before a reload counts as failed
PROBLEM = re.compile(r"\[(emerg|alert|crit)\]")
LOG_PREFIX = re.compile(r"^(?:nginx: |\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )?\[(\w+)\] (?:\d+#\d+: )?")


def find_binary(name: str | None) -> str:
    """The nginx executable: --nginx-bin, else `nginx` on PATH (or in /usr/sbin, /usr/local/sbin)."""
    wanted = name or "nginx"
    found = shutil.which(wanted) or (None if name else shutil.which(wanted, path="/usr/local/sbin:/usr/sbin:/sbin"))
    if not found:
        raise DeployError("find nginx", f"no executable {wanted!r}" + ("" if name else " on PATH"), [],
                          "install nginx or pass --nginx-bin /path/to/nginx")
    return found


def prefix_args(layout: Layout, conf: Path) -> list[str]:
    """`-p DIR/ -c CONF`: run-time files (pid, logs, temp, cache) in DIR, configuration files beside CONF."""
    return ["-p", f"{layout.root}/", "-c", str(conf)]


def problems(text: str) -> str:
    """nginx's error lines as one line ("[emerg] host not found ... in FILE:LINE; ..."), deduplicated."""
    seen: list[str] = []
    for line in text.splitlines():
        if PROBLEM.search(line) and (m := LOG_PREFIX.match(line)):
            message = f"[{m.group(1)}] {line[m.end():].strip()}"
            if message not in seen:
                seen.append(message)
    return "; ".join(seen)


def test(binary: str, layout: Layout, conf: Path) -> str:
    """`nginx -t` on a release, with the prefix it will run with; DeployError with nginx's message."""
    try:
        result = subprocess.run([binary, "-t", "-q", *prefix_args(layout, conf)], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120,
                                check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DeployError("", f"could not run {binary} -t: {exc}", []) from None
    if result.returncode != 0:
        message = problems(result.stderr) or result.stderr.strip().replace("\n", "; ") or f"exit {result.returncode}"
        raise DeployError("", f"nginx -t refused the configuration: {message}", [])
    return "nginx -t passed"


def pid_file(layout: Layout) -> Path:
    """Where the master writes its pid: the `pid` directive of the current release, relative to DIR."""
    try:
        text = layout.conf.read_text(encoding="utf-8")
    except OSError:
        text = ""
    match = re.search(r"^\s*pid\s+\"?([^\s;\"]+)\"?\s*;", text, re.MULTILINE)
    return layout.root / (match.group(1) if match else "nginx.pid")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # state, ppid, ...


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def running_master(layout: Layout) -> int | None:
    """The pid of the nginx master serving DIR (from its pid file), or None when none runs. DeployError when
    it runs with another -c than DIR/current/nginx.conf (a reload would not load the new release)."""
    try:
        pid = int(pid_file(layout).read_text().strip())
    except (OSError, ValueError):
        return None  # never started, or stopped (nginx removes its pid file)
    if pid <= 1:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # a stale pid file
    except PermissionError:
        pass  # it runs as another user: signalling it will say so
    state = _stat(pid)
    if state is not None and state[0] in ("Z", "X"):
        return None
    title = _cmdline(pid)
    if title and "nginx: master process" not in title:
        return None  # the pid was reused by another program
    if not title or title.endswith(f" -c {layout.conf}") or f" -c {layout.conf} " in title:
        return pid
    match = re.search(r"\s-c\s*(\S+)", title)
    conf = match.group(1) if match else None
    if conf is None or not _is_current_conf(conf, layout):
        raise DeployError("find the running nginx", f"nginx (pid {pid}) runs with -c {conf or '(its default)'}, "
                          f"not {layout.conf}: a reload would not load the new release", [],
                          f"stop it, then deploy again (gwc starts it), or start it yourself as: nginx "
                          f"{' '.join(prefix_args(layout, layout.conf))}")
    return pid


def _is_current_conf(conf: str, layout: Layout) -> bool:
    path = Path(conf)
    return (path.name == "nginx.conf" and path.parent.name == "current"
            and os.path.realpath(path.parent.parent) == os.path.realpath(layout.root))


def start(binary: str, layout: Layout) -> int:
    """Start nginx as a daemon (-p DIR/ -c DIR/current/nginx.conf), its stderr appended to DIR/logs/error.log;
    returns the master's pid once the pid file names a live master."""
    log_path = layout.root / "logs" / "error.log"
    log_path.parent.mkdir(exist_ok=True)
    offset = log_path.stat().st_size if log_path.exists() else 0
    with log_path.open("ab") as log:
        try:
            code = subprocess.run([binary, *prefix_args(layout, layout.conf)], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
                                  timeout=START_TIMEOUT * 6, check=False).returncode
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DeployError("", f"could not run {binary}: {exc}", []) from None
    if code != 0:
        text = read_from(log_path, offset)
        raise DeployError("", f"nginx did not start: {problems(text) or text.strip() or f'exit {code}'}", [])
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if (pid := running_master(layout)) is not None:
            return pid
        time.sleep(0.05)
    raise DeployError("", f"nginx started but {pid_file(layout)} names no running master after "
                          f"{START_TIMEOUT:.0f} s; see {log_path}", [])


def read_from(path: Path, offset: int) -> str:
    """What a log file gained after `offset` (at most 64 KiB)."""
    try:
        with path.open("rb") as file:
            file.seek(offset)
            return file.read(65536).decode(errors="replace")
    except OSError:
        return ""
