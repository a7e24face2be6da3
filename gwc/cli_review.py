"""The review commands: gwc audit, gwc import openapi, gwc explain, gwc routes and gwc init."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from gwc.cli_common import ENV, FORMAT, check_format
from gwc.diagnostics import Diagnostic, Level
from gwc.pipeline import load_gateway
from gwc.report import print_diagnostics, summary


def audit(specs: List[Path] = typer.Argument(..., help="Spec files to audit."),
          fail_on: str = typer.Option("high", "--fail-on", help="Exit 1 when a finding at or above this "
                                                                "severity remains: high, medium or low."),
          ignore: Optional[Path] = typer.Option(None, "--ignore", help="Ignore file (default: "
                                                ".gwc-audit-ignore.yaml beside each spec, when present)."),
          fmt: str = FORMAT, env: Optional[str] = ENV) -> None:
    """Check specs for security problems (rules GWA001..., see docs/audit.md). Findings: high = error,
    medium = warning, low = note. Exit codes: 0 nothing at or above --fail-on, 1 such findings or an invalid
    spec, 2 usage error."""
    from datetime import date

    from gwc.audit import SEVERITIES, count, fails, run_audit
    check_format(fmt)
    if fail_on not in SEVERITIES:
        typer.echo(f"gwc: --fail-on must be one of {', '.join(SEVERITIES)}, not {fail_on!r}", err=True)
        raise typer.Exit(2)
    if ignore is not None and not ignore.is_file():
        typer.echo(f"gwc: the ignore file {ignore} does not exist", err=True)
        raise typer.Exit(2)
    run = run_audit([str(s) for s in specs], str(ignore) if ignore is not None else None, date.today(), env)
    print_diagnostics(run.diagnostics, fmt, verbose=True)
    failed = run.invalid or fails(run.diagnostics, fail_on)
    if fmt == "text":
        if run.invalid:
            typer.echo(f"gwc: {summary(run.diagnostics)}", err=True)
        else:
            ignored = f" ({run.suppressed} ignored)" if run.suppressed else ""
            typer.echo(f"gwc audit: {count(run.diagnostics)}{ignored}; failing on {fail_on}: "
                       f"{'yes' if failed else 'no'}", err=True)
    if failed:
        raise typer.Exit(1)


import_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                         help="Make a gwc spec from another API description (see docs/import.md).")


@import_app.command("openapi")
def import_openapi_(file: Path = typer.Argument(..., help="An OpenAPI 2.0 or 3.x document (JSON or YAML)."),
                    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the spec here "
                                                                                 "(default: stdout)."),
                    name: Optional[str] = typer.Option(None, "--name", help="The gateway name (default: "
                                                                             "from info.title)."),
                    fmt: str = typer.Option("text", "--format", help="How to print the notes: text (stderr) "
                                                                     "or json (stdout with -o, else stderr).")
                    ) -> None:
    """Import an OpenAPI document as a gwc spec. What cannot be mapped is a GWC601 warning each (and listed
    in the spec's header comment). Exit codes: 0 a spec was written, 1 the input is unreadable or invalid,
    2 usage error."""
    import re as _re

    from gwc.importers.openapi import ImportError_, import_openapi, load_openapi, render_spec
    if fmt not in ("text", "json"):
        typer.echo(f"gwc: --format must be text or json, not {fmt!r}", err=True)
        raise typer.Exit(2)
    if name is not None and not _re.match(r"^[a-z][a-z0-9-]{0,62}$", name):
        typer.echo("gwc: --name must be a slug: a-z, 0-9 and '-', starting with a letter, at most 63", err=True)
        raise typer.Exit(2)
    stream = sys.stdout if fmt == "json" and out is not None else sys.stderr
    try:
        try:
            text = file.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportError_(f"cannot read the document: {exc.__class__.__name__}: {exc}") from None
        spec, notes, hints = import_openapi(load_openapi(text), name)
    except ImportError_ as exc:
        print_diagnostics([Diagnostic(str(file), 0, 0, Level.ERROR, "GWC602", str(exc), exc.pointer,
                                      "give an OpenAPI 2.0 or 3.x document with at least one operation")],
                          fmt, stream=stream)
        raise typer.Exit(1)
    print_diagnostics([Diagnostic(str(file), 0, 0, Level.WARNING, "GWC601", n.message, n.pointer,
                                  "not mapped: review the imported spec") for n in notes], fmt, stream=stream)
    rendered = render_spec(spec, file.name, notes, hints)
    if out is None:
        sys.stdout.write(rendered)
        return
    try:
        out.write_text(rendered, encoding="utf-8")
    except OSError as exc:
        typer.echo(f"gwc: cannot write {out}: {exc}", err=True)
        raise typer.Exit(1)
    if fmt == "text":
        typer.echo(f"wrote {out}: {len(spec['routes'])} routes, {len(notes)} not mapped")




def _load_or_exit(spec: Path, env: Optional[str], fmt: str, code: int):
    """Load a spec for explain/routes; print the diagnostics and exit with `code` when it is invalid."""
    loaded = load_gateway(str(spec), env)
    if loaded.gateway is None:
        print_diagnostics(loaded.diagnostics, fmt)
        if fmt == "text":
            typer.echo(f"gwc: {summary(loaded.diagnostics)}", err=True)
        raise typer.Exit(code)
    return loaded


def _text_or_json(fmt: str, command: str) -> None:
    if fmt not in ("text", "json"):
        typer.echo(f"gwc: gwc {command} prints text or json, not {fmt!r}", err=True)
        raise typer.Exit(2)


def explain(spec: Path = typer.Argument(..., help="The spec file."),
            method: str = typer.Argument(..., help="The request method (GET, POST, ...)."),
            path: str = typer.Argument(..., help="The request path, starting with '/' (a ?query is ignored for "
                                                 "matching and passed upstream)."),
            header: List[str] = typer.Option([], "--header", "-H", help="A request header K:V (repeatable). "
                                                                        "Accepted for the future: spec v1 does "
                                                                        "not match on headers."),
            env: Optional[str] = ENV,
            fmt: str = typer.Option("text", "--format", help="text or json (on stdout).")) -> None:
    """Show which route answers a request and why: precedence, captured parameters, the upstream path, the
    effective policies and the routes it shadows. Exit codes: 0 a route answers, 1 404 or 405, 2 usage
    error or invalid spec."""
    import json

    from gwc.explain import METHODS
    from gwc.explain import explain as explain_request
    from gwc.explain_render import explanation_json, explanation_text
    _text_or_json(fmt, "explain")
    if method.upper() not in METHODS:
        typer.echo(f"gwc: METHOD must be one of {', '.join(METHODS)}, not {method!r}", err=True)
        raise typer.Exit(2)
    if not path.startswith("/"):
        typer.echo(f"gwc: PATH must start with '/', not {path!r}", err=True)
        raise typer.Exit(2)
    headers = []
    for h in header:
        key, sep, value = h.partition(":")
        if not sep or not key.strip():
            typer.echo(f"gwc: --header must be NAME:VALUE, not {h!r}", err=True)
            raise typer.Exit(2)
        headers.append((key.strip(), value.strip()))
    loaded = _load_or_exit(spec, env, fmt, 2)
    result = explain_request(loaded.gateway, method, path, tuple(headers))
    if fmt == "json":
        typer.echo(json.dumps(explanation_json(result), indent=2))
    else:
        sys.stdout.write(explanation_text(result))
    if result.status != 200:
        raise typer.Exit(1)


def routes(spec: Path = typer.Argument(..., help="The spec file."), env: Optional[str] = ENV,
           fmt: str = typer.Option("text", "--format", help="text (an aligned table) or json.")) -> None:
    """Print the effective route table (defaults applied) in precedence order. Exit codes: 0 fine, 1 the spec
    has errors, 2 usage error."""
    import json

    from gwc.explain_render import route_table, route_table_text
    _text_or_json(fmt, "routes")
    loaded = _load_or_exit(spec, env, fmt, 1)
    rows = route_table(loaded.gateway)
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2))
    else:
        sys.stdout.write(route_table_text(rows))


def init(path: Path = typer.Argument(Path("gateway.yaml"), help="Where to write the starter spec."),
         force: bool = typer.Option(False, "--force", help="Overwrite an existing file.")) -> None:
    """Write a commented starter spec that passes `gwc validate`. Exit codes: 0 written, 1 the file exists
    (without --force) or cannot be written."""
    import json

    from gwc.explain_render import starter_spec
    from gwc.schema import schema_text
    if path.exists() and not force:
        typer.echo(f"gwc: {path} already exists; pass --force to overwrite it", err=True)
        raise typer.Exit(1)
    try:
        path.write_text(starter_spec(json.loads(schema_text())["$id"]), encoding="utf-8")
    except OSError as exc:
        typer.echo(f"gwc: cannot write {path}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1)
    typer.echo(f"wrote {path}; check it with: gwc validate {path}")


def cost(spec: Path = typer.Argument(..., help="The spec file."),
         requests: str = typer.Option(..., "--requests", help="Monthly volume, N/month (k/M/B suffixes allowed)."),
         cache_hit_rate: Optional[float] = typer.Option(None, "--cache-hit-rate",
                                                        help="0..1; shown, but API Gateway bills every request."),
         prices: Optional[Path] = typer.Option(None, "--prices", help="A price table overriding the shipped one."),
         env: Optional[str] = ENV,
         fmt: str = typer.Option("text", "--format", help="text or json.")) -> None:
    """Estimate the monthly bill per cloud target from a sourced price table. Exit codes: 0 estimated, 1 the
    spec or the --prices file is invalid, 2 usage error."""
    import json

    from gwc import cost as costing
    _text_or_json(fmt, "cost")
    try:
        count = costing.parse_requests(requests)
    except ValueError as exc:
        typer.echo(f"gwc: {exc}", err=True)
        raise typer.Exit(2)
    if cache_hit_rate is not None and not 0 <= cache_hit_rate <= 1:
        typer.echo(f"gwc: --cache-hit-rate must be between 0 and 1, not {cache_hit_rate}", err=True)
        raise typer.Exit(2)
    if prices is None:
        table = costing.shipped_prices()
    else:
        try:
            table = json.loads(prices.read_text(encoding="utf-8"))
        except OSError as exc:
            typer.echo(f"gwc: cannot read {prices}: {exc.strerror or exc}", err=True)
            raise typer.Exit(1)
        except json.JSONDecodeError as exc:
            typer.echo(f"gwc: {prices}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}", err=True)
            raise typer.Exit(1)
        errors = costing.validate_prices(table)
        if errors:
            for err in errors:
                typer.echo(f"gwc: {prices}: {err}", err=True)
            raise typer.Exit(1)
    loaded = _load_or_exit(spec, env, fmt, 1)
    result = costing.estimate(table, count, costing.aws_cache_size(loaded.gateway), cache_hit_rate)
    if fmt == "json":
        typer.echo(json.dumps(result, indent=2))
    else:
        sys.stdout.write(costing.render_text(result))
