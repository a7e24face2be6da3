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
