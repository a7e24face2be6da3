"""The command line as users run it: exit codes, output formats, files written, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, gateway_examples

EXAMPLE = ROOT / "examples" / "single-entry" / "gateway.yaml"


def gwc(*args, cwd=None, env=None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("GWC_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "gwc", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=full_env, timeout=60)


def test_version() -> None:
    r = gwc("--version")
    assert r.returncode == 0 and r.stdout.startswith("gwc ")


def test_validate_ok() -> None:
    r = gwc("validate", EXAMPLE)
    assert r.returncode == 0 and "valid" in r.stdout


def test_validate_error_exit_1_with_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("gwc: 1\nname: x\nservices: {a: {url: 'http://a'}}\nroutes:\n  - path: /a\n    service: b\n")
    r = gwc("validate", bad)
    assert r.returncode == 1
    assert f"{bad}:6:14: error GWC201" in r.stderr and "hint:" in r.stderr
    assert "Traceback" not in r.stderr


def test_validate_json_format(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("gwc: 2\n")
    r = gwc("validate", bad, "--format", "json")
    assert r.returncode == 1
    found = json.loads(r.stdout)
    assert {d["code"] for d in found} >= {"GWC102", "GWC104"}
    assert all({"file", "line", "column", "pointer", "hint", "level"} <= set(d) for d in found)


@pytest.mark.parametrize("args", [["validate"], ["compile", EXAMPLE], ["frobnicate"],
                                  ["validate", EXAMPLE, "--format", "xml"], ["compile", EXAMPLE, "-t", "nginx",
                                                                            "--bogus"]])
def test_usage_errors_exit_2(args) -> None:
    r = gwc(*args)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr


def test_compile_writes_and_check_detects_drift(tmp_path: Path) -> None:
    out = tmp_path / "build"
    r = gwc("compile", EXAMPLE, "--target", "nginx", "--out", out)
    assert r.returncode == 0, r.stderr
    conf = out / "nginx" / "nginx.conf"
    assert conf.is_file()
    assert gwc("compile", EXAMPLE, "-t", "nginx", "-o", out, "--check").returncode == 0
    conf.write_text(conf.read_text().replace("listen 8080", "listen 9090"))
    r = gwc("compile", EXAMPLE, "-t", "nginx", "-o", out, "--check")
    assert r.returncode == 1 and "\n-    listen 9090;" in r.stdout and "\n+    listen 8080;" in r.stdout
    assert conf.read_text().count("listen 9090") == 1  # --check wrote nothing


def test_compile_all_targets(tmp_path: Path) -> None:
    # The example's services are mocks, which some targets (gcp) cannot serve: --allow-lossy leaves them out.
    r = gwc("compile", EXAMPLE, "--target", "all", "--out", tmp_path, "--allow-lossy")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "nginx" / "nginx.conf").is_file() and (tmp_path / "aws" / "openapi.json").is_file()


def test_unknown_target_is_a_located_error(tmp_path: Path) -> None:
    r = gwc("compile", EXAMPLE, "--target", "apache", "--out", tmp_path)
    assert r.returncode == 1 and "GWC401" in r.stderr and "nginx" in r.stderr


def test_missing_file() -> None:
    r = gwc("validate", "/nonexistent/spec.yaml")
    assert r.returncode == 1 and "GWC001" in r.stderr and "Traceback" not in r.stderr


def test_unwritable_output_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = gwc("compile", EXAMPLE, "-t", "nginx", "-o", blocker)
    assert r.returncode == 1 and "cannot write" in r.stderr and "Traceback" not in r.stderr


def test_targets_lists_fidelity() -> None:
    r = gwc("targets")
    assert r.returncode == 0
    assert "nginx:" in r.stdout and "rate_limit.client_ip" in r.stdout and "approximate" in r.stdout
    table = json.loads(gwc("targets", "--format", "json").stdout)
    assert table["nginx"]["route.exact"]["support"] == "exact"


def test_schema_prints_json() -> None:
    r = gwc("schema")
    assert r.returncode == 0 and json.loads(r.stdout)["title"]


def test_no_color_and_not_a_tty(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("gwc: 1\n")
    r = gwc("validate", bad, env={"NO_COLOR": "1"})
    assert "\033[" not in r.stderr


def test_cloud_secret_reference_is_an_error_for_nginx(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("gwc: 1\nname: x\nservices: {a: {url: 'http://127.0.0.1:1'}}\n"
                    "auth: {k: {api_key: {keys: {aws_secret: 'arn:aws:secretsmanager:x'}}}}\n"
                    "routes:\n  - path: /a\n    service: a\n    auth: k\n")
    r = gwc("compile", spec, "-t", "nginx", "-o", tmp_path / "o")
    assert r.returncode == 1 and "GWC310" in r.stderr


@pytest.mark.parametrize("example", gateway_examples(),
                         ids=lambda p: str(p.relative_to(ROOT / "examples")))
def test_every_example_validates_and_compiles(example: Path, tmp_path: Path) -> None:
    assert gwc("validate", example, "--target", "nginx").returncode == 0
    r = gwc("compile", example, "--target", "nginx", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "nginx" / "nginx.conf").is_file()


def test_notes_are_counted_unless_verbose(tmp_path: Path) -> None:
    web = ROOT / "examples" / "per-client" / "web.yaml"
    quiet = gwc("compile", web, "-t", "nginx", "-o", tmp_path)
    assert quiet.returncode == 0 and "approximate on nginx; -v lists them" in quiet.stderr
    assert "GWC302" not in quiet.stderr
    loud = gwc("compile", web, "-t", "nginx", "-o", tmp_path, "-v")
    assert loud.stderr.count("note GWC302") == 4
    as_json = json.loads(gwc("validate", web, "-t", "nginx", "--format", "json").stdout)
    assert sum(d["code"] == "GWC302" for d in as_json) == 4
