"""What the OpenAPI importer's parts share: limits, grammars, notes, and bounded safe loading."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

MAX_BYTES = 64 * 1024 * 1024  # real documents are large: GitHub's REST description is 13 MB
MAX_NODES = 20_000_000  # visits while checking the loaded data (aliases are counted each time they are reached)
MAX_DEPTH = 256

METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_PATH = re.compile(r"^/([A-Za-z0-9._~!*+,=:@-]|/|\{[a-z_][a-z0-9_]{0,30}\})*$")
_URL = re.compile(r"^https?://([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
                  r"|\[[0-9a-fA-F:.]{2,39}\])(:[0-9]{1,5})?/?$")
_HTTPS_URL = re.compile(r"^https://[\x21-\x7e]{1,990}$")
_HEADER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
_QUERY = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_VERSION = re.compile(r"^[0-9A-Za-z.+-]{1,64}$")
_OIDC_SUFFIX = "/.well-known/openid-configuration"
PLACEHOLDER_URL = "http://upstream.invalid"


class ImportError_(ValueError):
    """The input cannot be imported at all (unreadable, not OpenAPI, nothing to route)."""

    def __init__(self, message: str, pointer: str = "") -> None:
        super().__init__(message)
        self.pointer = pointer


@dataclass(frozen=True)
class Note:
    """Something in the source that was not mapped (or only partly), at a JSON pointer of the source."""

    pointer: str
    message: str


def load_openapi(text: str) -> object:
    """Parse JSON or YAML (yaml.safe_load: standard tags only), within the size, node and depth limits."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ImportError_(f"the document is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else _safe_yaml(text)
    except RecursionError:
        raise ImportError_(f"the document nests deeper than {MAX_DEPTH} levels") from None
    except (ValueError, yaml.YAMLError) as exc:
        raise ImportError_(f"not valid JSON or YAML: {str(exc).splitlines()[0] if str(exc) else exc}") from None
    _check_bounds(data)
    return data


def _safe_yaml(text: str) -> object:
    return yaml.safe_load(text)  # refuses python/* and any custom tag


def _check_bounds(data: object) -> None:
    """Walk the data once: aliases that multiply ('billion laughs') or absurd nesting fail fast."""
    stack: list[tuple[object, int]] = [(data, 0)]
    visits = 0
    while stack:
        node, depth = stack.pop()
        visits += 1
        if visits > MAX_NODES:
            raise ImportError_(f"the document expands to more than {MAX_NODES} nodes (aliases that multiply?)")
        if depth > MAX_DEPTH:
            raise ImportError_(f"the document nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def _esc(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")
