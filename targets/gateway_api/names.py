"""Deterministic Kubernetes names: DNS-1123 labels (at most 63 characters) derived from the spec, with a short
hash of the original when a name has to be shortened or changed, so two different inputs never share one."""

from __future__ import annotations

import hashlib
import re

LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
MAX = 63


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def label(text: str, limit: int = MAX) -> str:
    """A DNS-1123 label for `text`: itself when it already is one, else lower-cased with every run of other
    characters as '-', trimmed, and suffixed with a hash of the original when anything changed or it is too long."""
    if LABEL.match(text) and len(text) <= limit:
        return text
    clean = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
    room = limit - 9
    return f"{clean[:room].rstrip('-') or 'x'}-{_digest(text)}"


def with_suffix(stem: str, suffix: str) -> str:
    """`stem-suffix`, shortened (stem cut, hash added) to stay a label."""
    name = f"{stem}-{suffix}"
    if len(name) <= MAX:
        return name
    room = MAX - len(suffix) - 10
    return f"{stem[:room].rstrip('-')}-{_digest(stem)}-{suffix}"
