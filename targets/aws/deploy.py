"""Deploy a compiled REST API to API Gateway with boto3 (the `aws` extra, imported only here).

Order, so a failure part-way leaves the stage serving its previous deployment: import or overwrite the
API definition, make a deployment (its description carries the body's SHA-256, which is how a second
run with the same spec knows there is nothing to do), create the stage if it is new, usage plans and
keys, stage settings, and only then switch the stage to the new deployment. Usage plans gwc managed
that the spec no longer has are deleted last. Throttled calls are retried with backoff by botocore.
"""

from __future__ import annotations

import json

from gwc.deploy import Change, DeployError, DeployOptions, MissingExtra, Plan, Step

from .deploy_state import HASH_PREFIX, api_title, body_hash, read_deployed
from .stage_settings import stage_ops
from .usage_plans import usage_plan_steps

RETRIES = {"max_attempts": 8, "mode": "standard"}


def deployer() -> "AwsDeployer":
    """The entry point registered under gwc.deployers (fails with an install hint without boto3)."""
    try:
        import boto3
        import botocore.config
        import botocore.exceptions
    except ImportError:
        raise MissingExtra("aws", "boto3") from None
    return AwsDeployer(boto3, botocore)


class AwsDeployer:
    """Plans and applies a REST API deploy."""

    def __init__(self, boto3, botocore) -> None:
        self.boto3, self.botocore = boto3, botocore

    def _client(self, region: str | None):
        config = self.botocore.config.Config(retries=RETRIES, connect_timeout=10, read_timeout=60)
        try:
            # a fresh session each deploy: credentials and region are read from the chain now, not cached
            client = self.boto3.session.Session().client("apigateway", region_name=region, config=config)
        except self.botocore.exceptions.NoRegionError:
            raise DeployError("connect", "no AWS region", [],
                              "set targets.aws.region, pass --region, or set AWS_DEFAULT_REGION") from None
        return _Guarded(client, self.botocore)

    def plan(self, files: dict[str, str], options: DeployOptions) -> Plan:
        """Read the deployed state (read-only) and list the changes and the steps that make them."""
        spec = json.loads(files["deploy.json"])
        if spec["api_type"] != "rest":
            raise DeployError("plan", "gwc deploys REST APIs; this spec compiles to an HTTP API", [],
                              "deploy template.yaml with CloudFormation (aws cloudformation deploy), "
                              "or set targets.aws.api_type: rest")
        body = files[spec["body_file"]]
        stage = options.stage or spec["stage"]
        client = self._client(options.region or spec.get("region"))
        title = api_title(body)
        state = client.call("read the deployed state", lambda c: read_deployed(c, title, stage, spec["name"]))
        ctx: dict = {"api_id": state.api_id}
        changes, steps = _api_steps(client, spec, body, stage, state, ctx)
        more_changes, more_steps = usage_plan_steps(client, spec.get("usage_plans", []), state, ctx, spec["name"],
                                                    stage)
        settings_ops = stage_ops(spec["stage_settings"], state.stage)
        changes += more_changes
        steps += more_steps
        if settings_ops:
            changes.append(Change("update" if state.stage else "create", "stage_settings", stage,
                                  f"{len(settings_ops)} settings"))
            steps.append(Step(f"apply stage {stage} settings",
                              lambda: client.call("stage settings",
                                                  lambda c: _patch_stage(c, ctx, stage, settings_ops))))
        if "switch" in ctx:
            steps.append(ctx["switch"])
        steps += ctx.get("deletions", [])
        region = client.meta_region
        summary = f"REST API {title!r}, stage {stage}, region {region}"
        return Plan("aws", summary, changes, [_guard_step(client, s) for s in steps])


def _api_steps(client, spec: dict, body: str, stage: str, state, ctx: dict) -> tuple[list[Change], list[Step]]:
    digest = body_hash(body)
    title = api_title(body)
    changes: list[Change] = []
    steps: list[Step] = []
    if state.api_id is None:
        changes.append(Change("create", "rest_api", repr(title), f"{len(json.loads(body)['paths'])} paths"))
        steps.append(Step("import the REST API", lambda: _import(client, spec, body, ctx)))
    elif state.body_hash != digest:
        changes.append(Change("update", "rest_api", repr(title), "definition changed (overwrite)"))
        steps.append(Step("overwrite the REST API definition",
                          lambda: client.call("overwrite", lambda c: _put(c, ctx, body))))
    else:
        changes.append(Change("unchanged", "rest_api", repr(title)))
    if state.body_hash != digest:
        changes.append(Change("create", "deployment", f"sha256:{digest[:12]}"))
        steps.append(Step("create a deployment", lambda: client.call(
            "deployment", lambda c: _deployment(c, ctx, digest))))
        if state.stage is None:
            changes.append(Change("create", "stage", stage))
            steps.append(Step(f"create stage {stage}", lambda: client.call(
                "stage", lambda c: _create_stage(c, ctx, stage))))
        else:
            changes.append(Change("update", "stage", stage, "switch to the new deployment, last"))
            ctx["switch"] = Step(f"switch stage {stage} to the new deployment", lambda: client.call(
                "switch", lambda c: _patch_stage(c, ctx, stage, [
                    {"op": "replace", "path": "/deploymentId", "value": ctx["deployment_id"]}])))
    return changes, steps


def _import(client, spec: dict, body: str, ctx: dict) -> str:
    params = {"endpointConfigurationTypes": spec.get("endpoint_type", "REGIONAL")}
    api = client.call("import", lambda c: c.import_rest_api(body=body.encode(), failOnWarnings=True,
                                                             parameters=params))
    ctx["api_id"] = api["id"]
    return f"id {api['id']}"


def _put(c, ctx: dict, body: str) -> str:
    c.put_rest_api(restApiId=ctx["api_id"], mode="overwrite", body=body.encode(), failOnWarnings=True)
    return "overwritten"


def _deployment(c, ctx: dict, digest: str) -> str:
    ctx["deployment_id"] = c.create_deployment(restApiId=ctx["api_id"], description=HASH_PREFIX + digest)["id"]
    return f"id {ctx['deployment_id']}"


def _create_stage(c, ctx: dict, stage: str) -> str:
    c.create_stage(restApiId=ctx["api_id"], stageName=stage, deploymentId=ctx["deployment_id"])
    return "created"


def _patch_stage(c, ctx: dict, stage: str, ops: list[dict]) -> str:
    for i in range(0, len(ops), 50):  # keep each request small
        c.update_stage(restApiId=ctx["api_id"], stageName=stage, patchOperations=ops[i:i + 50])
    return f"{len(ops)} operations"


class _Guarded:
    """The boto3 client, with every call's failure turned into a DeployError naming the step."""

    def __init__(self, client, botocore) -> None:
        self.client, self.botocore = client, botocore
        self.meta_region = client.meta.region_name

    def call(self, step: str, fn):
        errors = (self.botocore.exceptions.ClientError, self.botocore.exceptions.BotoCoreError)
        try:
            return fn(self.client)
        except errors as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", exc.__class__.__name__)
            raise DeployError(step, f"{code}: {exc}", [], _hint(code)) from None

    def __getattr__(self, name):
        attr = getattr(self.client, name)
        if not callable(attr) or name.startswith(("get_paginator", "exceptions")):
            return attr
        return lambda **kw: self.call(name, lambda c: getattr(c, name)(**kw))


def _guard_step(client: _Guarded, step: Step) -> Step:
    return Step(step.title, lambda: client.call(step.title, lambda c: step.run()))


def _hint(code: str) -> str:
    return {"AccessDeniedException": "the credentials lack a permission listed in docs/targets/aws.md",
            "UnrecognizedClientException": "check AWS_PROFILE or the access keys",
            "NoCredentialsError": "configure credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID or an instance role)",
            "TooManyRequestsException": "API Gateway kept throttling after retries; run the deploy again",
            "BadRequestException": "API Gateway refused the request; the message above says why",
            }.get(code, "run the deploy again once the cause is fixed: it continues from what is deployed")
