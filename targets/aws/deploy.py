"""Deploy a compiled REST API to API Gateway with boto3 (the `aws` extra, imported only here).

Order, so a failure part-way leaves the stage serving its previous deployment, complete: import or
overwrite the API definition and make a deployment (neither changes what the stage serves; the
deployment's description carries the body's SHA-256, which is how a second run with the same spec knows
there is nothing to do); then switch the stage to the new deployment and apply the new stage settings in
ONE update_stage call, so the stage never serves the old deployment with the new method settings or the
reverse (a new stage is created, then given its settings); then usage plans and keys, whose per-method
throttles may name methods only the new deployment has (API Gateway refuses a throttle for a method the
stage does not serve); usage plans gwc managed that the spec no longer has are deleted last.

Retries: throttled (429) and unavailable (5xx) calls, timeouts and dropped connections are retried with
backoff. Most calls are safe to send twice and botocore retries them. A create is not: when its answer
is lost after API Gateway acted on it, sending it again makes a second REST API with the same name
(which the next deploy refuses), a second usage plan or API key, or fails on the stage or key that now
exists. Creates therefore go through a client without retries and gwc retries them itself, first looking
for what the failed attempt may have made and taking it when it did (see CREATES). Every step can be
run again.
"""

from __future__ import annotations

import json
import random
import time

from gwc.deploy import Change, DeployError, DeployOptions, MissingExtra, Plan, Step

from .deploy_state import HASH_PREFIX, api_title, body_hash, find_api, read_deployed
from .stage_settings import stage_ops
from .usage_plans import usage_plan_steps

ATTEMPTS = 8  # per call, the first included


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
        # (botocore edits the retries dict it is given: a fresh one each time)
        config = self.botocore.config.Config(retries={"max_attempts": ATTEMPTS, "mode": "standard"},
                                             connect_timeout=10, read_timeout=60)
        try:
            # a fresh session each deploy: credentials and region are read from the chain now, not cached
            session = self.boto3.session.Session()
            client = session.client("apigateway", region_name=region, config=config)
        except self.botocore.exceptions.NoRegionError:
            raise DeployError("connect", "no AWS region", [],
                              "set targets.aws.region, pass --region, or set AWS_DEFAULT_REGION") from None
        once = self.botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})
        return _Guarded(client, self.botocore, lambda: session.client(  # for CREATES, made when first needed
            "apigateway", region_name=region, config=config.merge(once)))

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
        settings_ops = stage_ops(spec["stage_settings"], state.stage)
        if settings_ops:
            changes.append(Change("update" if state.stage else "create", "stage_settings", stage,
                                  f"{len(settings_ops)} settings"))
        if ctx.get("switch"):
            # the new deployment and its settings in one request: the stage serves one version or the other
            steps.append(Step(f"switch stage {stage} to the new deployment"
                              + (f" with its {len(settings_ops)} settings" if settings_ops else ""),
                              lambda: client.call("switch", lambda c: _switch_stage(c, ctx, stage, settings_ops))))
        elif settings_ops:
            steps.append(Step(f"apply stage {stage} settings",
                              lambda: client.call("stage settings",
                                                  lambda c: _patch_stage(c, ctx, stage, settings_ops))))
        more_changes, more_steps = usage_plan_steps(client, spec.get("usage_plans", []), state, ctx, spec["name"],
                                                    stage)
        changes += more_changes
        steps += more_steps
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
            steps.append(Step(f"create stage {stage}", lambda: _create_stage(client, ctx, stage)))
        else:
            changes.append(Change("update", "stage", stage, "switch to the new deployment"))
            ctx["switch"] = True
    return changes, steps


def _import(client, spec: dict, body: str, ctx: dict) -> str:
    params = {"endpointConfigurationTypes": spec.get("endpoint_type", "REGIONAL")}
    api = client.import_rest_api(body=body.encode(), failOnWarnings=True, parameters=params)  # in CREATES
    ctx["api_id"] = api["id"]
    return f"id {api['id']}"


def _put(c, ctx: dict, body: str) -> str:
    c.put_rest_api(restApiId=ctx["api_id"], mode="overwrite", body=body.encode(), failOnWarnings=True)
    return "overwritten"


def _deployment(c, ctx: dict, digest: str) -> str:
    ctx["deployment_id"] = c.create_deployment(restApiId=ctx["api_id"], description=HASH_PREFIX + digest)["id"]
    return f"id {ctx['deployment_id']}"


def _create_stage(client, ctx: dict, stage: str) -> str:
    client.create_stage(restApiId=ctx["api_id"], stageName=stage, deploymentId=ctx["deployment_id"])  # CREATES
    return "created"


def _switch_stage(c, ctx: dict, stage: str, settings_ops: list[dict]) -> str:
    """The stage to the new deployment with its settings, in one request (never split as _patch_stage
    splits long lists: a failure between two requests would leave one without the other)."""
    ops = [{"op": "replace", "path": "/deploymentId", "value": ctx["deployment_id"]}] + settings_ops
    c.update_stage(restApiId=ctx["api_id"], stageName=stage, patchOperations=ops)
    return f"serving deployment {ctx['deployment_id']}" + (f", {len(settings_ops)} settings" if settings_ops else "")


def _patch_stage(c, ctx: dict, stage: str, ops: list[dict]) -> str:
    for i in range(0, len(ops), 50):  # keep each request small
        c.update_stage(restApiId=ctx["api_id"], stageName=stage, patchOperations=ops[i:i + 50])
    return f"{len(ops)} operations"


def _find_api(g: "_Guarded", kw: dict):
    api_id = find_api(g, api_title(kw["body"].decode()))
    return {"id": api_id} if api_id else None


def _find_stage(g: "_Guarded", kw: dict):
    try:
        return g.client.get_stage(restApiId=kw["restApiId"], stageName=kw["stageName"])
    except g.client.exceptions.NotFoundException:
        return None


def _find_usage_plan(g: "_Guarded", kw: dict):
    for page in g.client.get_paginator("get_usage_plans").paginate():
        for plan in page.get("items", []):
            if plan.get("name") == kw["name"] and plan.get("description") == kw.get("description"):
                return plan
    return None


def _find_api_key(g: "_Guarded", kw: dict):
    for page in g.client.get_paginator("get_api_keys").paginate(nameQuery=kw["name"], includeValues=False):
        for key in page.get("items", []):
            if key.get("name") == kw["name"]:
                return key
    return None


def _find_usage_plan_key(g: "_Guarded", kw: dict):
    try:
        return g.client.get_usage_plan_key(usagePlanId=kw["usagePlanId"], keyId=kw["keyId"])
    except g.client.exceptions.NotFoundException:
        return None


# calls that create something, each with how to find what an attempt whose answer was lost made
CREATES = {"import_rest_api": _find_api, "create_stage": _find_stage, "create_usage_plan": _find_usage_plan,
           "create_api_key": _find_api_key, "create_usage_plan_key": _find_usage_plan_key}
THROTTLED = {"TooManyRequestsException", "ThrottlingException", "Throttling", "LimitExceededException"}


class _Guarded:
    """The boto3 client, with every call's failure turned into a DeployError naming the step, and the
    CREATES made safe to retry."""

    def __init__(self, client, botocore, make_once=None) -> None:
        self.client, self.botocore = client, botocore
        self.make_once, self._once = make_once, None
        self.meta_region = client.meta.region_name

    @property
    def once(self):
        """The client without botocore's retries, for CREATES."""
        if self._once is None:
            self._once = self.make_once() if self.make_once else self.client
        return self._once

    def _transient(self, exc) -> bool:
        """An error worth another attempt: throttled, unavailable, timed out or disconnected (some of
        which may hide a success)."""
        exceptions = self.botocore.exceptions
        if isinstance(exc, exceptions.ClientError):
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            return status == 429 or status >= 500 or exc.response.get("Error", {}).get("Code") in THROTTLED
        return isinstance(exc, (exceptions.ConnectionError, exceptions.HTTPClientError))

    def create(self, op: str, **kwargs):
        """A create, retried with botocore's backoff (full jitter, 1 s doubling, at most 20 s); before
        each retry, what the failed attempt may have made is looked for, and taken when it is there."""
        errors = (self.botocore.exceptions.ClientError, self.botocore.exceptions.BotoCoreError)
        for attempt in range(ATTEMPTS):
            try:
                return getattr(self.once, op)(**kwargs)
            except errors as exc:
                if attempt + 1 == ATTEMPTS or not self._transient(exc):
                    raise
            found = CREATES[op](self, kwargs)
            if found is not None:
                return found
            time.sleep(random.random() * min(20.0, 2.0 ** attempt))
        raise AssertionError("unreachable")  # pragma: no cover

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
        if name in CREATES:
            return lambda **kw: self.call(name, lambda c: self.create(name, **kw))
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
