"""One call that puts a whole compile (every target's files) through each target's own validator: nginx -t,
openapi-spec-validator for AWS and Google, cfn-lint for the CloudFormation template (optional, it is slow),
Microsoft's policy XSD and the ARM checks for Azure, the CRD schemas for Istio and the Gateway API.

Used by the import tests on real documents and by the property-based tests (tests/fuzz)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml
from openapi_spec_validator import validate as validate_openapi

from tests.e2e.harness import nginx_config_test
from tests.validators import test_gateway_api_output as gateway_api
from tests.validators import test_istio_output as istio
from tests.validators.test_aws_output import CFN_LINT
from tests.validators.test_azure_output import check_files as check_azure
from tests.validators.test_gcp_output import as_plain_openapi


def write_files(files: dict[str, str], folder: Path) -> Path:
    """Write one target's {relative path: text} under folder; the folder."""
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def check_nginx(files: dict[str, str], scratch: Path) -> None:
    """The real `nginx -t` (as nobody) accepts the configuration. Upstream hosts must resolve offline."""
    checked = nginx_config_test(write_files(files, scratch))
    assert checked.returncode == 0, checked.stderr


def check_aws(files: dict[str, str], scratch: Path | None = None) -> None:
    """The OpenAPI document is valid; with a scratch folder, cfn-lint finds no error in the template."""
    validate_openapi(json.loads(files["openapi.json"]))
    if scratch is not None:
        write_files(files, scratch)
        done = subprocess.run([str(CFN_LINT), "--format", "parseable", str(scratch / "template.yaml")],
                              check=False, capture_output=True, text=True, timeout=600)
        assert done.returncode & 2 == 0, done.stdout + done.stderr  # bit 2 = errors


def check_gcp(files: dict[str, str]) -> None:
    """The Endpoints document is valid OpenAPI (Google's `{x=**}` written as `{x}` first)."""
    validate_openapi(as_plain_openapi(yaml.safe_load(files["openapi.yaml"])))


def check_kubernetes(files: dict[str, str]) -> None:
    """Istio and Gateway API resources pass their CRD schemas and the CEL/name rules."""
    if "istio.yaml" in files:
        istio.check(files["istio.yaml"])
    for rel, text in files.items():
        if rel.endswith((".yaml", ".yml")) and rel != "istio.yaml":
            gateway_api.check(text)


def check_every_target(outputs: dict[str, dict[str, str]], scratch: Path, xsd, cfn_lint: bool = False) -> None:
    """outputs: {target name: {relative path: text}} as compile_gateway returns them, for all six targets."""
    assert set(outputs) == {"aws", "azure", "gateway-api", "gcp", "istio", "nginx"}, sorted(outputs)
    check_nginx(outputs["nginx"], scratch / "nginx")
    check_aws(outputs["aws"], scratch / "aws" if cfn_lint else None)
    check_gcp(outputs["gcp"])
    check_azure(xsd, outputs["azure"])
    check_kubernetes(outputs["istio"])
    check_kubernetes(outputs["gateway-api"])
