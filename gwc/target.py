"""What a target is: a name, a fidelity table, and a pure emit function from the model to files."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol

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


@dataclass
class EmitResult:
    """A target's output: files by relative path, diagnostics, and the feature uses it handled."""

    files: dict[str, str] = field(default_factory=dict)
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
