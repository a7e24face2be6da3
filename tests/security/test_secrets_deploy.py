"""Secrets never leak from `gwc deploy` (aws, gcp, azure): the spec of test_secrets_compile.py, deployed
with the real SDKs to the local endpoints of tests/deploy (moto, the Google and Azure stand-ins) in every
way deploy prints something: the default text, --format json/github/sarif, --dry-run, a deploy that
changes nothing, one with rotated secrets, `gwc diff --against deployed`, a write that is retried (the
SDKs' retry warnings), and a write refused by a server that quotes the request it refused (Azure sends
secret named values to APIM: the refusal quotes them). stdout and stderr are searched for every secret
value and its encodings, and for the deploy's own credentials (the AWS secret key, the Azure bearer
token, the Google service-account key and the access tokens it is exchanged for) and for the API key
values API Gateway generates. (deploy has no -v; the compile verbosities are in test_secrets_compile.py.)"""

from __future__ import annotations

import contextlib
import urllib.request
from pathlib import Path

import boto3
import pytest
import yaml
from typer.testing import CliRunner

from gwc.cli import app
from tests.deploy.conftest import aws_environment, azure_endpoint, google_endpoint, moto_server  # noqa: F401
from tests.deploy.proxy import FaultProxy
from tests.security.test_secrets_compile import ENV_SECRETS, leak_spec, leaks, write_secret_files

AWS_SECRET_KEY = "leak-aws-secret-access-key-6c0d9e"
AZURE_TOKEN = "leak-azure-bearer-token-1f8b27"
MODES = ["default", "json", "github", "sarif", "dry-run", "retried", "refused"]


@contextlib.contextmanager
def endpoint(target: str, mp: pytest.MonkeyPatch, tmp: Path, moto_url: str):
    """The target's local endpoint behind a fault proxy, the environment pointing the deployer at it."""
    if target == "aws":
        urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST"), timeout=10)
        with FaultProxy(moto_url) as proxy:
            aws_environment(mp, proxy.url)
            mp.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET_KEY)
            yield proxy
    elif target == "gcp":
        with google_endpoint(mp, tmp) as proxy:
            yield proxy
    else:
        with azure_endpoint(mp) as proxy:
            mp.setenv("GWC_AZURE_TOKEN", AZURE_TOKEN)
            yield proxy


def credentials(target: str, tmp: Path, moto_url: str) -> list[str]:
    """The deploy's own secrets, and those the cloud made (API Gateway's generated key values)."""
    if target == "aws":
        client = boto3.client("apigateway", endpoint_url=moto_url, region_name="eu-west-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        return [AWS_SECRET_KEY] + [k["value"] for k in client.get_api_keys(includeValues=True)["items"]]
    if target == "gcp":
        pem = yaml.safe_load((tmp / "key.json").read_text())["private_key"]
        return [line for line in pem.splitlines() if len(line) == 64][:3] + ["fake-token-1", "fake-token-2"]
    return [AZURE_TOKEN]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("target", ["aws", "gcp", "azure"])
def test_deploy_output_never_holds_a_secret(moto_server: str, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                                            tmp_path: Path, target: str, mode: str) -> None:
    for name, value in ENV_SECRETS.items():
        monkeypatch.setenv(name, value)
    files = write_secret_files(tmp_path)
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(leak_spec(target, files), sort_keys=False))
    base = ["deploy", str(spec), "--target", target, "--allow-lossy", "--poll-interval", "0.01"]
    outputs = []
    rotated = [f"{v}-rotated" for v in ENV_SECRETS.values()]
    with endpoint(target, monkeypatch, tmp_path, moto_server) as proxy:
        runs = {"default": [base], "json": [base + ["--format", "json"]], "github": [base + ["--format", "github"]],
                "sarif": [base + ["--format", "sarif"]], "dry-run": [base + ["--dry-run"]],
                "retried": [base], "refused": [base]}[mode]
        if mode == "retried":
            proxy.fail_write(0, [503])
        if mode == "refused":
            proxy.fail_write(0, forever=400, echo=True)
        for args in runs:
            result = CliRunner().invoke(app, args)
            assert result.exit_code == (1 if mode == "refused" else 0), result.output
            outputs.append(result)
        if mode == "refused":
            assert "refused" in outputs[-1].stderr  # the server's message, quoting the request, is shown
        if mode == "default":  # then: nothing to do, rotated secrets, and what differs from what is deployed
            outputs.append(CliRunner().invoke(app, base))
            assert "no changes" in outputs[-1].stdout, outputs[-1].output
            for name in ENV_SECRETS:
                monkeypatch.setenv(name, f"{ENV_SECRETS[name]}-rotated")
            outputs.append(CliRunner().invoke(app, ["diff", str(spec), "-t", target, "--against", "deployed",
                                                    "--allow-lossy"]))
            outputs.append(CliRunner().invoke(app, base))
            assert outputs[-1].exit_code == 0, outputs[-1].output
        extra = credentials(target, tmp_path, moto_server) + rotated
    assert [r.exit_code for r in outputs]
    for result in outputs:
        assert leaks(result.stdout, extra) == [], ("stdout", result.stdout)
        assert leaks(result.stderr, extra) == [], ("stderr", result.stderr)
