"""IP rules as the REST API's resource policy (x-amazon-apigateway-policy, aws:SourceIp)."""

from __future__ import annotations

import re

from gwc.model import IpRules

_PARAM = re.compile(r"\{[^}]+\}")


def execute_api_resource(path: str, method: str) -> str:
    """`execute-api:/STAGE/METHOD/PATH` for any stage; a {param} becomes `*` (which spans '/' in IAM)."""
    verb = "*" if method == "ANY" else method
    return f"execute-api:/*/{verb}/" + _PARAM.sub("*", path.lstrip("/"))


def resource_policy(rules: list[tuple[IpRules, list[str]]]) -> dict | None:
    """Allow everything, then deny each route's methods to the addresses its rules refuse."""
    if not rules:
        return None
    statements: list[dict] = [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                               "Resource": "execute-api:/*"}]
    for ip, resources in rules:
        res = sorted(set(resources))
        if ip.deny:
            statements.append({"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": res,
                               "Condition": {"IpAddress": {"aws:SourceIp": list(ip.deny)}}})
        if ip.allow:
            statements.append({"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": res,
                               "Condition": {"NotIpAddress": {"aws:SourceIp": list(ip.allow)}}})
    return {"Version": "2012-10-17", "Statement": statements}
