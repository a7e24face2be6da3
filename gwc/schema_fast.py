"""A yes/no check of the spec schema, compiled once into nested closures: the fast path of `check_schema`.

jsonschema walks the schema anew for every value (references looked up, a validator object per level), which
made it most of gwc's cost on large specs. This compiles the keywords the spec schema uses into plain Python
functions. It only answers valid or not: when it says not, jsonschema runs to find and locate each error, so
the messages stay jsonschema's. A keyword this module does not know makes compiling fail, so a schema change
cannot be half-checked; tests/unit/test_schema_fast.py compares the two on valid and broken specs."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

Check = Callable[[object], bool]
IGNORED = frozenset({"$schema", "$id", "$defs", "title", "description", "default", "examples", "$comment",
                     "deprecated", "readOnly", "writeOnly"})


@lru_cache(maxsize=512)
def anchored(pattern: str) -> re.Pattern:
    """Python's `$` also matches before a final newline; ECMA-262's (the schema's dialect) does not."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def equal(a: object, b: object) -> bool:
    """JSON equality: true is not 1, 1 is 1.0, containers compared item by item."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: _is_number(v) and (isinstance(v, int) or float(v).is_integer()),
}


class Compiler:
    """Compiles one root schema; `$ref`s to `#/...` are compiled once each (and may be recursive)."""

    def __init__(self, root: dict) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, target: str) -> Check:
        if not target.startswith("#"):
            raise ValueError(f"only local $refs are supported: {target}")
        if target not in self.refs:
            slot: list[Check] = []
            self.refs[target] = lambda v: slot[0](v)  # a stand-in while compiling, for recursive schemas
            node: object = self.root
            for token in filter(None, target[1:].split("/")):
                node = node[token.replace("~1", "/").replace("~0", "~")]  # type: ignore[index]
            slot.append(self.compile(node))
            self.refs[target] = slot[0]
        return self.refs[target]

    def compile(self, schema: object) -> Check:
        """One schema as a function of a value, true when the value is valid."""
        if schema is True or schema == {}:
            return lambda v: True
        if schema is False:
            return lambda v: False
        if not isinstance(schema, dict):
            raise ValueError(f"not a schema: {schema!r}")
        checks: list[Check] = []
        for key, arg in schema.items():
            if key in IGNORED or key == "additionalProperties":
                continue
            make = getattr(self, "k_" + key.lstrip("$"), None)
            if make is None:
                raise ValueError(f"schema keyword {key!r} is not supported by the fast check")
            checks.append(make(arg, schema))
        if "additionalProperties" in schema and "properties" not in schema:
            checks.append(self.k_properties({}, schema))
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(c(v) for c in checks)

    def k_ref(self, arg: str, _: dict) -> Check:
        return self.ref(arg)

    def k_type(self, arg: str | list[str], _: dict) -> Check:
        names = [arg] if isinstance(arg, str) else list(arg)
        tests = [TYPES[n] for n in names]
        return tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests))

    def k_properties(self, arg: dict, schema: dict) -> Check:
        props = {name: self.compile(sub) for name, sub in arg.items()}
        extra_schema = schema.get("additionalProperties", True)
        extra = None if extra_schema is True else self.compile(extra_schema)

        def check(v: object) -> bool:
            if not isinstance(v, dict):
                return True
            for key, value in v.items():
                sub = props.get(key)
                if sub is not None:
                    if not sub(value):
                        return False
                elif extra is not None and not extra(value):
                    return False
            return True
        return check

    def k_required(self, arg: list[str], _: dict) -> Check:
        return lambda v: not isinstance(v, dict) or all(k in v for k in arg)

    def k_items(self, arg: object, _: dict) -> Check:
        sub = self.compile(arg)
        return lambda v: not isinstance(v, list) or all(sub(x) for x in v)

    def k_enum(self, arg: list, _: dict) -> Check:
        return lambda v: any(equal(v, x) for x in arg)

    def k_const(self, arg: object, _: dict) -> Check:
        return lambda v: equal(v, arg)

    def k_pattern(self, arg: str, _: dict) -> Check:
        search = anchored(arg).search
        return lambda v: not isinstance(v, str) or search(v) is not None

    def k_minimum(self, arg: float, _: dict) -> Check:
        return lambda v: not _is_number(v) or v >= arg

    def k_maximum(self, arg: float, _: dict) -> Check:
        return lambda v: not _is_number(v) or v <= arg

    def k_minLength(self, arg: int, _: dict) -> Check:
        return lambda v: not isinstance(v, str) or len(v) >= arg

    def k_maxLength(self, arg: int, _: dict) -> Check:
        return lambda v: not isinstance(v, str) or len(v) <= arg

    def k_minItems(self, arg: int, _: dict) -> Check:
        return lambda v: not isinstance(v, list) or len(v) >= arg

    def k_maxItems(self, arg: int, _: dict) -> Check:
        return lambda v: not isinstance(v, list) or len(v) <= arg

    def k_minProperties(self, arg: int, _: dict) -> Check:
        return lambda v: not isinstance(v, dict) or len(v) >= arg

    def k_maxProperties(self, arg: int, _: dict) -> Check:
        return lambda v: not isinstance(v, dict) or len(v) <= arg

    def k_uniqueItems(self, arg: bool, _: dict) -> Check:
        if not arg:
            return lambda v: True
        return lambda v: not isinstance(v, list) or all(
            not equal(v[i], v[j]) for i in range(len(v)) for j in range(i + 1, len(v)))

    def k_propertyNames(self, arg: object, _: dict) -> Check:
        sub = self.compile(arg)
        return lambda v: not isinstance(v, dict) or all(sub(k) for k in v)

    def k_not(self, arg: object, _: dict) -> Check:
        sub = self.compile(arg)
        return lambda v: not sub(v)

    def k_allOf(self, arg: list, _: dict) -> Check:
        subs = [self.compile(s) for s in arg]
        return lambda v: all(s(v) for s in subs)

    def k_anyOf(self, arg: list, _: dict) -> Check:
        subs = [self.compile(s) for s in arg]
        return lambda v: any(s(v) for s in subs)

    def k_oneOf(self, arg: list, _: dict) -> Check:
        subs = [self.compile(s) for s in arg]
        return lambda v: sum(1 for s in subs if s(v)) == 1


def compile_schema(schema: dict) -> Check:
    """The whole schema as one function: true when the value is valid."""
    return Compiler(schema).compile(schema)
