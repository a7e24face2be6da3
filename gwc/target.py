"""What a target is: a name, a fidelity table, and a pure emit function from the model to files."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Callable, Protocol

from gwc.diagnostics import Diagnostic, Level
from gwc.model import Gateway


class Support(enum.Enum):
    """How faithfully a target expresses a feature."""

    EXACT = "exact"
    APPROXIMATE = "approximate"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Fidelity:
    """One row of a target's fidelity table: the support level and what differs, in numbers."""

    support: Support
    note: str = ""


@dataclass(frozen=True)
class EmitOptions:
    """Options that change what a target emits. `drop` lists (feature, owner) uses to leave out (lossy)."""

    allow_lossy: bool = False
    drop: frozenset[tuple[str, str]] = frozenset()


class Streamed:
    """A file's text that `fn(write)` writes piece by piece when the file is written, so a large file is never
    held whole (Azure's template.json at 10,000 routes is 57 MB). Writing it must not report anything or mark
    any use: that is done by the time `emit` returns. `text()` gives the whole text."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Callable[[str], object]], None]) -> None:
        self.fn = fn

    def text(self) -> str:
        """The whole text."""
        parts: list[str] = []
        self.fn(parts.append)
        return "".join(parts)


def texts(files: dict[str, str | Streamed]) -> dict[str, str]:
    """The files with every streamed text made whole."""
    return {rel: v.text() if type(v) is Streamed else v for rel, v in files.items()}


@dataclass
class EmitResult:
    """A target's output: files by relative path, diagnostics, and the feature uses it handled. A file's value
    is its text or, for a large one, a `Streamed` text."""

    files: dict[str, str | Streamed] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    handled: set[tuple[str, str]] = field(default_factory=set)

    def mark(self, feature: str, owner: str) -> None:
        """Record that the emitter expressed this use of a feature."""
        self.handled.add((feature, owner))


def finding(target: str, code: str, message: str, pointer: str, hint: str,
            level: Level = Level.WARNING) -> Diagnostic:
    """A target's diagnostic, located by pointer only: the pipeline adds the file, line and column."""
    return Diagnostic("", 0, 0, level, code, message, pointer, hint, target)


class Target(Protocol):
    """The plug-in interface every target implements (built-ins included)."""

    name: str
    title: str
    fidelity: dict[str, Fidelity]

    def emit(self, gateway: Gateway, options: EmitOptions) -> EmitResult:
        """Turn the model into files. No I/O, no clock, no randomness."""
        ...  # pragma: no cover
