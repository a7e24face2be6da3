"""Start-up cost: validating a spec must not import cloud SDKs, deployers or targets it was not asked for."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

PROBE = """
import sys
from gwc.cli import app
from gwc.pipeline import load_gateway
loaded = load_gateway(sys.argv[1])
assert loaded.gateway is not None
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'googleapiclient', 'google',
                                                               'azure', 'gwc.targets') or m.startswith('gwc.targets.'))
print(','.join(heavy))
"""


def test_validate_imports_no_sdk_and_no_target() -> None:
    r = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "examples" / "ecommerce" / "gateway.yaml")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "", f"imported on the validate path: {r.stdout}"
