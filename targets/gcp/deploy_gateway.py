"""API Gateway: the API, an immutable API config named after the document's hash, and the gateway."""

from __future__ import annotations

import base64
import hashlib

from gwc.deploy import Change, DeployError, DeployOptions, Plan, Step


def config_id(api_id: str, document: str) -> str:
    """An API config id that changes exactly when the document does (ids: a-z, 0-9, '-', <= 63)."""
    return f"{api_id[:50]}-{hashlib.sha256(document.encode()).hexdigest()[:12]}"


def plan_gateway(google, spec: dict, document: str, options: DeployOptions) -> Plan:
    """Compare the gateway's config with the document's and plan API, config and gateway changes."""
    project, api_id, gateway_id = spec.get("project"), spec.get("api_id"), spec.get("gateway_id")
    location = options.region or spec.get("location") or "us-central1"
    if not (project and api_id and gateway_id):
        raise DeployError("plan", "API Gateway needs a project, an API id and a gateway id", [],
                          "set targets.gcp.project, targets.gcp.api_id and targets.gcp.gateway_id")
    gw = google.client("apigateway")
    locations = gw.projects().locations()
    api_name = f"projects/{project}/locations/global/apis/{api_id}"
    cfg_name = f"{api_name}/configs/{config_id(api_id, document)}"
    gateway_name = f"projects/{project}/locations/{location}/gateways/{gateway_id}"
    api = google.call("read the API", locations.apis().get(name=api_name), missing_ok=True)
    cfg = google.call("read the API config", locations.apis().configs().get(name=cfg_name), missing_ok=True) \
        if api else None
    gateway = google.call("read the gateway", locations.gateways().get(name=gateway_name), missing_ok=True)
    plan = Plan("gcp", f"API Gateway {gateway_name}" + (f" (serving {gateway['apiConfig']})" if gateway else ""))
    get_op = locations.operations().get

    def run(step: str, request, create: bool = True) -> str:
        op = google.call(step, request, exists_ok=create)
        if op is None:  # 409: made by an earlier attempt whose answer was lost
            return "exists already"
        google.wait(step, op, get_op)
        return "done"

    cfg_id = cfg_name.rsplit("/", 1)[1]
    if api is None:
        create_api = locations.apis().create(parent=f"projects/{project}/locations/global", apiId=api_id,
                                             body={"displayName": spec.get("name", api_id)})
        plan.changes.append(Change("create", "api", api_name))
        plan.steps.append(Step(f"create API {api_id}", lambda: run("create the API", create_api)))
    if cfg is None:
        body = {"openapiDocuments": [{"document": {"path": "openapi.yaml",
                                                   "contents": base64.b64encode(document.encode()).decode()}}]}
        if spec.get("gateway_service_account"):
            body["gatewayServiceAccount"] = spec["gateway_service_account"]
        create_cfg = locations.apis().configs().create(parent=api_name, apiConfigId=cfg_id, body=body)
        plan.changes.append(Change("create", "api_config", cfg_id))
        plan.steps.append(Step("create the API config", lambda: run("create the API config", create_cfg)))
    if gateway is None:
        create_gw = locations.gateways().create(parent=f"projects/{project}/locations/{location}",
                                                gatewayId=gateway_id, body={"apiConfig": cfg_name})
        plan.changes.append(Change("create", "gateway", gateway_id, f"in {location}"))
        plan.steps.append(Step(f"create gateway {gateway_id}", lambda: _create_gateway(
            google, run, locations, gateway_name, cfg_name, create_gw)))
    elif gateway.get("apiConfig") != cfg_name:
        plan.changes.append(Change("update", "gateway", gateway_id, "serve the new API config"))
        plan.steps.append(Step(f"point gateway {gateway_id} at the new config",
                               lambda: _switch(run, locations, gateway_name, cfg_name, gateway["apiConfig"])))
    else:
        plan.changes.append(Change("unchanged", "gateway", gateway_id, f"serves {cfg_id}"))
    return plan


def _create_gateway(google, run, locations, gateway_name: str, cfg_name: str, request) -> str:
    result = run("create the gateway", request)
    if result == "exists already":  # made meanwhile: by the lost attempt, serving this config, or not
        serving = (google.call("read the gateway", locations.gateways().get(name=gateway_name)) or {}).get(
            "apiConfig")
        if serving != cfg_name:
            raise DeployError("create the gateway", f"the gateway exists already, serving {serving}", [],
                              "run the deploy again: it points the gateway at the new config")
    return result


def _switch(run, locations, gateway_name: str, cfg_name: str, previous: str) -> str:
    try:
        return run("update the gateway", locations.gateways().patch(name=gateway_name, updateMask="apiConfig",
                                                                   body={"apiConfig": cfg_name}), create=False)
    except DeployError as exc:
        serving = previous.rsplit("/", 1)[1]
        raise DeployError(exc.step, f"{exc.message}; {serving} keeps serving", [], exc.hint) from None
