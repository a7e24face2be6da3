"""`gwc deploy --target aws` is safe to retry: every write call of a deploy, failed in turn (transiently,
for good, and while switching a live stage from spec A to spec B), through the recording proxy in front
of the session's moto server. See tests/deploy/faults.py for the pattern.

End state, read from moto directly (not through the proxy): the REST API (its name, resources, methods
and integrations), the stage (which body its deployment carries, by the SHA-256 gwc writes in the
deployment's description, and every stage setting), the usage plans gwc manages (throttle, quota, stage
throttles, keys) and the API key names. Deployments themselves are history, not state: a failed deploy
may leave one the stage never pointed at.

What the stage serves is its deployment and its settings (moto keeps no snapshot per deployment, so the
deployment is identified by the body hash in its description)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import boto3
import pytest

from tests.deploy import faults
from tests.deploy.conftest import aws_environment
from tests.deploy.proxy import FaultProxy
from tests.deploy.test_aws_deploy import SPEC as A

B = copy.deepcopy(A)
B["routes"][0]["rate_limit"] = {"rate": "80/s", "burst": 5, "per": "route"}  # a stage method setting
B["routes"][2]["rate_limit"]["quota"] = {"requests": 500, "period": "week"}  # the usage plan
B["routes"].append({"path": "/orders", "methods": ["POST"], "service": "users", "auth": "partners",  # the API,
                    "rate_limit": {"rate": "5/s", "burst": 5, "per": "api_key"}})  # a plan's new method

# the write calls of a clean deploy, and the step each belongs to
FIRST = [("POST /restapis?mode=import", "import the REST API"),
         ("POST /restapis/*/deployments", "create a deployment"),
         ("POST /restapis/*/stages", "create stage prod"),
         ("PATCH /restapis/*/stages/prod", "apply stage prod settings"),
         ("POST /usageplans", "create usage plan shop-partners"),
         ("POST /apikeys", "create API key shop-partners"),
         ("POST /usageplans/*/keys", "attach API key shop-partners to shop-partners")]
SWITCH = [("PUT /restapis/*", "overwrite the REST API definition"),
          ("POST /restapis/*/deployments", "create a deployment"),
          ("PATCH /restapis/*/stages/prod", "switch stage prod to the new deployment with its"),
          ("PATCH /usageplans/*", "update usage plan shop-partners")]
ERRORS = {429: "TooManyRequestsException", 503: "ServiceUnavailableException", 400: "BadRequestException"}


def shape(method: str, path: str) -> str:
    bare = path.split("?", 1)[0]
    if "mode=import" in path:
        return f"{method} /restapis?mode=import"
    return f"{method} " + re.sub(r"/(restapis|usageplans)/[a-z0-9]+", r"/\1/*", bare)


def snapshot(client) -> dict:
    """Everything a deploy manages, without the ids moto makes up."""
    apis = client.get_rest_apis()["items"]
    state: dict = {"apis": sorted(a["name"] for a in apis)}
    api_id = apis[0]["id"] if len(apis) == 1 else None
    if api_id:
        state["resources"] = {
            r["path"]: {m: {k: v.get("methodIntegration", {}).get(k) for k in ("type", "uri", "httpMethod")}
                        for m, v in (r.get("resourceMethods") or {}).items()}
            for r in client.get_resources(restApiId=api_id, embed=["methods"])["items"]}
        try:
            stage = client.get_stage(restApiId=api_id, stageName="prod")
        except client.exceptions.NotFoundException:
            stage = None
        state["served"] = served(client, api_id, stage)
    keys = {k["id"]: k["name"] for k in client.get_api_keys()["items"]}
    state["api_keys"] = sorted(keys.values())
    plans = client.get_usage_plans()["items"]
    state["plan_names"] = sorted(p["name"] for p in plans)  # a plan made twice shows here
    state["plans"] = {p["name"]: {
        "description": p.get("description"), "throttle": p.get("throttle"), "quota": p.get("quota"),
        "stages": [{"api": "the API" if s["apiId"] == api_id else s["apiId"], "stage": s["stage"],
                    "throttle": s.get("throttle")} for s in p.get("apiStages", [])],
        "keys": sorted(keys.get(k["id"], k["id"]) for k in client.get_usage_plan_keys(usagePlanId=p["id"])["items"]),
    } for p in plans}
    return state


def served(client, api_id: str, stage: dict | None) -> dict | None:
    """What the stage serves: the body of its deployment (by hash) and every setting."""
    if stage is None:
        return None
    deployment = client.get_deployment(restApiId=api_id, deploymentId=stage["deploymentId"])
    return {"body": deployment.get("description"), "methodSettings": stage.get("methodSettings"),
            **{k: stage.get(k) for k in ("cacheClusterEnabled", "cacheClusterSize", "tracingEnabled",
                                         "accessLogSettings")}}


@pytest.fixture(scope="module")
def moto(moto_server: str):
    """A boto3 client straight to moto (reads for the snapshot never pass the proxy)."""
    return boto3.client("apigateway", endpoint_url=moto_server, region_name="eu-west-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def refs(moto_server: str, moto, tmp_path_factory) -> dict:
    """Clean deploys of A, then B over A: the write calls each made and the end state after each."""
    import urllib.request
    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=10)
    tmp = tmp_path_factory.mktemp("aws-refs")
    out: dict = {}
    with pytest.MonkeyPatch.context() as mp, FaultProxy(moto_server) as proxy:
        aws_environment(mp, proxy.url)
        for name, spec in (("A", A), ("B", B)):
            proxy.clear()
            result = faults.deploy(tmp, spec, "aws")
            assert result.exit_code == 0, result.output
            out[name + "_writes"] = [shape(r.method, r.path) for r in proxy.write_calls()]
            out[name] = snapshot(moto)
    return out


def test_clean_deploys_record_their_write_calls(refs) -> None:
    assert refs["A_writes"] == [w for w, _ in FIRST]
    assert refs["B_writes"] == [w for w, _ in SWITCH]
    a, b = refs["A"]["served"], refs["B"]["served"]
    assert a["body"].startswith("gwc sha256:") and a["body"] != b["body"]
    assert a["methodSettings"] != b["methodSettings"]
    assert refs["A"]["plans"]["shop-partners"]["keys"] == ["shop-partners"]
    assert refs["A"]["plans"]["shop-partners"] != refs["B"]["plans"]["shop-partners"]


@pytest.mark.parametrize("index", range(len(FIRST)), ids=[s for _, s in FIRST])
def test_transient_failure_of_each_write_is_retried(aws, moto, refs, tmp_path: Path, index: int) -> None:
    aws.fail_write(index, faults.transient_statuses(index), error_types=ERRORS)
    result = faults.deploy(tmp_path, A, "aws")
    assert result.exit_code == 0, result.output
    calls = aws.write_calls()
    failed = [r for r in calls if r.injected]
    assert [shape(r.method, r.path) for r in failed] == [FIRST[index][0]]
    assert shape(calls[index + 1].method, calls[index + 1].path) == FIRST[index][0]  # the retry, next
    assert calls[index + 1].status < 300
    assert snapshot(moto) == refs["A"]
    faults.count("aws", "transient", aws)


def test_429_then_503_on_one_call_backs_off_and_finishes(aws, moto, refs, tmp_path: Path) -> None:
    aws.fail_write(1, [429, 503], error_types=ERRORS)
    result = faults.deploy(tmp_path, A, "aws")
    assert result.exit_code == 0, result.output
    attempts = [r for r in aws.write_calls() if shape(r.method, r.path) == FIRST[1][0]]
    assert [r.status for r in attempts] == [429, 503, 201]
    assert attempts[2].at > attempts[0].at
    assert snapshot(moto) == refs["A"]
    faults.count("aws", "transient", aws)


@pytest.mark.parametrize("index", range(len(FIRST)), ids=[s for _, s in FIRST])
def test_lost_answer_of_each_write_is_retried_safely(aws, moto, refs, tmp_path: Path, index: int) -> None:
    """The call reaches API Gateway, which acts on it, but its answer is lost (504): the retry must not
    make a second REST API, usage plan or key, nor fail on the stage or key attachment that now exists."""
    aws.fail_write(index, [504], applied=True)
    result = faults.deploy(tmp_path, A, "aws")
    assert result.exit_code == 0, result.output
    assert [shape(r.method, r.path) for r in aws.write_calls() if r.injected] == [FIRST[index][0]]
    assert snapshot(moto) == refs["A"]
    faults.count("aws", "lost answer", aws)


@pytest.mark.parametrize("index", range(len(FIRST)), ids=[s for _, s in FIRST])
def test_hard_failure_of_each_write_then_rerun_converges(aws, moto, refs, tmp_path: Path, index: int) -> None:
    aws.fail_write(index, forever=400, error_types=ERRORS)
    failed = faults.deploy(tmp_path, A, "aws")
    assert failed.exit_code == 1, failed.output
    faults.assert_located(failed.output, FIRST[index][1])
    faults.count("aws", "hard", aws)
    aws.clear()
    rerun = faults.deploy(tmp_path, A, "aws")
    assert rerun.exit_code == 0, rerun.output
    assert snapshot(moto) == refs["A"]


@pytest.mark.parametrize("index", range(len(SWITCH)), ids=[s for _, s in SWITCH])
def test_failure_while_switching_serves_one_complete_version(aws, moto, refs, tmp_path: Path, index: int) -> None:
    assert faults.deploy(tmp_path, A, "aws").exit_code == 0
    aws.clear()
    aws.fail_write(index, forever=400, error_types=ERRORS)
    failed = faults.deploy(tmp_path, B, "aws")
    assert failed.exit_code == 1, failed.output
    faults.assert_located(failed.output, SWITCH[index][1])
    faults.count("aws", "switch", aws)
    now = snapshot(moto)
    assert now["served"] in (refs["A"]["served"], refs["B"]["served"]), now["served"]
    assert now["api_keys"] == refs["A"]["api_keys"]
    if now["served"] == refs["A"]["served"]:
        assert now["plans"] == refs["A"]["plans"]  # nothing of B is live yet
    else:  # B is served; a usage plan is A's or B's, whole, and never missing (it is updated right after)
        for name, plan in now["plans"].items():
            assert plan in (refs["A"]["plans"][name], refs["B"]["plans"][name]), (name, plan)
    aws.clear()
    rerun = faults.deploy(tmp_path, B, "aws")
    assert rerun.exit_code == 0, rerun.output
    assert snapshot(moto) == refs["B"]
