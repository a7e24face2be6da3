"""Start-up cost: importing gwc.cli, and validating a valid spec through the CLI, must not import cloud SDKs,
deployers, targets it was not asked for, jsonschema (only needed to locate errors) or pydantic (typer 0.29
pulls it in on every run, docs/performance.md). The time itself is measured by bench/startup.py."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

HEAVY = ("boto3", "botocore", "googleapiclient", "google", "azure", "moto", "jsonschema", "pydantic", "jinja2")
PROBE = """
import sys
HEAVY = %r
def loaded():
    return sorted(m for m in sys.modules if m.split('.')[0] in HEAVY or m.startswith('gwc.targets.'))
import gwc.cli
after_import = loaded()
sys.argv = ['gwc', 'validate', sys.argv[1]]
try:
    gwc.cli.main()
except SystemExit as exc:
    print('exit', exc.code)
print(','.join(after_import) + '|' + ','.join(loaded()))
"""


def _probe(spec: str, code: int = 0) -> tuple[str, str]:
    r = subprocess.run([sys.executable, "-c", PROBE % (HEAVY,), spec], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    *_, status, modules = r.stdout.strip().splitlines()
    assert status == f"exit {code}", r.stdout
    first, second = modules.split("|")
    return first, second


def test_importing_the_cli_and_validating_load_nothing_heavy() -> None:
    after_import, after_validate = _probe(str(ROOT / "examples" / "ecommerce" / "gateway.yaml"))
    assert after_import == "", f"imported by `import gwc.cli`: {after_import}"
    assert after_validate == "", f"imported by `gwc validate`: {after_validate}"


def test_the_probe_sees_imports(tmp_path) -> None:
    """The check above can fail: a spec with a schema error makes validate load jsonschema to locate it."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("gwc: 1\nname: t\nservices: {a: {url: 'http://127.0.0.1:1'}}\nroutes: [{path: /, service: a, x: 1}]\n")
    after_import, after_validate = _probe(str(bad), code=1)
    assert after_import == "" and "jsonschema" in after_validate.split(",")
