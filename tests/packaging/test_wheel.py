"""The built wheel carries the schema and the templates, and `gwc` runs from a fresh virtual environment."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def _run(*cmd, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_wheel_installs_and_compiles_an_example(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-w", dist, ROOT)
    assert built.returncode == 0, built.stderr
    wheel = next(dist.glob("gwc-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "gwc/schemas/gateway.schema.json" in names
    assert "gwc/targets/nginx/templates/gwc_auth.js" in names
    assert "gwc/targets/nginx/__init__.py" in names
    assert "gwc/targets/aws/__init__.py" in names
    assert not any(n.startswith(("tests/", "targets/", "schemas/")) for n in names)

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    installed = _run(env_dir / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel)
    assert installed.returncode == 0, installed.stderr

    gwc = env_dir / "bin" / "gwc"
    out = tmp_path / "out"
    compiled = _run(gwc, "compile", ROOT / "examples" / "ecommerce" / "gateway.yaml", "--target", "nginx",
                    "--out", out, cwd=tmp_path)
    assert compiled.returncode == 0, compiled.stderr
    conf = (out / "nginx" / "nginx.conf").read_text()
    assert "js_import gwc from gwc_auth.js;" in conf
    assert (out / "nginx" / "gwc_auth.js").read_text() == \
        (ROOT / "targets" / "nginx" / "templates" / "gwc_auth.js").read_text()
    schema = _run(gwc, "schema")
    assert schema.returncode == 0 and '"$id"' in schema.stdout
    listed = _run(gwc, "targets")
    assert listed.returncode == 0 and "\nnginx:" in listed.stdout and listed.stdout.startswith("aws:")
