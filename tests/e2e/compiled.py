"""Compile a spec (a dict, as a user would write it) into a folder with the real pipeline, for e2e tests."""

from __future__ import annotations

from pathlib import Path

import yaml

from gwc.diagnostics import Level
from gwc.output import write_tree
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target


def compile_spec(folder: Path, spec: dict, target: str = "nginx", extra_files: dict[str, str] | None = None,
                 allow_lossy: bool = False) -> Path:
    """Write spec.yaml (and extra files such as a JWKS) into folder, compile it, and write the output to
    folder/out. Fails the test with the diagnostics if there are errors. Returns the output folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for rel, text in (extra_files or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    spec_path = folder / "spec.yaml"
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    loaded = load_gateway(str(spec_path))
    assert loaded.gateway is not None, "\n".join(d.format() for d in loaded.diagnostics)
    tgt, diags = load_target(target)
    assert tgt is not None, diags
    files, diags = compile_gateway(loaded.gateway, loaded.doc, tgt, allow_lossy=allow_lossy)
    errors = [d.format() for d in diags if d.level is Level.ERROR]
    assert files and not errors, "\n".join(errors)
    out = folder / "out"
    assert write_tree(out, files) is None
    return out
