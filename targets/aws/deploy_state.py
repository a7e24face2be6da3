"""Read what is deployed on API Gateway (read-only calls only) and describe the wanted state.

Names: the REST API is found by its name (the OpenAPI info.title, which is what an import names it);
usage plans and API keys by name; gwc marks the usage plans it manages in their description.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

MARK = "[managed by gwc: {}]"
HASH_PREFIX = "gwc sha256:"


@dataclass
class Deployed:
    """The parts of API Gateway a deploy may touch."""

    api_id: str | None = None
    stage: dict | None = None
    body_hash: str | None = None
    usage_plans: dict[str, dict] = field(default_factory=dict)
    plan_keys: dict[str, set[str]] = field(default_factory=dict)
    api_keys: dict[str, str] = field(default_factory=dict)


def body_hash(body: str) -> str:
    """The fingerprint of a compiled OpenAPI body, kept in the deployment's description."""
    return hashlib.sha256(body.encode()).hexdigest()


def api_title(body: str) -> str:
    """The name API Gateway gives an imported API."""
    return json.loads(body)["info"]["title"]


def _all(client, operation: str, **kwargs) -> list[dict]:
    items: list[dict] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items += page.get("items", [])
    return items


def find_api(client, title: str) -> str | None:
    """The id of the REST API with this name; an error when there are several."""
    from gwc.deploy import DeployError
    ids = sorted(a["id"] for a in _all(client, "get_rest_apis") if a.get("name") == title)
    if len(ids) > 1:
        raise DeployError("find the REST API", f"{len(ids)} REST APIs are named {title!r}: {', '.join(ids)}", [],
                          "rename or delete the extra ones; gwc finds its API by name")
    return ids[0] if ids else None


def read_deployed(client, title: str, stage: str, gateway: str) -> Deployed:
    """Everything the plan compares against."""
    state = Deployed(api_id=find_api(client, title))
    if state.api_id:
        try:
            state.stage = client.get_stage(restApiId=state.api_id, stageName=stage)
        except client.exceptions.NotFoundException:
            state.stage = None
        if state.stage and state.stage.get("deploymentId"):
            dep = client.get_deployment(restApiId=state.api_id, deploymentId=state.stage["deploymentId"])
            description = dep.get("description") or ""
            state.body_hash = description[len(HASH_PREFIX):] if description.startswith(HASH_PREFIX) else None
    mark = MARK.format(gateway)
    for plan in _all(client, "get_usage_plans"):
        if mark in (plan.get("description") or ""):
            state.usage_plans[plan["name"]] = plan
            state.plan_keys[plan["name"]] = {k["id"] for k in _all(client, "get_usage_plan_keys",
                                                                  usagePlanId=plan["id"])}
    state.api_keys = {k["name"]: k["id"] for k in _all(client, "get_api_keys", includeValues=False)}
    return state
