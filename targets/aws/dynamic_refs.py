"""CloudFormation dynamic references: `{{resolve:ssm:...}}`, `{{resolve:ssm-secure:...}}` and
`{{resolve:secretsmanager:...}}` anywhere in a template's resource properties are replaced by the stored value
when the stack deploys, and CloudFormation has no escape for them. gwc never writes one itself, so one in the
template came from the spec (a title, a header value, a mock body...): refuse the output, at the spec object that
holds the value, even under --allow-lossy (leaving it out could not be told apart from a deliberate secret)."""

from __future__ import annotations

import dataclasses

from .context import Context

MARK = "{{resolve:"


def _holds(value: object, depth: int = 0) -> bool:
    if isinstance(value, str):
        return MARK in value
    if depth > 12:
        return False
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(_holds(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return any(_holds(k, depth + 1) or _holds(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, frozenset, set)):
        return any(_holds(v, depth + 1) for v in value)
    return False


def refuse_dynamic_references(ctx: Context, template_text: str) -> bool:
    """GWC325 at each spec object holding `{{resolve:` when the template does; True when it did."""
    if MARK not in template_text:
        return False
    gw = ctx.gw
    places = [(f"/{name}", getattr(gw, name, None)) for name in ("name", "title", "description", "version")]
    places += [(s.pointer, s) for s in gw.services.values()]
    places += [(f"/auth/{name}", method) for name, method in gw.auth.items()]
    places += [(r.pointer, r) for r in gw.routes]
    found = [pointer for pointer, value in places if _holds(value)] or [""]
    for pointer in found:
        ctx.error("GWC325", "this value holds '{{resolve:', which CloudFormation replaces with a stored parameter "
                  "or secret when it deploys template.yaml (it has no escape for it)", pointer,
                  "remove '{{resolve:' from the value; put secrets in references such as {aws_secret: ...}")
    return True
