"""Cloud Endpoints through the Service Management API: service, config submit, rollout."""

from __future__ import annotations

import base64

from gwc.deploy import Change, DeployError, DeployOptions, Plan, Step


def _active_document(google, sm, service: str) -> tuple[str | None, str | None]:
    """(config id, OpenAPI text) of the config the last successful rollout sends all traffic to."""
    listed = google.call("read the rollouts", sm.services().rollouts().list(
        serviceName=service, filter="status=SUCCESS", pageSize=1)) or {}
    rollouts = listed.get("rollouts", [])
    if not rollouts:
        return None, None
    percentages = rollouts[0].get("trafficPercentStrategy", {}).get("percentages", {})
    config_id = max(percentages, key=percentages.get) if percentages else None
    if config_id is None:
        return None, None
    config = google.call("read the active config", sm.services().configs().get(
        serviceName=service, configId=config_id, view="FULL"), missing_ok=True) or {}
    files = config.get("sourceInfo", {}).get("sourceFiles", [])
    texts = [base64.b64decode(f["fileContents"]).decode() for f in files if f.get("fileType") == "OPEN_API_YAML"]
    return config_id, (texts[0] if len(texts) == 1 else None)


def plan_endpoints(google, spec: dict, document: str, options: DeployOptions) -> Plan:
    """Compare the active Endpoints config with the document and plan the submit and rollout."""
    service, project = spec.get("service"), spec.get("project")
    if not service:
        raise DeployError("plan", "no Endpoints service name", [], "set targets.gcp.service (or targets.gcp.project)")
    sm = google.client("servicemanagement")
    exists = google.call("read the service", sm.services().get(serviceName=service), missing_ok=True)
    active_id, active = _active_document(google, sm, service) if exists else (None, None)
    summary = f"Cloud Endpoints service {service}" + (f" (active config {active_id})" if active_id else "")
    plan = Plan("gcp", summary)
    if active == document:
        plan.changes.append(Change("unchanged", "service_config", service, f"active config {active_id}"))
        return plan
    ctx: dict = {}
    get_op = sm.operations().get
    if not exists:
        if not project:
            raise DeployError("plan", f"service {service} does not exist and no project was given", [],
                              "set targets.gcp.project: the producer project that will own the service")
        plan.changes.append(Change("create", "service", service, f"in project {project}"))
        plan.steps.append(Step(f"create service {service}", lambda: _run(
            google, "create service", sm.services().create(body={"serviceName": service, "producerProjectId": project}),
            get_op)))
    plan.changes.append(Change("create", "service_config", service, "submit openapi.yaml"))
    plan.steps.append(Step("submit the service config", lambda: _submit(google, sm, service, document, ctx)))
    plan.changes.append(Change("update", "rollout", service, "100% to the new config"
                               + (f", replacing {active_id}" if active_id else "")))
    plan.steps.append(Step("roll out the new config", lambda: _rollout(google, sm, service, ctx, active_id)))
    return plan


def _run(google, step: str, request, get_op) -> str:
    """A create and its operation; one that exists already (409) was made by an earlier attempt."""
    op = google.call(step, request, exists_ok=True)
    if op is None:
        return "exists already"
    google.wait(step, op, get_op)
    return "done"


def _submit(google, sm, service: str, document: str, ctx: dict) -> str:
    body = {"configSource": {"files": [{"filePath": "openapi.yaml", "fileType": "OPEN_API_YAML",
                                        "fileContents": base64.b64encode(document.encode()).decode()}]}}
    op = google.call("submit the config", sm.services().configs().submit(serviceName=service, body=body))
    response = google.wait("submit the config", op, sm.operations().get)
    ctx["config_id"] = response["serviceConfig"]["id"]
    return f"config {ctx['config_id']}"


def _rollout(google, sm, service: str, ctx: dict, previous: str | None) -> str:
    body = {"serviceName": service, "trafficPercentStrategy": {"percentages": {ctx["config_id"]: 100.0}}}
    op = google.call("roll out", sm.services().rollouts().create(serviceName=service, body=body))
    try:
        google.wait("roll out", op, sm.operations().get)
    except DeployError as exc:
        serving = f"config {previous} keeps serving" if previous else "nothing was serving before"
        raise DeployError(exc.step, f"{exc.message}; {serving}", [], exc.hint) from None
    return f"config {ctx['config_id']} serves 100%"
