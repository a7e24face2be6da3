"""The pre-commit hooks and the GitHub Action call commands and options that exist."""

from __future__ import annotations

import shlex
import subprocess
import sys

import yaml

from tests.conftest import ROOT


def _help(*words: str) -> str:
    r = subprocess.run([sys.executable, "-m", "gwc", *words, "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_pre_commit_hooks_run_real_commands() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"gwc-validate", "gwc-check"}
    for hook in hooks:
        words = shlex.split(hook["entry"])
        assert words[0] == "gwc" and hook["language"] == "python"
        options = [w for w in words[1:] if w.startswith("--")]
        text = _help(words[1])
        assert all(o in text for o in options), (hook["id"], options)


def test_action_is_a_composite_that_uses_existing_options() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite" and action["inputs"]["specs"]["required"] is True
    script = "\n".join(step.get("run", "") for step in action["runs"]["steps"])
    assert "gwc validate $SPECS --format github" in script
    assert "--format sarif" in script and "--check" in script
    assert "--format" in _help("validate") and "github" in _help("validate") and "--check" in _help("compile")
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert "${{ inputs." not in step["run"], "inputs reach the shell through env, never inline"
