"""Print diagnostics for people (text on stderr, colour only on a terminal, NO_COLOR honoured) or for
machines on stdout (json, github workflow annotations, sarif)."""

from __future__ import annotations

import json
import os
import sys
from typing import TextIO

from gwc.diagnostics import Diagnostic, Level
from gwc.formats import github, sarif

FORMATS = ("text", "json", "github", "sarif")

_COLOURS = {Level.ERROR: "\033[31m", Level.WARNING: "\033[33m", Level.NOTE: "\033[36m"}


def _colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def print_diagnostics(diags: list[Diagnostic], fmt: str = "text", stream: TextIO | None = None,
                      verbose: bool = False) -> None:
    """Write the diagnostics in the chosen format. Text goes to stderr, with notes counted in one line
    unless verbose; the machine formats go to stdout, complete."""
    if fmt != "text":
        out = stream or sys.stdout
        if fmt == "json":
            out.write(json.dumps([d.as_dict() for d in diags], indent=2) + "\n")
        elif fmt == "github":
            out.write(github(diags))
        else:
            out.write(sarif(diags))
        return
    stream = stream or sys.stderr
    colour = _colour(stream)
    notes = [d for d in diags if d.level is Level.NOTE]
    if notes and not verbose:
        diags = [d for d in diags if d.level is not Level.NOTE]
        targets = ", ".join(sorted({d.target for d in notes if d.target})) or "the target"
        stream.write(f"note: {len(notes)} feature(s) are approximate on {targets}; -v lists them, "
                     "`gwc targets` shows the fidelity tables\n")
    for d in diags:
        text = d.format()
        if colour:
            first, _, rest = text.partition("\n")
            text = _COLOURS[d.level] + first + "\033[0m" + ("\n" + rest if rest else "")
        stream.write(text + "\n")


def summary(diags: list[Diagnostic]) -> str:
    """'2 errors, 1 warning' style count."""
    counts = [(sum(d.level is lvl for d in diags), name) for lvl, name in
              ((Level.ERROR, "error"), (Level.WARNING, "warning"))]
    return ", ".join(f"{n} {name}{'s' if n != 1 else ''}" for n, name in counts)
