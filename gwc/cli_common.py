"""What the gwc commands share: the common options and how a command ends on its diagnostics."""

from __future__ import annotations

import typer

from gwc.diagnostics import Diagnostic, has_errors
from gwc.report import FORMATS, print_diagnostics, summary

FORMAT = typer.Option("text", "--format", help="How to print diagnostics: text (stderr), or json, github "
                                                "(workflow annotations) or sarif (2.1.0) on stdout.")
VERBOSE = typer.Option(False, "--verbose", "-v", help="Also list the notes (approximations) one by one.")
ENV = typer.Option(None, "--env", "-e", help="Apply this environment overlay (environments.NAME) first.")


def finish(diags: list[Diagnostic], fmt: str, quiet_ok: str = "", verbose: bool = False) -> None:
    """Print the diagnostics; exit 1 on errors, else print quiet_ok (text only)."""
    print_diagnostics(diags, fmt, verbose=verbose)
    if has_errors(diags):
        if fmt == "text":
            typer.echo(f"gwc: {summary(diags)}", err=True)
        raise typer.Exit(1)
    if quiet_ok and fmt == "text":
        typer.echo(quiet_ok)


def check_format(fmt: str) -> None:
    """Exit 2 for an unknown --format."""
    if fmt not in FORMATS:
        typer.echo(f"gwc: --format must be one of {', '.join(FORMATS)}, not {fmt!r}", err=True)
        raise typer.Exit(2)
