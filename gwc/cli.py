"""The gwc command line. Thin: it parses options, calls the pipeline and does the file I/O.

Exit codes: 0 fine, 1 the spec has errors (or --check found a difference), 2 usage error.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from pathlib import Path
from typing import Iterator, List, Optional

import typer

from gwc import __version__, cli_deploy, cli_review
from gwc.cli_common import ENV, FORMAT, VERBOSE, check_format, finish
from gwc.compile_jobs import Job, default_jobs, run_targets
from gwc.diagnostics import Diagnostic, Level, has_errors
from gwc.output import Staging
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_all, load_target, target_names
from gwc.report import print_diagnostics

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  pretty_exceptions_enable=False,
                  help="gwc: compile one vendor-neutral API gateway spec to nginx, AWS, Google, Azure, Istio "
                       "and the Kubernetes Gateway API.\n\nExit codes: 0 fine, 1 the spec has errors (or "
                       "--check found a difference), 2 usage error.")

def _version(value: bool) -> None:
    if value:
        typer.echo(f"gwc {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """gwc: a gateway config compiler."""


@app.command()
def validate(specs: List[Path] = typer.Argument(..., help="Spec files to check."),
             target: List[str] = typer.Option([], "--target", "-t",
                                              help="Also check what these targets can express (repeatable)."),
             fmt: str = FORMAT, verbose: bool = VERBOSE, env: Optional[str] = ENV) -> None:
    """Check specs: YAML, schema, references, route conflicts (and target fidelity with --target)."""
    check_format(fmt)
    diags: list[Diagnostic] = []
    for spec in specs:
        loaded = load_gateway(str(spec), env)
        diags += loaded.diagnostics
        for name in target:
            tgt, more = load_target(name)
            diags += more
            if tgt and loaded.gateway:
                diags += compile_gateway(loaded.gateway, loaded.doc, tgt)[1]
    finish(diags, fmt, f"ok: {len(specs)} spec{'s' if len(specs) != 1 else ''} valid", verbose)


@contextlib.contextmanager
def cycle_collection_off() -> Iterator[None]:
    """No cycle collection while the targets compile: they allocate millions of short-lived objects that
    reference counting frees, and each automatic full collection walked everything alive again, more often the
    larger the spec (0.6 s of 4.6 at 10,000 routes, growing faster than the routes). What it would find is
    tiny (under 200 objects per target at 10,000 routes). The loaded spec is frozen first (forked workers then
    do not touch its pages for the collector); both are undone after, for callers that go on (tests)."""
    collecting = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()


@contextlib.contextmanager
def terminated_cleanly() -> Iterator[None]:
    """SIGTERM (a CI job cancelled, a `timeout`) ends the compile through the usual clean-up: the staging
    folder removed, forked workers stopped, OUT as it was; exit status 143 as for the signal itself."""
    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@app.command("compile")
def compile_(spec: Path = typer.Argument(..., help="The spec file."),
             target: str = typer.Option(..., "--target", "-t", help="A target name, or 'all'."),
             out: Path = typer.Option(Path("build"), "--out", "-o",
                                      help="Output folder; each target writes OUT/TARGET/."),
             allow_lossy: bool = typer.Option(False, "--allow-lossy",
                                              help="Leave out features a target cannot express (a warning each) "
                                                   "instead of failing."),
             check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if OUT differs from "
                                                               "what would be written."),
             print_spec: bool = typer.Option(False, "--print-spec", help="Print the effective spec (after "
                                                                          "--env) as YAML and stop."),
             jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Targets compiled at once, each in its own "
                                                                       "process (0: one per core)."),
             fmt: str = FORMAT, verbose: bool = VERBOSE, env: Optional[str] = ENV) -> None:
    """Compile a spec for one target or all of them."""
    check_format(fmt)
    loaded = load_gateway(str(spec), env)
    with cycle_collection_off(), terminated_cleanly():
        if print_spec and loaded.gateway is not None:
            import yaml
            sys.stdout.write(yaml.safe_dump(loaded.doc.data, sort_keys=False, allow_unicode=True))
            return
        diags = list(loaded.diagnostics)
        if loaded.gateway is None:
            finish(diags, fmt)
        if loaded.doc is not None:
            loaded.doc.data = None  # targets read the model; the marks still locate every message
        names = target_names() if target == "all" else [target]
        staging = Staging(out)
        try:
            job = Job(loaded, allow_lossy, out, staging, check)
            runs = run_targets(names, job, jobs or default_jobs(len(names)))
            for run in runs:
                diags += run.diagnostics
                if run.write_error:
                    typer.echo(f"gwc: cannot write {out / run.name}: {run.write_error}", err=True)
                    raise typer.Exit(1)
            if has_errors(diags):
                finish(diags, fmt, verbose=verbose)
            if check:
                _report_stale(spec, out, {r.name: r.diffs for r in runs if r.diffs}, diags, fmt, verbose)
                return
            print_diagnostics(diags, fmt, verbose=verbose)
            if problem := staging.commit([r.name for r in runs if r.compiled]):
                typer.echo(f"gwc: cannot write {out}: {problem}", err=True)
                raise typer.Exit(1)
        finally:
            staging.discard()
        if fmt == "text":
            for run in runs:
                if run.compiled:
                    typer.echo(f"{run.name}: wrote {run.files} files to {out / run.name}")


def _report_stale(spec: Path, out: Path, stale: dict[str, list[str]], diags: list, fmt: str, verbose: bool) -> None:
    """--check: GWC501 for each target whose folder differs, with the diffs in text; exit 1 if any."""
    diags += [Diagnostic(str(spec), 1, 1, Level.ERROR, "GWC501",
                         f"{out / name} is not what `gwc compile` writes for {name}",
                         "", "run gwc compile without --check and commit the result", name) for name in stale]
    print_diagnostics(diags, fmt, verbose=verbose)
    if stale:
        if fmt == "text":
            sys.stdout.write("".join(d for diffs in stale.values() for d in diffs))
        raise typer.Exit(1)


@app.command()
def targets(fmt: str = FORMAT) -> None:
    """List the installed targets with their fidelity tables."""
    check_format(fmt)
    if fmt not in ("text", "json"):
        typer.echo("gwc: gwc targets prints text or json", err=True)
        raise typer.Exit(2)
    loaded, diags = load_all()
    print_diagnostics(diags, "text")
    if fmt == "json":
        import json
        typer.echo(json.dumps({t.name: {f: {"support": row.support.value, "note": row.note}
                                        for f, row in sorted(t.fidelity.items())} for t in loaded}, indent=2))
        return
    for t in loaded:
        typer.echo(f"{t.name}: {t.title}")
        for feature, row in sorted(t.fidelity.items()):
            typer.echo(f"  {feature:28} {row.support.value:12} {row.note}")
    if any(d.level is Level.ERROR for d in diags):
        raise typer.Exit(1)


app.command()(cli_deploy.diff)
app.command()(cli_deploy.deploy)
app.command()(cli_deploy.rollback)
app.command()(cli_review.audit)
app.add_typer(cli_review.import_app, name="import")
app.command()(cli_review.explain)
app.command()(cli_review.routes)
app.command()(cli_review.init)
app.command()(cli_review.cost)


@app.command()
def schema() -> None:
    """Print the spec's JSON Schema (for editors and other tools)."""
    from gwc.schema import schema_text
    sys.stdout.write(schema_text())


INTERNAL_ERROR = 3


def main() -> None:
    """Console-script entry point. An unexpected exception is a gwc bug: one line, exit 3, no traceback
    (set GWC_DEBUG=1 to see it)."""
    # gwc allocates millions of small objects and makes almost no reference cycles: with Python's default
    # thresholds the cycle collector ran thousands of times and cost over half of a large compile
    # (docs/performance.md). A run is short; this keeps collections rare, not off.
    gc.set_threshold(200_000, 50, 100)
    try:
        app(standalone_mode=True)
    except Exception as exc:  # noqa: BLE001 - the last line of defence for users
        if os.environ.get("GWC_DEBUG"):
            raise
        kind = getattr(exc, "kind", "") or exc.__class__.__name__  # a worker's failure reads as in this process
        sys.stderr.write(f"gwc: internal error ({kind}: {exc}). This is a bug in gwc; "
                         "please report it with the spec that caused it (GWC_DEBUG=1 shows the traceback).\n")
        sys.exit(INTERNAL_ERROR)
