"""Read the compiled ARM template for deploy: the few template expressions gwc writes (concat, parameters,
resourceId, '[[' escapes), evaluated for one subscription, resource group and service."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<name>[A-Za-z]+)|(?P<punct>[(),]))")


@dataclass(frozen=True)
class Scope:
    """Where the template is deployed, and the template parameters' values."""

    subscription: str
    resource_group: str
    service: str
    parameters: dict


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"unsupported template expression near {text[pos:pos + 20]!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str, scope: Scope) -> None:
        self.toks, self.i, self.scope = _tokens(text), 0, scope

    def take(self, kind: str, value: str | None = None) -> str:
        k, v = self.toks[self.i]
        if k != kind or (value is not None and v != value):
            raise ValueError(f"expected {value or kind}, found {v!r}")
        self.i += 1
        return v

    def expr(self) -> str:
        kind, value = self.toks[self.i]
        if kind == "str":
            self.i += 1
            return value[1:-1].replace("''", "'")
        name = self.take("name")
        self.take("punct", "(")
        args = []
        while self.toks[self.i] != ("punct", ")"):
            args.append(self.expr())
            if self.toks[self.i] == ("punct", ","):
                self.i += 1
        self.take("punct", ")")
        return self.call(name, args)

    def call(self, name: str, args: list[str]) -> str:
        s = self.scope
        if name == "concat":
            return "".join(args)
        if name == "parameters":
            if args[0] == "serviceName":
                return s.service
            if args[0] not in s.parameters:
                raise ValueError(f"no value for template parameter {args[0]!r}")
            return s.parameters[args[0]]
        if name == "resourceId":
            rtype, names = args[0], args[1:]
            kinds = rtype.split("/")[1:]
            path = "/".join(f"{k}/{n}" for k, n in zip(kinds, names))
            return (f"/subscriptions/{s.subscription}/resourceGroups/{s.resource_group}/providers/"
                    f"{rtype.split('/')[0]}/{path}")
        raise ValueError(f"unsupported template function {name}()")


def evaluate(value, scope: Scope):
    """A template value with its expressions evaluated (strings '[...]'), recursively."""
    if isinstance(value, dict):
        return {k: evaluate(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate(v, scope) for v in value]
    if isinstance(value, str) and value.startswith("[[") :
        return value[1:]
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        parser = _Parser(value[1:-1], scope)
        result = parser.expr()
        if parser.i != len(parser.toks):
            raise ValueError(f"unexpected text after the expression in {value!r}")
        return result
    return value


def name_segments(resource: dict, scope: Scope) -> list[str]:
    """The resource's name below the service: 'shop/policy' -> ['shop', 'policy']."""
    full = evaluate(resource["name"], scope)
    service, _, rest = full.partition("/")
    if service != scope.service:
        raise ValueError(f"resource {full!r} is not in service {scope.service!r}")
    return rest.split("/")


def ordered(resources: list[dict], scope: Scope) -> list[dict]:
    """Resources with every dependency before its dependents (template order otherwise)."""
    ids = {evaluate(f"[resourceId('{r['type']}', parameters('serviceName'), "
                    + ", ".join(f"'{n}'" for n in name_segments(r, scope)) + ")]", scope): r for r in resources}
    done: list[dict] = []
    seen: set[int] = set()

    def visit(r: dict) -> None:
        if id(r) in seen:
            return
        seen.add(id(r))
        for dep in r.get("dependsOn", []):
            target = ids.get(evaluate(dep, scope))
            if target is not None:
                visit(target)
        done.append(r)

    for r in resources:
        visit(r)
    return done
