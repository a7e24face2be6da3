"""The release folders of an nginx deploy, the `current` symlink and pruning (file I/O only, no processes).

    DIR/current -> releases/<name>           what nginx loads: -c DIR/current/nginx.conf
    DIR/releases/<name>/                     one compiled folder per deploy, <name> = <UTC time>-<hash>
    DIR/releases/<name>.failed               refused by nginx (-t or the reload); never current again
    DIR/releases/<name>.rolled-back          left by `gwc rollback`
    DIR/loaded                               the release the running nginx last loaded successfully
    DIR/nginx.pid, DIR/logs/, DIR/tmp/       nginx's prefix (-p DIR/), shared by every release
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from gwc.deploy import DeployError

NAME = re.compile(r"^(\d{8}T\d{12}Z)-([0-9a-f]{12})(?:\.(failed|rolled-back))?$")
ASIDE = ("failed", "rolled-back")


class Layout:
    """The paths of one deploy folder (--conf-dir)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(os.path.abspath(root))
        self.releases = self.root / "releases"
        self.current = self.root / "current"
        self.conf = self.current / "nginx.conf"  # the -c path the running nginx must use
        self.loaded = self.root / "loaded"
        self.lock_file = self.root / ".gwc-deploy.lock"

    def release(self, name: str) -> Path:
        """The folder of release `name`."""
        return self.releases / name


def content_hash(files: dict[str, str]) -> str:
    """SHA-256 over the compiled files (paths and texts), the identity of a release."""
    digest = hashlib.sha256()
    for path in sorted(files):
        for part in (path, files[path]):
            data = part.encode()
            digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def new_name(digest: str) -> str:
    """A release name that sorts by deploy time: 20250102T030405123456Z-<12 hex of the hash>."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{digest[:12]}"


def releases(layout: Layout) -> list[str]:
    """The releases that may be current (not set aside), oldest first."""
    if not layout.releases.is_dir():
        return []
    return sorted(n for n in os.listdir(layout.releases)
                  if (m := NAME.match(n)) and not m.group(3) and layout.release(n).is_dir())


def current(layout: Layout) -> str | None:
    """The release DIR/current points to; None before the first deploy. DeployError if it is not ours."""
    try:
        target = os.readlink(layout.current)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise DeployError("read the deploy folder", f"{layout.root} is not a folder (it, or a parent, is a file)",
                          [], "pass a folder (or a path that does not exist yet) to --conf-dir") from None
    except OSError as exc:
        raise DeployError("read the deploy folder", f"{layout.current} is not a symlink ({exc.strerror})", [],
                          "the folder must be managed by gwc deploy only: move that file away") from None
    name = target.removeprefix("releases/")
    if target == name or not NAME.match(name) or not layout.release(name).is_dir():
        raise DeployError("read the deploy folder", f"{layout.current} points to {target!r}, not to a release "
                          f"in {layout.releases}", [], "remove the symlink or point it to releases/<name>")
    return name


def same_content(layout: Layout, name: str, files: dict[str, str]) -> bool:
    """True when release `name` holds exactly the compiled files (its hash and every text match)."""
    if NAME.match(name).group(2) != content_hash(files)[:12]:
        return False
    try:
        return all((layout.release(name) / p).read_text(encoding="utf-8") == t for p, t in files.items())
    except (OSError, UnicodeDecodeError):
        return False


def write(layout: Layout, name: str, files: dict[str, str]) -> str:
    """Write the release into a temporary folder, then rename it into place; also make the prefix's folders
    (logs/, tmp/: nginx creates only one level below them)."""
    staging = layout.releases / f".tmp-{name}"
    shutil.rmtree(staging, ignore_errors=True)
    for rel, text in files.items():
        path = staging / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if len(Path(rel).parts) > 1:
            (layout.root / Path(rel).parts[0]).mkdir(exist_ok=True)
    os.rename(staging, layout.release(name))
    return f"{len(files)} files in {layout.release(name)}"


def switch(layout: Layout, name: str) -> str:
    """Point DIR/current to the release atomically: a temporary symlink renamed over the old one."""
    temp = layout.root / f".current.tmp-{os.getpid()}"
    with_unlink(temp)
    os.symlink(f"releases/{name}", temp)
    os.replace(temp, layout.current)
    dir_fd = os.open(layout.root, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename survives a crash
    finally:
        os.close(dir_fd)
    return f"current -> releases/{name}"


def with_unlink(path: Path) -> None:
    """Remove a file or symlink if it exists."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def set_aside(layout: Layout, name: str, why: str) -> str:
    """Rename a release to <name>.<why> (failed | rolled-back) so it is never current again."""
    os.rename(layout.release(name), layout.release(f"{name}.{why}"))
    return f"{name}.{why}"


def to_prune(layout: Layout, keep: int, current_name: str, extra: tuple[str, ...] = ()) -> list[str]:
    """What pruning removes: releases beyond the `keep` newest (never `current_name`), other releases with
    the same content as `current_name`, and the set-aside releases but the newest of each kind."""
    names = sorted(set(releases(layout)) | set(extra))
    digest = NAME.match(current_name).group(2)
    older = [n for n in names if n != current_name and NAME.match(n).group(2) == digest]
    names = [n for n in names if n not in older]
    kept = set(names[-keep:]) | {current_name}
    found = os.listdir(layout.releases) if layout.releases.is_dir() else []
    aside = []
    for kind in ASIDE:  # the newest of each kind stays
        aside += sorted(n for n in found if NAME.match(n) and NAME.match(n).group(3) == kind)[:-1]
    return older + [n for n in names if n not in kept] + aside


def remove(layout: Layout, names: list[str]) -> str:
    """Delete release folders."""
    for name in names:
        shutil.rmtree(layout.release(name))
    return f"removed {len(names)}"


def read_loaded(layout: Layout) -> str | None:
    """The release the running nginx last loaded (written after a verified start or reload)."""
    try:
        return layout.loaded.read_text().strip() or None
    except OSError:
        return None


def write_loaded(layout: Layout, name: str) -> None:
    """Record that the running nginx serves `name` (atomic: written aside, then renamed)."""
    temp = layout.root / f".loaded.tmp-{os.getpid()}"
    temp.write_text(name + "\n")
    os.replace(temp, layout.loaded)


def lock(layout: Layout) -> int:
    """Take DIR's deploy lock for the rest of the process (a second deploy or rollback fails at once)."""
    layout.root.mkdir(parents=True, exist_ok=True)
    layout.releases.mkdir(exist_ok=True)
    fd = os.open(layout.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DeployError("lock", f"another gwc deploy or rollback is running on {layout.root}", [],
                          "wait for it to finish, then run the command again") from None
    return fd
