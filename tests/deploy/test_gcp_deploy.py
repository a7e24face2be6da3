"""`gwc deploy --target gcp` with the real google-api-python-client and google-auth sending real HTTP to
a small local server (tests/deploy/fake_google.py) that implements the Service Management and API Gateway
calls used, with long-running operations that finish after two polls. The credentials are a real
service-account key exchanged at the local token endpoint. Assertions are on what the server holds."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

from gwc.cli import app
from tests.conftest import ROOT
from tests.deploy.fake_google import decode

SERVICE = "shop.endpoints.shop-prod.cloud.goog"
SPEC = {
    "gwc": 1, "name": "shop", "title": "Shop API", "version": "1.0.0",
    "services": {"users": {"url": "https://users.shop.example", "timeouts": {"read": "10s"}}},
    "auth": {"customers": {"jwt": {"issuer": "https://login.shop.example/", "audiences": ["shop-api"],
                                   "jwks": {"url": "https://login.shop.example/jwks.json"}}}},
    "routes": [{"path": "/users", "methods": ["GET"], "service": "users", "auth": "customers"},
               {"path": "/users/{id}", "methods": ["GET"], "service": "users", "auth": "customers"}],
    "targets": {"gcp": {"project": "shop-prod", "service": SERVICE}},
}


def gateway_spec() -> dict:
    spec = copy.deepcopy(SPEC)
    spec["targets"]["gcp"] = {"project": "shop-prod", "product": "api-gateway", "api_id": "shop",
                              "gateway_id": "shop-gw", "location": "europe-west1"}
    return spec


def changed(spec: dict) -> dict:
    spec = copy.deepcopy(spec)
    spec["routes"].append({"path": "/orders", "methods": ["POST"], "service": "users", "auth": "customers"})
    return spec


def deploy(tmp_path: Path, spec: dict, *extra: str):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    result = CliRunner().invoke(app, ["deploy", str(path), "--target", "gcp", "--poll-interval", "0.01", *extra])
    assert "Traceback" not in result.output
    return result


def active_document(fake) -> str:
    rollout = [r for r in fake.rollouts[SERVICE] if r["status"] == "SUCCESS"][-1]
    config = next(iter(rollout["trafficPercentStrategy"]["percentages"]))
    files = fake.configs[SERVICE][config]["sourceInfo"]["sourceFiles"]
    return decode(files[0]["fileContents"])


def test_endpoints_first_deploy_creates_service_config_and_rollout(google, tmp_path: Path) -> None:
    result = deploy(tmp_path, SPEC)
    assert result.exit_code == 0, result.output
    fake = google.fake
    assert fake.services[SERVICE]["producerProjectId"] == "shop-prod"
    document = yaml.safe_load(active_document(fake))
    assert document["host"] == SERVICE and "/users/{id}" in document["paths"]
    assert "waiting for operations/" in result.output  # long-running operations were polled
    assert fake.tokens_issued >= 1  # real ADC token exchange


def test_endpoints_same_spec_submits_nothing(google, tmp_path: Path) -> None:
    assert deploy(tmp_path, SPEC).exit_code == 0
    google.clear()
    google.fake.requests.clear()
    again = deploy(tmp_path, SPEC)
    assert again.exit_code == 0 and "no changes" in again.output
    assert google.fake.writes() == []
    assert len(google.fake.configs[SERVICE]) == 1


def test_endpoints_dry_run_writes_nothing(google, tmp_path: Path) -> None:
    assert deploy(tmp_path, SPEC).exit_code == 0
    google.fake.requests.clear()
    result = deploy(tmp_path, changed(SPEC), "--dry-run")
    assert result.exit_code == 0 and "+ create service_config" in result.output
    assert google.fake.writes() == []
    assert "/orders" not in active_document(google.fake)


def test_endpoints_changed_spec_rolls_out_a_new_config(google, tmp_path: Path) -> None:
    assert deploy(tmp_path, SPEC).exit_code == 0
    result = deploy(tmp_path, changed(SPEC))
    assert result.exit_code == 0, result.output
    assert len(google.fake.configs[SERVICE]) == 2
    assert "/orders" in yaml.safe_load(active_document(google.fake))["paths"]


def test_endpoints_failed_rollout_keeps_the_previous_config(google, tmp_path: Path) -> None:
    assert deploy(tmp_path, SPEC).exit_code == 0
    before = active_document(google.fake)
    google.fake.fail_rollouts = True
    failed = deploy(tmp_path, changed(SPEC))
    assert failed.exit_code == 1
    assert "deploy failed at step 'roll out the new config'" in failed.output
    assert "keeps serving" in failed.output
    assert active_document(google.fake) == before
    google.fake.fail_rollouts = False
    assert deploy(tmp_path, changed(SPEC)).exit_code == 0
    assert "/orders" in active_document(google.fake)


def test_transient_errors_are_retried(google, tmp_path: Path) -> None:
    google.inject(r"^POST /v1/services/[^/]+/configs:submit", 503, times=1)
    google.inject(r"^GET /v1/operations/", 429, times=1)
    result = deploy(tmp_path, SPEC)
    assert result.exit_code == 0, result.output
    assert [r.status for r in google.requests if "configs:submit" in r.path] == [503, 200]


def test_api_gateway_first_deploy_then_no_op_then_switch(google, tmp_path: Path) -> None:
    fake = google.fake
    result = deploy(tmp_path, gateway_spec())
    assert result.exit_code == 0, result.output
    gateway = fake.gateways["projects/shop-prod/locations/europe-west1/gateways/shop-gw"]
    first = gateway["apiConfig"]
    assert first.startswith("projects/shop-prod/locations/global/apis/shop/configs/shop-")
    contents = fake.api_configs[first]["openapiDocuments"][0]["document"]["contents"]
    assert "/users/{id}" in yaml.safe_load(decode(contents))["paths"]
    fake.requests.clear()
    again = deploy(tmp_path, gateway_spec())
    assert "no changes" in again.output and fake.writes() == []
    switched = deploy(tmp_path, changed(gateway_spec()))
    assert switched.exit_code == 0, switched.output
    assert gateway["apiConfig"] != first and len(fake.api_configs) == 2


def test_missing_credentials_give_a_hint(google, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    result = deploy(tmp_path, SPEC)
    assert result.exit_code == 1 and "application-default" in result.output


def test_missing_extra_gives_one_line_hint(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    code = ("import sys; sys.modules['googleapiclient'] = None; from gwc.cli import main; "
            f"sys.argv = ['gwc', 'deploy', {str(path)!r}, '--target', 'gcp']; main()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "pip install 'gwc[gcp]'" in proc.stderr


def test_diff_against_deployed(google, tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(SPEC, sort_keys=False))
    assert deploy(tmp_path, SPEC).exit_code == 0
    google.fake.requests.clear()
    same = CliRunner().invoke(app, ["diff", str(path), "--target", "gcp", "--against", "deployed"])
    assert same.exit_code == 0 and google.fake.writes() == []
    path.write_text(yaml.safe_dump(changed(SPEC), sort_keys=False))
    after = CliRunner().invoke(app, ["diff", str(path), "--target", "gcp", "--against", "deployed"])
    assert after.exit_code == 1 and "service_config" in after.output and google.fake.writes() == []
