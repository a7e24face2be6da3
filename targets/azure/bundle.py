"""policies/operations.xml: every operation policy in one file, by operation id.

    <operations>
        <operation id="users_id-get">
            <policies>
                ...
            </policies>
        </operation>
        ...
    </operations>

Each `<policies>` element is, once its eight spaces of indentation are taken off, byte for byte the document
APIM stores for that operation (template.json carries the same documents; `split` gives them back). One file
rather than one per operation: a 10,000-route API has some 20,000 operation policies, and creating that many
files cost more than compiling the API (seconds of system time on an ordinary disk; docs/performance.md).
Operations without a policy of their own (the 405 operations, answered at API scope) are not listed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

PATH = "policies/operations.xml"
_NEST = " " * 8
_OPERATION = re.compile(r'^    <operation id="([A-Za-z0-9_.-]+)">\n(.*?)^    </operation>\n', re.M | re.S)


def bundle(policies: Iterable[tuple[str, str]], write: Callable[[str], object] | None = None) -> str | None:
    """The file from (operation id, policy document) pairs in id order, through `write` (or returned). Ids are
    APIM entity names (letters, digits, `_`, `-`, `.`), so they need no escaping."""
    parts: list[str] = []
    out = write or parts.append
    out("<operations>\n")
    last, body = None, ""
    for op_id, text in policies:
        if text is not last:   # neighbours often share a document (a route's methods but GET)
            last, body = text, _NEST + text[:-1].replace("\n", "\n" + _NEST) + "\n"
        out(f'    <operation id="{op_id}">\n{body}    </operation>\n')
    out("</operations>\n")
    return None if write else "".join(parts)


def split(text: str) -> dict[str, str]:
    """The documents of a bundle by operation id, each as APIM stores it."""
    return {m.group(1): "".join(line[len(_NEST):] + "\n" for line in m.group(2).split("\n")[:-1])
            for m in _OPERATION.finditer(text)}
