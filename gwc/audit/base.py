"""What every audit rule shares: severities, the context a rule reads, hits, and small helpers."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import ClassVar, Iterable

from gwc.diagnostics import Level
from gwc.load import Document
from gwc.model import Gateway, Route
from gwc.paths import PARAM

SEVERITIES = ("high", "medium", "low")
LEVELS = {"high": Level.ERROR, "medium": Level.WARNING, "low": Level.NOTE}
SEVERITY_OF_LEVEL = {level: name for name, level in LEVELS.items()}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BODY = 100 * 1024 * 1024
CREDENTIAL_WORDS = frozenset({"login", "logon", "signin", "sign-in", "sign_in", "token", "tokens", "oauth",
                              "oauth2", "auth", "authorize", "authenticate", "password", "passwd", "otp", "mfa",
                              "2fa", "totp", "session", "sessions"})
SENSITIVE_SEGMENTS = frozenset({"admin", "administrator", "_admin", "wp-admin", "debug", "_debug", "pprof",
                                "actuator", "_status", "server-status", "metrics", "_metrics", "internal",
                                "_internal", ".env", ".git", "swagger", "swagger-ui", "swagger-ui.html",
                                "api-docs", "openapi.json", "openapi.yaml", "graphiql", "console", "jolokia",
                                "heapdump", "management", "phpinfo.php", "phpmyadmin"})


@dataclass(frozen=True)
class Hit:
    """One offence: where (JSON pointer into the spec) and what (a message quoting the offending value)."""

    pointer: str
    message: str


def q(value: object) -> str:
    """An offending value, quoted the same way in every message."""
    if isinstance(value, bool):
        return "'true'" if value else "'false'"  # as YAML spells it
    return f"'{value}'" if isinstance(value, (str, int)) else repr(value)


class Context:
    """What every rule reads: the model, the document (values as written) and a few shared questions."""

    def __init__(self, gw: Gateway, doc: Document) -> None:
        self.gw, self.doc = gw, doc
        # A prefix written without its '/' becomes two model routes with the same policies: audit it once.
        self.routes = [r for r in gw.routes if r.base_of is None]

    def value(self, pointer: str, default: object = None) -> object:
        """The value at a JSON pointer of the document as written (no escaping needed for spec keys)."""
        node = self.doc.data
        for token in [t for t in pointer.split("/")[1:]] if pointer else []:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return default
        return node

    def has(self, pointer: str) -> bool:
        """True when the spec writes a value at this pointer."""
        return pointer in self.doc.marks

    def label(self, r: Route) -> str:
        """How the route is written: "route 3 (prefix '/orders/', methods any)"."""
        kind = "prefix" if "prefix" in (self.value(r.pointer) or {}) else "path"
        written = self.value(f"{r.pointer}/{kind}", r.match.path)
        methods = ",".join(r.methods) if r.methods else "any"
        return f"route {r.index} ({kind} {q(written)}, methods {methods})"

    def path_pointer(self, r: Route) -> str:
        """The pointer of the route's path or prefix as written."""
        return f"{r.pointer}/prefix" if self.has(f"{r.pointer}/prefix") else f"{r.pointer}/path"

    def auth_pointer(self, r: Route) -> str:
        """Where the route's auth comes from: its own `auth`, the default's, or the route itself (none set)."""
        for ptr in (f"{r.pointer}/auth", "/defaults/auth"):
            if self.has(ptr):
                return ptr
        return r.pointer

    def services(self, r: Route) -> set[str]:
        """The services a route sends to."""
        return {r.service} if r.service else {s.service for s in r.split}

    def mock_only(self, r: Route) -> bool:
        """True when every service of the route is a mock (nothing behind it to protect)."""
        svcs = [self.gw.services.get(s) for s in self.services(r)]
        return bool(svcs) and all(s is not None and s.mock is not None for s in svcs)


def restricted(r: Route) -> bool:
    """A route counts as access-controlled when it has auth or an IP allow-list."""
    return bool(r.auth) or bool(r.ip and r.ip.allow)


def too_broad(cidr: str) -> bool:
    """True for a range bigger than any real proxy fleet or monitoring network: IPv4 wider than /8, IPv6
    wider than /16 (0.0.0.0/0 and ::/0 included)."""
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    return net.prefixlen < (8 if net.version == 4 else 16)


def _words(path: str) -> set[str]:
    out: set[str] = set()
    for seg in path.lower().strip("/").split("/"):
        if seg and not PARAM.match(seg):
            out.add(seg)
            out |= set(re.split(r"[-_.]", seg))
    return out


class Rule:
    """A rule: a stable id, a severity, a title, why it matters, how to fix it, what exactly it detects."""

    id: ClassVar[str]
    severity: ClassVar[str]
    title: ClassVar[str]
    rationale: ClassVar[str]
    fix: ClassVar[str]
    detects: ClassVar[str]
    incident: ClassVar[str] = ""

    def check(self, ctx: Context) -> Iterable[Hit]:  # pragma: no cover - every rule overrides it
        raise NotImplementedError
