"""A small stateful stand-in for Google's Service Management and API Gateway APIs (v1), on 127.0.0.1.

It answers the calls gwc's Google deployer makes, with long-running operations that finish after
`polls` reads, an OAuth token endpoint for service-account credentials, and switches to make a rollout
or an operation fail. It records every request (method, path) for assertions.
"""

from __future__ import annotations

import base64
import itertools
import json
import re

from tests.deploy.local_http import JsonServer


class FakeGoogle(JsonServer):
    """Context manager; `.url` is the endpoint to give both API clients."""

    def __init__(self, polls: int = 2) -> None:
        super().__init__()
        self.polls = polls
        self.ids = itertools.count(1)
        self.services: dict[str, dict] = {}
        self.configs: dict[str, dict[str, dict]] = {}
        self.rollouts: dict[str, list[dict]] = {}
        self.apis: dict[str, dict] = {}
        self.api_configs: dict[str, dict] = {}
        self.gateways: dict[str, dict] = {}
        self.operations: dict[str, dict] = {}
        self.fail_rollouts = False
        self.tokens_issued = 0

    @property
    def url(self) -> str:
        """The endpoint root."""
        return super().url + "/"

    def writes(self) -> list[tuple[str, str]]:
        """Recorded requests that could change state (the token endpoint excluded)."""
        return [r for r in self.requests if r[0] != "GET" and r[1] != "/token"]

    # ----------------------------------------------------------------- routing

    def route(self, method: str, path: str, query: dict, raw: bytes, headers) -> tuple[int, dict]:
        body = json.loads(raw) if raw and raw[:1] in b"{[" else {}
        if path == "/token" and method == "POST":
            self.tokens_issued += 1
            return 200, {"access_token": f"fake-token-{self.tokens_issued}", "expires_in": 3600,
                         "token_type": "Bearer"}
        for pattern, handler in self.ROUTES:
            m = re.fullmatch(pattern, f"{method} {path}")
            if m:
                return handler(self, m, query, body)
        return 404, _error(404, f"no fake for {method} {path}")

    def _op(self, name_prefix: str, response: dict | None, error: dict | None = None) -> dict:
        op_id = f"op-{next(self.ids)}"
        op = {"name": f"{name_prefix}{op_id}", "done": False, "_left": self.polls, "_response": response,
              "_error": error}
        self.operations[op["name"]] = op
        return _public(op)

    def get_operation(self, m, query, body):
        op = self.operations.get(m.group(1))
        if op is None:
            return 404, _error(404, "no such operation")
        op["_left"] -= 1
        if op["_left"] <= 0:
            op["done"] = True
        return 200, _public(op)

    # ------------------------------------------------------- service management

    def get_service(self, m, query, body):
        svc = self.services.get(m.group(1))
        return (200, svc) if svc else (404, _error(404, f"service {m.group(1)} not found"))

    def create_service(self, m, query, body):
        name = body["serviceName"]
        if name in self.services:
            return 409, _error(409, f"service {name} exists")
        self.services[name] = {"serviceName": name, "producerProjectId": body.get("producerProjectId")}
        self.configs[name], self.rollouts[name] = {}, []
        return 200, self._op("operations/", {"serviceName": name})

    def submit_config(self, m, query, body):
        name = m.group(1)
        if name not in self.services:
            return 404, _error(404, "service not found")
        config_id = f"2026-11-26r{len(self.configs[name])}"
        files = [{"filePath": f["filePath"], "fileContents": f["fileContents"], "fileType": f["fileType"]}
                 for f in body["configSource"]["files"]]
        self.configs[name][config_id] = {"id": config_id, "name": name, "sourceInfo": {"sourceFiles": files}}
        return 200, self._op("operations/", {"serviceConfig": {"id": config_id, "name": name}})

    def get_config(self, m, query, body):
        config = self.configs.get(m.group(1), {}).get(m.group(2))
        return (200, config) if config else (404, _error(404, "config not found"))

    def list_rollouts(self, m, query, body):
        rollouts = list(reversed(self.rollouts.get(m.group(1), [])))
        wanted = (query.get("filter") or [""])[0]
        if wanted.startswith("status="):
            rollouts = [r for r in rollouts if r["status"] == wanted.split("=", 1)[1]]
        return 200, {"rollouts": rollouts}

    def create_rollout(self, m, query, body):
        name = m.group(1)
        percentages = body["trafficPercentStrategy"]["percentages"]
        if any(config not in self.configs.get(name, {}) for config in percentages):
            return 400, _error(400, "unknown config id")
        status = "FAILED" if self.fail_rollouts else "SUCCESS"
        rollout = {"rolloutId": f"{name}-rollout-{next(self.ids)}", "serviceName": name, "status": status,
                   "trafficPercentStrategy": {"percentages": percentages}}
        self.rollouts[name].append(rollout)
        error = {"code": 9, "message": "rollout failed (injected)"} if self.fail_rollouts else None
        return 200, self._op("operations/", rollout, error)

    # -------------------------------------------------------------- api gateway

    def get_api(self, m, query, body):
        api = self.apis.get(m.group(1))
        return (200, api) if api else (404, _error(404, "api not found"))

    def create_api(self, m, query, body):
        name = f"{m.group(1)}/apis/{query['apiId'][0]}"
        if name in self.apis:
            return 409, _error(409, "api exists")
        self.apis[name] = {"name": name, **body, "state": "ACTIVE"}
        return 200, self._op(f"{m.group(1)}/operations/", self.apis[name])

    def get_api_config(self, m, query, body):
        config = self.api_configs.get(m.group(1))
        return (200, config) if config else (404, _error(404, "config not found"))

    def create_api_config(self, m, query, body):
        name = f"{m.group(1)}/configs/{query['apiConfigId'][0]}"
        if m.group(1) not in self.apis:
            return 404, _error(404, "api not found")
        if name in self.api_configs:
            return 409, _error(409, "config exists")
        self.api_configs[name] = {"name": name, **body, "state": "ACTIVE"}
        return 200, self._op(_location(m.group(1)) + "/operations/", self.api_configs[name])

    def get_gateway(self, m, query, body):
        gateway = self.gateways.get(m.group(1))
        return (200, gateway) if gateway else (404, _error(404, "gateway not found"))

    def create_gateway(self, m, query, body):
        name = f"{m.group(1)}/gateways/{query['gatewayId'][0]}"
        if name in self.gateways:
            return 409, _error(409, "gateway exists")
        if body.get("apiConfig") not in self.api_configs:
            return 400, _error(400, "unknown api config")
        self.gateways[name] = {"name": name, "apiConfig": body["apiConfig"], "state": "ACTIVE",
                               "defaultHostname": f"{query['gatewayId'][0]}.gateway.dev"}
        return 200, self._op(f"{m.group(1)}/operations/", self.gateways[name])

    def patch_gateway(self, m, query, body):
        gateway = self.gateways.get(m.group(1))
        if gateway is None:
            return 404, _error(404, "gateway not found")
        if query.get("updateMask") != ["apiConfig"] or body.get("apiConfig") not in self.api_configs:
            return 400, _error(400, "bad patch")
        gateway["apiConfig"] = body["apiConfig"]
        return 200, self._op(_location(m.group(1)) + "/operations/", gateway)

    LOC = r"(projects/[^/]+/locations/[^/]+)"
    ROUTES = [
        (r"GET /v1/(operations/[^/]+)", get_operation),
        (r"GET /v1/services/([^/:]+)", get_service),
        (r"POST /v1/services", create_service),
        (r"POST /v1/services/([^/]+)/configs:submit", submit_config),
        (r"GET /v1/services/([^/]+)/configs/([^/]+)", get_config),
        (r"GET /v1/services/([^/]+)/rollouts", list_rollouts),
        (r"POST /v1/services/([^/]+)/rollouts", create_rollout),
        (rf"GET /v1/({LOC[1:-1]}/operations/[^/]+)", get_operation),
        (rf"GET /v1/({LOC[1:-1]}/apis/[^/]+)", get_api),
        (rf"POST /v1/{LOC}/apis", create_api),
        (rf"GET /v1/({LOC[1:-1]}/apis/[^/]+/configs/[^/]+)", get_api_config),
        (rf"POST /v1/({LOC[1:-1]}/apis/[^/]+)/configs", create_api_config),
        (rf"GET /v1/({LOC[1:-1]}/gateways/[^/]+)", get_gateway),
        (rf"POST /v1/{LOC}/gateways", create_gateway),
        (rf"PATCH /v1/({LOC[1:-1]}/gateways/[^/]+)", patch_gateway),
    ]



def _location(resource: str) -> str:
    return "/".join(resource.split("/")[:4])


def _public(op: dict) -> dict:
    out = {"name": op["name"], "done": op["done"]}
    if op["done"]:
        if op["_error"]:
            out["error"] = op["_error"]
        elif op["_response"] is not None:
            out["response"] = op["_response"]
    return out


def _error(code: int, message: str) -> dict:
    status = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 409: "ALREADY_EXISTS"}.get(code, "UNKNOWN")
    return {"error": {"code": code, "message": message, "status": status}}


def decode(contents: str) -> str:
    """base64 file contents as text."""
    return base64.b64decode(contents).decode()
