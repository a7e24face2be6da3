"""A verified reload: SIGHUP to the master, then watch for new workers or an error in the master's log.

nginx answers SIGHUP by reading DIR/current/nginx.conf again. When the new configuration works it forks new
workers and stops the old ones gracefully (they finish their requests); when it fails at run time (a port in
use, a file that went away) it logs [emerg] and keeps the old workers, which go on serving the old
configuration. New children of the master therefore mean success (they are only forked after the new
configuration is in place); an [emerg] followed by QUIET seconds without new children, the master exiting,
or RELOAD_TIMEOUT seconds without new children mean failure. Needs /proc (Linux); elsewhere the signal is
sent and not verified.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from gwc.deploy import DeployError

from .deploy_process import QUIET, RELOAD_TIMEOUT, problems, read_from

PROC = Path("/proc")


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (nginx's workers, cache manager and loader)."""
    found = set()
    for entry in os.listdir(PROC):
        if entry.isdigit():
            try:
                text = (PROC / entry / "stat").read_text()
            except OSError:
                continue
            if text[text.rindex(")") + 2:].split()[1] == str(pid):
                found.add(int(entry))
    return found


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie does not count)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2:].split()[0] not in ("Z", "X")


def master_log(pid: int) -> Path | None:
    """The master's stderr when it is a regular file (where the compiled `error_log stderr` goes)."""
    try:
        target = Path(os.readlink(PROC / str(pid) / "fd" / "2"))
    except OSError:
        return None
    return target if target.is_absolute() and target.is_file() else None


def _retired(pid: int, old: set[int], start: float) -> str:
    """After new workers started: wait (within the timeout) until the old ones stopped taking requests, so the
    new configuration answers once gwc reports success (nginx tells them to quit 100 ms after the fork)."""
    while time.monotonic() - start < RELOAD_TIMEOUT:
        busy = [p for p in old & children(pid) if "shutting down" not in _title(p)]
        if not busy:
            return f"new workers running (master pid {pid}), old ones stopped taking requests"
        time.sleep(0.02)
    return f"new workers running (master pid {pid}); old workers {sorted(busy)} had not stopped yet"


def _title(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return "shutting down"  # gone


def reload(pid: int) -> str:
    """SIGHUP the master and wait until new workers run; DeployError with nginx's message when it keeps the
    old configuration."""
    verify = (PROC / "self" / "stat").exists()
    before = children(pid) if verify else set()
    log = master_log(pid) if verify else None
    offset = log.stat().st_size if log else 0
    try:
        os.kill(pid, signal.SIGHUP)
    except PermissionError:
        raise DeployError("", f"not allowed to signal nginx (pid {pid})", [],
                          "run gwc as the user nginx's master process runs as") from None
    except ProcessLookupError:
        raise DeployError("", f"nginx (pid {pid}) exited before the reload", [],
                          "run gwc deploy again: it starts nginx when none runs") from None
    if not verify:
        return "signalled (not verified: no /proc)"
    start = last_change = time.monotonic()
    seen, errors = "", ""
    while (now := time.monotonic()) - start < RELOAD_TIMEOUT:
        if children(pid) - before:
            return _retired(pid, before, start)
        if not alive(pid):
            raise DeployError("", f"nginx (pid {pid}) exited during the reload"
                                  + (f": {problems(read_from(log, offset))}" if log else ""), [])
        if log and (text := read_from(log, offset)) != seen:
            seen, errors, last_change = text, problems(text), now
        if errors and now - last_change >= QUIET:
            raise DeployError("", f"nginx refused the reload and keeps serving the old configuration: {errors}", [])
        time.sleep(0.05)
    raise DeployError("", f"nginx (pid {pid}) started no new workers within {RELOAD_TIMEOUT:.0f} s of SIGHUP"
                          + (f": {errors}" if errors else f" (its log: {log or 'not a file'})"), [])
