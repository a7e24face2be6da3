"""Environment overlays: `environments.NAME` deep-merged over the spec, with the overlay's own line and
column kept for every value it sets, so a problem in an overlay is reported where the overlay says it.

Mappings merge key by key; lists and plain values replace. Nothing is read from the process environment:
values come from the spec or the overlay (secrets stay references).
"""

from __future__ import annotations

import copy

from gwc.diagnostics import Diagnostic
from gwc.load import Document, escape_pointer_token


def _merge(base, over):
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(over)


def apply_environment(doc: Document, env: str) -> tuple[Document | None, list[Diagnostic]]:
    """The document with environment `env` applied (None and a located error when there is no such one)."""
    data = doc.data if isinstance(doc.data, dict) else {}
    envs = data.get("environments")
    if not isinstance(envs, dict) or env not in envs:
        known = ", ".join(sorted(envs)) if isinstance(envs, dict) and envs else "none defined"
        return None, [doc.diag("GWC230", f"no environment named {env!r}", "/environments" if envs else "",
                               f"environments in this spec: {known}")]
    overlay = envs[env]
    if not isinstance(overlay, dict):
        return None, [doc.diag("GWC230", f"environment {env!r} must be a mapping of spec fields",
                               f"/environments/{escape_pointer_token(env)}", "write the fields it changes")]
    prefix = f"/environments/{escape_pointer_token(env)}"
    merged = Document(doc.path, _merge({k: v for k, v in data.items() if k != "environments"}, overlay),
                      dict(doc.marks), dict(doc.key_marks), dict(doc.files))
    for table, source in ((merged.marks, doc.marks), (merged.key_marks, doc.key_marks)):
        for pointer, mark in source.items():
            if pointer.startswith(prefix + "/"):
                table[pointer[len(prefix):]] = mark
                merged.files.pop(pointer[len(prefix):], None)  # the overlay is in the spec file itself
    return merged, []
