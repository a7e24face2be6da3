"""`gwc deploy --target aws` with the real boto3 sending real HTTP to moto's server on 127.0.0.1 (through a
recording, fault-injecting proxy). Assertions are on what the server then holds, never on our own calls.

moto ignores the x-amazon-apigateway extensions it does not implement (authorizers, gateway responses,
binary media types, the endpoint type); those parts are checked on the generated documents in
tests/validators and the golden files instead."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import yaml
from typer.testing import CliRunner

from gwc.cli import app
from tests.conftest import ROOT

SPEC = {
    "gwc": 1, "name": "shop", "title": "Shop API", "version": "1.0.0",
    "services": {"users": {"url": "http://users.example.com:8080", "timeouts": {"read": "10s"}},
                 "hello": {"mock": {"json": {"user": "John Doe"}}}},
    "auth": {"partners": {"api_key": {"header": "X-API-Key", "keys": {"env": "PARTNER_KEYS"}}}},
    "routes": [
        {"path": "/users", "methods": ["GET"], "service": "users", "cache": {"ttl": "5m"},
         "rate_limit": {"rate": "50/s", "burst": 10, "per": "route"}},
        {"path": "/users/{id}", "methods": ["GET", "PUT"], "service": "users"},
        {"prefix": "/partners/", "service": "users", "auth": "partners",
         "rate_limit": {"rate": "10/s", "burst": 20, "per": "api_key",
                        "quota": {"requests": 10000, "period": "day"}}},
        {"path": "/hello", "methods": ["GET"], "service": "hello"},
    ],
    "targets": {"aws": {"region": "eu-west-1", "stage": "prod"}},
}


def write(tmp_path: Path, spec: dict) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def deploy(spec_path: Path, *extra: str):
    result = CliRunner().invoke(app, ["deploy", str(spec_path), "--target", "aws", *extra])
    assert "Traceback" not in result.output
    return result


def api_gateway():
    return boto3.client("apigateway", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="eu-west-1")


def the_api(client) -> dict:
    apis = client.get_rest_apis()["items"]
    assert len(apis) == 1, apis
    return apis[0]


def resources(client, api_id: str) -> dict[str, dict]:
    return {r["path"]: r.get("resourceMethods", {}) for r in client.get_resources(restApiId=api_id)["items"]}


def changed_spec() -> dict:
    spec = copy.deepcopy(SPEC)
    spec["routes"][0]["rate_limit"] = {"rate": "80/s", "burst": 5, "per": "route"}
    spec["routes"][2]["rate_limit"]["quota"] = {"requests": 500, "period": "week"}
    spec["routes"].append({"path": "/orders", "methods": ["POST"], "service": "users"})
    return spec


def test_first_deploy_creates_everything(aws, tmp_path: Path) -> None:
    result = deploy(write(tmp_path, SPEC))
    assert result.exit_code == 0, result.output
    assert "+ create rest_api 'Shop API'" in result.output and "[1/" in result.output
    client = api_gateway()
    api = the_api(client)
    assert api["name"] == "Shop API"
    paths = resources(client, api["id"])
    assert {"/users", "/users/{id}", "/hello"} <= set(paths)
    assert any(p.startswith("/partners/") and "proxy+" in p for p in paths)
    users_get = paths["/users"]["GET"]["methodIntegration"]
    assert users_get["type"] == "http_proxy" and users_get["uri"].startswith("http://users.example.com:8080/users")
    assert paths["/hello"]["GET"]["methodIntegration"]["type"] == "mock"
    stage = client.get_stage(restApiId=api["id"], stageName="prod")
    deployment = client.get_deployment(restApiId=api["id"], deploymentId=stage["deploymentId"])
    assert deployment["description"].startswith("gwc sha256:")
    users = stage["methodSettings"]["~1users/GET"]
    assert users["throttlingRateLimit"] == 50.0 and users["throttlingBurstLimit"] == 11
    assert users["cachingEnabled"] is True and users["cacheTtlInSeconds"] == 300
    assert stage["cacheClusterEnabled"] is True
    plans = client.get_usage_plans()["items"]
    assert len(plans) == 1
    plan = plans[0]
    assert plan["quota"]["limit"] == 10000 and plan["quota"]["period"] == "DAY"
    assert [(s["apiId"], s["stage"]) for s in plan["apiStages"]] == [(api["id"], "prod")]
    assert plan["apiStages"][0]["throttle"] == {"/partners/{proxy+}/ANY": {"rateLimit": 10.0, "burstLimit": 21}}
    keys = client.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    assert len(keys) == 1
    assert keys[0]["value"] not in result.output  # the generated key is never printed


def test_same_spec_twice_changes_nothing(aws, tmp_path: Path) -> None:
    spec = write(tmp_path, SPEC)
    assert deploy(spec).exit_code == 0
    aws.clear()
    again = deploy(spec)
    assert again.exit_code == 0, again.output
    assert "no changes" in again.output
    assert aws.writes() == [], aws.writes()


def test_dry_run_writes_nothing(aws, tmp_path: Path) -> None:
    assert deploy(write(tmp_path, SPEC)).exit_code == 0
    client = api_gateway()
    before = client.get_stage(restApiId=the_api(client)["id"], stageName="prod")["deploymentId"]
    aws.clear()
    result = deploy(write(tmp_path, changed_spec()), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "~ update rest_api" in result.output and "~ update usage_plan" in result.output
    assert aws.writes() == [] and aws.requests  # it did read
    assert client.get_stage(restApiId=the_api(client)["id"], stageName="prod")["deploymentId"] == before


def test_dry_run_of_a_first_deploy(aws, tmp_path: Path) -> None:
    result = deploy(write(tmp_path, SPEC), "--dry-run")
    assert result.exit_code == 0 and "+ create rest_api" in result.output and "+ create usage_plan" in result.output
    assert aws.writes() == []
    assert api_gateway().get_rest_apis()["items"] == []


def test_changed_spec_updates_in_place(aws, tmp_path: Path) -> None:
    assert deploy(write(tmp_path, SPEC)).exit_code == 0
    client = api_gateway()
    api_id = the_api(client)["id"]
    old = client.get_stage(restApiId=api_id, stageName="prod")["deploymentId"]
    result = deploy(write(tmp_path, changed_spec()))
    assert result.exit_code == 0, result.output
    assert the_api(client)["id"] == api_id  # overwritten, not re-imported
    assert "/orders" in resources(client, api_id)
    stage = client.get_stage(restApiId=api_id, stageName="prod")
    assert stage["deploymentId"] != old
    assert stage["methodSettings"]["~1users/GET"]["throttlingRateLimit"] == 80.0
    assert stage["methodSettings"]["~1users/GET"]["throttlingBurstLimit"] == 6
    plan = client.get_usage_plans()["items"][0]
    assert plan["quota"]["limit"] == 500 and plan["quota"]["period"] == "WEEK"
    assert "no changes" in deploy(write(tmp_path, changed_spec())).output


def test_failure_midway_keeps_the_previous_deployment_and_rerun_converges(aws, tmp_path: Path) -> None:
    assert deploy(write(tmp_path, SPEC)).exit_code == 0
    client = api_gateway()
    api_id = the_api(client)["id"]
    old = client.get_stage(restApiId=api_id, stageName="prod")["deploymentId"]
    aws.inject(r"^PATCH /restapis/[^/]+/stages/prod", 400, times=None, error_type="BadRequestException")
    failed = deploy(write(tmp_path, changed_spec()))
    assert failed.exit_code == 1
    assert "deploy failed at step 'switch stage prod to the new deployment with its" in failed.output
    assert "already applied: overwrite the REST API definition; create a deployment" in failed.output
    stage = client.get_stage(restApiId=api_id, stageName="prod")
    assert stage["deploymentId"] == old
    assert stage["methodSettings"]["~1users/GET"]["throttlingRateLimit"] == 50.0  # the old settings, too
    assert client.get_usage_plans()["items"][0]["quota"]["limit"] == 10000  # plans change after the switch
    aws.clear()
    rerun = deploy(write(tmp_path, changed_spec()))
    assert rerun.exit_code == 0, rerun.output
    assert client.get_stage(restApiId=api_id, stageName="prod")["deploymentId"] != old
    assert client.get_usage_plans()["items"][0]["quota"]["limit"] == 500
    assert "no changes" in deploy(write(tmp_path, changed_spec())).output


def test_throttled_calls_are_retried(aws, tmp_path: Path) -> None:
    aws.inject(r"^POST /restapis\?mode=import", 429, times=2, error_type="TooManyRequestsException")
    aws.inject(r"^POST /usageplans", 503, times=1)
    result = deploy(write(tmp_path, SPEC))
    assert result.exit_code == 0, result.output
    statuses = [r.status for r in aws.requests if r.path.startswith("/restapis?mode=import")]
    assert statuses == [429, 429, 200]
    assert len(api_gateway().get_usage_plans()["items"]) == 1


def test_missing_credentials_are_reported(aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = deploy(write(tmp_path, SPEC))
    assert result.exit_code == 1 and "credentials" in result.output.lower()


def test_help_explains_prerequisites() -> None:
    result = CliRunner().invoke(app, ["deploy", "--help"])
    assert result.exit_code == 0
    assert "gwc[aws]" in result.output and "AWS_DEFAULT_REGION" in result.output


def test_missing_extra_gives_one_line_hint(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['boto3'] = None; from gwc.cli import main; "
            f"sys.argv = ['gwc', 'deploy', {str(write(tmp_path, SPEC))!r}, '--target', 'aws']; main()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "pip install 'gwc[aws]'" in proc.stderr


def test_diff_against_deployed(aws, tmp_path: Path) -> None:
    spec = write(tmp_path, SPEC)
    before = CliRunner().invoke(app, ["diff", str(spec), "--target", "aws", "--against", "deployed"])
    assert before.exit_code == 1 and "+ create rest_api" in before.output
    assert deploy(spec).exit_code == 0
    aws.clear()
    same = CliRunner().invoke(app, ["diff", str(spec), "--target", "aws", "--against", "deployed"])
    assert same.exit_code == 0 and "no changes" in same.output and aws.writes() == []
    changed_path = write(tmp_path, changed_spec())
    after = CliRunner().invoke(app, ["diff", str(changed_path), "--target", "aws", "--against", "deployed"])
    assert after.exit_code == 1 and "~ update rest_api" in after.output and aws.writes() == []
