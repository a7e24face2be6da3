"""Deterministic Kubernetes names: DNS-1123 labels (lower-case letters, digits and '-', at most 63
characters, starting and ending with a letter or digit), never two the same within one kind."""

from __future__ import annotations

import hashlib
import re

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
MAX = 63


def label(text: str, limit: int = MAX) -> str:
    """A DNS-1123 label derived from text: '_' and other characters become '-'; a name that is too long is cut
    and ends with 8 hex digits of its SHA-256, so two long names stay distinct."""
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
    if len(name) > limit:
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        name = f"{name[:limit - 9].rstrip('-')}-{digest}"
    return name


class Namer:
    """Unique labels within one kind: a repeat gets -2, -3, ..."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, text: str) -> str:
        base = label(text)
        name, n = base, 1
        while name in self.used:
            n += 1
            suffix = f"-{n}"
            name = label(base, MAX - len(suffix)) + suffix
        self.used.add(name)
        return name
