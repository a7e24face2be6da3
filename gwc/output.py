"""Write a target's files to a folder, or compare them with what is there (for --check)."""

from __future__ import annotations

import difflib
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
