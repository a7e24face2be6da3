"""Golden records: every example and every case under tests/golden/cases compiles, byte for byte, to the
files stored beside it, and every stored nginx output passes the real `nginx -t` as a non-root user.

Every target compiles with --allow-lossy (the examples use features some targets cannot express); what
each compile reported is stored beside its output as `<target>.diagnostics.txt` and compared the same way,
so a feature that is left out is a reviewed line, never a silent change.

Regenerate with `pytest tests/golden --update-golden` and review the diff like code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gwc.diagnostics import Level
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.conftest import ROOT, gateway_examples
from tests.e2e.harness import nginx_config_test, require_tool
from tests.e2e.tls import write_throwaway_certificates

GOLDEN = ROOT / "tests" / "golden"
TARGETS = ["aws", "azure", "gateway-api", "gcp", "istio", "nginx"]
# Files a target copies verbatim from its templates: checked against the template, not stored again.
STATIC = {("nginx", "gwc_auth.js"): ROOT / "targets" / "nginx" / "templates" / "gwc_auth.js"}


def _cases() -> list[tuple[str, Path, Path]]:
    """(id, spec, expected folder) for each example and each golden case."""
    out = []
    for spec in gateway_examples():  # not the files other specs include
        rel = spec.relative_to(ROOT / "examples").with_suffix("")
        out.append((f"example:{rel}", spec, GOLDEN / "examples" / rel))
    for spec in sorted((GOLDEN / "cases").glob("*/spec.yaml")):
        out.append((f"case:{spec.parent.name}", spec, spec.parent / "expected"))
    return out


CASES = _cases()


def _targets_of(spec: Path) -> list[str]:
    """The targets a case is compiled for: all, unless a `# golden-targets: a, b` line narrows them (cases
    written for one target's features, e.g. AWS authorizers that nginx cannot check)."""
    for line in spec.read_text(encoding="utf-8").splitlines():
        if line.startswith("# golden-targets:"):
            return [t.strip() for t in line.split(":", 1)[1].split(",") if t.strip()]
    return TARGETS


TARGET_CASES = [(t, *case) for case in CASES for t in _targets_of(case[1])]
NGINX_CASES = [case for case in CASES if "nginx" in _targets_of(case[1])]


def _compile_with_diagnostics(spec: Path, target: str) -> tuple[dict[str, str], str]:
    """The files, and the diagnostics as `Diagnostic.format()` lines with paths relative to the repo root."""
    loaded = load_gateway(str(spec))
    errors = [d.format() for d in loaded.diagnostics if d.level is Level.ERROR]
    assert loaded.gateway is not None, "\n".join(errors)
    tgt, diags = load_target(target)
    assert tgt is not None, diags
    files, diags = compile_gateway(loaded.gateway, loaded.doc, tgt, allow_lossy=True)
    assert files, "\n".join(d.format() for d in diags)
    root = f"{ROOT}/"
    text = "".join(d.format().replace(root, "") + "\n" for d in loaded.diagnostics + diags)
    return files, text


def _compile(spec: Path, target: str) -> dict[str, str]:
    return _compile_with_diagnostics(spec, target)[0]


def _stored(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("target,case_id,spec,expected", TARGET_CASES, ids=[f"{c[1]}-{c[0]}" for c in TARGET_CASES])
def test_output_matches_golden(case_id: str, spec: Path, expected: Path, target: str, update_golden: bool) -> None:
    files, diagnostics = _compile_with_diagnostics(spec, target)
    for (owner, rel), template in STATIC.items():
        if owner == target and rel in files:
            assert files.pop(rel) == template.read_text(encoding="utf-8"), f"{rel} differs from its template"
    folder = expected / target
    report = expected / f"{target}.diagnostics.txt"
    if update_golden:
        shutil.rmtree(folder, ignore_errors=True)
        for rel, text in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text, encoding="utf-8")
        report.write_text(diagnostics, encoding="utf-8")
    assert folder.is_dir(), f"no golden output for {case_id}; run pytest --update-golden"
    assert _stored(folder) == files
    assert report.is_file(), f"no stored diagnostics for {case_id}; run pytest --update-golden"
    assert report.read_text(encoding="utf-8") == diagnostics


@pytest.mark.parametrize("target,case_id,spec,expected", TARGET_CASES, ids=[f"{c[1]}-{c[0]}" for c in TARGET_CASES])
def test_compile_is_deterministic(case_id: str, spec: Path, expected: Path, target: str) -> None:
    assert _compile_with_diagnostics(spec, target) == _compile_with_diagnostics(spec, target)


@pytest.mark.parametrize("case_id,spec,expected", NGINX_CASES, ids=[c[0] for c in NGINX_CASES])
def test_golden_nginx_passes_nginx_t(case_id: str, spec: Path, expected: Path, tmp_path: Path) -> None:
    require_tool("nginx")
    folder = expected / "nginx"
    assert folder.is_dir(), f"no golden nginx output for {case_id}"
    conf = tmp_path / "conf"
    shutil.copytree(folder, conf)
    for (owner, rel), template in STATIC.items():
        if owner == "nginx" and (folder / "gwc_auth_config.js").exists():
            shutil.copy(template, conf / rel)
    write_throwaway_certificates(conf)
    proc = nginx_config_test(conf)
    assert proc.returncode == 0, proc.stderr
