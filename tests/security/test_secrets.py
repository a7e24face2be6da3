"""Secrets are references: compiling never reads them, so their values cannot reach any output file, and
diagnostics about them name the reference, never a value."""

from __future__ import annotations

from pathlib import Path

import pytest

from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.conftest import ROOT

SECRETS = {"GWC_STAFF_SECRET": "hmac-secret-value-123", "GWC_ROBOT_KEYS": "robot-key-abc,robot-key-def"}
CASE = ROOT / "tests" / "golden" / "cases" / "auth-any-of" / "spec.yaml"


def test_secret_values_never_reach_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    key_file = Path("/etc/gwc/partner-keys")
    loaded = load_gateway(str(CASE))
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("nginx")[0])
    assert files
    text = "\n".join(files.values()) + "\n".join(d.format() for d in diags)
    for value in SECRETS.values():
        for part in value.split(","):
            assert part not in text
    config = files["gwc_auth_config.js"]
    assert '"env": "GWC_STAFF_SECRET"' in config and f'"file": "{key_file}"' in config
    assert "env GWC_STAFF_SECRET;" in files["nginx.conf"] and "env GWC_ROBOT_KEYS;" in files["nginx.conf"]


def test_cli_output_never_echoes_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    from gwc.cli import app
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as done:
        app(["compile", str(CASE), "-t", "nginx", "-o", str(tmp_path)], standalone_mode=True)
    assert done.value.code == 0
    captured = capsys.readouterr()
    written = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    for value in SECRETS.values():
        for part in value.split(","):
            assert part not in captured.out + captured.err + written
