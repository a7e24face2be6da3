"""Write a target's files to a folder, or compare them with what is there (for --check)."""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path
from typing import BinaryIO

from gwc.target import Streamed, texts

FLUSH = 1 << 20  # a streamed text is written in pieces of about this many characters


def _stream(text: Streamed, f: BinaryIO) -> None:
    parts: list[str] = []
    size = 0

    def write(piece: str) -> None:
        nonlocal size
        parts.append(piece)
        size += len(piece)
        if size >= FLUSH:
            f.write("".join(parts).encode("utf-8"))
            parts.clear()
            size = 0
    text.fn(write)
    f.write("".join(parts).encode("utf-8"))


def write_tree(folder: Path, files: dict[str, str | Streamed], consume: bool = False) -> str | None:
    """Write every file under folder (creating directories); returns an error text or None. Files are written in
    place: atomicity comes from `Staging`, which moves a whole folder at once (a temporary name and a rename per
    file cost two system calls each). With `consume`, each file leaves `files` once written, so a target's
    large texts are not all held at once."""
    made: set[str] = set()
    root = os.fspath(folder)
    try:
        for rel in sorted(files):
            text = files.pop(rel) if consume else files[rel]
            path = os.path.join(root, rel)
            parent = os.path.dirname(path)
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            with open(path, "wb") as f:
                if type(text) is Streamed:
                    _stream(text, f)
                else:  # in slices: a 27 MB text is not copied whole into bytes
                    for start in range(0, len(text), FLUSH):
                        f.write(text[start:start + FLUSH].encode("utf-8"))
            del text
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


class Staging:
    """All-or-nothing output for several targets without holding them all in memory: each target's files are
    written to OUT/.gwc-staging-PID/TARGET as soon as it compiles (and dropped from memory), by whichever
    process compiled it; only when every target succeeded does `commit` move each folder over OUT/TARGET, so
    OUT/TARGET holds exactly what this run wrote (no stale files from an older spec). `discard` removes the
    staging folder."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.root = out / f".gwc-staging-{os.getpid()}"

    def write(self, name: str, files: dict[str, str | Streamed]) -> str | None:
        """Write one target's files to staging (emptying `files` as it goes); an error text or None."""
        return write_tree(self.root / name, files, consume=True)

    def commit(self, names: list[str]) -> str | None:
        """Move the staged targets into place; an error text or None."""
        try:
            for name in names:
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


def check_tree(folder: Path, files: dict[str, str | Streamed]) -> list[str]:
    """Unified diffs between what is on disk and what would be written (empty when equal)."""
    diffs = []
    for rel, text in sorted(texts(files).items()):
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
