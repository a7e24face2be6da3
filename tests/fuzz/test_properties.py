"""Property-based tests (hypothesis): any spec the strategies draw either is refused with located errors, or
compiles on every target (twice, to the same bytes) to output each target's own validator accepts: nginx -t,
openapi-spec-validator (AWS, Google), Microsoft's policy XSD and the ARM checks (Azure), the CRD schemas (Istio,
Gateway API); every CloudFormation template drawn is put through cfn-lint at the end. Compile never raises.

CI runs GWC_FUZZ_EXAMPLES examples (default 25); the long profile is GWC_FUZZ_EXAMPLES=1000 (docs/reliability.md)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.fuzz.strategies import spec
from tests.validators.azure_checks import load_xsd
from tests.validators.every_target import check_every_target
from tests.validators.test_aws_output import CFN_LINT

EXAMPLES = int(os.environ.get("GWC_FUZZ_EXAMPLES", "25"))
TARGETS = ("aws", "azure", "gateway-api", "gcp", "istio", "nginx")
SEEN = {"valid": 0, "refused": 0, "templates": []}
XSD = load_xsd()
TEMPLATES = Path(tempfile.mkdtemp(prefix="gwc-fuzz-cfn-"))


def _jwks() -> str:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415, I001
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415

    from gwc.jwks import pem_to_key  # noqa: PLC0415 (only to check the key loads)

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    assert pem_to_key(pem)
    numbers = key.public_numbers()
    b64 = lambda n: __import__("base64").urlsafe_b64encode(  # noqa: E731
        n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()
    return json.dumps({"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "e": b64(numbers.e),
                                 "n": b64(numbers.n)}]})


JWKS = _jwks()


def _compile_all(path: Path, env: str | None) -> dict[str, dict[str, str]] | None:
    loaded = load_gateway(str(path), env)
    if loaded.gateway is None:
        errors = [d for d in loaded.diagnostics if d.level.name == "ERROR"]
        assert errors and all(d.line > 0 and d.column > 0 and d.file for d in errors), \
            [d.format() for d in loaded.diagnostics]
        return None
    outputs = {}
    for name in TARGETS:
        files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target(name)[0], allow_lossy=True)
        assert files, (name, [d.format() for d in diags])
        outputs[name] = files
    return outputs


@settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("CI") == "true",
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec())
def test_any_drawn_spec_is_refused_or_compiles_to_valid_output(data: dict) -> None:
    with tempfile.TemporaryDirectory(prefix="gwc-fuzz-") as tmp:
        folder = Path(tmp)
        (folder / "keys").mkdir()
        (folder / "keys" / "jwks.json").write_text(JWKS)
        path = folder / "spec.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        for env in [None, "prod"] if "environments" in data else [None]:
            first = _compile_all(path, env)
            if first is None:
                SEEN["refused"] += 1
                continue
            assert _compile_all(path, env) == first  # deterministic: same spec, same bytes
            SEEN["valid"] += 1
            check_every_target(first, folder / f"check-{env}", XSD)
            n = len(list(TEMPLATES.iterdir()))
            (TEMPLATES / f"t{n}.yaml").write_text(first["aws"]["template.yaml"])


def test_most_drawn_specs_were_valid_and_their_templates_pass_cfn_lint() -> None:
    """Runs after the property test (file order): the strategies are not vacuous, and cfn-lint (slow to start)
    checks every template the property test produced in one run."""
    assert SEEN["valid"] >= max(1, (SEEN["valid"] + SEEN["refused"]) // 2), SEEN
    templates = sorted(TEMPLATES.iterdir())
    assert len(templates) == SEEN["valid"]
    if not CFN_LINT.is_file():
        pytest.fail(f"cfn-lint is missing from {CFN_LINT.parent}: pip install -e '.[test]'")
    done = subprocess.run([str(CFN_LINT), "--format", "parseable", *map(str, templates)], check=False,
                          capture_output=True, text=True, timeout=900)
    shutil.rmtree(TEMPLATES, ignore_errors=True)
    assert done.returncode & 2 == 0, done.stdout[-4000:] + done.stderr[-2000:]
