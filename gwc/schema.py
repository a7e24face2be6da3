"""Check a loaded spec against the JSON Schema and turn each violation into a located diagnostic."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from gwc.diagnostics import Diagnostic
from gwc.load import Document, escape_pointer_token
from gwc.schema_fast import anchored, compile_schema

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

SCHEMA_FILE = "gateway.schema.json"


def schema_text() -> str:
    """The JSON Schema of the spec, as shipped in the package."""
    return resources.files("gwc.schemas").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=4)
def _schema(keys: tuple[str, ...] | None = None) -> dict:
    """The spec schema; with `keys`, a mapping of only those top-level fields (an included file)."""
    full = json.loads(schema_text())
    if keys is None:
        return full
    return {"$schema": full["$schema"], "type": "object", "additionalProperties": False,
            "properties": {k: full["properties"][k] for k in keys}, "$defs": full["$defs"]}


@lru_cache(maxsize=4)
def _fast(keys: tuple[str, ...] | None = None):
    return compile_schema(_schema(keys))


@lru_cache(maxsize=4)
def _validator(keys: tuple[str, ...] | None = None):
    """jsonschema's validator, with ECMA-262 `$` in patterns; imported only when a spec has errors to locate."""
    from jsonschema import Draft202012Validator, validators  # noqa: PLC0415 (kept off the fast path)
    from jsonschema.exceptions import ValidationError  # noqa: PLC0415

    def pattern(validator, pattern: str, instance, schema):
        if validator.is_type(instance, "string") and not anchored(pattern).search(instance):
            yield ValidationError(f"{instance!r} does not match {pattern!r}")

    return validators.extend(Draft202012Validator, {"pattern": pattern})(_schema(keys))


def _pointer(path) -> str:
    return "".join("/" + escape_pointer_token(p) for p in path)


def _deepest(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf failures pick the branch that got furthest: that is what the user meant."""
    while error.context:
        # Prefer errors in branches that are objects matching the value's type.
        candidates = [e for e in error.context if e.validator not in ("type", "const")] or list(error.context)
        best = max(candidates, key=lambda e: (len(e.absolute_path), e.validator != "required"))
        if len(best.absolute_path) < len(error.absolute_path):
            break
        error = best
    return error


def _show(value: object) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 80 else text[:77] + "..."


def _describe(error: ValidationError) -> tuple[str, str, str, bool]:
    """(code, message, hint, point_at_key) for one schema error."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    v = error.validator
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(schema.get("properties", {})))
        known = ", ".join(sorted(schema.get("properties", {}))) or "none"
        return ("GWC101", f"unknown field {extra[0]!r}" if extra else error.message,
                f"remove it, or check the spelling; allowed fields here: {known}", True)
    if v == "required":
        return "GWC102", error.message.replace("is a required property", "is required here"), \
            "add the field; see docs/spec.md", False
    if v == "type":
        want = schema.get("type")
        hint = {"integer": "write a whole number", "number": "write a number",
                "boolean": "write true or false", "array": "write a list, e.g. [a, b]",
                "object": "write a mapping of keys to values"}.get(want, "quote the value, e.g. '1.0'")
        return "GWC103", f"{_show(error.instance)} should be of type {want}", hint, False
    if v == "pattern" or v == "propertyNames":
        desc = schema.get("description", "")
        return "GWC104", f"{_show(error.instance)} is not allowed here", \
            (desc + " " if desc else "") + "Characters like ; { } $ # quotes and newlines are refused " \
            "so no value can change the generated configuration.", False
    if v in ("enum", "const"):
        allowed = schema.get("enum") or [schema.get("const")]
        return "GWC104", f"{_show(error.instance)} is not one of {', '.join(map(str, allowed))}", \
            "use one of the listed values", False
    if v in ("minimum", "maximum"):
        side = "less than the minimum" if v == "minimum" else "greater than the maximum"
        return "GWC105", f"{_show(error.instance)} is {side} of {schema[v]}", \
            "bring the value within the allowed range", False
    if v in ("exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
             "minItems", "maxItems", "minProperties", "maxProperties"):
        message = error.message if len(error.message) <= 200 else f"{_show(error.instance)} is out of range ({v})"
        return "GWC105", message, "bring the value within the allowed range", False
    if v == "uniqueItems":
        return "GWC105", f"{_show(error.instance)} has duplicate items", "list each item once", False
    if v in ("oneOf", "anyOf", "not"):
        desc = schema.get("description", "")
        return "GWC106", "this value does not match any allowed form" + (f": {desc}" if desc else ""), \
            "see docs/spec.md for the allowed forms of this field", False
    return "GWC106", error.message, "see docs/spec.md", False


def check_schema(doc: Document, keys: tuple[str, ...] | None = None) -> list[Diagnostic]:
    """Validate the document's data against the spec schema; one located diagnostic per problem. With
    `keys`, against a mapping that may hold only those top-level fields, none required (an included file)."""
    if _fast(keys)(doc.data):
        return []
    out: list[Diagnostic] = []
    seen: set[tuple[str, str]] = set()
    for error in _validator(keys).iter_errors(doc.data):
        err = _deepest(error)
        pointer = _pointer(err.absolute_path)
        code, message, hint, at_key = _describe(err)
        if at_key and err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set((err.schema or {}).get("properties", {})))
            if extra:
                pointer = f"{pointer}/{escape_pointer_token(extra[0])}"
        if (pointer, message) in seen:
            continue
        seen.add((pointer, message))
        out.append(doc.diag(code, message, pointer, hint, key=at_key))
    return sorted(out)
