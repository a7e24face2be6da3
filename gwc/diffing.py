"""A normalised, deterministic diff between compiled files and a folder: JSON and YAML are compared as
data (key order and formatting do not count), other files as text."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import yaml


def normalise(name: str, text: str) -> str:
    """A canonical text for a file, so only meaningful differences show."""
    try:
        if name.endswith(".json"):
            return json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
        if name.endswith((".yaml", ".yml")):
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
            return "---\n".join(yaml.safe_dump(d, sort_keys=True, default_flow_style=False) for d in docs)
    except (ValueError, yaml.YAMLError):
        pass  # not parseable: compare the text itself
    return text


def read_folder(folder: Path) -> dict[str, str]:
    """Every text file below folder, by '/'-separated relative path (nginx's run-time files left out)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not rel.startswith(("tmp/", "logs/")) or rel in ("tmp/README", "logs/README"):
            try:
                out[rel] = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                out[rel] = "<unreadable>\n"
    return out


def diff_files(new: dict[str, str], old: dict[str, str], label: str) -> str:
    """A unified diff of the normalised files: added, removed and changed, in path order."""
    chunks = []
    for name in sorted(set(new) | set(old)):
        a = normalise(name, old[name]).splitlines(keepends=True) if name in old else []
        b = normalise(name, new[name]).splitlines(keepends=True) if name in new else []
        if a != b:
            chunks.append("".join(difflib.unified_diff(
                a, b, fromfile=f"{label}/{name}" if name in old else "/dev/null",
                tofile=f"compiled/{name}" if name in new else "/dev/null")))
    return "".join(chunks)
