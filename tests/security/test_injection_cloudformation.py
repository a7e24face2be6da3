"""A CloudFormation injection the corpus in test_injection_all_targets.py found (fixed: GWC325): dynamic references.

CloudFormation replaces `{{resolve:ssm:NAME}}`, `{{resolve:ssm-secure:NAME}}` and
`{{resolve:secretsmanager:ID:SecretString:KEY}}` in a template's resource properties with the parameter's or
secret's value when it deploys the stack, and has no escape for them. gwc writes spec text as it is into
aws/template.yaml: a title or description becomes the Deployment's Description and the inline OpenAPI's
info.title, a request header value a static integration parameter ('...'), a mock's body and headers a mapping
template and response parameters, an issuer and audiences an HTTP API's jwtConfiguration. So

    title: "{{resolve:ssm:/prod/db-password}}"

makes `aws cloudformation deploy` publish the SSM parameter's value as the API's description, and

    headers: {request: {set: {X-Req: "{{resolve:secretsmanager:prod/db:SecretString:password}}"}}}

makes API Gateway send the secret to the upstream in X-Req on every request. Both values pass the schema (text,
header_value) and every check.

Now refused in the spec itself, whatever the target (gwc/check_text.py, GWC225 at the value); the AWS target
keeps its own guard (targets/aws/dynamic_refs.py, GWC325) in case a value reaches a template another way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gwc.pipeline import compile_gateway, load_gateway
from tests.security.injection_corpus import FIELDS, target, write_case

DYNAMIC = ["{{resolve:ssm:/prod/db-password}}", "{{resolve:secretsmanager:prod/db:SecretString:password}}",
           "{{resolve:ssm-secure:/prod/key}}"]
WHERE = [("/title", ""), ("/description", ""), ("/routes/[]/headers/request/set/*", ""),
         ("/services/*/mock/body", ""), ("/services/*/mock/headers/*", ""), ("/auth/*/jwt/issuer", "aws-http"),
         ("/title", "aws-http"), ("/routes/[]/headers/request/set/*", "aws-http"),
         ("/auth/*/jwt/audiences/[]", "aws-http")]
CASES = [(loc, variant, value) for loc, variant in WHERE for value in DYNAMIC]


def _aws(folder: Path, spec: dict, side: dict):
    loaded = load_gateway(str(write_case(folder, spec, side)))
    if loaded.gateway is None:  # refused by the spec checks (GWC225), before any target
        return {}, loaded.diagnostics
    return compile_gateway(loaded.gateway, loaded.doc, target("aws"), allow_lossy=True)


@pytest.mark.parametrize("loc,variant,value", CASES,
                         ids=[f"{loc}{'[' + v + ']' if v else ''}={value[:24]}" for loc, v, value in CASES])
def test_a_cloudformation_dynamic_reference_is_refused_or_never_written(loc: str, variant: str, value: str,
                                                                       tmp_path: Path) -> None:
    """Compiled with --allow-lossy (the base spec uses features AWS cannot express): the value is never
    written into template.yaml, and the target says so at the field (or at the route or object holding it)."""
    field = next(f for f in FIELDS if f.loc == loc and f.variant == variant)
    marked, harmless = _aws(tmp_path / "harmless", *field.place("zq0marker"))
    assert "zq0marker" in marked["template.yaml"], "the field does not reach template.yaml"
    files, diags = _aws(tmp_path / "hostile", *field.place(value))
    if files:
        written = [m.group(0).strip() for m in re.finditer(r".*\{\{resolve:.*", files["template.yaml"])]
        assert not written, (f"{field.loc} = {value!r} is written into aws/template.yaml, where CloudFormation "
                             f"resolves it at deploy time: {written[:3]}")
    before = {(d.code, d.pointer, d.message) for d in harmless}
    new = [d for d in diags if (d.code, d.pointer, d.message) not in before and d.level.name != "NOTE"]
    assert any(d.line and (d.pointer == field.pointer or field.pointer.startswith(d.pointer + "/")
                           or d.pointer.startswith("/routes/")) for d in new), [d.format() for d in new]
