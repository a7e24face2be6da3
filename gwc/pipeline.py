"""The pipeline as the CLI uses it: load -> schema -> model -> checks, then fidelity and emit per target."""

from __future__ import annotations

import gc
from dataclasses import dataclass, replace

from gwc.build import build_gateway
from gwc.check import check_gateway
from gwc.diagnostics import Diagnostic, Level, has_errors
from gwc.features import FEATURES, feature_uses
from gwc.includes import resolve_includes
from gwc.load import Document, load_file
from gwc.model import Gateway
from gwc.overlay import apply_environment
from gwc.schema import check_schema
from gwc.target import EmitOptions, Streamed, Support, Target, texts


@dataclass
class Loaded:
    """A spec after the front half of the pipeline."""

    doc: Document | None
    gateway: Gateway | None
    diagnostics: list[Diagnostic]


def load_gateway(path: str, env: str | None = None) -> Loaded:
    """Load, validate and model one spec file, with environment `env` applied when given. The gateway is
    None when there are errors. The cycle collector is paused meanwhile: loading, checking and modelling make
    no reference cycles, only many objects for it to walk."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_gateway(path, env)
    finally:
        if collecting:
            gc.enable()


def _load_gateway(path: str, env: str | None) -> Loaded:
    doc, diags = load_file(path)
    if doc is None or has_errors(diags):
        return Loaded(doc, None, diags)
    doc, more = resolve_includes(doc)  # before overlays: an environment applies to the merged spec
    diags += more
    if has_errors(diags):
        return Loaded(doc, None, diags)
    if env is not None:
        diags += check_schema(doc)  # the file itself first: an overlay is checked again once merged
        if has_errors(diags):
            return Loaded(doc, None, diags)
        merged, more = apply_environment(doc, env)
        if merged is None:
            return Loaded(doc, None, diags + more)
        if isinstance(merged.data, dict) and "include" in merged.data:
            return Loaded(doc, None, diags + [merged.diag(
                "GWC244", f"environment {env!r} sets include, which an overlay cannot do", "/include",
                "include the files at the top level of the spec; an overlay changes the merged result")])
        doc, diags = merged, []
    diags += check_schema(doc)
    if has_errors(diags):
        return Loaded(doc, None, diags)
    gateway, more = build_gateway(doc)
    diags += more
    if gateway is not None and not has_errors(diags):
        diags += check_gateway(gateway, doc)
    return Loaded(doc, None if has_errors(diags) else gateway, diags)


def fidelity_report(gw: Gateway, doc: Document, target: Target, allow_lossy: bool
                    ) -> tuple[list[Diagnostic], frozenset[tuple[str, str]]]:
    """Diagnostics for features the target cannot express exactly, and the uses to drop under --allow-lossy.
    Uses that share a spec location (a default inherited by many routes) are reported once, with a count."""
    diags: list[Diagnostic] = []
    drop: set[tuple[str, str]] = set()
    unsupported: dict[tuple[str, str], list[str]] = {}
    for feature, uses in feature_uses(gw).by_feature.items():  # sorted by feature, as the diagnostics are
        row = target.fidelity.get(feature)
        if row is None or row.support is Support.UNSUPPORTED:
            for use in uses:
                unsupported.setdefault((feature, use.pointer), []).append(use.owner)
                drop.add((feature, use.owner))
        elif row.support is Support.APPROXIMATE:
            diags.append(doc.diag("GWC302", f"{FEATURES[feature]} is approximate on {target.name}: {row.note}",
                                  uses[0].pointer, "see `gwc targets` for the fidelity table", level=Level.NOTE))
    level = Level.WARNING if allow_lossy else Level.ERROR
    hint = ("left out of the output because of --allow-lossy" if allow_lossy else
            "remove it for this target, pick another target, or pass --allow-lossy to leave it out")
    for (feature, pointer), owners in unsupported.items():
        row = target.fidelity.get(feature)
        note = row.note if row else "the target does not declare this feature"
        where = f" (used by {len(owners)} routes)" if len(owners) > 1 else ""
        diags.append(doc.diag("GWC301", f"{FEATURES.get(feature, feature)} is not supported by {target.name}: "
                              f"{note}{where}", pointer, hint, level=level))
    return [replace(d, target=target.name) for d in diags], frozenset(drop)


def _locate(d: Diagnostic, doc: Document, target: str) -> Diagnostic:
    """Give a target's pointer-only diagnostic its file, line and column."""
    if d.line:
        return d
    path, m = doc.locate(d.pointer)
    return Diagnostic(path, m.line, m.column, d.level, d.code, d.message, d.pointer, d.hint, d.target or target)


def compile_gateway(gw: Gateway, doc: Document, target: Target, allow_lossy: bool = False, stream: bool = False
                    ) -> tuple[dict[str, str | Streamed], list[Diagnostic]]:
    """Fidelity check, then emit. Files are empty when there are errors. With `stream`, large files may come as
    `Streamed` texts, for a caller that writes them out (gwc.output.write_tree) instead of reading them."""
    diags, drop = fidelity_report(gw, doc, target, allow_lossy)
    if has_errors(diags):
        return {}, diags
    result = target.emit(gw, EmitOptions(allow_lossy=allow_lossy, drop=drop))
    diags += list(dict.fromkeys(_locate(d, doc, target.name) for d in result.diagnostics))
    uses = feature_uses(gw)
    missing = set() if has_errors(diags) else uses.pairs - result.handled - drop  # an error already explains it
    for use in uses.all if missing else ():
        if (use.feature, use.owner) in missing:
            diags.append(doc.diag("GWC300", f"internal: {target.name} did not express {use.feature} of "
                                  f"{use.owner}; please report this", use.pointer,
                                  "this is a gwc bug: the output would be missing behaviour, so none was written"))
    if has_errors(diags):
        return {}, diags
    return (result.files if stream else texts(result.files)), diags
