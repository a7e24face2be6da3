"""Every AWS output is checked by the format's own tools: openapi.json by openapi-spec-validator (the
body API Gateway imports) and template.yaml by cfn-lint (which does not look inside the inline body,
hence both). Both run offline. They are test dependencies, so a missing one fails (never skips)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.conftest import ROOT, gateway_examples

GOLDEN = ROOT / "tests" / "golden"
STORED = sorted(p.parent for p in GOLDEN.rglob("aws/openapi.json"))
SPECS = gateway_examples() + sorted((GOLDEN / "cases").glob("*/spec.yaml"))
CFN_LINT = Path(sys.executable).parent / "cfn-lint"


def _id(folder: Path) -> str:
    return str(folder.parent.relative_to(GOLDEN))


def test_there_are_stored_aws_outputs() -> None:
    assert len(STORED) >= 10


@pytest.mark.parametrize("folder", STORED, ids=_id)
def test_stored_openapi_is_valid(folder: Path) -> None:
    validate(json.loads((folder / "openapi.json").read_text()))


def _cfn_lint(templates: list[Path]) -> subprocess.CompletedProcess:
    assert CFN_LINT.is_file(), f"cfn-lint is missing from {CFN_LINT.parent}: pip install -e '.[test]'"
    return subprocess.run([str(CFN_LINT), "--format", "parseable", *map(str, templates)], check=False,
                          capture_output=True, text=True, timeout=600)


def test_stored_templates_pass_cfn_lint() -> None:
    done = _cfn_lint([f / "template.yaml" for f in STORED])
    assert done.returncode & 2 == 0, done.stdout + done.stderr  # cfn-lint's exit code: bit 2 = errors


def _compile_as(spec: Path, api_type: str) -> dict[str, str]:
    loaded = load_gateway(str(spec))
    gw = loaded.gateway
    settings = {**gw.settings, "aws": {**gw.target_settings("aws"), "api_type": api_type}}
    files, diags = compile_gateway(replace(gw, settings=settings), loaded.doc, load_target("aws")[0],
                                   allow_lossy=True)
    assert files, "\n".join(d.format() for d in diags)
    return files


def test_every_spec_as_an_http_api_is_valid(tmp_path: Path) -> None:
    """The HTTP API flavour of every example and case: valid OpenAPI and a clean template."""
    templates = []
    for i, spec in enumerate(SPECS):
        files = _compile_as(spec, "http")
        validate(json.loads(files["openapi.json"]))
        (tmp_path / f"t{i}.yaml").write_text(files["template.yaml"])
        templates.append(tmp_path / f"t{i}.yaml")
    done = _cfn_lint(templates)
    assert done.returncode & 2 == 0, done.stdout + done.stderr
