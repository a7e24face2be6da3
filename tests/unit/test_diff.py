"""`gwc diff`: a normalised diff against a folder, with exit codes 0 (same), 1 (changes), 2 (error)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gwc.diffing import diff_files, normalise
from tests.conftest import ROOT

SPEC = ROOT / "examples" / "per-client" / "web.yaml"


def gwc(*args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GWC_DEBUG"}
    return subprocess.run([sys.executable, "-m", "gwc", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=60)


def test_no_change_then_a_change_then_errors(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert gwc("compile", SPEC, "-t", "aws", "--allow-lossy", "-o", out).returncode == 0
    same = gwc("diff", SPEC, "-t", "aws", "--allow-lossy", "--against", out)
    assert same.returncode == 0 and "no changes" in same.stdout
    body = out / "aws" / "openapi.json"
    data = json.loads(body.read_text())
    body.write_text(json.dumps(data, indent=4))  # reformatted only: still no change
    assert gwc("diff", SPEC, "-t", "aws", "--allow-lossy", "--against", out / "aws").returncode == 0
    data["info"]["title"] = "Old title"
    body.write_text(json.dumps(data))
    changed = gwc("diff", SPEC, "-t", "aws", "--allow-lossy", "--against", out)
    assert changed.returncode == 1
    assert '-    "title": "Old title",' in changed.stdout and "+++ compiled/openapi.json" in changed.stdout
    assert gwc("diff", SPEC, "-t", "aws", "--against", out).returncode == 2  # lossy without the flag: error
    assert gwc("diff", SPEC, "-t", "nope", "--against", out).returncode == 2
    assert gwc("diff", SPEC, "-t", "aws", "--allow-lossy", "--against", tmp_path / "missing").returncode == 2


def test_added_and_removed_files_show() -> None:
    text = diff_files({"a.yaml": "b: 1\na: 2\n", "new.txt": "x\n"}, {"a.yaml": "a: 2\nb: 1\n", "old.txt": "y\n"},
                      "deployed")
    assert "a.yaml" not in text  # same data, other key order
    assert "+++ compiled/new.txt" in text and "--- deployed/old.txt" in text


def test_normalise_keeps_unparseable_text() -> None:
    assert normalise("x.json", "{not json") == "{not json"
