"""JSON text with the bytes `gwc.emitting.to_json` writes (sorted keys, two-space indentation, ASCII) or
`json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=True)` writes (compact), for documents
too large to build as Python values first.

The Azure target's documents repeat large parts (one policy per operation, one OpenAPI entry per
operation, the same responses and parameters). Their writers write those parts' texts once and pass them
on, and a `Later` value is written by a function when its place in the document is reached: no tree of
values is built, and the pieces a document is joined from are mostly shared texts (an io.StringIO would
hold a second copy of the whole text when it is read out). Every string goes through the standard
library's encoder (`encode_basestring_ascii`), so quoting and escaping are json's own. JSON escapes each
character on its own, so the quoted text of a string is the quoted texts of its pieces joined; and JSON
text written here is printable ASCII, so as the inside of a JSON string only its backslashes and quotes
change (`escape`: how the template carries the compact OpenAPI document).
"""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring_ascii as quote

__all__ = ["Later", "Write", "document", "dumps", "escape", "escaped", "pad", "quote", "quote_twice", "write_json"]

Write = Callable[[str], object]
_PADS = ["\n" + "  " * n for n in range(16)]


class Later:
    """A value whose text `fn(write)` writes when its place is reached (for indented text: at the nesting
    level of that place)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Write], None]) -> None:
        self.fn = fn


def pad(level: int) -> str:
    """A newline and the indentation of nesting `level`."""
    return _PADS[level] if level < len(_PADS) else "\n" + "  " * level


def escape(text: str) -> str:
    """Compact JSON text (printable ASCII) as the inside of a JSON string whose value it is."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def quote_twice(text: str) -> tuple[str, str]:
    """(quote(text), and that as the inside of a JSON string)."""
    quoted = quote(text)
    if len(quoted) == len(text) + 2:  # nothing escaped: no backslash inside
        return quoted, f'\\"{text}\\"'
    return quoted, escape(quoted)


def escaped(write: Write) -> Write:
    """A writer that writes the JSON text it is given as the inside of a JSON string (no quotes)."""
    return lambda text: write(escape(text))


def _scalar(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _indented(value, level: int, write: Write) -> None:
    if isinstance(value, str):
        write(quote(value))
    elif isinstance(value, dict):
        if not value:
            write("{}")
            return
        inner, sep = pad(level + 1), "{"
        for key in sorted(value):
            if not isinstance(key, str):
                raise TypeError(f"keys must be str, not {key.__class__.__name__}")
            item = value[key]
            if type(item) is str:  # the common case, inline
                write(f"{sep}{inner}{quote(key)}: {quote(item)}")
            else:
                write(f"{sep}{inner}{quote(key)}: ")
                _indented(item, level + 1, write)
            sep = ","
        write(pad(level) + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            write("[]")
            return
        inner, sep = pad(level + 1), "["
        for item in value:
            write(sep + inner)
            _indented(item, level + 1, write)
            sep = ","
        write(pad(level) + "]")
    elif type(value) is Later:
        value.fn(write)
    else:
        write(_scalar(value))


def _compact(value, write: Write) -> None:
    if isinstance(value, str):
        write(quote(value))
    elif isinstance(value, dict):
        sep = "{"
        for key in sorted(value):
            if not isinstance(key, str):
                raise TypeError(f"keys must be str, not {key.__class__.__name__}")
            write(f"{sep}{quote(key)}:")
            _compact(value[key], write)
            sep = ","
        write("}" if value else "{}")
    elif isinstance(value, (list, tuple)):
        sep = "["
        for item in value:
            write(sep)
            _compact(item, write)
            sep = ","
        write("]" if value else "[]")
    elif type(value) is Later:
        value.fn(write)
    else:
        write(_scalar(value))


def write_json(value, write: Write, level: int = 0, compact: bool = False) -> None:
    """Write the JSON text of `value` at nesting `level` (indented) or compact."""
    if compact:
        _compact(value, write)
    else:
        _indented(value, level, write)


def dumps(value, level: int = 0, compact: bool = False, end: str = "") -> str:
    """The JSON text of `value` written at nesting `level` (indented) or compact, followed by `end`."""
    out: list[str] = []
    write_json(value, out.append, level, compact)
    out.append(end)
    return "".join(out)


def document(value, compact: bool = False) -> str:
    """A whole document (indented ones end with a newline, as to_json's)."""
    return dumps(value, 0, compact, "" if compact else "\n")
