"""The gwc command line. Thin: it parses options, calls the pipeline and does the file I/O.

Exit codes: 0 fine, 1 the spec has errors (or --check found a difference), 2 usage error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from gwc import __version__
from gwc.diagnostics import Diagnostic, Level, has_errors
from gwc.output import check_tree, write_tree
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_all, load_target, target_names
from gwc.report import FORMATS, print_diagnostics, summary

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  pretty_exceptions_enable=False,
                  help="gwc: compile one vendor-neutral API gateway spec to nginx, AWS, Google, Azure, Istio "
                       "and the Kubernetes Gateway API.\n\nExit codes: 0 fine, 1 the spec has errors (or "
                       "--check found a difference), 2 usage error.")

FORMAT = typer.Option("text", "--format", help="How to print diagnostics: text (stderr), or json, github "
                                                "(workflow annotations) or sarif (2.1.0) on stdout.")
VERBOSE = typer.Option(False, "--verbose", "-v", help="Also list the notes (approximations) one by one.")
ENV = typer.Option(None, "--env", "-e", help="Apply this environment overlay (environments.NAME) first.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gwc {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """gwc: a gateway config compiler."""


def _finish(diags: list[Diagnostic], fmt: str, quiet_ok: str = "", verbose: bool = False) -> None:
    print_diagnostics(diags, fmt, verbose=verbose)
    if has_errors(diags):
        if fmt == "text":
            typer.echo(f"gwc: {summary(diags)}", err=True)
        raise typer.Exit(1)
    if quiet_ok and fmt == "text":
        typer.echo(quiet_ok)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        typer.echo(f"gwc: --format must be one of {', '.join(FORMATS)}, not {fmt!r}", err=True)
        raise typer.Exit(2)


@app.command()
def validate(specs: List[Path] = typer.Argument(..., help="Spec files to check."),
             target: List[str] = typer.Option([], "--target", "-t",
                                              help="Also check what these targets can express (repeatable)."),
             fmt: str = FORMAT, verbose: bool = VERBOSE, env: Optional[str] = ENV) -> None:
    """Check specs: YAML, schema, references, route conflicts (and target fidelity with --target)."""
    _check_format(fmt)
    diags: list[Diagnostic] = []
    for spec in specs:
        loaded = load_gateway(str(spec), env)
        diags += loaded.diagnostics
        for name in target:
            tgt, more = load_target(name)
            diags += more
            if tgt and loaded.gateway:
                diags += compile_gateway(loaded.gateway, loaded.doc, tgt)[1]
    _finish(diags, fmt, f"ok: {len(specs)} spec{'s' if len(specs) != 1 else ''} valid", verbose)


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
             fmt: str = FORMAT, verbose: bool = VERBOSE, env: Optional[str] = ENV) -> None:
    """Compile a spec for one target or all of them."""
    _check_format(fmt)
    loaded = load_gateway(str(spec), env)
    if print_spec and loaded.gateway is not None:
        import yaml
        sys.stdout.write(yaml.safe_dump(loaded.doc.data, sort_keys=False, allow_unicode=True))
        return
    diags = list(loaded.diagnostics)
    if loaded.gateway is None:
        _finish(diags, fmt)
    names = target_names() if target == "all" else [target]
    outputs: dict[str, dict[str, str]] = {}
    for name in names:
        tgt, more = load_target(name)
        diags += more
        if tgt is None:
            continue
        files, more = compile_gateway(loaded.gateway, loaded.doc, tgt, allow_lossy)
        diags += more
        outputs[name] = files
    if has_errors(diags):
        _finish(diags, fmt, verbose=verbose)
    if check:
        stale = {name: check_tree(out / name, files) for name, files in outputs.items()}
        stale = {name: diff for name, diff in stale.items() if diff}
        diags += [Diagnostic(str(spec), 1, 1, Level.ERROR, "GWC501",
                             f"{out / name} is not what `gwc compile` writes for {name}",
                             "", "run gwc compile without --check and commit the result", name) for name in stale]
        print_diagnostics(diags, fmt, verbose=verbose)
        if stale:
            if fmt == "text":
                sys.stdout.write("".join(d for diffs in stale.values() for d in diffs))
            raise typer.Exit(1)
        return
    print_diagnostics(diags, fmt, verbose=verbose)
    for name, files in outputs.items():
        folder = out / name
        problem = write_tree(folder, files)
        if problem:
            typer.echo(f"gwc: cannot write {folder}: {problem}", err=True)
            raise typer.Exit(1)
        if fmt == "text":
            typer.echo(f"{name}: wrote {len(files)} files to {folder}")


@app.command()
def diff(spec: Path = typer.Argument(..., help="The spec file."),
         target: str = typer.Option(..., "--target", "-t", help="The target to compile."),
         against: str = typer.Option(..., "--against", help="A folder of earlier output (DIR or DIR/TARGET), or "
                                                             "'deployed' to compare with what the target's cloud "
                                                             "holds (read-only calls, as deploy --dry-run)."),
         allow_lossy: bool = typer.Option(False, "--allow-lossy", help="Compile without what the target cannot "
                                                                        "express."),
         stage: Optional[str] = typer.Option(None, "--stage", help="With 'deployed': the stage (aws)."),
         region: Optional[str] = typer.Option(None, "--region", help="With 'deployed': the region."),
         fmt: str = FORMAT, env: Optional[str] = ENV) -> None:
    """Show what compiling the spec would change: in a folder (a normalised diff; JSON and YAML compared as
    data) or in what is deployed (the changes a deploy would make). Exit codes: 0 no change, 1 changes,
    2 error (a spec error, an unknown target, a missing folder, a failed read)."""
    _check_format(fmt)
    loaded = load_gateway(str(spec), env)
    diags = list(loaded.diagnostics)
    tgt, more = load_target(target) if loaded.gateway is not None else (None, [])
    diags += more
    files: dict[str, str] = {}
    if tgt is not None:
        files, more = compile_gateway(loaded.gateway, loaded.doc, tgt, allow_lossy)
        diags += more
    print_diagnostics(diags, fmt)
    if has_errors(diags) or tgt is None:
        raise typer.Exit(2)
    changes = _diff_deployed(target, files, stage, region) if against == "deployed" else \
        _diff_folder(target, files, Path(against))
    if changes:
        sys.stdout.write(changes)
        raise typer.Exit(1)
    if fmt == "text":
        typer.echo(f"no changes: {against} matches what gwc compiles for {target}")


def _diff_folder(target: str, files: dict[str, str], against: Path) -> str:
    from gwc.diffing import diff_files, read_folder
    folder = against / target if (against / target).is_dir() else against
    if not folder.is_dir():
        typer.echo(f"gwc: {against} is not a folder", err=True)
        raise typer.Exit(2)
    return diff_files(files, read_folder(folder), str(folder))


def _diff_deployed(target: str, files: dict[str, str], stage: str | None, region: str | None) -> str:
    """The changes a deploy would make, from the deployer's read-only plan."""
    from gwc.deploy import DeployError, DeployOptions, MissingExtra, load_deployer
    factory = load_deployer(target)
    if factory is None:
        typer.echo(f"gwc: the {target} target has no deployer to read what is deployed", err=True)
        raise typer.Exit(2)
    try:
        plan = factory().plan(files, DeployOptions(stage=stage, region=region))
    except (MissingExtra, DeployError) as exc:
        typer.echo(f"gwc: {exc.format() if isinstance(exc, DeployError) else exc}", err=True)
        raise typer.Exit(2)
    if plan.empty:
        return ""
    return f"deployed ({plan.summary}) differs:\n" + "\n".join(
        c.format() for c in plan.changes if c.action != "unchanged") + "\n"


@app.command()
def deploy(spec: Path = typer.Argument(..., help="The spec file."),
           target: str = typer.Option(..., "--target", "-t", help="The target to deploy (aws)."),
           dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan (what would be created, changed "
                                                                  "or deleted) and change nothing."),
           stage: Optional[str] = typer.Option(None, "--stage", help="Stage name (overrides targets.aws.stage)."),
           region: Optional[str] = typer.Option(None, "--region", help="Region (overrides the spec and the "
                                                                        "environment)."),
           allow_lossy: bool = typer.Option(False, "--allow-lossy", help="Deploy without features the target "
                                                                          "cannot express."),
           poll_interval: float = typer.Option(2.0, "--poll-interval", min=0.01, max=60.0,
                                               help="Seconds between reads of a long-running operation (gcp)."),
           fmt: str = FORMAT, env: Optional[str] = ENV) -> None:
    """Compile a spec and deploy it, showing the plan first.

    aws: `pip install 'gwc[aws]'` (boto3); credentials and region from the standard AWS chain (AWS_PROFILE
    or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION or targets.aws.region, AWS_ENDPOINT_URL
    for a local endpoint); the IAM permissions in docs/targets/aws.md. The first deploy imports the REST
    API; later ones overwrite it, make a new deployment and switch the stage to it last, so a failure
    part-way leaves the stage serving its previous deployment.

    gcp: `pip install 'gwc[gcp]'` (google-api-python-client); Application Default Credentials (`gcloud auth
    application-default login` or GOOGLE_APPLICATION_CREDENTIALS); targets.gcp.project and service (or
    api_id/gateway_id for product api-gateway); the roles in docs/targets/gcp.md. A new config is
    submitted and rolled out (Endpoints) or a new API config is made and the gateway pointed at it (API
    Gateway); a failed rollout leaves the previous config serving.

    azure: `pip install 'gwc[azure]'` (azure-mgmt-apimanagement, azure-identity); DefaultAzureCredential;
    targets.azure.subscription_id (or AZURE_SUBSCRIPTION_ID), resource_group and service; the role in
    docs/targets/azure.md. The resources of the compiled template.json are written, dependencies first,
    only where they differ; secret named values take their value from the deploying environment.

    Running a deploy again with the same spec changes nothing.
    """
    from gwc.deploy import DeployError, DeployOptions, MissingExtra, apply, load_deployer
    _check_format(fmt)
    loaded = load_gateway(str(spec), env)
    diags = list(loaded.diagnostics)
    if loaded.gateway is None:
        _finish(diags, fmt)
    tgt, more = load_target(target)
    diags += more
    files: dict[str, str] = {}
    if tgt is not None:
        files, more = compile_gateway(loaded.gateway, loaded.doc, tgt, allow_lossy)
        diags += more
    if has_errors(diags):
        _finish(diags, fmt)
    print_diagnostics(diags, fmt)
    factory = load_deployer(target)
    if factory is None:
        typer.echo(f"gwc: the {target} target has no deployer", err=True)
        raise typer.Exit(1)
    try:
        deployer = factory()
        plan = deployer.plan(files, DeployOptions(stage=stage, region=region, poll_interval=poll_interval))
        typer.echo(plan.format())
        if dry_run or plan.empty:
            return
        apply(plan, typer.echo)
    except MissingExtra as exc:
        typer.echo(f"gwc: {exc}", err=True)
        raise typer.Exit(1)
    except DeployError as exc:
        typer.echo(f"gwc: {exc.format()}", err=True)
        raise typer.Exit(1)
    typer.echo(f"deployed: {plan.summary}")


@app.command()
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
    _check_format(fmt)
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


@app.command()
def targets(fmt: str = FORMAT) -> None:
    """List the installed targets with their fidelity tables."""
    _check_format(fmt)
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


@app.command()
def schema() -> None:
    """Print the spec's JSON Schema (for editors and other tools)."""
    from gwc.schema import schema_text
    sys.stdout.write(schema_text())


INTERNAL_ERROR = 3


def main() -> None:
    """Console-script entry point. An unexpected exception is a gwc bug: one line, exit 3, no traceback
    (set GWC_DEBUG=1 to see it)."""
    try:
        app(standalone_mode=True)
    except Exception as exc:  # noqa: BLE001 - the last line of defence for users
        if os.environ.get("GWC_DEBUG"):
            raise
        sys.stderr.write(f"gwc: internal error ({exc.__class__.__name__}: {exc}). This is a bug in gwc; "
                         "please report it with the spec that caused it (GWC_DEBUG=1 shows the traceback).\n")
        sys.exit(INTERNAL_ERROR)
