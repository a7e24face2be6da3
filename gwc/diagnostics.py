"""Diagnostics are values: every stage returns them instead of raising."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace


class Level(enum.IntEnum):
    """How serious a diagnostic is. Errors stop output; warnings and notes do not."""

    NOTE = 0
    WARNING = 1
    ERROR = 2


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding, located in the user's spec where that is possible."""

    file: str
    line: int
    column: int
    level: Level
    code: str
    message: str
    pointer: str = ""
    hint: str = ""
    target: str = ""

    def with_level(self, level: Level) -> "Diagnostic":
        """The same finding at another level (e.g. an unsupported feature under --allow-lossy)."""
        return replace(self, level=level)

    def location(self) -> str:
        """`file:line:col`, or just the file when the line is unknown."""
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file or "<input>"

    def format(self) -> str:
        """One human-readable block: location, level, code, message, then the hint."""
        where = self.location()
        pointer = f" (at {self.pointer})" if self.pointer else ""
        target = f" [{self.target}]" if self.target else ""
        text = f"{where}: {self.level.name.lower()} {self.code}{target}: {self.message}{pointer}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_dict(self) -> dict:
        """A JSON-ready dict of the finding."""
        return {
            "level": self.level.name.lower(),
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "hint": self.hint,
            "target": self.target,
        }


def has_errors(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> bool:
    """True when any diagnostic is an error."""
    return any(d.level is Level.ERROR for d in diagnostics)
