"""Escaping for the few places where API Gateway interprets text: static parameter values and templates."""

from __future__ import annotations


def quote_static(value: str) -> str | None:
    """A REST static parameter value: the text in single quotes. API Gateway documents no escape for a
    quote inside one, so a value holding `'` cannot be expressed (None)."""
    if "'" in value:
        return None
    return f"'{value}'"


def vtl_literal(text: str) -> str:
    """Text a Velocity (VTL) mapping template outputs as it is. Text with `$`, `#` or `\\` goes in
    unparsed-content blocks `#[[...]]#`; where the text itself holds `]]#`, a block ends after its `]]`
    and the next one starts with its `#`."""
    if not any(c in text for c in "$#\\"):
        return text
    parts = text.split("]]#")
    pieces = [("#" if i else "") + p + ("]]" if i < len(parts) - 1 else "") for i, p in enumerate(parts)]
    return "".join(f"#[[{p}]]#" for p in pieces)
