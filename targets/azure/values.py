"""Escaping for the two places where Azure interprets text: APIM policy values and ARM template strings.

APIM reads a policy value as a C# expression when it starts with `@(` or `@{`, and replaces `{{name}}`
with a named value anywhere in a policy. A spec value that would be read either way is written as an
expression that builds the literal text: `@("@(" + "x)")`, `@("a{" + "{b}" + "}")`. The expression is a
C# string literal in ASCII (every other character as `\\uXXXX`), split wherever two equal braces meet, so
the text `{{` never appears in the policy (a `}}` alone, as in nested JSON, cannot end a reference that
was never opened, and is written as it is). Values XML cannot carry as text (control characters, a
carriage return that XML parsers turn into a newline) and values with leading or trailing white space
take the same form. The XML serializer escapes `<`, `&`, `"` and `>` afterwards.

ARM evaluates a template string that starts with `[` and ends with `]` as a template expression; such a
literal is written with a doubled `[[`.
"""

from __future__ import annotations

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _xml_char(c: str) -> bool:
    """True for characters XML 1.0 text can hold as they are (carriage returns excluded: parsers fold them)."""
    o = ord(c)
    return c in "\t\n" or 0x20 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or 0x10000 <= o <= 0x10FFFF


def _cs_char(c: str) -> str:
    if c in _ESCAPES:
        return _ESCAPES[c]
    o = ord(c)
    if 0x20 <= o < 0x7F:
        return c
    if o <= 0xFFFF:
        return f"\\u{o:04x}"
    o -= 0x10000
    return f"\\u{0xD800 + (o >> 10):04x}\\u{0xDC00 + (o & 0x3FF):04x}"


def _plain(text: str) -> bool:
    """Printable ASCII (every character XML text holds as it is, none a C# literal escapes)."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def cs_string(text: str) -> str:
    """A C# expression whose value is `text`: string literals joined by `+`, split between two equal
    braces so that no `{{` or `}}` appears (APIM would substitute a named value there)."""
    if _plain(text) and "{{" not in text and "}}" not in text:
        return '"' + text + '"'
    parts: list[list[str]] = [[]]
    prev = ""
    for c in text:
        if c in "{}" and c == prev:
            parts.append([])
        parts[-1].append(_cs_char(c))
        prev = c
    return " + ".join('"' + "".join(p) + '"' for p in parts)


def needs_expression(text: str) -> bool:
    """True when APIM (or XML) would not take `text` literally as written."""
    return (text.lstrip().startswith("@") or "{{" in text or text != text.strip()
            or not (_plain(text) or all(_xml_char(c) for c in text)))


def policy_value(text: str) -> str:
    """A policy attribute or element value that APIM reads as exactly `text` (where expressions are
    allowed): the text itself, or an expression that builds it."""
    return f"@({cs_string(text)})" if needs_expression(text) else text


def static_value(text: str) -> str:
    """A value for a place where APIM allows no expression; the spec's grammars keep such values plain.
    Raises ValueError otherwise (a gwc bug: the schema should have refused the value)."""
    if needs_expression(text):
        raise ValueError(f"internal: {text!r} cannot be written where APIM allows no expression")
    return text


def arm_literal(text: str) -> str:
    """An ARM template string that deploys as exactly `text` (never evaluated as a template expression)."""
    return "[" + text if text.startswith("[") and text.endswith("]") else text


def arm_quote(text: str) -> str:
    """A string literal inside an ARM template expression: single quotes, a quote doubled."""
    return "'" + text.replace("'", "''") + "'"
