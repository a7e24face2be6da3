"""Per-route work on AWS stays per route: answers that are the same at many resources (405, CORS
preflight, mocks) are built once, and the body is serialised once (the deployment's fingerprint is taken
from openapi.json, the fingerprint the deployer records)."""

from __future__ import annotations

import json
from pathlib import Path

import gwc.targets.aws.openapi as aws_openapi
import yaml
from gwc.targets.aws.deploy_state import body_hash

from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target

HEAD = ("gwc: 1\nname: t\nobservability: {access_log: {format: none}}\n"
        "services:\n  app: {url: 'https://app.example.com'}\n"
        "  canned: {mock: {status: 200, body: 'ok'}}\n")
CORS = "{origins: ['https://a.example', 'https://b.example']}"


def _compile(tmp_path: Path, routes: int) -> dict[str, str]:
    lines = ["routes:"]
    for i in range(routes):
        lines.append(f"  - {{name: r{i}, path: /r{i}, methods: [GET, POST], service: app, cors: {CORS}}}")
        lines.append(f"  - {{name: p{i}, path: '/r{i}/{{id}}', methods: [GET], service: app, cors: {CORS}}}")
        lines.append(f"  - {{name: m{i}, path: /m{i}, methods: [GET], service: canned, cors: {CORS}}}")
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEAD + "\n".join(lines) + "\n")
    loaded = load_gateway(str(spec))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("aws")[0])
    assert files, [d.format() for d in diags]
    return files


def _counting(monkeypatch, name: str) -> list[int]:
    calls = [0]
    real = getattr(aws_openapi, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)
    monkeypatch.setattr(aws_openapi, name, counted)
    return calls


def test_answers_shared_by_many_resources_are_built_once(tmp_path: Path, monkeypatch) -> None:
    counts = {name: _counting(monkeypatch, name) for name in ("method_not_allowed", "preflight", "mock_operation")}
    paths = json.loads(_compile(tmp_path, 150)["openapi.json"])["paths"]
    # one per distinct (Allow, path parameters): GET+POST at /rN, GET at /rN/{id}, GET at /mN
    assert counts["method_not_allowed"][0] == 3
    assert counts["preflight"][0] == 2  # without and with the {id} parameter
    assert counts["mock_operation"][0] == 1  # the canned answer of the 150 /mN resources
    assert len(paths) == 450
    allow = {p: op["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]["responses"]["default"]
             ["responseParameters"]["method.response.header.Allow"] for p, op in paths.items()}
    assert allow["/r7"] == "'GET, POST'" and allow["/r7/{id}"] == allow["/m7"] == "'GET'"
    assert {p for p, op in paths.items() if "options" in op} == set(paths)
    assert paths["/m3"]["get"]["summary"] == "route m3" and paths["/m4"]["get"]["summary"] == "route m4"


def test_the_output_does_not_depend_on_sharing(tmp_path: Path) -> None:
    """The shared answers are written out in full: the same bytes as a body without shared objects."""
    files = _compile(tmp_path, 20)
    body = json.loads(files["openapi.json"])  # parsed: no object is shared any more
    template = yaml.safe_load(files["template.yaml"])
    assert template["Resources"]["RestApi"]["Properties"]["Body"] == body
    assert "&id" not in files["template.yaml"] and "*id" not in files["template.yaml"]


def test_the_deployment_is_named_by_the_fingerprint_of_openapi_json(tmp_path: Path) -> None:
    files = _compile(tmp_path, 2)
    template = yaml.safe_load(files["template.yaml"])
    deployment = f"Deployment{body_hash(files['openapi.json'])[:12]}"
    assert template["Resources"][deployment]["Type"] == "AWS::ApiGateway::Deployment"
    assert template["Resources"]["Stage"]["Properties"]["DeploymentId"] == {"Ref": deployment}
