"""Write a target's files to a folder, or compare them with what is there (for --check)."""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path


def write_tree(folder: Path, files: dict[str, str]) -> str | None:
    """Write every file under folder (creating directories); returns an error text or None."""
    try:
        for rel, text in sorted(files.items()):
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".gwc-tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


class Staging:
    """All-or-nothing output for several targets without holding them all in memory: each target's files are
    written to OUT/.gwc-staging-PID/TARGET as soon as it compiles (and dropped from memory); only when every
    target succeeded does `commit` move each folder over OUT/TARGET, so OUT/TARGET holds exactly what this run
    wrote (no stale files from an older spec). `discard` removes the staging folder."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.root = out / f".gwc-staging-{os.getpid()}"
        self.names: list[str] = []

    def add(self, name: str, files: dict[str, str]) -> str | None:
        """Write one target's files to staging; an error text or None."""
        self.names.append(name)
        return write_tree(self.root / name, files)

    def commit(self) -> str | None:
        """Move every staged target into place; an error text or None."""
        try:
            for name in self.names:
                final, old = self.out / name, self.out / f".gwc-old-{os.getpid()}-{name}"
                if final.exists():
                    final.rename(old)
                (self.root / name).rename(final)
                shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            return exc.strerror or str(exc)
        finally:
            self.discard()
        return None

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def check_tree(folder: Path, files: dict[str, str]) -> list[str]:
    """Unified diffs between what is on disk and what would be written (empty when equal)."""
    diffs = []
    for rel, text in sorted(files.items()):
        path = folder / rel
        try:
            current = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != text:
            diffs.append("".join(difflib.unified_diff(
                (current or "").splitlines(keepends=True), text.splitlines(keepends=True),
                fromfile=str(path) if current is not None else "/dev/null", tofile=str(path))))
    return diffs
