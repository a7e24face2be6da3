"""Text the schema allows but a target's own format would act on: CloudFormation replaces `{{resolve:...}}`
anywhere in a template with a stored SSM parameter or secret at deploy time and has no escape for it, so such a
value in a title, a header, a mock body (any spec string) would leak or inject a secret through the AWS output.
Refused in the spec itself, at the value, whatever the target: a spec is meant to move between targets."""

from __future__ import annotations

from gwc.diagnostics import Diagnostic
from gwc.load import Document, escape_pointer_token

DYNAMIC_REFERENCE = "{{resolve:"


def _walk(node: object, pointer: str, out: list[tuple[str, bool]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{pointer}/{escape_pointer_token(key)}"
            if isinstance(key, str) and DYNAMIC_REFERENCE in key:
                out.append((child, True))
            _walk(value, child, out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk(value, f"{pointer}/{i}", out)
    elif isinstance(node, str) and DYNAMIC_REFERENCE in node:
        out.append((pointer, False))


def check_dynamic_references(doc: Document) -> list[Diagnostic]:
    """GWC225 at every string (value or key) holding '{{resolve:'."""
    found: list[tuple[str, bool]] = []
    _walk(doc.data, "", found)
    return [doc.diag("GWC225", "this text holds '{{resolve:', which CloudFormation replaces with a stored parameter "
                     "or secret when it deploys a template (it has no escape for it)", pointer,
                     "remove '{{resolve:' from the text; secrets go in references such as {aws_secret: ...}",
                     key=key) for pointer, key in found]
