"""gwc diff and gwc deploy: compare with a folder or with what is deployed, and deploy."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from gwc.cli_common import ENV, FORMAT, check_format, finish
from gwc.diagnostics import has_errors
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from gwc.report import print_diagnostics

CONF_DIR = typer.Option(None, "--conf-dir", help="nginx: the deploy folder (DIR/releases/, DIR/current; nginx "
                                                    "runs with -p DIR/ -c DIR/current/nginx.conf).")
NGINX_BIN = typer.Option(None, "--nginx-bin", help="nginx: the nginx executable (default: nginx on PATH).")
START = typer.Option(True, "--start/--no-start", help="nginx: start nginx when none runs (default), or leave "
                                                     "that to a supervisor such as systemd.")


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
    check_format(fmt)
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


def deploy(spec: Path = typer.Argument(..., help="The spec file."),
           target: str = typer.Option(..., "--target", "-t", help="The target to deploy (aws, gcp, azure, nginx)."),
           dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan (what would be created, changed "
                                                                  "or deleted) and change nothing."),
           stage: Optional[str] = typer.Option(None, "--stage", help="Stage name (overrides targets.aws.stage)."),
           region: Optional[str] = typer.Option(None, "--region", help="Region (overrides the spec and the "
                                                                        "environment)."),
           allow_lossy: bool = typer.Option(False, "--allow-lossy", help="Deploy without features the target "
                                                                          "cannot express."),
           poll_interval: float = typer.Option(2.0, "--poll-interval", min=0.01, max=60.0,
                                               help="Seconds between reads of a long-running operation (gcp)."),
           conf_dir: Optional[Path] = CONF_DIR, nginx_bin: Optional[str] = NGINX_BIN,
           keep: int = typer.Option(5, "--keep", min=1, help="nginx: how many releases to keep in DIR/releases."),
           start: bool = START,
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

    nginx: `--conf-dir DIR`; the release is written to DIR/releases/, tested with `nginx -t`, DIR/current
    is switched to it and the nginx running with `-p DIR/ -c DIR/current/nginx.conf` is reloaded (verified)
    or started when none runs; a refused release changes nothing that serves. See docs/targets/nginx.md.

    Running a deploy again with the same spec changes nothing.
    """
    from gwc.deploy import DeployOptions
    check_format(fmt)
    loaded = load_gateway(str(spec), env)
    diags = list(loaded.diagnostics)
    if loaded.gateway is None:
        finish(diags, fmt)
    tgt, more = load_target(target)
    diags += more
    files: dict[str, str] = {}
    if tgt is not None:
        files, more = compile_gateway(loaded.gateway, loaded.doc, tgt, allow_lossy)
        diags += more
    if has_errors(diags):
        finish(diags, fmt)
    print_diagnostics(diags, fmt)
    options = DeployOptions(stage=stage, region=region, poll_interval=poll_interval, keep=keep, start=start,
                            conf_dir=str(conf_dir) if conf_dir else None, nginx_bin=nginx_bin)
    _run(target, lambda deployer: deployer.plan(files, options), dry_run, "deploy")


def rollback(target: str = typer.Option(..., "--target", "-t", help="The target to roll back (nginx)."),
             conf_dir: Optional[Path] = CONF_DIR, nginx_bin: Optional[str] = NGINX_BIN, start: bool = START,
             dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan and change nothing.")) -> None:
    """Go back to the release deployed before the current one: test it with `nginx -t`, switch
    DIR/current to it and reload nginx (verified). The release left is set aside (DIR/releases/NAME.rolled-back)
    so a second rollback goes one release further back. Exit 0 rolled back, 1 nothing to roll back to or a
    failed step (nginx keeps serving what it served), 2 usage error."""
    from gwc.deploy import DeployOptions
    options = DeployOptions(conf_dir=str(conf_dir) if conf_dir else None, nginx_bin=nginx_bin, start=start)
    _run(target, lambda deployer: _rollback_plan(deployer, target, options), dry_run, "rollback")


def _rollback_plan(deployer, target: str, options):
    from gwc.deploy import DeployError
    if not hasattr(deployer, "rollback"):
        raise DeployError("plan", f"the {target} deployer has no rollback", [])
    return deployer.rollback(options)


def _run(target: str, make_plan, dry_run: bool, action: str) -> None:
    """Load the target's deployer, print the plan, apply it; every failure is a message and exit 1."""
    from gwc.deploy import DeployError, MissingExtra, apply, load_deployer
    factory = load_deployer(target)
    if factory is None:
        typer.echo(f"gwc: the {target} target has no deployer", err=True)
        raise typer.Exit(1)
    try:
        plan = make_plan(factory())
        typer.echo(plan.format())
        if dry_run or plan.empty:
            return
        apply(plan, typer.echo)
    except MissingExtra as exc:
        typer.echo(f"gwc: {exc}", err=True)
        raise typer.Exit(1)
    except DeployError as exc:
        typer.echo(f"gwc: {exc.format().replace('deploy failed', f'{action} failed', 1)}", err=True)
        raise typer.Exit(1)
    except OSError as exc:  # the deploy folder or a process: a person can act on the message
        typer.echo(f"gwc: {action} failed: {exc}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{'deployed' if action == 'deploy' else 'rolled back'}: {plan.summary}")
